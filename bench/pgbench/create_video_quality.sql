-- pgbench script: see bench/README.md. Data: bench/load.sql, run with -D videos=N.
-- the restart of an existing (video, 720p): the path a retried worker takes
\set n random(1, :videos)
select * from vq.create_video_quality(p_video_id => md5('video' || :n)::uuid, p_quality => '720p',
    p_url => 'https://cdn.example/' || :n || '/720p.mp4', p_bitrate => 2500, p_status => 'ready');
