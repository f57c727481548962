-- API: a new video, in status 'draft'.
-- p_id makes the call safe to repeat: a caller (the Python client always does)
-- picks the new video's id, and a repeat of the same call, after a lost
-- connection say, returns the video the first one created instead of a second
-- video. Reusing an id for different content is refused.
create or replace function vq.create_video(
    p_title         text,
    p_description   text default null,
    p_url           text default null,
    p_thumbnail_url text default null,
    p_duration      double precision default null,
    p_user_id       uuid default null,
    p_id            uuid default null
) returns vq.videos
language plpgsql
as $$
declare
    v_video vq.videos;
begin
    perform vq._require_text('p_title', p_title, true);
    perform vq._require_text('p_description', p_description);
    perform vq._require_text('p_url', p_url);
    perform vq._require_text('p_thumbnail_url', p_thumbnail_url);
    perform vq._require_range('p_duration', p_duration::numeric);

    insert into vq.videos (id, title, description, url, thumbnail_url, duration, user_id)
    values (coalesce(p_id, gen_random_uuid()), p_title, p_description, p_url, p_thumbnail_url,
            p_duration, p_user_id)
    on conflict (id) do nothing
    returning * into v_video;
    if found then
        return v_video;
    end if;

    -- p_id exists: the same call again (return what it created), or a reused id
    select * into v_video from vq.videos where id = p_id;
    if (v_video.title, v_video.description, v_video.url, v_video.thumbnail_url,
        v_video.duration, v_video.user_id)
       is distinct from (p_title, p_description, p_url, p_thumbnail_url, p_duration, p_user_id) then
        raise exception 'p_id = % already names another video', p_id
            using errcode = 'unique_violation';                      -- 23505
    end if;
    return v_video;
end
$$;
comment on function vq.create_video is
'Creates a video in status draft and returns its row. With p_id the new video gets that id, and repeating the same call returns the video it created (safe to retry).
Errors: 22004 p_title is null; 22023 p_title is blank; 22001 p_title, p_description, p_url or p_thumbnail_url longer than its limit; 22003 p_duration out of its range (limits: vq._limit, docs/sql-api.md#limits); 22P02 p_user_id or p_id is not a UUID; 23505 p_id already names a video with other values.';
