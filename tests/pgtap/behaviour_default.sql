-- The default quality: always a ready quality of its own video, at most one per
-- video; set_default_quality switches it atomically; leaving ready drops it.
begin;
select no_plan();

select id as vid from vq.create_video(p_title => 'defaults') \gset
select id as other_vid from vq.create_video(p_title => 'another video') \gset
select id as q1080 from vq.create_video_quality(p_video_id => :'vid', p_quality => '1080p',
    p_url => 'https://cdn.example/1080p.mp4', p_status => 'ready') \gset
select id as q720 from vq.create_video_quality(p_video_id => :'vid', p_quality => '720p',
    p_url => 'https://cdn.example/720p.mp4', p_status => 'ready') \gset
select id as qpending from vq.create_video_quality(p_video_id => :'vid', p_quality => '480p',
    p_url => 'https://cdn.example/480p.mp4') \gset
select id as qprocessing from vq.create_video_quality(p_video_id => :'vid', p_quality => '360p',
    p_url => 'https://cdn.example/360p.mp4', p_status => 'processing') \gset
select id as qfailed from vq.create_video_quality(p_video_id => :'vid', p_quality => '240p',
    p_url => 'https://cdn.example/240p.mp4', p_status => 'failed') \gset
select id as qother from vq.create_video_quality(p_video_id => :'other_vid', p_quality => '720p',
    p_url => 'https://cdn.example/other/720p.mp4', p_status => 'ready') \gset

select is_empty(format('select * from vq.get_default_quality(p_video_id => %L)', :'vid'),
                'a video starts without a default');

-- only a ready quality can be the default
select throws_ok(format('select vq.set_default_quality(p_video_id => %L, p_quality_id => %L)',
                        :'vid', q), '22023', null,
                 format('set_default_quality refuses a %s quality (22023)', s))
  from (values (:'qpending', 'pending'), (:'qprocessing', 'processing'),
               (:'qfailed', 'failed')) v(q, s);                                         -- 3
select throws_matching(
    format('select vq.set_default_quality(p_video_id => %L, p_quality_id => %L)',
           :'vid', :'qpending'),
    'status pending', 'the message names the status');
-- a quality of another video
select throws_ok(format('select vq.set_default_quality(p_video_id => %L, p_quality_id => %L)',
                        :'vid', :'qother'), '22023', null,
                 'set_default_quality refuses a quality of another video (22023)');
select is(count(*)::int, 0, 'the refused calls set no default')
  from vq.video_qualities where is_default;

-- unknown video or quality: false, nothing changes
select is(vq.set_default_quality(p_video_id => gen_random_uuid(), p_quality_id => :'q1080'),
          false, 'an unknown video: false');
select is(vq.set_default_quality(p_video_id => :'vid', p_quality_id => gen_random_uuid()),
          false, 'an unknown quality: false');
select is(count(*)::int, 0, 'and no default set') from vq.video_qualities where is_default;

-- set, then switch: one default per video, the last one set
select ok(vq.set_default_quality(p_video_id => :'vid', p_quality_id => :'q1080'),
          'a ready quality becomes the default');
select is(q.id, :'q1080'::uuid, 'get_default_quality returns it')
  from vq.get_default_quality(p_video_id => :'vid') q;
select ok(vq.set_default_quality(p_video_id => :'vid', p_quality_id => :'q720'),
          'switching the default to another ready quality');
select results_eq(format('select id from vq.video_qualities where video_id = %L and is_default',
                         :'vid'),
                  format('values (%L::uuid)', :'q720'),
                  'after switching, exactly one default: the new one');
select results_eq(format('select id from vq.get_default_quality(p_video_id => %L)', :'vid'),
                  format('values (%L::uuid)', :'q720'),
                  'get_default_quality returns the new default');
select ok(vq.set_default_quality(p_video_id => :'vid', p_quality_id => :'q720'),
          'setting the current default again: true');
select is(count(*)::int, 1, 'still one default') from vq.video_qualities
 where video_id = :'vid' and is_default;
select ok(vq.set_default_quality(p_video_id => :'other_vid', p_quality_id => :'qother'),
          'another video gets its own default');
select results_eq(format('select id from vq.get_default_quality(p_video_id => %L)', :'vid'),
                  format('values (%L::uuid)', :'q720'),
                  'the default of one video does not touch another''s');
select is_empty(format('select * from vq.get_default_quality(p_video_id => %L)',
                       gen_random_uuid()),
                'get_default_quality of an unknown video: no row');

-- create_video_quality with p_is_default: the new quality becomes the only default
select is(q.is_default, true, 'create_video_quality(p_is_default => true) makes a default')
  from vq.create_video_quality(p_video_id => :'vid', p_quality => '2160p',
                               p_url => 'https://cdn.example/2160p.mp4', p_status => 'ready',
                               p_is_default => true) q;
select results_eq(format('select quality from vq.video_qualities where video_id = %L and is_default',
                         :'vid'),
                  $$ values ('2160p') $$,
                  'and the previous default is no longer one');

-- the default leaving ready stops being the default in the same statement
select ok(vq.set_default_quality(p_video_id => :'vid', p_quality_id => :'q1080'),
          'default back to 1080p');
select ok(vq.update_quality_status(p_quality_id => :'q1080', p_status => 'processing'),
          'the default goes back to processing (re-encode)');
select results_eq(format('select status, is_default from vq.video_qualities where id = %L',
                         :'q1080'),
                  $$ values ('processing', false) $$,
                  'a default that leaves ready is no longer the default');
select is_empty(format('select * from vq.get_default_quality(p_video_id => %L)', :'vid'),
                'the video has no default then (none is chosen behind the caller''s back)');
-- same through update_quality_metadata and update_qualities_status
select ok(vq.set_default_quality(p_video_id => :'vid', p_quality_id => :'q720'), '720p default');
select vq.update_quality_metadata(p_quality_id => :'q720', p_status => 'processing') \g /dev/null
select is((select is_default from vq.video_qualities where id = :'q720'), false,
          'update_quality_metadata leaving ready drops the default');
update vq.video_qualities set status = 'ready' where id = :'q720';
select ok(vq.set_default_quality(p_video_id => :'vid', p_quality_id => :'q720'), '720p again');
select vq.update_qualities_status(p_quality_ids => array[:'q720'::uuid], p_status => 'processing')
\g /dev/null
select is((select is_default from vq.video_qualities where id = :'q720'), false,
          'update_qualities_status leaving ready drops the default');

-- the constraints are the backstop for writers that bypass the API
update vq.video_qualities set status = 'ready' where id in (:'q720', :'q1080');
select throws_ok(format('update vq.video_qualities set is_default = true where id in (%L, %L)',
                        :'q720', :'q1080'),
                 '23505', null, 'two defaults for one video: unique violation (23505)');
select throws_ok(format('update vq.video_qualities set is_default = true where id = %L',
                        :'qpending'),
                 '23514', null, 'a default that is not ready: check violation (23514)');

select * from finish();
rollback;
