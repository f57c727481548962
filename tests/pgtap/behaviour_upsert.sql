-- create_video_quality on a (video, quality) that exists restarts that row:
-- same id, this call's values, created_at kept, the old result cleared; the
-- status change still follows the transition rules.
begin;
select no_plan();

select id as vid from vq.create_video(p_title => 'upsert') \gset

select id as qid from vq.create_video_quality(
    p_video_id => :'vid', p_quality => '720p', p_url => 'https://cdn.example/v1/720p.mp4',
    p_file_size => 19000000, p_bitrate => 2500, p_resolution_width => 1280,
    p_resolution_height => 720, p_codec => 'h264', p_container => 'mp4', p_duration => 60,
    p_fps => 30, p_status => 'processing',
    p_processing_started_at => '2020-01-01 10:00+00') \gset

-- the first attempt failed: an error message and a completion time are recorded
select ok(vq.update_quality_metadata(p_quality_id => :'qid', p_status => 'failed',
                                     p_error_message => 'encoder crashed'),
          'the first attempt fails');
-- make the row visibly old, so that "created_at kept" cannot pass by accident
-- (now() is the same for the whole test transaction)
-- (triggers off, or the trigger would set updated_at = now() during the backdating)
set local session_replication_role = replica;
update vq.video_qualities set created_at = '2020-01-01 09:00+00', updated_at = '2020-01-01 09:00+00'
 where id = :'qid';
set local session_replication_role = origin;

-- the worker retries the same call with new values
select is(q.id, :'qid'::uuid, 'a restart keeps the id')
  from vq.create_video_quality(
    p_video_id => :'vid', p_quality => '720p', p_url => 'https://cdn.example/v2/720p.webm',
    p_bitrate => 3000, p_codec => 'vp9', p_container => 'webm', p_fps => 25,
    p_status => 'processing', p_processing_started_at => '2020-01-02 10:00+00') q;

select is(count(*)::int, 1, 'still one row for (video, 720p)')
  from vq.video_qualities where video_id = :'vid' and quality = '720p';

select results_eq(
    format($$select url, bitrate, codec, container, fps, status, processing_started_at
               from vq.video_qualities where id = %L$$, :'qid'),
    $$ values ('https://cdn.example/v2/720p.webm', 3000, 'vp9', 'webm', 25::float8,
               'processing', '2020-01-02 10:00+00'::timestamptz) $$,
    'the restart stores the new call''s values');
-- a restart replaces the metadata: what the new call does not give is null again
select results_eq(
    format($$select file_size, resolution_width, resolution_height, duration
               from vq.video_qualities where id = %L$$, :'qid'),
    $$ values (null::bigint, null::int, null::int, null::float8) $$,
    'metadata not given by the new call is cleared, not kept from the old attempt');
select is((select created_at from vq.video_qualities where id = :'qid'),
          '2020-01-01 09:00+00'::timestamptz, 'a restart keeps created_at');
select is((select updated_at from vq.video_qualities where id = :'qid'), now(),
          'a restart moves updated_at');
select is((select error_message from vq.video_qualities where id = :'qid'), null,
          'a restart clears the error message of the old attempt');
select is((select processing_completed_at from vq.video_qualities where id = :'qid'), null,
          'a restart clears the completion time of the old attempt');

-- the same call twice is safe (a retried worker call)
select lives_ok(format($$select vq.create_video_quality(p_video_id => %L, p_quality => '720p',
        p_url => 'https://cdn.example/v2/720p.webm', p_bitrate => 3000, p_codec => 'vp9',
        p_container => 'webm', p_fps => 25, p_status => 'processing',
        p_processing_started_at => '2020-01-02 10:00+00')$$, :'vid'),
    'repeating the same call works');
select is(count(*)::int, 1, 'and leaves one row') from vq.video_qualities where video_id = :'vid';

-- the restart's status change follows the rules: ready -> pending is not allowed
select ok(vq.update_quality_status(p_quality_id => :'qid', p_status => 'ready'), 'now ready');
select throws_ok(format($$select vq.create_video_quality(p_video_id => %L, p_quality => '720p',
        p_url => 'https://cdn.example/v3/720p.mp4')$$, :'vid'),
    '22023', null, 'a restart of a ready quality as pending is refused (22023)');
select is((select url from vq.video_qualities where id = :'qid'),
          'https://cdn.example/v2/720p.webm', 'the refused restart changed nothing');
-- ready -> processing (a re-encode) is allowed
select is(q.status, 'processing', 'a ready quality restarts as processing (re-encode)')
  from vq.create_video_quality(p_video_id => :'vid', p_quality => '720p',
                               p_url => 'https://cdn.example/v3/720p.mp4',
                               p_status => 'processing') q;

-- a restart never takes the default away from a ready default ...
select id as qid2 from vq.create_video_quality(p_video_id => :'vid', p_quality => '1080p',
    p_url => 'https://cdn.example/1080p.mp4', p_status => 'ready', p_is_default => true) \gset
select is(q.is_default, true, 'a ready default restarted as ready stays the default')
  from vq.create_video_quality(p_video_id => :'vid', p_quality => '1080p',
                               p_url => 'https://cdn.example/1080p-b.mp4', p_status => 'ready') q;
-- ... but leaving ready does (the default is always a ready quality)
select is(q.is_default, false, 'a default restarted as processing stops being the default')
  from vq.create_video_quality(p_video_id => :'vid', p_quality => '1080p',
                               p_url => 'https://cdn.example/1080p-c.mp4',
                               p_status => 'processing') q;
select is_empty(format('select * from vq.get_default_quality(p_video_id => %L)', :'vid'),
                'the video has no default then');

-- another video's quality of the same label is another row
select id as other from vq.create_video(p_title => 'other') \gset
select isnt(q.id, :'qid'::uuid, 'the same label for another video is a new row')
  from vq.create_video_quality(p_video_id => :'other', p_quality => '720p',
                               p_url => 'https://cdn.example/other/720p.mp4') q;

select * from finish();
rollback;
