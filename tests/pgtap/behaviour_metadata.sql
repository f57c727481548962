-- update_quality_metadata changes only the fields it is given; reaching ready
-- or failed sets processing_completed_at; a missing quality returns false.
begin;
select no_plan();

select id as vid from vq.create_video(p_title => 'metadata') \gset
select id as qid from vq.create_video_quality(
    p_video_id => :'vid', p_quality => '1080p', p_url => 'https://cdn.example/1080p.mp4',
    p_file_size => 123456789, p_bitrate => 5000, p_resolution_width => 1920,
    p_resolution_height => 1080, p_codec => 'h264', p_container => 'mp4', p_duration => 61.5,
    p_fps => 29.97, p_pixel_format => 'yuv420p', p_color_space => 'bt709',
    p_audio_codec => 'aac', p_audio_bitrate => 128, p_audio_channels => 2,
    p_audio_sample_rate => 48000, p_aspect_ratio => '16:9', p_frame_count => 1843,
    p_encoding_time => 12.5, p_status => 'processing',
    p_processing_started_at => '2020-01-01 10:00+00') \gset

-- the row before, as json, to compare every other column after
create temporary table before on commit drop as
    select to_jsonb(q) as r from vq.video_qualities q where id = :'qid';

select ok(vq.update_quality_metadata(p_quality_id => :'qid', p_bitrate => 4800),
          'a partial update of an existing quality returns true');
select is((select bitrate from vq.video_qualities where id = :'qid'), 4800,
          'the given field changed');
select is((select to_jsonb(q) - 'bitrate' - 'updated_at'
             from vq.video_qualities q where id = :'qid'),
          (select r - 'bitrate' - 'updated_at' from before),
          'every other field kept its value');

-- several fields at once, still leaving the others alone
select ok(vq.update_quality_metadata(p_quality_id => :'qid', p_codec => 'hevc',
                                     p_file_size => 99000000, p_fps => 60, p_aspect_ratio => '4:3'),
          'several fields at once');
select is((select to_jsonb(q) - array['bitrate', 'codec', 'file_size', 'fps', 'aspect_ratio',
                                      'updated_at']
             from vq.video_qualities q where id = :'qid'),
          (select r - array['bitrate', 'codec', 'file_size', 'fps', 'aspect_ratio', 'updated_at']
             from before),
          'fields not given are untouched');
select results_eq(
    format('select codec, file_size, fps, aspect_ratio from vq.video_qualities where id = %L',
           :'qid'),
    $$ values ('hevc', 99000000::bigint, 60::float8, '4:3') $$,
    'the given fields have the new values');

-- a call with nothing to change changes nothing (but the row exists: true)
select ok(vq.update_quality_metadata(p_quality_id => :'qid'), 'no field given: true');
select is((select processing_completed_at from vq.video_qualities where id = :'qid'), null,
          'no final status yet: no completion time');

-- reaching ready sets processing_completed_at
select ok(vq.update_quality_metadata(p_quality_id => :'qid', p_status => 'ready',
                                     p_encoding_time => 30),
          'metadata and status ready in one call');
select results_eq(
    format($$select status, processing_completed_at, processing_started_at, encoding_time
               from vq.video_qualities where id = %L$$, :'qid'),
    $$ values ('ready', now(), '2020-01-01 10:00+00'::timestamptz, 30::float8) $$,
    'ready sets processing_completed_at and keeps the start time');

-- reaching failed sets it too, with the error message
select id as qid2 from vq.create_video_quality(p_video_id => :'vid', p_quality => '720p',
    p_url => 'https://cdn.example/720p.mp4', p_status => 'processing') \gset
select ok(vq.update_quality_metadata(p_quality_id => :'qid2', p_status => 'failed',
                                     p_error_message => 'out of memory'),
          'status failed with an error message');
select results_eq(
    format($$select status, error_message, processing_completed_at is not null
               from vq.video_qualities where id = %L$$, :'qid2'),
    $$ values ('failed', 'out of memory', true) $$,
    'failed sets processing_completed_at and stores the message');

