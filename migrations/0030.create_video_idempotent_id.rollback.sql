-- Restores create_video as migration 0002.api defined it (without p_id).
drop function vq.create_video(text, text, text, text, integer, uuid, uuid);

-- API: a new video, in status 'draft'.
create or replace function vq.create_video(
    p_title         text,
    p_description   text default null,
    p_url           text default null,
    p_thumbnail_url text default null,
    p_duration      integer default null,
    p_user_id       uuid default null
) returns vq.videos
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_video vq.videos;
begin
    perform vq.require_text('p_title', p_title, 500, true);
    perform vq.require_text('p_description', p_description, 10000);
    perform vq.require_text('p_url', p_url, 2048);
    perform vq.require_text('p_thumbnail_url', p_thumbnail_url, 2048);
    perform vq.require_range('p_duration', p_duration, 0, 1000000);

    insert into vq.videos (title, description, url, thumbnail_url, duration, user_id)
    values (p_title, p_description, p_url, p_thumbnail_url, p_duration, p_user_id)
    returning * into v_video;
    return v_video;
end
$$;
alter function vq.create_video(text, text, text, text, integer, uuid) owner to vq_owner;
revoke all on function vq.create_video(text, text, text, text, integer, uuid) from public;
grant execute on function vq.create_video(text, text, text, text, integer, uuid) to vq_worker;
comment on function vq.create_video(text, text, text, text, integer, uuid) is
'Creates a video in status draft and returns its row.
Errors: 22004 p_title is null; 22023 p_title is blank; 22001 p_title over 500, p_description over 10000, p_url or p_thumbnail_url over 2048 characters; 22003 p_duration outside [0, 1000000] seconds.';
