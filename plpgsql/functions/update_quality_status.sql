-- API: vq.update_video_quality_status for a caller that knows only the quality:
-- it finds the quality's video, then makes that call. Sharded by video, the
-- look-up reads every shard; a caller that knows the video calls the by-video
-- form instead (the Python client does, docs/scaling.md).
create or replace function vq.update_quality_status(p_quality_id uuid, p_status text)
returns boolean
language plpgsql
as $$
declare
    v_video_id uuid;
begin
    select q.video_id into v_video_id from vq.video_qualities q where q.id = p_quality_id;
    -- A quality that does not exist has no video: any video id then finds no row
    -- to change, after the by-video form has checked every argument.
    return vq.update_video_quality_status(
        coalesce(v_video_id, '00000000-0000-0000-0000-000000000000'), p_quality_id, p_status);
end
$$;
comment on function vq.update_quality_status is
'Sets the status of the quality p_quality_id (vq.update_video_quality_status without the video); true when it exists, false when it does not. Allowed: pending->processing|failed, processing->ready|failed|pending, failed->pending|processing, ready->processing, and any status to itself (a no-op); leaving processing ends a lease. Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses); 22P02 p_quality_id is not a UUID.';
