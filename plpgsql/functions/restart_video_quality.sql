-- API: an operator's "encode it again": the quality p_quality_id of the video
-- p_video_id becomes pending and due now with a new series of attempts, its
-- error cleared and any lease on it ended (the worker holding it loses it at its
-- next call: fencing). The row's url, settings and metadata stay: the worker
-- that encodes it again writes its own. A ready quality is not restarted: the
-- transition rules keep a file players may be using until a worker re-encodes it.
create or replace function vq.restart_video_quality(p_video_id uuid, p_quality_id uuid)
returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
begin
    if p_video_id is null or p_quality_id is null then  -- the helpers name it
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
    end if;
    update vq.video_qualities
       set status = 'pending', attempts = 0, due_at = now(), error_code = null,
           error_message = null       -- the trigger ends the lease: a new token is needed
     where video_id = p_video_id and id = p_quality_id
    returning * into v_quality;
    if not found then
        raise exception 'p_quality_id = % is not a quality of the video p_video_id = %',
            p_quality_id, p_video_id
            using errcode = 'no_data_found';                        -- P0002
    end if;
    perform pg_notify('vq_work', '');   -- wakes workers waiting in LISTEN vq_work
    return v_quality;
end
$$;
comment on function vq.restart_video_quality is
'Restarts the quality p_quality_id of the video p_video_id: pending, due now, a new series of attempts, error cleared, any lease ended; returns the row. For a pending, processing or failed quality (a ready one is re-encoded by a worker, not restarted).
Errors: 22004 p_video_id or p_quality_id is null; 22023 the quality is ready (the message names both statuses); P0002 the video has no such quality; 22P02 an argument is not a UUID.';
