-- The batch functions: create_video_qualities (a ladder in one call) and
-- update_qualities_status (many statuses in one call), both all-or-nothing.
begin;
select no_plan();

select id as vid from vq.create_video(p_title => 'batch') \gset

-- ------------------------------------------------------ create_video_qualities --
select results_eq(
    format($$select quality, url, bitrate, status, is_default
               from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid', '[{"quality": "480p", "url": "https://cdn.example/480p.mp4", "bitrate": 1200},
                     {"quality": "original", "url": "https://cdn.example/orig.mov"},
                     {"quality": "1080p", "url": "https://cdn.example/1080p.mp4", "bitrate": 5000,
                      "status": "ready", "is_default": true}]'),
    $$ values ('1080p', 'https://cdn.example/1080p.mp4', 5000, 'ready', true),
              ('480p', 'https://cdn.example/480p.mp4', 1200, 'pending', false),
              ('original', 'https://cdn.example/orig.mov', null, 'pending', false) $$,
    'a ladder in one call; rows come back in ladder order with their values and defaults');
select is(count(*)::int, 3, 'three rows stored') from vq.video_qualities where video_id = :'vid';
select results_eq(format('select quality from vq.get_default_quality(p_video_id => %L)', :'vid'),
                  $$ values ('1080p') $$, 'is_default in an element sets the default');

-- every metadata key maps to its column
select results_eq(
    format($$select file_size, resolution_width, resolution_height, codec, container, duration,
                    fps, pixel_format, color_space, audio_codec, audio_bitrate, audio_channels,
                    audio_sample_rate, aspect_ratio, frame_count, encoding_time,
                    processing_started_at
               from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid', '[{"quality": "144p", "url": "u", "file_size": 18000, "resolution_width": 256,
                      "resolution_height": 144, "codec": "h264", "container": "mp4",
                      "duration": 1.5, "fps": 24, "pixel_format": "yuv420p",
                      "color_space": "bt709", "audio_codec": "aac", "audio_bitrate": 64,
                      "audio_channels": 1, "audio_sample_rate": 22050, "aspect_ratio": "16:9",
                      "frame_count": 36, "encoding_time": 0.5, "status": "processing",
                      "processing_started_at": "2020-01-01T10:00:00Z"}]'),
    $$ values (18000::bigint, 256, 144, 'h264', 'mp4', 1.5::float8, 24::float8, 'yuv420p', 'bt709',
               'aac', 64, 1, 22050, '16:9', 36::bigint, 0.5::float8,
               '2020-01-01 10:00+00'::timestamptz) $$,
    'every key of an element reaches its column');

-- a repeated ladder restarts the rows (same ids), like create_video_quality
create temporary table ids_before on commit drop as
    select id, quality from vq.video_qualities where video_id = :'vid';
select set_eq(
    format($$select id, quality from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid', '[{"quality": "480p", "url": "https://cdn.example/480p-b.mp4"},
                     {"quality": "original", "url": "https://cdn.example/orig-b.mov"}]'),
    $$ select id, quality from ids_before where quality in ('480p', 'original') $$,
    'a repeated ladder restarts the existing rows (same ids)');
select is(count(*)::int, 4, 'no row added by the restart')
  from vq.video_qualities where video_id = :'vid';

select is_empty(format($$select * from vq.create_video_qualities(p_video_id => %L,
                                                                 p_qualities => '[]')$$, :'vid'),
                'an empty ladder: no row, no error');

-- all or nothing: a bad element anywhere fails the call and changes nothing
select id as vid2 from vq.create_video(p_title => 'all or nothing') \gset
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid2', '[{"quality": "720p", "url": "a"}, {"quality": "480p", "url": "b"},
                      {"quality": "360p", "url": "c", "bitrate": -1}]'),
    '22003', 'p_qualities[3]: p_bitrate = -1 is out of range [0, 1000000]',
    'the third element fails: its SQLSTATE, the message prefixed with p_qualities[3]');
select is(count(*)::int, 0, 'nothing of the failed ladder is stored')
  from vq.video_qualities where video_id = :'vid2';
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid2', '[{"quality": "720p", "url": "a"}, {"quality": "8k", "url": "b"}]'),
    '22023', null, 'an unknown label in element 2: 22023');
select throws_matching(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid2', '[{"quality": "720p", "url": "a"}, {"quality": "8k", "url": "b"}]'),
    '^p_qualities\[2\]: p_quality = ''8k''', 'the message names the element and the value');
select throws_matching(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid2', '[{"quality": "720p", "url": "a"}, {"quality": "480p", "url": "b", "bogus": 1}]'),
    '^p_qualities\[2\]: unknown key ''bogus''', 'an unknown key is named with its element');
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid2', '[{"quality": "720p", "url": "a"}, {"quality": "720p", "url": "b"},
                      {"quality": "1080p", "url": "c", "is_default": true}]'),
    '22023', null, 'a default that is not ready in element 3: 22023');
select is(count(*)::int, 0, 'after every failed call the video still has no quality')
  from vq.video_qualities where video_id = :'vid2';
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           gen_random_uuid(), '[{"quality": "720p", "url": "a"}]'),
    'P0002', null, 'an unknown video: P0002');

-- ----------------------------------------------------- update_qualities_status --
select id as vid3 from vq.create_video(p_title => 'bulk status') \gset
create temporary table q3 on commit drop as
    select id, quality from vq.create_video_qualities(p_video_id => :'vid3', p_qualities =>
        '[{"quality": "1080p", "url": "a"}, {"quality": "720p", "url": "b"},
          {"quality": "480p", "url": "c"}]');
select is(vq.update_qualities_status(p_quality_ids => array(select id from q3),
                                     p_status => 'processing'),
          3, 'three qualities changed: returns 3');
select is_empty($$ select * from vq.video_qualities where id in (select id from q3)
                   and status <> 'processing' $$, 'all three are processing');
select is(vq.update_qualities_status(
              p_quality_ids => array(select id from q3) || gen_random_uuid(),
              p_status => 'processing'),
          3, 'unknown ids are skipped: returns the number of existing qualities');
select is(vq.update_qualities_status(p_quality_ids => '{}', p_status => 'ready'), 0,
          'an empty array: 0');
select is(vq.update_qualities_status(p_quality_ids => array[gen_random_uuid()],
                                     p_status => 'ready'), 0,
          'only unknown ids: 0');
select is(vq.update_quality_status(p_quality_id => (select id from q3 where quality = '480p'),
                                   p_status => 'ready'), true, '480p is ready');
-- 480p ready -> failed is not allowed: nothing changes, not even the allowed rows
select throws_ok(format('select vq.update_qualities_status(p_quality_ids => %L, p_status => %L)',
                        array(select id from q3), 'failed'),
                 '22023', null, 'one forbidden change fails the batch (22023)');
select results_eq($$ select quality, status from vq.video_qualities
                      where id in (select id from q3) order by quality $$,
                  $$ values ('1080p', 'processing'), ('480p', 'ready'), ('720p', 'processing') $$,
                  'all or nothing: no status of the batch changed');
select is(vq.update_qualities_status(
              p_quality_ids => array(select id from q3 where quality <> '480p'),
              p_status => 'ready'),
          2, 'the allowed part alone works');

select * from finish();
rollback;
