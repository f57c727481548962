-- pgbench script: see bench/README.md. Data: bench/load.sql, run with -D videos=N.
\set n random(1, :videos)
select vq.update_qualities_status(
    p_quality_ids => array(select md5('quality' || :n || '/' || label)::uuid
                             from unnest(array['2160p', '1440p', '1080p', '720p', '480p',
                                               '360p', '240p', '144p']) label),
    p_status => 'ready');
