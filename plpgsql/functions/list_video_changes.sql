-- API: the change feed's events of one video, newest first: its history as the
-- console's video page shows it. Reads the feed's index by video.
create or replace function vq.list_video_changes(p_video_id uuid, p_limit integer default 50)
returns table (
    "position" text,
    at         timestamptz,
    video_id   uuid,
    kind       text,
    quality    text,
    quality_id uuid,
    value      text,
    error_code text
)
language plpgsql
stable
as $$
begin
    if p_video_id is null or p_limit is null then  -- the helpers name it
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_limit', p_limit);
    end if;
    perform vq._require_range('p_limit', p_limit);
    return query
    select c.xid::text || '/' || c.seq::text, c.at, c.video_id, c.kind, c.quality,
           c.quality_id, c.value, c.error_code
      from vq.changes c
     where c.video_id = p_video_id
     order by c.xid desc, c.seq desc
     limit p_limit;
end
$$;
comment on function vq.list_video_changes is
'Returns up to p_limit (default 50) change feed events of the video p_video_id, newest first, in vq.changes_since''s form (position, at, kind, quality, value, error_code). Events of a deleted video stay until pruned.
Errors: 22004 p_video_id or p_limit is null; 22003 p_limit out of its range (limits: vq._limit); 22P02 p_video_id is not a UUID.';
