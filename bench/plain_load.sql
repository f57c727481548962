-- bench/load.sql for the plain service's tables (bench/plain_service.sql): the
-- same videos :first to :last with the same ids, each with 8 ready qualities,
-- 720p the default, so that both baselines and vqdb run on the same data.
insert into videos (id, title, url, duration, status)
select md5('video' || g)::uuid, 'video ' || g, 'https://cdn.example/v/' || g, 600, 'published'
  from generate_series(:first, :last) g;

insert into video_qualities (id, video_id, quality, url, file_size, bitrate,
        resolution_width, resolution_height, codec, container, duration, fps,
        is_default, status, processing_started_at, processing_completed_at)
select md5('quality' || g || '/' || l.label)::uuid, md5('video' || g)::uuid, l.label,
       'https://cdn.example/v/' || g || '/' || l.label || '.mp4',
       l.height * 100000, l.height * 5, l.height * 16 / 9, l.height, 'h264', 'mp4', 600, 30,
       l.label = '720p', 'ready', now() - interval '1 hour', now()
  from generate_series(:first, :last) g
 cross join (values ('2160p', 2160), ('1440p', 1440), ('1080p', 1080), ('720p', 720),
                    ('480p', 480), ('360p', 360), ('240p', 240), ('144p', 144)) l(label, height);
