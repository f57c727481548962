-- API: the status of the quality p_quality_id of the video p_video_id, and
-- nothing else. vq.update_quality_status is the same call for a caller that
-- knows only the quality; this form, keyed by the video, is the one that runs
-- on the video's shard alone when the catalog is sharded by video
-- (docs/scaling.md).
create or replace function vq.update_video_quality_status(
    p_video_id   uuid,
    p_quality_id uuid,
    p_status     text
) returns boolean
language plpgsql
as $$
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_video_id is null or p_quality_id is null
       or not exists (select 1 from vq.quality_statuses where status = p_status) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_status', p_status);
        perform vq._require_quality_status('p_status', p_status);
    end if;

    update vq.video_qualities set status = p_status
     where video_id = p_video_id and id = p_quality_id;
    return found;
end
$$;
comment on function vq.update_video_quality_status is
'Sets the status of the quality p_quality_id of the video p_video_id; true when that video has that quality, false otherwise. Allowed: pending->processing|failed, processing->ready|failed|pending, failed->pending|processing, ready->processing, and any status to itself (a no-op); leaving processing ends a lease. Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_video_id, p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses); 22P02 p_video_id or p_quality_id is not a UUID.';
