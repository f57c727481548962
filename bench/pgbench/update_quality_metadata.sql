-- pgbench script: see bench/README.md. Data: bench/load.sql, run with -D videos=N.
\set n random(1, :videos)
\set r random(1, 8)
\set kbps random(100, 20000)
-- the file size is that of kbps over the 600 s of bench/load.sql (the catalog refuses a
-- bit rate the file cannot hold)
select vq.update_quality_metadata(
    p_quality_id => md5('quality' || :n || '/' || (array['2160p', '1440p', '1080p', '720p',
                        '480p', '360p', '240p', '144p'])[:r])::uuid,
    p_bitrate => :kbps, p_file_size => :kbps * 75000, p_codec => 'h264');
