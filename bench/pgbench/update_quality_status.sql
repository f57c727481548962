-- pgbench script: see bench/README.md. Data: bench/load.sql, run with -D videos=N.
\set n random(1, :videos)
\set r random(1, 8)
select vq.update_quality_status(
    p_quality_id => md5('quality' || :n || '/' || (array['2160p', '1440p', '1080p', '720p',
                        '480p', '360p', '240p', '144p'])[:r])::uuid,
    p_status => 'ready');
