-- vq.delete_video: the video and its qualities are gone from every read at once,
-- the URLs of their files come back (the same on a repeat), and neither a
-- default, a status nor a running encode makes it fail.
begin;
select no_plan();

create temp table fx as
select v.id as video_id, v2.id as other_id
  from vq.create_video('Cats', p_url => 'https://cdn/cats.mp4',
                       p_thumbnail_url => 'https://cdn/cats.jpg') v,
       vq.create_video('Dogs') v2;
select vq.create_video_quality(video_id, '720p', 'https://cdn/720.mp4', p_status => 'ready',
                               p_is_default => true) from fx;
select vq.create_video_quality(video_id, '1080p', 'https://cdn/1080.mp4',
                               p_status => 'processing') from fx;
select vq.create_video_quality(video_id, 'original', 'https://cdn/orig.mp4') from fx;
select vq.create_video_quality(other_id, '720p', 'https://cdn/dogs/720.mp4') from fx;
create temp table q as
select id, quality from vq.video_qualities where video_id = (select video_id from fx);

select is(array(select vq.delete_video(video_id) from fx),
          array['https://cdn/cats.mp4', 'https://cdn/cats.jpg', 'https://cdn/1080.mp4',
                'https://cdn/720.mp4', 'https://cdn/orig.mp4'],
          'returns the URLs of the video and of every quality (a default and a running one)');
select is_empty($$ select * from vq.get_video((select video_id from fx)) $$,
                'get_video: gone');
select is_empty($$ select * from vq.list_qualities_ordered((select video_id from fx)) $$,
                'list_qualities_ordered: gone');
select is_empty($$ select * from vq.get_default_quality((select video_id from fx)) $$,
                'get_default_quality: gone');
select is((select count(*)::int from vq.video_qualities where video_id = (select video_id from fx)),
          0, 'the qualities rows are gone with their video');

-- the other functions answer as for a video that never existed
select is(vq.update_quality_metadata((select id from q where quality = '1080p'),
                                     p_status => 'ready'), false,
          'a running encode''s completion returns false');
select is(vq.update_quality_status((select id from q where quality = '720p'), 'processing'),
          false, 'update_quality_status returns false');
select is(vq.update_video_status((select video_id from fx), 'published'), false,
          'update_video_status returns false');
select is(vq.set_default_quality((select video_id from fx), (select id from q limit 1)), false,
          'set_default_quality returns false');
select throws_ok(format('select vq.create_video_quality(%L, %L, %L)',
                        (select video_id from fx), '720p', 'https://cdn/720.mp4'),
                 'P0002', null, 'create_video_quality on it: P0002, as for any unknown video');

-- safe to repeat, and other videos untouched
select is(array(select vq.delete_video(video_id) from fx),
          array['https://cdn/cats.mp4', 'https://cdn/cats.jpg', 'https://cdn/1080.mp4',
                'https://cdn/720.mp4', 'https://cdn/orig.mp4'],
          'a repeated call returns the same URLs');
select is((select count(*)::int from vq.list_qualities_ordered((select other_id from fx))), 1,
          'the other video keeps its quality');
select is_empty($$ select vq.delete_video(gen_random_uuid()) $$,
                'a video that never existed: no URL, no error');
select is(array(select vq.delete_video(other_id) from fx), array['https://cdn/dogs/720.mp4'],
          'a video without url or thumbnail returns its qualities'' URLs only');

select throws_ok('select vq.delete_video(null)', '22004', 'p_video_id is required',
                 'p_video_id null: 22004');
select throws_ok($$ select vq.delete_video('nope') $$, '22P02', null,
                 'p_video_id not a UUID: 22P02');

select * from finish();
rollback;
