-- Errors: for every invalid argument of every API function, the exact SQLSTATE
-- (throws_ok), and a message that names the argument (or the bad value, for a
-- literal PostgreSQL itself cannot cast). docs/errors.md is the same table.
--
-- Fixtures have fixed ids so that the statements below are plain text:
--   video   ...0001 with quality ...0011 (720p, pending) and ...0012 (1080p, ready)
--   video   ...0002 with quality ...0021 (720p, ready)
--   ...0099 exists nowhere
begin;
select no_plan();

insert into vq.videos (id, title) values
    ('00000000-0000-4000-8000-000000000001', 'errors'),
    ('00000000-0000-4000-8000-000000000002', 'other');
insert into vq.video_qualities (id, video_id, quality, url, status) values
    ('00000000-0000-4000-8000-000000000011', '00000000-0000-4000-8000-000000000001', '720p',
     'https://cdn.example/720p.mp4', 'pending'),
    ('00000000-0000-4000-8000-000000000012', '00000000-0000-4000-8000-000000000001', '1080p',
     'https://cdn.example/1080p.mp4', 'ready'),
    ('00000000-0000-4000-8000-000000000021', '00000000-0000-4000-8000-000000000002', '720p',
     'https://cdn.example/other.mp4', 'ready');

-- (function, what is wrong, statement, SQLSTATE, regex the message must match)
create temporary table error_case (
    fn text, what text, sql text, state text, message text
) on commit drop;

-- The encoder's metadata: the same limits in create_video_quality and
-- update_quality_metadata (both call vq._require_quality_metadata).
create temporary table bad_metadata (arg text, val text, state text) on commit drop;
insert into bad_metadata values
    ('p_url', 'repeat(''u'', 2049)', '22001'),
    ('p_file_size', '-1', '22003'),
    ('p_file_size', '10000000000001', '22003'),
    ('p_bitrate', '-1', '22003'),
    ('p_bitrate', '1000001', '22003'),
    ('p_resolution_width', '0', '22003'),
    ('p_resolution_width', '32769', '22003'),
    ('p_resolution_height', '0', '22003'),
    ('p_resolution_height', '32769', '22003'),
    ('p_codec', 'repeat(''c'', 65)', '22001'),
    ('p_container', 'repeat(''c'', 65)', '22001'),
    ('p_duration', '-0.5', '22003'),
    ('p_duration', '1000001', '22003'),
    ('p_duration', '''infinity''', '22003'),
    ('p_fps', '0', '22003'),
    ('p_fps', '-30', '22003'),
    ('p_fps', '1001', '22003'),
    ('p_fps', '''NaN''', '22003'),
    ('p_pixel_format', 'repeat(''p'', 65)', '22001'),
    ('p_color_space', 'repeat(''c'', 65)', '22001'),
    ('p_audio_codec', 'repeat(''a'', 65)', '22001'),
    ('p_audio_bitrate', '-1', '22003'),
    ('p_audio_bitrate', '100001', '22003'),
    ('p_audio_channels', '-1', '22003'),
    ('p_audio_channels', '65', '22003'),
    ('p_audio_sample_rate', '-1', '22003'),
    ('p_audio_sample_rate', '768001', '22003'),
    ('p_aspect_ratio', 'repeat(''a'', 65)', '22001'),
    ('p_frame_count', '-1', '22003'),
    ('p_frame_count', '10000000001', '22003'),
    ('p_encoding_time', '-1', '22003'),
    ('p_encoding_time', '10000001', '22003');

insert into error_case
select 'create_video_quality', arg || ' = ' || val,
       format('select vq.create_video_quality(p_video_id => %L, p_quality => %L, p_url => %L, '
              '%s => %s)', '00000000-0000-4000-8000-000000000001', '480p', 'https://u', arg, val),
       state, arg
  from bad_metadata where arg <> 'p_url'
