-- The HLS master playlist from the catalog: which renditions are variants, their
-- attributes, the default first, every left-out quality named with its reason.
begin;
select no_plan();

select id as vid from vq.create_video('hls') \gset
select id as q720 from vq.create_video_quality(:'vid', '720p', '720p/index.m3u8', p_status => 'ready',
    p_bitrate => 2400, p_audio_bitrate => 128, p_peak_bitrate => 3100, p_resolution_width => 1280,
    p_resolution_height => 720, p_fps => 29.97002997, p_codecs => 'avc1.64001f,mp4a.40.2') \gset
select id as q360 from vq.create_video_quality(:'vid', '360p', 'https://cdn.example/v/360p.m3u8?sig=1',
    p_status => 'ready', p_is_default => true, p_bitrate => 700, p_peak_bitrate => 900,
    p_resolution_width => 640, p_resolution_height => 360, p_fps => 25,
    p_codecs => 'avc1.4d001e', p_file_size => 500000, p_duration => 4) \gset
select 1 from vq.create_video_quality(:'vid', '1080p', '1080p/index.m3u8', p_status => 'ready',
    p_bitrate => 5000, p_resolution_width => 1920, p_resolution_height => 1080, p_fps => 30,
    p_codecs => 'avc1.640028');
select 1 from vq.create_video_quality(:'vid', '480p', '480p.mp4', p_status => 'ready', p_bitrate => 1200,
    p_peak_bitrate => 1500, p_resolution_width => 854, p_resolution_height => 480, p_fps => 25,
    p_codecs => 'avc1.4d001f');
select 1 from vq.create_video_quality(:'vid', '240p', '240p/index.m3u8');
select 1 from vq.create_video_quality(:'vid', '144p', E'144p/x\n#EXT-X-ENDLIST\nevil.m3u8',
    p_status => 'ready', p_bitrate => 100, p_peak_bitrate => 150, p_resolution_width => 256,
    p_resolution_height => 144, p_fps => 25, p_codecs => 'avc1.42c00c');

select is(vq.hls_master_playlist(:'vid'), E'#EXTM3U\n#EXT-X-VERSION:3\n'
    || E'#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=1000000,RESOLUTION=640x360,FRAME-RATE=25.000,CODECS="avc1.4d001e"\n'
    || E'https://cdn.example/v/360p.m3u8?sig=1\n'
    || E'# vqdb: 1080p left out: no peak_bitrate\n'
    || E'#EXT-X-STREAM-INF:BANDWIDTH=3100000,AVERAGE-BANDWIDTH=2528000,RESOLUTION=1280x720,FRAME-RATE=29.970,CODECS="avc1.64001f,mp4a.40.2"\n'
    || E'720p/index.m3u8\n'
    || E'# vqdb: 480p left out: its url is not a media playlist (.m3u8)\n'
    || E'# vqdb: 240p left out: not ready (pending)\n'
    || E'# vqdb: 144p left out: its url is not a media playlist (.m3u8)\n',
    'the default first, then the ladder; BANDWIDTH the peak (at least the average: the 360p''s '
    'file gives 1,000 kbps over its 900 peak), AVERAGE-BANDWIDTH from the file or the streams; '
    'each left-out rung named with its reason, a url with a line break among them');

select ok(vq.set_default_quality(:'vid', :'q720'), 'the default moves');
select is(split_part(vq.hls_master_playlist(:'vid'), E'\n', 4), '720p/index.m3u8',
          'and the playlist''s first variant with it, in the same snapshot');

select throws_ok(format($$ select vq.update_quality_metadata(%L, p_peak_bitrate => 2000) $$, :'q720'),
                 '22023', null, 'a peak below the average bit rate: 22023 (swapped?)');
select throws_ok(format($$ select vq.update_quality_metadata(%L, p_peak_bitrate => -1) $$, :'q720'),
                 '22003', null, 'a negative peak: 22003');
select throws_ok($$ select vq.hls_master_playlist(null) $$, '22004', null, 'p_video_id null: 22004');
select throws_ok($$ select vq.hls_master_playlist(gen_random_uuid()) $$, 'P0002', null,
                 'no such video: P0002');

select * from finish();
rollback;
