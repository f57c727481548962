-- API: gives the work back at once (a worker shutting down): pending and due
-- now, without using up an attempt.
create or replace function vq.release_quality(
    p_quality_id  uuid,
    p_lease_token uuid,
    p_video_id    uuid default null
)
returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
begin
    v_quality := vq._leased_quality(p_quality_id, p_lease_token, '{pending}', p_video_id);
    if v_quality.lease_expires_at is null then
        return v_quality;                                   -- a repeat: already done
    end if;
    update vq.video_qualities
       set status = 'pending', due_at = now(), attempts = attempts - 1,
           lease_expires_at = null              -- ended by its holder: keep owner and token
     where id = p_quality_id and video_id = v_quality.video_id
    returning * into v_quality;
    perform pg_notify('vq_work', '');
    return v_quality;
end
$$;
comment on function vq.release_quality is
'Gives the quality p_quality_id back: pending, due now, its attempt not counted, if p_lease_token is its lease; returns the row. A repeat of the call returns the row unchanged. p_video_id (optional: the quality''s video) spares a look-up on a sharded catalog.
Errors: 22004 p_quality_id or p_lease_token is null; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';
