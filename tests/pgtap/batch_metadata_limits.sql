-- Both sides of every limit of vq._require_quality_metadata, which every write
-- of metadata goes through (create_video_quality, update_quality_metadata and
-- their batch forms). Migration 0011 gave it a fast path that checks every
-- limit in one expression before the per-argument checks; the two must agree:
-- a value at its limit passes, a value just beyond it raises the argument's
-- error (a fast path looser than the checks would let it through).
begin;
select no_plan();

create temporary table metadata_arg (position int, name text) on commit drop;
insert into metadata_arg
select ordinality, name
  from unnest(array['p_url', 'p_file_size', 'p_bitrate', 'p_resolution_width',
                    'p_resolution_height', 'p_codec', 'p_container', 'p_duration', 'p_fps',
                    'p_pixel_format', 'p_color_space', 'p_audio_codec', 'p_audio_bitrate',
                    'p_audio_channels', 'p_audio_sample_rate', 'p_aspect_ratio',
                    'p_frame_count', 'p_encoding_time', 'p_error_message'])
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
    ('p_aspect_ratio', repeat('c', 64), repeat('c', 65), '22001'),
    ('p_error_message', repeat('e', 10000), repeat('e', 10001), '22001'),
    ('p_file_size', '10000000000000', '10000000000001', '22003'),
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
    ('p_encoding_time', '0', '-0.5', '22003');

select lives_ok(pg_temp.call_with('none', null), 'nothing given: passes');
select lives_ok(pg_temp.call_with(arg, ok), format('%s = %s passes', arg, left(ok, 12)))
  from limit_case order by arg, ok;                                                     -- 32
select throws_ok(pg_temp.call_with(arg, bad), state, null,
                 format('%s = %s raises %s', arg, left(bad, 12), state))
  from limit_case order by arg, bad;                                                    -- 32
select throws_imatching(pg_temp.call_with(arg, bad), '^' || arg || ' ',
                        format('%s = %s: the message names %s', arg, left(bad, 12), arg))
  from limit_case order by arg, bad;                                                    -- 32

select * from finish();
rollback;
