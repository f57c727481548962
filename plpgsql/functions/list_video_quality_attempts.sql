-- API: the attempt history of a quality of the video p_video_id, oldest first:
-- who claimed it, when, how it ended, with the error and the last progress.
-- What an operator reads to see why a rung failed, and what a worker reads to
-- find the partial files of a dead predecessor (its worker and lease token).
create or replace function vq.list_video_quality_attempts(p_video_id uuid, p_quality_id uuid)
returns setof vq.quality_attempts
language plpgsql
stable
as $$
begin
    if p_video_id is null or p_quality_id is null then  -- the helpers name it
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
    end if;
    return query select * from vq.quality_attempts
                  where video_id = p_video_id and quality_id = p_quality_id
                  order by started_at, attempt;
end
$$;
comment on function vq.list_video_quality_attempts is
'Returns one row per claim of the quality p_quality_id of the video p_video_id, oldest first: attempt, worker, lease_token, started_at, ended_at (null while it runs), outcome (ready, failed, released, expired, ended), error_code, error_message, progress. No row for a quality never claimed or that does not exist.
Errors: 22004 p_video_id or p_quality_id is null; 22P02 an argument is not a UUID.';
