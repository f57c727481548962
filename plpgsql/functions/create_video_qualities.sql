-- API: a whole ladder of a video in one call and one transaction. Each element
-- of p_qualities is an object with the arguments of create_video_quality without
-- their p_ prefix ({"quality": "720p", "url": "...", "bitrate": 5000, ...}); each
-- follows the same rules (including the restart of an existing quality), and
-- one invalid element fails the whole call.
--
-- Set-based: a ladder that passes every check is written with
-- one INSERT ... ON CONFLICT, instead of one create_video_quality call (one
-- statement start-up, one set of checks, one lock of the video) per element,
-- which was most of the call's time (docs/benchmarks.md). Every check of an
-- element is an expression where it passes. When anything fails -- a check, a
-- value of the wrong type, a forbidden status change raised by the trigger --
-- or the ladder is unusual (the same quality twice, more than one default, an
-- unknown video), the fast path is undone and the ladder runs element by
-- element through create_video_quality as before, so every error and every
-- outcome (the later element winning for a repeated quality, the error of
-- element 1 before the P0002 of an unknown video) is exactly the one that
-- path gives, with its p_qualities[N] prefix.
create or replace function vq.create_video_qualities(
    p_video_id  uuid,
    p_qualities jsonb,
    p_settings  jsonb default null
)
returns setof vq.video_qualities
language plpgsql
as $$
declare
    c_keys constant text[] := array['quality', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'is_default',
        'status', 'processing_started_at', 'max_attempts', 'settings', 'retry_seconds',
        'codecs', 'color_primaries', 'color_transfer', 'color_range', 'rotation',
        'peak_bitrate'];
    v_position integer := 0;
    v_element  jsonb;
    v_unknown  text;
    v_row      vq.video_qualities;
    v_rows     vq.video_qualities[];
    v_ids      uuid[];
    v_default  text;
    v_valid    boolean;
    v_state    text;
    v_message  text;