-- a worker's clock ahead of the server's never makes the completion precede the start
select id as qid3 from vq.create_video_quality(p_video_id => :'vid', p_quality => '480p',
    p_url => 'https://cdn.example/480p.mp4', p_status => 'processing',
    p_processing_started_at => now() + interval '1 hour') \gset
select vq.update_quality_metadata(p_quality_id => :'qid3', p_status => 'ready') \g /dev/null
select is((select processing_completed_at from vq.video_qualities where id = :'qid3'),
          now() + interval '1 hour', 'completion is never before the start');

select is(vq.update_quality_metadata(p_quality_id => gen_random_uuid(), p_bitrate => 1), false,
          'an unknown quality: false');
select throws_ok(format('select vq.update_quality_metadata(p_quality_id => %L, p_bitrate => -1)',
                        gen_random_uuid()),
                 '22003', null, 'an unknown quality with a bad argument: the argument''s error');

-- the by-video form: the same change, only for a quality of that video
select id as other_vid from vq.create_video(p_title => 'another video') \gset
select is(vq.update_video_quality_metadata(p_video_id => :'other_vid', p_quality_id => :'qid3',
                                           p_bitrate => 777),
          false, 'by video: a quality of another video is not found (false)');
select ok(vq.update_video_quality_metadata(p_video_id => :'vid', p_quality_id => :'qid3',
                                           p_bitrate => 777, p_codec => 'av1'),
          'by video: the quality of that video (true)');
select results_eq(format('select bitrate, codec, url from vq.video_qualities where id = %L', :'qid3'),
                  $$ values (777, 'av1', 'https://cdn.example/480p.mp4') $$,
                  'by video: only the given fields changed');
select throws_ok(format('select vq.update_video_quality_metadata(null, %L)', :'qid3'),
                 '22004', 'p_video_id is required', 'by video: a null p_video_id raises 22004');
select throws_ok(format('select vq.update_video_quality_metadata(%L, %L, p_url => %L)',
                        :'vid', :'qid3', ' '),
                 '22023', null, 'by video: a blank url raises 22023');
select throws_ok(format('select vq.update_video_quality_metadata(%L, %L, p_bitrate => -5)',
                        :'vid', :'qid3'),
                 '22003', null, 'by video: a number out of range raises 22003');

-- ------------------------------------------------------ units: kbps, not b/s --
-- ffprobe's bit rates are bits per second, vqdb's kbps: given as they come, they
-- are 1000 times what the file's size and duration allow (~587 kbps here)
select id as qunits from vq.create_video_quality(
    p_video_id => :'vid', p_quality => '2160p', p_url => 'https://cdn.example/2160p.mp4',
    p_file_size => 733750, p_duration => 10) \gset
select throws_like(format($$ select vq.update_quality_metadata(p_quality_id => %L,
                                p_bitrate => 490000) $$, :'qunits'),
    '%bitrate = 490000 kbps%file_size = 733750 bytes over duration = 10 s%',
    'a bit rate in b/s for a file of known size and duration is refused, naming the three');
select throws_ok(format($$ select vq.update_quality_metadata(p_quality_id => %L,
                             p_bitrate => 490, p_audio_bitrate => 96000) $$, :'qunits'),
    '22023', null, 'so is an audio bit rate in b/s');
select throws_ok(format($$ select vq.create_video_quality(p_video_id => %L, p_quality => '1440p',
                             p_url => 'u', p_file_size => 1000000, p_duration => 60,
                             p_bitrate => 500000) $$, :'vid'),
    '22023', null, 'and a bit rate in b/s given with the size and duration at once');
select ok(vq.update_quality_metadata(p_quality_id => :'qunits', p_bitrate => 490,
                                     p_audio_bitrate => 96),
          'the same in kbps is stored');
select ok(vq.update_quality_metadata(p_quality_id => :'qunits', p_bitrate => 500000,
                                     p_file_size => 625000000, p_audio_bitrate => 128),
          'a high bit rate that the size and duration allow is stored');
select ok((vq.create_video_quality(p_video_id => :'vid', p_quality => '144p', p_url => 'u',
                                   p_bitrate => 500000)).id is not null,
          'without a size and a duration nothing tells the unit: stored');

select * from finish();
rollback;