union all
select 'update_quality_metadata', arg || ' = ' || val,
       format('select vq.update_quality_metadata(p_quality_id => %L, %s => %s)',
              '00000000-0000-4000-8000-000000000011', arg, val),
       state, arg
  from bad_metadata;

insert into error_case values
-- create_video
('create_video', 'p_title null', $$select vq.create_video(p_title => null)$$, '22004', 'p_title'),
('create_video', 'p_title blank', $$select vq.create_video(p_title => '  ')$$, '22023', 'p_title'),
('create_video', 'p_title 501 characters',
 $$select vq.create_video(p_title => repeat('t', 501))$$, '22001', 'p_title'),
('create_video', 'p_description 10001 characters',
 $$select vq.create_video(p_title => 't', p_description => repeat('d', 10001))$$,
 '22001', 'p_description'),
('create_video', 'p_url 2049 characters',
 $$select vq.create_video(p_title => 't', p_url => repeat('u', 2049))$$, '22001', 'p_url'),
('create_video', 'p_thumbnail_url 2049 characters',
 $$select vq.create_video(p_title => 't', p_thumbnail_url => repeat('u', 2049))$$,
 '22001', 'p_thumbnail_url'),
('create_video', 'p_duration negative',
 $$select vq.create_video(p_title => 't', p_duration => -1)$$, '22003', 'p_duration'),
('create_video', 'p_duration absurd',
 $$select vq.create_video(p_title => 't', p_duration => 1000001)$$, '22003', 'p_duration'),
('create_video', 'p_user_id malformed',
 $$select vq.create_video(p_title => 't', p_user_id => 'not-a-uuid')$$, '22P02', 'not-a-uuid'),
('create_video', 'p_id names a video with other values',
 $$select vq.create_video(p_title => 't', p_id => '00000000-0000-4000-8000-000000000001')$$,
 '23505', 'p_id'),
-- get_video
('get_video', 'p_video_id null', $$select vq.get_video(p_video_id => null)$$, '22004', 'p_video_id'),
('get_video', 'p_video_id malformed', $$select vq.get_video(p_video_id => 'nope')$$,
 '22P02', 'nope'),
-- update_video_status
('update_video_status', 'p_video_id null',
 $$select vq.update_video_status(p_video_id => null, p_status => 'draft')$$, '22004', 'p_video_id'),
('update_video_status', 'p_video_id malformed',
 $$select vq.update_video_status(p_video_id => 'x1', p_status => 'draft')$$, '22P02', 'x1'),
('update_video_status', 'p_status null',
 $$select vq.update_video_status(p_video_id => '00000000-0000-4000-8000-000000000001',
                                 p_status => null)$$, '22004', 'p_status'),
('update_video_status', 'p_status unknown',
 $$select vq.update_video_status(p_video_id => '00000000-0000-4000-8000-000000000001',
                                 p_status => 'deleted')$$, '22023', 'p_status.*deleted'),
('update_video_status', 'p_status blank',
 $$select vq.update_video_status(p_video_id => '00000000-0000-4000-8000-000000000001',
                                 p_status => '')$$, '22023', 'p_status'),
('update_video_status', 'p_status 65 characters',
 $$select vq.update_video_status(p_video_id => '00000000-0000-4000-8000-000000000001',
                                 p_status => repeat('s', 65))$$, '22001', 'p_status'),
-- create_video_quality (besides the metadata above)
('create_video_quality', 'p_video_id null',
 $$select vq.create_video_quality(p_video_id => null, p_quality => '480p', p_url => 'u')$$,
 '22004', 'p_video_id'),
('create_video_quality', 'p_video_id unknown',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000099',
                                  p_quality => '480p', p_url => 'u')$$,
 'P0002', 'p_video_id.*00000000-0000-4000-8000-000000000099'),
('create_video_quality', 'p_video_id malformed',
 $$select vq.create_video_quality(p_video_id => 'x2', p_quality => '480p', p_url => 'u')$$,
 '22P02', 'x2'),