begin
    perform vq._require_not_null('p_video_id', p_video_id);
    perform vq._require_not_null('p_qualities', p_qualities);
    if jsonb_typeof(p_qualities) <> 'array' then
        raise exception 'p_qualities must be a JSON array of objects, not a JSON %',
            jsonb_typeof(p_qualities)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    -- the ladder's settings under each element's own keys, once, before anything
    if p_settings is not null then
        if jsonb_typeof(p_settings) <> 'object' then
            raise exception 'p_settings must be a JSON object, not a JSON %',
                jsonb_typeof(p_settings)
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
        select coalesce(jsonb_agg(
                   case when jsonb_typeof(e.value) = 'object'
                         and coalesce(jsonb_typeof(e.value -> 'settings'), 'null')
                             in ('object', 'null')
                        then e.value || jsonb_build_object('settings', p_settings
                                 || coalesce(nullif(e.value -> 'settings', 'null'), '{}'))
                        else e.value end            -- refused below, naming its element
                   order by e.position), '[]')
          into p_qualities
          from jsonb_array_elements(p_qualities) with ordinality as e(value, position);
    end if;

    -- Lock the video, then every row this call may change -- the qualities it
    -- restarts and the current default -- in id order, as every other writer does:
    -- in the order of p_qualities a batch over the same rows could deadlock with
    -- it. Elements that are not objects lock nothing here and
    -- fail in the checks.
    perform 1 from vq.videos where id = p_video_id for no key update;
    if found then
        perform 1 from vq.video_qualities
         where video_id = p_video_id
           and (is_default
                or quality in (select e.value ->> 'quality'
                                 from jsonb_array_elements(p_qualities) as e
                                where jsonb_typeof(e.value) = 'object'))
         order by id
           for no key update;

        -- The fast path. Any error in it (a value of the wrong type, a limit, a
        -- forbidden status change, a repeated quality) undoes it and leaves v_ids
        -- null, for the element-by-element path below to name the element.
        begin
            select coalesce(bool_and(
                       jsonb_typeof(e.value) = 'object'
                       and e.value - c_keys = '{}'::jsonb
                       and btrim(r.quality) <> '' and length(r.quality)::numeric <@ vq._limit('p_quality')
                       and l.label is not null
                       and btrim(r.url) <> '' and length(r.url)::numeric <@ vq._limit('p_url')
                       and s.status is not null
                       and (not coalesce(r.is_default, false) or s.status = 'ready')
                       and coalesce(jsonb_typeof(r.settings) = 'object', true)
                       and coalesce(r.retry_seconds::numeric <@ vq._limit('p_retry_seconds'), true)
                       and coalesce(r.max_attempts::numeric <@ vq._limit('p_max_attempts'), true)
                       is true), true)
                   and count(*) filter (where r.is_default) <= 1
                   and count(distinct r.quality) = count(*),
                   array_agg(r order by e.position),
                   max(r.quality) filter (where r.is_default)
              into v_valid, v_rows, v_default
              from jsonb_array_elements(p_qualities) with ordinality as e(value, position)
              cross join lateral vq._quality_row(
                  case when jsonb_typeof(e.value) = 'object' then e.value end) as r
              left join vq.quality_levels l on l.label = r.quality
              left join vq.quality_statuses s on s.status = coalesce(r.status, 'pending');
            if v_valid then
                -- the metadata limits: raises (and so falls back) when one is exceeded
                perform vq._require_quality_metadata(r.url, r.file_size, r.bitrate,
                    r.resolution_width, r.resolution_height, r.codec, r.container,
                    r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                    r.audio_bitrate, r.audio_channels, r.audio_sample_rate, r.aspect_ratio,
                    r.frame_count, r.encoding_time, null, r.codecs, r.color_primaries, r.color_transfer, r.color_range, r.rotation,
                    r.peak_bitrate)
                  from unnest(v_rows) as r;
                if v_default is not null then
                    update vq.video_qualities set is_default = false
                     where video_id = p_video_id and is_default and quality <> v_default;
                end if;
                with written as (
                    insert into vq.video_qualities as q (
                        video_id, quality, url, file_size, bitrate, resolution_width,
                        resolution_height, codec, container, duration, fps, pixel_format,
                        color_space, audio_codec, audio_bitrate, audio_channels,
                        audio_sample_rate, aspect_ratio, frame_count, encoding_time,
                        is_default, status, processing_started_at, max_attempts, settings,
                        retry_seconds, codecs, color_primaries, color_transfer, color_range,
                        rotation, peak_bitrate)
                    select p_video_id, r.quality, r.url, r.file_size, r.bitrate,
                           r.resolution_width, r.resolution_height, r.codec, r.container,
                           r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                           r.audio_bitrate, r.audio_channels, r.audio_sample_rate,
                           r.aspect_ratio, r.frame_count, r.encoding_time,
                           coalesce(r.is_default, false), coalesce(r.status, 'pending'),
                           r.processing_started_at, r.max_attempts, r.settings, r.retry_seconds,
                           r.codecs, r.color_primaries, r.color_transfer, r.color_range, r.rotation,
                           r.peak_bitrate
                      from unnest(v_rows) as r
                    -- the same restart as create_video_quality's
                    on conflict (video_id, quality) do update set
                        url = excluded.url, file_size = excluded.file_size,
                        bitrate = excluded.bitrate,
                        resolution_width = excluded.resolution_width,
                        resolution_height = excluded.resolution_height,
                        codec = excluded.codec, container = excluded.container,
                        duration = excluded.duration, fps = excluded.fps,
                        pixel_format = excluded.pixel_format,
                        color_space = excluded.color_space, audio_codec = excluded.audio_codec,
                        audio_bitrate = excluded.audio_bitrate,
                        audio_channels = excluded.audio_channels,
                        audio_sample_rate = excluded.audio_sample_rate,
                        aspect_ratio = excluded.aspect_ratio,
                        frame_count = excluded.frame_count,
                        encoding_time = excluded.encoding_time,
                        settings = excluded.settings, retry_seconds = excluded.retry_seconds,
                        codecs = excluded.codecs, color_primaries = excluded.color_primaries,
                        color_transfer = excluded.color_transfer,
                        color_range = excluded.color_range, rotation = excluded.rotation,
                        peak_bitrate = excluded.peak_bitrate,
                        -- a restart never takes the default away; leaving 'ready' does
                        is_default = excluded.is_default or q.is_default,
                        status = excluded.status,
                        error_message = null,
                        processing_started_at = excluded.processing_started_at,
                        processing_completed_at = null,
                        attempts = 0, max_attempts = excluded.max_attempts,
                        due_at = excluded.due_at,
                        lease_owner = null, lease_token = null, lease_expires_at = null,
                        progress = null, error_code = null
                    returning q.id)
                select coalesce(array_agg(id), '{}'::uuid[]) into v_ids from written;
            end if;
        exception when data_exception or integrity_constraint_violation
                       or cardinality_violation then
            v_ids := null;
        end;
    end if;

    if v_ids is null then
        v_ids := '{}'::uuid[];
        begin
            for v_element in select value from jsonb_array_elements(p_qualities) loop
                v_position := v_position + 1;
                if jsonb_typeof(v_element) <> 'object' then
                    raise exception 'must be a JSON object, not a JSON %',
                        jsonb_typeof(v_element)
                        using errcode = 'invalid_parameter_value';
                end if;
                select key into v_unknown from jsonb_object_keys(v_element) as key
                 where key <> all (c_keys) limit 1;
                if found then
                    raise exception 'unknown key %', quote_literal(v_unknown)
                        using errcode = 'invalid_parameter_value';
                end if;
                v_row := vq._quality_row(v_element);
                v_row := vq.create_video_quality(
                    p_video_id => p_video_id, p_quality => v_row.quality, p_url => v_row.url,
                    p_file_size => v_row.file_size, p_bitrate => v_row.bitrate,
                    p_resolution_width => v_row.resolution_width,
                    p_resolution_height => v_row.resolution_height,
                    p_codec => v_row.codec, p_container => v_row.container,
                    p_duration => v_row.duration, p_fps => v_row.fps,
                    p_pixel_format => v_row.pixel_format, p_color_space => v_row.color_space,
                    p_audio_codec => v_row.audio_codec, p_audio_bitrate => v_row.audio_bitrate,
                    p_audio_channels => v_row.audio_channels,
                    p_audio_sample_rate => v_row.audio_sample_rate,
                    p_aspect_ratio => v_row.aspect_ratio, p_frame_count => v_row.frame_count,
                    p_encoding_time => v_row.encoding_time,
                    p_is_default => coalesce(v_row.is_default, false),
                    p_status => coalesce(v_row.status, 'pending'),
                    p_processing_started_at => v_row.processing_started_at,
                    p_max_attempts => v_row.max_attempts, p_settings => v_row.settings,
                    p_retry_seconds => v_row.retry_seconds, p_codecs => v_row.codecs,
                    p_color_primaries => v_row.color_primaries,
                    p_color_transfer => v_row.color_transfer,
                    p_color_range => v_row.color_range, p_rotation => v_row.rotation,
                    p_peak_bitrate => v_row.peak_bitrate);
                v_ids := v_ids || v_row.id;
            end loop;
        exception when others then
            -- name the element; keep the SQLSTATE of the error it raised
            get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
            raise exception 'p_qualities[%]: %', v_position, v_message using errcode = v_state;
        end;
    end if;

    if exists (select 1 from vq.video_qualities
                where video_id = p_video_id and id = any (v_ids) and status = 'pending') then
        perform pg_notify('vq_work', '');   -- wakes workers waiting in LISTEN vq_work
    end if;
    return query
        select q.*
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.video_id = p_video_id and q.id = any (v_ids)
         order by l.rank;
end
$$;
comment on function vq.create_video_qualities is
'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending; max_attempts, the attempts a worker gets at it, to 3). All or nothing. A quality given twice is written as the later element says.
p_settings, a JSON object, is the ladder''s encoder settings: each quality''s settings are p_settings with the keys of its own "settings" over them.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key, p_settings is not a JSON object; P0002 p_video_id does not exist; 22P02 a value of the wrong type (naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps); 22007 a start time that is not a time; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';
