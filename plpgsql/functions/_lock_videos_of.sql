-- Internal: locks the videos of the qualities p_quality_ids, one video at a
-- time in id order, and returns their ids. The batch calls take these locks
-- before they write: the video row first is the lock order of every writer of a
-- ladder (create_video_quality, set_default_quality), so no two of them can
-- deadlock. One statement per video: each names one video, so that sharded by
-- video (docs/scaling.md) each lock runs on that video's shard alone, where a
-- lock over many shards at once is not possible.
create or replace function vq._lock_videos_of(p_quality_ids uuid[])
returns uuid[]
language plpgsql
as $$
declare
    v_video_ids uuid[];
    v_video_id  uuid;
begin
    select coalesce(array_agg(distinct video_id order by video_id), '{}')
      into v_video_ids
      from vq.video_qualities
     where id = any (p_quality_ids);
    foreach v_video_id in array v_video_ids loop
        perform 1 from vq.videos where id = v_video_id for no key update;
    end loop;
    return v_video_ids;
end
$$;
comment on function vq._lock_videos_of is
'Internal: locks the videos of the qualities p_quality_ids (for no key update), one statement per video in id order, and returns their ids; qualities that do not exist add nothing.';
