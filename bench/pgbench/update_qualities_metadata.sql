-- pgbench script: see bench/README.md. Data: bench/load.sql, run with -D videos=N.
-- the metadata of a whole ladder (8 qualities) in one call; the file size is that of
-- kbps over the 600 s of bench/load.sql (the catalog refuses a bit rate the file cannot hold)
\set n random(1, :videos)
\set kbps random(100, 20000)
select vq.update_qualities_metadata(p_updates =>
    (select jsonb_agg(jsonb_build_object('quality_id', md5('quality' || :n || '/' || label)::uuid,
                                         'bitrate', :kbps::integer, 'codec', 'h264',
                                         'file_size', :kbps::bigint * 75000))
       from unnest(array['2160p', '1440p', '1080p', '720p', '480p', '360p', '240p',
                         '144p']) label));
