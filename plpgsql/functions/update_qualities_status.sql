-- API: the status of many qualities in one call and one transaction: all change
-- or, when one change is not allowed, none does.
create or replace function vq.update_qualities_status(p_quality_ids uuid[], p_status text)
returns integer
language plpgsql
as $$
declare
    v_video_ids uuid[];
    v_changed   integer;
begin
    perform vq._require_not_null('p_quality_ids', p_quality_ids);
    if array_position(p_quality_ids, null) is not null then
        raise exception 'p_quality_ids contains a null at position %', array_position(p_quality_ids, null)
            using errcode = 'null_value_not_allowed';               -- 22004
    end if;
    perform vq._require_not_null('p_status', p_status);
    perform vq._require_quality_status('p_status', p_status);

    -- the videos first, in id order, so that two overlapping batches cannot deadlock
    v_video_ids := vq._lock_videos_of(p_quality_ids);
    update vq.video_qualities set status = p_status
     where video_id = any (v_video_ids) and id = any (p_quality_ids);
    get diagnostics v_changed = row_count;
    return v_changed;
end
$$;
comment on function vq.update_qualities_status is
'Sets the status of every quality in p_quality_ids, all or nothing; returns how many exist (ids that do not exist are skipped). Same rules as update_quality_status.
Errors: 22004 p_quality_ids or p_status is null, or p_quality_ids contains a null; 22023 p_status is not pending/processing/ready/failed, or one of the changes is not allowed (then none is made); 22P02 an element of p_quality_ids is not a UUID.';