('create_video_quality', 'p_quality null',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => null, p_url => 'u')$$, '22004', 'p_quality'),
('create_video_quality', 'p_quality unknown label',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '4k', p_url => 'u')$$, '22023', 'p_quality.*4k'),
('create_video_quality', 'p_quality blank',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => ' ', p_url => 'u')$$, '22023', 'p_quality'),
('create_video_quality', 'p_quality 65 characters',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => repeat('q', 65), p_url => 'u')$$,
 '22001', 'p_quality'),
('create_video_quality', 'p_url null',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '480p', p_url => null)$$, '22004', 'p_url'),
('create_video_quality', 'p_url blank',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '480p', p_url => '  ')$$, '22023', 'p_url'),
('create_video_quality', 'p_url 2049 characters',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '480p', p_url => repeat('u', 2049))$$,
 '22001', 'p_url'),
('create_video_quality', 'p_is_default null',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '480p', p_url => 'u', p_is_default => null)$$,
 '22004', 'p_is_default'),
('create_video_quality', 'p_is_default with p_status pending',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '480p', p_url => 'u', p_is_default => true)$$,
 '22023', 'p_is_default.*pending'),
('create_video_quality', 'p_status null',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '480p', p_url => 'u', p_status => null)$$,
 '22004', 'p_status'),
('create_video_quality', 'p_status unknown',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '480p', p_url => 'u', p_status => 'done')$$,
 '22023', 'p_status.*done'),
('create_video_quality', 'p_processing_started_at malformed',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '480p', p_url => 'u',
                                  p_processing_started_at => 'not a time')$$,
 '22007', 'not a time'),
('create_video_quality', 'restart with a forbidden status change (ready -> pending)',
 $$select vq.create_video_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                  p_quality => '1080p', p_url => 'u', p_status => 'pending')$$,
 '22023', 'from ready to pending'),
-- create_video_qualities
('create_video_qualities', 'p_video_id null',
 $$select vq.create_video_qualities(p_video_id => null, p_qualities => '[]')$$,
 '22004', 'p_video_id'),
('create_video_qualities', 'p_video_id malformed',
 $$select vq.create_video_qualities(p_video_id => 'x3', p_qualities => '[]')$$, '22P02', 'x3'),
('create_video_qualities', 'p_video_id unknown',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000099',
      p_qualities => '[{"quality": "480p", "url": "u"}]')$$,
 'P0002', '^p_qualities\[1\]: p_video_id'),
('create_video_qualities', 'p_qualities null',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
                                    p_qualities => null)$$, '22004', 'p_qualities'),
('create_video_qualities', 'p_qualities malformed JSON',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
                                    p_qualities => '[{"quality": ')$$, '22P02', 'json'),
('create_video_qualities', 'p_qualities an object, not an array',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '{"quality": "480p", "url": "u"}')$$, '22023', 'p_qualities.*object'),
('create_video_qualities', 'p_qualities a string',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
                                    p_qualities => '"480p"')$$, '22023', 'p_qualities.*string'),
('create_video_qualities', 'an element that is not an object',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u"}, 7]')$$,
 '22023', '^p_qualities\[2\]: .*number'),
('create_video_qualities', 'an unknown key',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u", "p_bitrate": 1}]')$$,
 '22023', '^p_qualities\[1\]: unknown key ''p_bitrate'''),
('create_video_qualities', 'a value of the wrong type',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u", "bitrate": "fast"}]')$$,
 '22P02', '^p_qualities\[1\]: .*fast'),
('create_video_qualities', 'is_default not a boolean',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u", "is_default": "yes please"}]')$$,
 '22P02', '^p_qualities\[1\]: .*yes please'),
('create_video_qualities', 'processing_started_at not a time',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u", "processing_started_at": "soon"}]')$$,
 '22007', '^p_qualities\[1\]: .*soon'),
