-- API: makes one ready quality the only default of its video, atomically.
-- Concurrent calls for one video are serialized by a lock on the video row, so
-- the last call to commit wins and no caller ever sees a unique violation; the
-- partial unique index on (video_id) where is_default is only the backstop.
create or replace function vq.set_default_quality(p_video_id uuid, p_quality_id uuid)
returns boolean
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
begin
    if p_video_id is null or p_quality_id is null then   -- the helper only to name which
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
    end if;

    -- always the video row first, then quality rows in id order: the order of
    -- create_video_quality (the batch functions lock their videos first too), so
    -- that none of them can deadlock with another.
    -- The rows are the new default and the current one, which the update below
    -- clears.
    perform 1 from vq.videos where id = p_video_id for no key update;
    if not found then
        return false;
    end if;
    -- Every statement names the video: sharded by video, they run on its shard
    -- alone (docs/scaling.md).
    perform 1 from vq.video_qualities
     where video_id = p_video_id and (id = p_quality_id or is_default)
     order by id
       for no key update;
    select * into v_quality from vq.video_qualities
     where video_id = p_video_id and id = p_quality_id;
    if not found then
        -- only on this error path: the quality in another video (every shard)
        select * into v_quality from vq.video_qualities
         where id = p_quality_id and video_id <> p_video_id;
        if not found then
            return false;
        end if;
        raise exception 'p_quality_id = % belongs to video %, not to p_video_id = %',
            p_quality_id, v_quality.video_id, p_video_id
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    if v_quality.status <> 'ready' then
        raise exception 'p_quality_id = % has status %: only a ready quality can be the default',
            p_quality_id, v_quality.status
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    if not v_quality.is_default then
        update vq.video_qualities set is_default = false where video_id = p_video_id and is_default;
        update vq.video_qualities set is_default = true
         where video_id = p_video_id and id = p_quality_id;
    end if;
    return true;
end
$$;
comment on function vq.set_default_quality is
'Makes the quality p_quality_id the only default of the video p_video_id, atomically and safely under concurrent calls (the last to commit wins); true when done (also when it already was the default), false when the video or the quality does not exist.
Errors: 22004 p_video_id or p_quality_id is null; 22023 the quality belongs to another video, or its status is not ready; 22P02 an argument is not a UUID.';
