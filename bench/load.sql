-- Bulk load for the benchmarks (and for bench/pgbench/*.sql): videos number
-- :first to :last, each with 8 ready qualities (2160p ... 144p), 720p the
-- default. Run as a superuser:
--
--     psql -v first=1 -v last=10000 -f bench/load.sql
--
-- Ids are derived from the number, so a script names any row without a lookup:
--   video n            md5('video' || n)::uuid
--   its quality label  md5('quality' || n || '/' || label)::uuid
--
-- Triggers and foreign-key checks are skipped while loading (the rows are
-- consistent by construction: ready qualities with both timestamps, one
-- default each); CHECK and UNIQUE constraints still apply.
set session_replication_role = replica;

insert into vq.videos (id, title, url, duration, status)
select md5('video' || g)::uuid, 'video ' || g, 'https://cdn.example/v/' || g, 600, 'published'
  from generate_series(:first, :last) g;

insert into vq.video_qualities (id, video_id, quality, url, file_size, bitrate,
        resolution_width, resolution_height, codec, container, duration, fps,
        is_default, status, processing_started_at, processing_completed_at)
select md5('quality' || g || '/' || l.label)::uuid, md5('video' || g)::uuid, l.label,
       'https://cdn.example/v/' || g || '/' || l.label || '.mp4',
       l.height * 100000, l.height * 5, l.height * 16 / 9, l.height, 'h264', 'mp4', 600, 30,
       l.label = '720p', 'ready', now() - interval '1 hour', now()
  from generate_series(:first, :last) g
 cross join vq.quality_levels l
 where l.height is not null;

reset session_replication_role;