('create_video_qualities', 'an element without quality',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"url": "u"}]')$$, '22004', '^p_qualities\[1\]: p_quality'),
('create_video_qualities', 'an element without url',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p"}]')$$, '22004', '^p_qualities\[1\]: p_url'),
('create_video_qualities', 'an unknown label',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u"}, {"quality": "8k", "url": "u"}]')$$,
 '22023', '^p_qualities\[2\]: p_quality.*8k'),
('create_video_qualities', 'an unknown status',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u", "status": "done"}]')$$,
 '22023', '^p_qualities\[1\]: p_status'),
('create_video_qualities', 'a url too long',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => jsonb_build_array(jsonb_build_object('quality', '480p',
                                                          'url', repeat('u', 2049))))$$,
 '22001', '^p_qualities\[1\]: p_url'),
('create_video_qualities', 'a number out of range',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u", "fps": 0}]')$$,
 '22003', '^p_qualities\[1\]: p_fps'),
('create_video_qualities', 'a default that is not ready',
 $$select vq.create_video_qualities(p_video_id => '00000000-0000-4000-8000-000000000001',
      p_qualities => '[{"quality": "480p", "url": "u", "is_default": true}]')$$,
 '22023', '^p_qualities\[1\]: p_is_default'),
-- update_quality_metadata (besides the metadata above)
('update_quality_metadata', 'p_quality_id null',
 $$select vq.update_quality_metadata(p_quality_id => null, p_bitrate => 1)$$,
 '22004', 'p_quality_id'),
('update_quality_metadata', 'p_quality_id malformed',
 $$select vq.update_quality_metadata(p_quality_id => 'x4', p_bitrate => 1)$$, '22P02', 'x4'),
('update_quality_metadata', 'p_url blank',
 $$select vq.update_quality_metadata(p_quality_id => '00000000-0000-4000-8000-000000000011',
                                     p_url => ' ')$$, '22023', 'p_url'),
('update_quality_metadata', 'p_status unknown',
 $$select vq.update_quality_metadata(p_quality_id => '00000000-0000-4000-8000-000000000011',
                                     p_status => 'done')$$, '22023', 'p_status.*done'),
('update_quality_metadata', 'p_status a forbidden change (pending -> ready)',
 $$select vq.update_quality_metadata(p_quality_id => '00000000-0000-4000-8000-000000000011',
                                     p_status => 'ready')$$, '22023', 'from pending to ready'),
('update_quality_metadata', 'p_error_message 10001 characters',
 $$select vq.update_quality_metadata(p_quality_id => '00000000-0000-4000-8000-000000000011',
                                     p_error_message => repeat('e', 10001))$$,
 '22001', 'p_error_message'),
-- update_quality_status
('update_quality_status', 'p_quality_id null',
 $$select vq.update_quality_status(p_quality_id => null, p_status => 'ready')$$,
 '22004', 'p_quality_id'),
('update_quality_status', 'p_quality_id malformed',
 $$select vq.update_quality_status(p_quality_id => 'x5', p_status => 'ready')$$, '22P02', 'x5'),
('update_quality_status', 'p_status null',
 $$select vq.update_quality_status(p_quality_id => '00000000-0000-4000-8000-000000000011',
                                   p_status => null)$$, '22004', 'p_status'),
('update_quality_status', 'p_status unknown',
 $$select vq.update_quality_status(p_quality_id => '00000000-0000-4000-8000-000000000011',
                                   p_status => 'done')$$, '22023', 'p_status.*done'),
('update_quality_status', 'p_status blank',
 $$select vq.update_quality_status(p_quality_id => '00000000-0000-4000-8000-000000000011',
                                   p_status => '')$$, '22023', 'p_status'),
('update_quality_status', 'p_status a forbidden change (pending -> ready)',
 $$select vq.update_quality_status(p_quality_id => '00000000-0000-4000-8000-000000000011',
                                   p_status => 'ready')$$, '22023', 'from pending to ready'),
