-- Both sides of every limit and form of vq._require_quality_metadata, which
-- every write of metadata goes through (create_video_quality,
-- update_quality_metadata and their batch forms). Migration 0011 gave it a fast path that checks every
-- limit in one expression before the per-argument checks; the two must agree:
-- a value at its limit passes, a value just beyond it raises the argument's
-- error (a fast path looser than the checks would let it through).
begin;
select no_plan();

create temporary table metadata_arg (position int, name text) on commit drop;
-- its arguments as the catalog has them, in order (not a copy that could drift)
insert into metadata_arg
select ordinality, name
  from unnest((select proargnames from pg_proc
                where oid = 'vq._require_quality_metadata'::regproc))
       with ordinality as a(name, ordinality);

-- the call with one argument set (the others null: not given)
create function pg_temp.call_with(p_arg text, p_value text) returns text language sql as $$
    select format('select vq._require_quality_metadata(%s)',
                  string_agg(format('%s => %s', name,
                                    case when name = p_arg then quote_literal(p_value)
                                         else 'null' end), ', ' order by position))
      from metadata_arg
$$;

create temporary table limit_case (arg text, ok text, bad text, state text) on commit drop;
insert into limit_case values
    ('p_url', repeat('u', 2048), repeat('u', 2049), '22001'),
    ('p_codec', repeat('c', 64), repeat('c', 65), '22001'),
    ('p_container', repeat('c', 64), repeat('c', 65), '22001'),
    ('p_pixel_format', repeat('c', 64), repeat('c', 65), '22001'),
    ('p_color_space', repeat('c', 64), repeat('c', 65), '22001'),
    ('p_audio_codec', repeat('c', 64), repeat('c', 65), '22001'),
    ('p_aspect_ratio', '1:' || repeat('1', 62), '1:' || repeat('1', 63), '22001'),
    ('p_error_message', repeat('e', 10000), repeat('e', 10001), '22001'),
    ('p_file_size', '10000000000000', '10000000000001', '22003'),
    ('p_peak_bitrate', '1000000', '1000001', '22003'),
    ('p_peak_bitrate', '0', '-1', '22003'),
    ('p_file_size', '0', '-1', '22003'),
    ('p_bitrate', '1000000', '1000001', '22003'),
    ('p_bitrate', '0', '-1', '22003'),
    ('p_resolution_width', '32768', '32769', '22003'),
    ('p_resolution_width', '1', '0', '22003'),
    ('p_resolution_height', '32768', '32769', '22003'),
    ('p_resolution_height', '1', '0', '22003'),
    ('p_duration', '1000000', '1000000.5', '22003'),
    ('p_duration', '0', '-0.5', '22003'),
    ('p_duration', '60', 'Infinity', '22003'),
    ('p_fps', '1000', '1000.5', '22003'),
    ('p_fps', '0.001', '0.0009', '22003'),
    ('p_fps', '30', 'NaN', '22003'),
    ('p_audio_bitrate', '100000', '100001', '22003'),
    ('p_audio_bitrate', '0', '-1', '22003'),
    ('p_audio_channels', '64', '65', '22003'),
    ('p_audio_channels', '0', '-1', '22003'),
    ('p_audio_sample_rate', '768000', '768001', '22003'),
    ('p_audio_sample_rate', '0', '-1', '22003'),
    ('p_frame_count', '10000000000', '10000000001', '22003'),
    ('p_frame_count', '0', '-1', '22003'),
    ('p_encoding_time', '10000000', '10000000.5', '22003'),
    ('p_encoding_time', '0', '-0.5', '22003'),
    -- the forms (vq._form): ffprobe's list of demuxers, its words for "not known", blanks
    ('p_container', 'mp4', 'mov,mp4,m4a,3gp,3g2,mj2', '22023'),
    ('p_container', 'mpegts', 'MP4', '22023'),
    ('p_aspect_ratio', '16:9', 'N/A', '22023'),
    ('p_aspect_ratio', '4:3', '0:1', '22023'),
    ('p_aspect_ratio', '1:1', '1.78', '22023'),
    ('p_color_space', 'bt709', 'unknown', '22023'),
    ('p_color_space', 'bt2020nc', '', '22023'),
    ('p_codec', 'h264', '', '22023'),
    ('p_audio_codec', 'aac', ' ', '22023'),
    ('p_pixel_format', 'yuv420p', '', '22023'),
    ('p_codecs', repeat('a', 200), repeat('a', 201), '22001'),
    ('p_codecs', 'avc1.64001f,mp4a.40.2', 'avc1.64001f, mp4a.40.2', '22023'),
    ('p_codecs', 'vp09.00.10.08,opus', '', '22023'),
    ('p_color_primaries', 'bt2020', 'unknown', '22023'),
    ('p_color_transfer', 'smpte2084', 'unspecified', '22023'),
    ('p_color_transfer', 'arib-std-b67', '', '22023'),
    ('p_color_range', 'tv', 'limited', '22023'),
    ('p_color_range', 'pc', 'unknown', '22023'),
    ('p_rotation', '90', '45', '22023'),
    ('p_rotation', '270', '-90', '22023');

select lives_ok(pg_temp.call_with('none', null), 'nothing given: passes');
select lives_ok(pg_temp.call_with(arg, ok), format('%s = %s passes', arg, left(ok, 12)))
  from limit_case order by arg, ok;
select throws_ok(pg_temp.call_with(arg, bad), state, null,
                 format('%s = %s raises %s', arg, left(bad, 12), state))
  from limit_case order by arg, bad;
select throws_imatching(pg_temp.call_with(arg, bad), '^' || arg || ' ',
                        format('%s = %s: the message names %s', arg, left(bad, 12), arg))
  from limit_case order by arg, bad;

select * from finish();
rollback;
