-- Videos: create_video, get_video, update_video_status.
begin;
select no_plan();

select results_eq(
    $$ select title, description, url, thumbnail_url, duration, views, likes, status,
              created_at = now() and updated_at = now()
         from vq.create_video(p_title => 'Big Buck Bunny', p_description => 'a rabbit',
                              p_url => 'https://cdn.example/bbb.mp4',
                              p_thumbnail_url => 'https://cdn.example/bbb.jpg',
                              p_duration => 596.458) $$,
    $$ values ('Big Buck Bunny', 'a rabbit', 'https://cdn.example/bbb.mp4',
               'https://cdn.example/bbb.jpg', 596.458::double precision, 0::bigint, 0::bigint,
               'draft', true) $$,
    'create_video stores the arguments (a fractional duration too) and returns the row: a draft with no views');

select id as vid from vq.create_video(p_title => 'only a title') \gset
select results_eq(format('select id, title, status from vq.get_video(p_video_id => %L)', :'vid'),
                  format('values (%L::uuid, %L, %L)', :'vid', 'only a title', 'draft'),
                  'get_video returns the video');
select results_eq(format('select * from vq.get_video(p_video_id => %L)', :'vid'),
                  format('select * from vq.videos where id = %L', :'vid'),
                  'get_video returns every column of the stored row');
select is_empty('select * from vq.get_video(p_video_id => gen_random_uuid())',
                'get_video of an unknown video: no row');

select ok(vq.update_video_status(p_video_id => :'vid', p_status => s),
          format('update_video_status to %s', s))
  from unnest(array['processing', 'published', 'draft']) s;                             -- 3
select is((select status from vq.videos where id = :'vid'), 'draft', 'the last status stays');
select ok(vq.update_video_status(p_video_id => :'vid', p_status => 'draft'),
          'setting the status it already has is allowed');
select is(vq.update_video_status(p_video_id => gen_random_uuid(), p_status => 'published'),
          false, 'update_video_status of an unknown video: false');

-- p_id: the caller picks the id, and the same call again returns the same video
select is((vq.create_video(p_title => 'retried', p_duration => 5,
                           p_id => '00000000-0000-4000-8000-0000000000a1')).id,
          '00000000-0000-4000-8000-0000000000a1'::uuid, 'create_video with p_id uses that id');
select results_eq(
    $$ select id, created_at from vq.create_video(p_title => 'retried', p_duration => 5,
                                                 p_id => '00000000-0000-4000-8000-0000000000a1') $$,
    $$ select id, created_at from vq.videos where id = '00000000-0000-4000-8000-0000000000a1' $$,
    'the same call again returns the video the first call created');
select is((select count(*)::int from vq.videos where title = 'retried'), 1,
          'a repeated create_video creates no second video');
select throws_ok(
    $$ select vq.create_video(p_title => 'something else',
                              p_id => '00000000-0000-4000-8000-0000000000a1') $$,
    '23505', null, 'reusing p_id for other values raises 23505');

-- updated_at follows every change (trigger), created_at never does
-- (triggers off for this backdating, or the trigger would set updated_at = now() itself)
set local session_replication_role = replica;
update vq.videos set created_at = '2020-01-01', updated_at = '2020-01-01' where id = :'vid';
set local session_replication_role = origin;
select is((select updated_at from vq.videos where id = :'vid'), '2020-01-01'::timestamptz,
          'backdated (so the next check can fail)');
select vq.update_video_status(p_video_id => :'vid', p_status => 'published') \g /dev/null
select results_eq(format('select created_at, updated_at from vq.videos where id = %L', :'vid'),
                  $$ values ('2020-01-01'::timestamptz, now()) $$,
                  'a status change moves updated_at, not created_at');

select * from finish();
rollback;