-- update_qualities_status
('update_qualities_status', 'p_quality_ids null',
 $$select vq.update_qualities_status(p_quality_ids => null, p_status => 'ready')$$,
 '22004', 'p_quality_ids'),
('update_qualities_status', 'p_quality_ids with a null',
 $$select vq.update_qualities_status(
      p_quality_ids => array['00000000-0000-4000-8000-000000000011', null]::uuid[],
      p_status => 'processing')$$, '22004', 'p_quality_ids.*position 2'),
('update_qualities_status', 'p_quality_ids malformed',
 $$select vq.update_qualities_status(p_quality_ids => '{x6}', p_status => 'ready')$$,
 '22P02', 'x6'),
('update_qualities_status', 'p_status null',
 $$select vq.update_qualities_status(
      p_quality_ids => '{00000000-0000-4000-8000-000000000011}', p_status => null)$$,
 '22004', 'p_status'),
('update_qualities_status', 'p_status unknown',
 $$select vq.update_qualities_status(
      p_quality_ids => '{00000000-0000-4000-8000-000000000011}', p_status => 'done')$$,
 '22023', 'p_status.*done'),
('update_qualities_status', 'p_status a forbidden change (pending -> ready)',
 $$select vq.update_qualities_status(
      p_quality_ids => '{00000000-0000-4000-8000-000000000011}', p_status => 'ready')$$,
 '22023', 'from pending to ready'),
-- update_qualities_metadata (more cases in batch_update_qualities_metadata.sql)
('update_qualities_metadata', 'p_updates null',
 $$select vq.update_qualities_metadata(p_updates => null)$$, '22004', 'p_updates'),
('update_qualities_metadata', 'p_updates not an array',
 $$select vq.update_qualities_metadata(p_updates => '{}')$$, '22023', 'p_updates.*array'),
('update_qualities_metadata', 'quality_id missing',
 $$select vq.update_qualities_metadata(p_updates => '[{"bitrate": 1}]')$$,
 '22004', 'p_updates\[1\]: quality_id'),
('update_qualities_metadata', 'quality_id malformed',
 $$select vq.update_qualities_metadata(p_updates => '[{"quality_id": "x11"}]')$$,
 '22P02', 'p_updates\[1\].*x11'),
('update_qualities_metadata', 'an unknown key',
 $$select vq.update_qualities_metadata(
      p_updates => '[{"quality_id": "00000000-0000-4000-8000-000000000011", "size": 1}]')$$,
 '22023', 'p_updates\[1\]: unknown key.*size'),
('update_qualities_metadata', 'codec too long',
 $$select vq.update_qualities_metadata(p_updates => jsonb_build_array(jsonb_build_object(
      'quality_id', '00000000-0000-4000-8000-000000000011', 'codec', repeat('c', 65))))$$,
 '22001', 'p_updates\[1\]: p_codec'),
('update_qualities_metadata', 'bitrate negative',
 $$select vq.update_qualities_metadata(
      p_updates => '[{"quality_id": "00000000-0000-4000-8000-000000000011", "bitrate": -1}]')$$,
 '22003', 'p_updates\[1\]: p_bitrate'),
('update_qualities_metadata', 'status a forbidden change (pending -> ready)',
 $$select vq.update_qualities_metadata(
      p_updates => '[{"quality_id": "00000000-0000-4000-8000-000000000011", "status": "ready"}]')$$,
 '22023', 'p_updates\[1\]: .*from pending to ready'),
-- list_qualities_ordered
('list_qualities_ordered', 'p_video_id null',
 $$select * from vq.list_qualities_ordered(p_video_id => null)$$, '22004', 'p_video_id'),
('list_qualities_ordered', 'p_video_id malformed',
 $$select * from vq.list_qualities_ordered(p_video_id => 'x7')$$, '22P02', 'x7'),
-- set_default_quality
('set_default_quality', 'p_video_id null',
 $$select vq.set_default_quality(p_video_id => null,
                                 p_quality_id => '00000000-0000-4000-8000-000000000012')$$,
 '22004', 'p_video_id'),
