-- vq.update_qualities_metadata(p_updates jsonb): many qualities' metadata in one
-- call, with update_quality_metadata's rules for each element, all or nothing.
--
-- Fixtures with fixed ids, so the statements below are plain text:
--   video ...0001: qualities ...0011 (720p, processing), ...0012 (1080p, processing),
--                  ...0013 (480p, ready, default)
--   ...0099 exists nowhere
begin;
select no_plan();

insert into vq.videos (id, title) values ('00000000-0000-4000-8000-000000000001', 'batch');
insert into vq.video_qualities (id, video_id, quality, url, status, bitrate, codec) values
    ('00000000-0000-4000-8000-000000000011', '00000000-0000-4000-8000-000000000001', '720p',
     'https://cdn.example/720p.mp4', 'processing', 100, 'vp9'),
    ('00000000-0000-4000-8000-000000000012', '00000000-0000-4000-8000-000000000001', '1080p',
     'https://cdn.example/1080p.mp4', 'processing', 200, 'vp9'),
    ('00000000-0000-4000-8000-000000000013', '00000000-0000-4000-8000-000000000001', '480p',
     'https://cdn.example/480p.mp4', 'ready', 300, 'vp9');
update vq.video_qualities set is_default = true where id = '00000000-0000-4000-8000-000000000013';

-- ------------------------------------------------------------ structure --
select has_function('vq', 'update_qualities_metadata', array['jsonb']);
select function_returns('vq', 'update_qualities_metadata', array['jsonb'], 'integer');
select is_definer('vq', 'update_qualities_metadata', array['jsonb']);
select function_lang_is('vq', 'update_qualities_metadata', array['jsonb'], 'plpgsql');
select function_owner_is('vq', 'update_qualities_metadata', array['jsonb'], 'vq_owner');
select is((select proconfig from pg_proc where oid = 'vq.update_qualities_metadata(jsonb)'::regprocedure),
          array['search_path=pg_catalog, pg_temp'],
          'search_path is pinned, and nothing else: no forced plan mode (docs/scaling.md)');
select matches(obj_description('vq.update_qualities_metadata(jsonb)'::regprocedure, 'pg_proc'),
               'Errors: 22004 .*22023 .*22P02 .*22001 .*22003 ',
               'COMMENT ON FUNCTION lists the errors with their SQLSTATEs');

-- ----------------------------------------------------------- privileges --
select function_privs_are('vq', 'update_qualities_metadata', array['jsonb'], 'vq_worker',
                          array['EXECUTE']);
select function_privs_are('vq', 'update_qualities_metadata', array['jsonb'], 'vq_reader',
                          array[]::text[]);
select function_privs_are('vq', 'update_qualities_metadata', array['jsonb'], 'public',
                          array[]::text[]);

