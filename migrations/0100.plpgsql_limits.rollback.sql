-- The way back from 0100.plpgsql_limits.

CREATE OR REPLACE FUNCTION vq._limit(p_argument text)
 RETURNS numrange
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
select case p_argument
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
    -- numbers: value
    when 'p_duration'          then numrange(0, 1e6, '[]')        -- seconds: 11.5 days
    when 'p_file_size'         then numrange(0, 1e13, '[]')       -- bytes: 10 TB
    when 'p_bitrate'           then numrange(0, 1000000, '[]')    -- kbps: 1 Gbit/s
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
    when 'p_progress'          then numrange(0, 100, '[]')        -- percent
    when 'p_max_attempts'      then numrange(1, 100, '[]')
end
$function$;
comment on function vq._limit(text) is 'Internal. The allowed range of the argument p_argument (of its length for a text, of its value for a number), or null when it has none. Raises nothing.';

alter function vq._limit(text) owner to vq_owner;

revoke all on function vq._limit(text) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._retry_delay(p_attempts integer)
 RETURNS interval
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
select least(interval '30 seconds' * power(2, greatest(p_attempts, 1) - 1), interval '1 hour')
$function$;
comment on function vq._retry_delay(integer) is 'Internal. The backoff after the p_attempts-th failed attempt: 30 s, doubling, at most 1 hour. Raises nothing.';

alter function vq._retry_delay(integer) owner to vq_owner;

revoke all on function vq._retry_delay(integer) from public, vq_worker, vq_reader;