('set_default_quality', 'p_quality_id null',
 $$select vq.set_default_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                 p_quality_id => null)$$, '22004', 'p_quality_id'),
('set_default_quality', 'p_video_id malformed',
 $$select vq.set_default_quality(p_video_id => 'x8',
                                 p_quality_id => '00000000-0000-4000-8000-000000000012')$$,
 '22P02', 'x8'),
('set_default_quality', 'p_quality_id malformed',
 $$select vq.set_default_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                 p_quality_id => 'x9')$$, '22P02', 'x9'),
('set_default_quality', 'p_quality_id not ready',
 $$select vq.set_default_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                 p_quality_id => '00000000-0000-4000-8000-000000000011')$$,
 '22023', 'p_quality_id.*pending'),
('set_default_quality', 'p_quality_id of another video',
 $$select vq.set_default_quality(p_video_id => '00000000-0000-4000-8000-000000000001',
                                 p_quality_id => '00000000-0000-4000-8000-000000000021')$$,
 '22023', 'p_quality_id.*belongs to video'),
-- get_default_quality
('get_default_quality', 'p_video_id null',
 $$select * from vq.get_default_quality(p_video_id => null)$$, '22004', 'p_video_id'),
('get_default_quality', 'p_video_id malformed',
 $$select * from vq.get_default_quality(p_video_id => 'x10')$$, '22P02', 'x10');

-- Derived from the catalog, so that a new API function is covered without a line
-- here: every call with all its required arguments null raises 22004 naming one of
-- them, and each uuid argument given a malformed literal raises 22P02 naming it.
create temporary table api_argument on commit drop as
select p.proname::text as fn, a.arg::text, format_type(a.t, null) as type,
       a.i <= p.pronargs - p.pronargdefaults as required
  from pg_proc p
 cross join lateral unnest(p.proargtypes::oid[], p.proargnames[1:p.pronargs])
       with ordinality a(t, arg, i)
 where p.pronamespace = 'vq'::regnamespace and p.prosecdef;

insert into error_case
select fn, 'every required argument null',
       format('select * from vq.%I(%s)', fn, string_agg(format('%I => null', arg), ', ')),
       '22004', string_agg(arg, '|')
  from api_argument where required group by fn;

insert into error_case
select m.fn, m.arg || ' malformed (derived)',
       format('select * from vq.%I(%s)', m.fn, concat_ws(', ',
           (select string_agg(format('%I => null', r.arg), ', ') from api_argument r
             where r.fn = m.fn and r.required and r.arg <> m.arg),
           format('%I => %L', m.arg, 'not-a-uuid-' || m.arg))),
       '22P02', 'not-a-uuid-' || m.arg
  from api_argument m where m.type = 'uuid';

-- every API function has error cases here
select set_eq('select distinct fn from error_case',
              $$ select proname::text from pg_proc
                  where pronamespace = 'vq'::regnamespace and prosecdef
                    and proname in (select fn from api_argument where required or type = 'uuid') $$,
              'every API function with a required or a uuid argument has its invalid arguments tested');

create temporary table data_before on commit drop as
    select (select md5(string_agg(v::text, ',' order by v.id)) from vq.videos v) as videos,
           (select md5(string_agg(q::text, ',' order by q.id)) from vq.video_qualities q)
               as qualities;

select throws_ok(sql, state, null, format('%s: %s raises %s', fn, what, state))
  from error_case order by fn, what;
select throws_imatching(sql, message, format('%s: %s: the message matches /%s/', fn, what, message))
  from error_case order by fn, what;

select results_eq(
    $$ select (select md5(string_agg(v::text, ',' order by v.id)) from vq.videos v),
              (select md5(string_agg(q::text, ',' order by q.id)) from vq.video_qualities q) $$,
    'select videos, qualities from data_before',
    'no error changed any row');

select * from finish();
rollback;