-- ----------------------------------------------------------- happy path --
select is(vq.update_qualities_metadata(p_updates => '[
    {"quality_id": "00000000-0000-4000-8000-000000000011", "url": "https://cdn.example/720p-b.mp4",
     "file_size": 20000000, "bitrate": 2500, "resolution_width": 1280, "resolution_height": 720,
     "codec": "h264", "container": "mp4", "duration": 60.5, "fps": 29.97,
     "pixel_format": "yuv420p", "color_space": "bt709", "audio_codec": "aac",
     "audio_bitrate": 128, "audio_channels": 2, "audio_sample_rate": 48000,
     "aspect_ratio": "16:9", "frame_count": 1813, "encoding_time": 12.5, "status": "ready"},
    {"quality_id": "00000000-0000-4000-8000-000000000012", "status": "failed",
     "error_message": "encoder crashed"}
  ]'), 2, 'two qualities updated: returns 2');
select results_eq(
    $$ select url, file_size, bitrate, resolution_width, resolution_height, codec, container,
              duration, fps, pixel_format, color_space, audio_codec, audio_bitrate,
              audio_channels, audio_sample_rate, aspect_ratio, frame_count, encoding_time, status
         from vq.video_qualities where id = '00000000-0000-4000-8000-000000000011' $$,
    $$ values ('https://cdn.example/720p-b.mp4', 20000000::bigint, 2500, 1280, 720, 'h264', 'mp4',
               60.5::float8, 29.97::float8, 'yuv420p', 'bt709', 'aac', 128, 2, 48000, '16:9',
               1813::bigint, 12.5::float8, 'ready') $$,
    'every key of an element reaches its column');
select ok(processing_completed_at is not null, 'reaching ready sets processing_completed_at')
  from vq.video_qualities where id = '00000000-0000-4000-8000-000000000011';
select results_eq(
    $$ select status, error_message, processing_completed_at is not null, bitrate, codec
         from vq.video_qualities where id = '00000000-0000-4000-8000-000000000012' $$,
    $$ values ('failed', 'encoder crashed', true, 200, 'vp9') $$,
    'partial fields: the keys not given keep their value; failed sets processing_completed_at');

-- partial fields, null meaning "unchanged", like the single form
select is(vq.update_qualities_metadata(p_updates => '[
    {"quality_id": "00000000-0000-4000-8000-000000000013", "bitrate": 350, "codec": null}]'),
    1, 'a partial update returns 1');
select results_eq(
    $$ select bitrate, codec, url, status, is_default
         from vq.video_qualities where id = '00000000-0000-4000-8000-000000000013' $$,
    $$ values (350, 'vp9', 'https://cdn.example/480p.mp4', 'ready', true) $$,
    'only the given field changed; a null value keeps the old one; the default stays');

-- a missing quality is skipped, not an error (the single form returns false)
select is(vq.update_qualities_metadata(p_updates => '[
    {"quality_id": "00000000-0000-4000-8000-000000000099", "bitrate": 1},
    {"quality_id": "00000000-0000-4000-8000-000000000013", "bitrate": 360}]'),
    1, 'a quality_id that does not exist is skipped and not counted');
select is(vq.update_qualities_metadata(p_updates => '[]'), 0, 'an empty array: 0, no error');

-- a default that leaves ready stops being the default, as in the single form
select is(vq.update_qualities_metadata(p_updates => '[
    {"quality_id": "00000000-0000-4000-8000-000000000013", "status": "processing"}]'), 1,
    'ready -> processing is allowed');
select results_eq(
    $$ select status, is_default, processing_completed_at
         from vq.video_qualities where id = '00000000-0000-4000-8000-000000000013' $$,
    $$ values ('processing', false, null::timestamptz) $$,
    'leaving ready clears the default and the completion time');

-- same status again is a no-op, allowed
select is(vq.update_qualities_metadata(p_updates => '[
    {"quality_id": "00000000-0000-4000-8000-000000000011", "status": "ready"}]'), 1,
    'ready -> ready (no change) is allowed');

-- ------------------------------------------------------- all or nothing --
create temporary table before_failure on commit drop as
    select * from vq.video_qualities;
select throws_ok($$ select vq.update_qualities_metadata(p_updates => '[
    {"quality_id": "00000000-0000-4000-8000-000000000013", "bitrate": 999, "status": "ready"},
    {"quality_id": "00000000-0000-4000-8000-000000000011", "bitrate": -5}]') $$,
    '22003', null, 'an invalid second element fails the call');
select throws_ok($$ select vq.update_qualities_metadata(p_updates => '[
    {"quality_id": "00000000-0000-4000-8000-000000000013", "bitrate": 999, "status": "ready"},
    {"quality_id": "00000000-0000-4000-8000-000000000012", "status": "ready"}]') $$,
    '22023', null, 'a forbidden status change in the second element fails the call');
select set_eq($$ select * from vq.video_qualities $$, $$ select * from before_failure $$,
              'after the failed calls every row is as before (the valid first element too)');

-- -------------------------------------------------------------- errors --
-- every SQLSTATE, with the element named as p_updates[N] (1-based)
select throws_ok($$ select vq.update_qualities_metadata(p_updates => null) $$,
    '22004', 'p_updates is required', 'null p_updates: 22004');
select throws_ok($$ select vq.update_qualities_metadata(p_updates => '{"quality_id": "x"}') $$,
    '22023', 'p_updates must be a JSON array of objects, not a JSON object',
    'an object instead of an array: 22023');
select throws_ok($$ select vq.update_qualities_metadata(p_updates => '[{}, 3]') $$,
    '22004', 'p_updates[1]: quality_id is required', 'quality_id missing: 22004');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011"}, 3]') $$,
    '22023', 'p_updates[2]: must be a JSON object, not a JSON number',
    'an element that is not an object: 22023');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": null}]') $$,
    '22004', 'p_updates[1]: quality_id is required', 'quality_id null: 22004');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "is_default": true}]') $$,
    '22023', 'p_updates[1]: unknown key ''is_default''', 'an unknown key: 22023');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "p_bitrate": 5}]') $$,
    '22023', 'p_updates[1]: unknown key ''p_bitrate''', 'a key with the p_ prefix: 22023');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011"},
      {"quality_id": "00000000-0000-4000-8000-000000000011", "bitrate": 1}]') $$,
    '22023', 'p_updates[2]: quality_id 00000000-0000-4000-8000-000000000011 appears more than once',
    'the same quality twice: 22023');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "url": "  "}]') $$,
    '22023', 'p_updates[1]: url must not be empty', 'a blank url: 22023');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "status": "done"}]') $$,
    '22023', 'p_updates[1]: status = ''done'' is not a quality status (pending, processing, ready, failed)',
    'an unknown status: 22023');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000013", "bitrate": 1},
      {"quality_id": "00000000-0000-4000-8000-000000000012", "status": "ready"}]') $$,
    '22023', 'p_updates[2]: quality 00000000-0000-4000-8000-000000000012 cannot change status from failed to ready',
    'a forbidden status change names its element: 22023');
