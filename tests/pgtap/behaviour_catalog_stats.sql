-- catalog_stats: videos and qualities counted by status, every status listed.
begin;
select no_plan();

select results_eq(
    $$ select kind, status, count from vq.catalog_stats() $$,
    $$ values ('video', 'draft', 0::bigint), ('video', 'processing', 0), ('video', 'published', 0),
              ('quality', 'failed', 0), ('quality', 'pending', 0), ('quality', 'processing', 0),
              ('quality', 'ready', 0) $$,
    'an empty catalog: every status listed, each with 0, videos first');

select id as v1 from vq.create_video(p_title => 'one') \gset
select id as v2 from vq.create_video(p_title => 'two') \gset
select vq.update_video_status(:'v2', 'published');
select vq.create_video_quality(:'v1', '720p', 's3://1/720p');
select vq.create_video_quality(:'v1', '480p', 's3://1/480p', p_status => 'ready');
select vq.create_video_quality(:'v2', '720p', 's3://2/720p', p_status => 'ready');

select results_eq(
    $$ select kind, status, count from vq.catalog_stats() where count > 0 $$,
    $$ values ('video', 'draft', 1::bigint), ('video', 'published', 1),
              ('quality', 'pending', 1), ('quality', 'ready', 2) $$,
    'the counts follow the writes');

select * from finish();
rollback;
