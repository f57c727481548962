-- The limits of the API's arguments, by argument name: the one place they are
-- written. A text argument's range is that of its length, a number's that of its
-- value; null means the argument has no limit of its own. The checks
-- (_require_text, _require_range, _require_quality_metadata) and their error
-- messages read it, and a test compares the table of limits in docs/sql-api.md
-- with it. An immutable function called with a constant is evaluated once, when
-- its caller's statement is planned: the limits cost nothing at run time there.
-- PL/pgSQL, not SQL: a SQL function with a pinned search_path is never inlined,
-- and each transaction that calls it with a variable (the checks do) parsed and
-- planned its body again, about 40 µs per check (docs/benchmarks.md); PL/pgSQL
-- keeps its compiled body for the session.
create or replace function vq._limit(p_argument text)
returns numrange
language plpgsql
immutable
parallel safe
as $$
begin
return case p_argument
    -- texts: length
    when 'p_title'          then numrange(0, 500, '[]')
    when 'p_description'    then numrange(0, 10000, '[]')
    when 'p_url'            then numrange(0, 2048, '[]')
    when 'p_thumbnail_url'  then numrange(0, 2048, '[]')
    when 'p_quality'        then numrange(0, 64, '[]')
    when 'p_status'         then numrange(0, 64, '[]')
    when 'p_codec'          then numrange(0, 64, '[]')
    when 'p_container'      then numrange(0, 64, '[]')
    when 'p_pixel_format'   then numrange(0, 64, '[]')
    when 'p_color_space'    then numrange(0, 64, '[]')
    when 'p_audio_codec'    then numrange(0, 64, '[]')
    when 'p_aspect_ratio'   then numrange(0, 64, '[]')
    when 'p_error_message'  then numrange(0, 10000, '[]')
    when 'p_worker'         then numrange(0, 200, '[]')
    when 'p_error_code'     then numrange(0, 64, '[]')
    when 'p_codecs'         then numrange(0, 200, '[]')
    when 'p_error'          then numrange(0, 10000, '[]')
    -- numbers: value
    when 'p_duration'          then numrange(0, 1e6, '[]')        -- seconds: 11.5 days
    when 'p_file_size'         then numrange(0, 1e13, '[]')       -- bytes: 10 TB
    when 'p_bitrate'           then numrange(0, 1000000, '[]')    -- kbps: 1 Gbit/s
    when 'p_peak_bitrate'      then numrange(0, 1000000, '[]')    -- kbps
    when 'p_resolution_width'  then numrange(1, 32768, '[]')
    when 'p_resolution_height' then numrange(1, 32768, '[]')
    when 'p_fps'               then numrange(0.001, 1000, '[]')   -- so fps > 0
    when 'p_audio_bitrate'     then numrange(0, 100000, '[]')     -- kbps
    when 'p_audio_channels'    then numrange(0, 64, '[]')
    when 'p_audio_sample_rate' then numrange(0, 768000, '[]')     -- Hz
    when 'p_frame_count'       then numrange(0, 1e10, '[]')
    when 'p_encoding_time'     then numrange(0, 1e7, '[]')        -- seconds
    when 'p_limit'             then numrange(1, 1000, '[]')       -- qualities per claim
    when 'p_lease_seconds'     then numrange(1, 86400, '[]')      -- a day
    when 'p_retry_seconds'     then numrange(1, 3600, '[]')       -- the first retry's wait
    when 'p_progress'          then numrange(0, 100, '[]')        -- percent
    when 'p_max_attempts'      then numrange(1, 100, '[]')
    when 'p_minutes'           then numrange(1, 10080, '[]')      -- a week, in minutes
    when 'p_retry_for_seconds' then numrange(1, 604800, '[]')     -- a week
    when 'p_per_webhook'       then numrange(1, 100, '[]')
end;
end
$$;
comment on function vq._limit is
'Internal. The allowed range of the argument p_argument (of its length for a text, of its value for a number), or null when it has none. Raises nothing.';
