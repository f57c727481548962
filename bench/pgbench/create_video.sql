-- pgbench script: see bench/README.md. Data: bench/load.sql, run with -D videos=N.
-- (adds a video per call; the data set only grows)
select * from vq.create_video(p_title => 'pgbench', p_url => 'https://cdn.example/pgbench.mp4');
