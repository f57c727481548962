-- API: deletes a video and its qualities; returns the URLs of their files.
-- The rows go (the qualities with their video, on delete cascade), so every read
-- and write afterwards sees a video that does not exist: reads return no row,
-- writes false or P0002, a worker still encoding one of its qualities gets false
-- from its next update. A tombstone keeps the URLs, so a repeated call returns
-- the same URLs; a video that never existed returns none.
create or replace function vq.delete_video(p_video_id uuid)
returns setof text
language plpgsql
as $$
declare
    v_urls text[];
begin
    perform vq._require_not_null('p_video_id', p_video_id);

    -- the video row first, as every writer locks it: a concurrent set_default_quality
    -- or create_video_quality waits, then finds no video
    perform 1 from vq.videos where id = p_video_id for update;
    if found then
        select array_remove(array[v.url, v.thumbnail_url], null)
               || coalesce((select array_agg(q.url order by l.rank)
                              from vq.video_qualities q
                              join vq.quality_levels l on l.label = q.quality
                             where q.video_id = p_video_id), '{}')
          into v_urls
          from vq.videos v
         where v.id = p_video_id;
        delete from vq.videos where id = p_video_id;
        insert into vq.deleted_videos (id, urls) values (p_video_id, v_urls)
        -- deleted_at: the column's default, now() (sharded by video, Citus takes no
        -- now() in a DO UPDATE)
        on conflict (id) do update set urls = excluded.urls, deleted_at = excluded.deleted_at;
    else
        select d.urls into v_urls from vq.deleted_videos d where d.id = p_video_id;
    end if;
    return query select unnest(coalesce(v_urls, '{}'));
end
$$;
comment on function vq.delete_video is
'Deletes the video p_video_id and all its qualities, whatever their status or default, and returns the URLs of their files (the video''s url and thumbnail_url, then each quality''s, best first). Safe to repeat: a repeated call returns the same URLs; a video that never existed returns none.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID.';
