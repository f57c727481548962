-- pgbench script: see bench/README.md. Data: bench/load.sql, run with -D videos=N.
\set n random(1, :videos)
select * from vq.get_default_quality(p_video_id => md5('video' || :n)::uuid);
