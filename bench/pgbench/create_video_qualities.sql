-- pgbench script: see bench/README.md. Data: bench/load.sql, run with -D videos=N.
-- the restart of a whole ladder (8 rungs) in one call
\set n random(1, :videos)
select * from vq.create_video_qualities(p_video_id => md5('video' || :n)::uuid,
    p_qualities => (select jsonb_agg(jsonb_build_object('quality', label, 'status', 'ready',
                                     'url', 'https://cdn.example/' || :n || '/' || label))
                      from unnest(array['2160p', '1440p', '1080p', '720p', '480p', '360p',
                                        '240p', '144p']) label));