select throws_ok($$ select vq.update_qualities_metadata(p_updates => '[{"quality_id": "x"}]') $$,
    '22P02', 'p_updates[1]: invalid input syntax for type uuid: "x"',
    'quality_id not a UUID: 22P02');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "bitrate": "fast"}]') $$,
    '22P02', 'p_updates[1]: bitrate = "fast" is not a valid integer',
    'text for a number: 22P02, naming the key and the value');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "bitrate": 1.5}]') $$,
    '22P02', 'p_updates[1]: bitrate = 1.5 is not a valid integer',
    'a fraction for an integer: 22P02, naming the key and the value');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "frame_count": 1e30}]') $$,
    '22003', null, 'a whole number too big for its column: 22003');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "fps": "30/0"}]') $$,
    '22012', 'p_updates[1]: fps = "30/0" is not a valid double precision',
    'a frame rate over zero: 22012, naming it');
-- what an encoder's report gives: a whole number written with a fraction, a
-- frame rate as a fraction
select is(vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "bitrate": 1200.0,
       "frame_count": 180.0, "fps": "30000/1001"}]'), 1,
    'a whole number with a fraction and a fraction of a frame rate are taken');
select results_eq($$ select bitrate, frame_count, round(fps::numeric, 6) from vq.video_qualities
                     where id = '00000000-0000-4000-8000-000000000011' $$,
    $$ values (1200, 180::bigint, 29.970030) $$, 'and stored as the numbers they are');
select throws_ok(format($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "codec": "%s"}]') $$, repeat('x', 65)),
    '22001', null, 'a codec over 64 characters: 22001');
select throws_like(format($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "url": "%s"}]') $$, repeat('u', 2049)),
    'p_updates[1]: p_url is 2049 characters long, at most 2048 allowed%',
    'a url over 2048 characters: the message names the element');
select throws_ok(format($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "error_message": "%s"}]') $$,
    repeat('e', 10001)), '22001', null, 'an error_message over 10000 characters: 22001');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "bitrate": -1}]') $$,
    '22003', 'p_updates[1]: p_bitrate = -1 is out of range [0, 1000000]',
    'a negative bitrate: 22003');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "fps": 0}]') $$,
    '22003', null, 'fps 0: 22003');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "file_size": 99999999999999999}]') $$,
    '22003', null, 'a file_size out of range: 22003');
select throws_ok($$ select vq.update_qualities_metadata(p_updates =>
    '[{"quality_id": "00000000-0000-4000-8000-000000000011", "audio_channels": 4294967296}]') $$,
    '22003', null, 'an integer beyond int4: 22003');

-- --------------------------------------------------------- as vq_worker --
set local role vq_worker;
select is(vq.update_qualities_metadata(p_updates => '[
    {"quality_id": "00000000-0000-4000-8000-000000000011", "encoding_time": 3}]'), 1,
    'vq_worker can call it (and cannot touch the table itself)');
select throws_ok($$ select count(*) from vq.video_qualities $$, '42501', null,
                 'vq_worker has no privilege on the table');
reset role;
set local role vq_reader;
select throws_ok($$ select vq.update_qualities_metadata(p_updates => '[]') $$, '42501', null,
                 'vq_reader cannot call it');
reset role;

select * from finish();
rollback;
