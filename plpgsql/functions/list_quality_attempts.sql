-- API: vq.list_video_quality_attempts for a caller that knows only the quality:
-- it finds the quality's video, then makes that call. Sharded by video, the
-- look-up reads every shard; a caller that knows the video calls the by-video
-- form instead (the Python client does, docs/scaling.md).
create or replace function vq.list_quality_attempts(p_quality_id uuid)
returns setof vq.quality_attempts
language plpgsql
stable
as $$
declare
    v_video_id uuid;
begin
    select q.video_id into v_video_id from vq.video_qualities q where q.id = p_quality_id;
    return query select * from vq.list_video_quality_attempts(
        coalesce(v_video_id, '00000000-0000-0000-0000-000000000000'), p_quality_id);
end
$$;
comment on function vq.list_quality_attempts is
'Returns the attempt history of the quality p_quality_id, oldest first (vq.list_video_quality_attempts without the video): one row per claim with its worker, times, outcome, error and last progress. No row for a quality never claimed or that does not exist.
Errors: 22004 p_quality_id is null; 22P02 p_quality_id is not a UUID.';
