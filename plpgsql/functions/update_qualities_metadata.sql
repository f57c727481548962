-- API: the metadata of many qualities in one call and one transaction (a worker
-- completing a whole ladder at once). Each element of p_updates is an object
-- with update_quality_metadata's arguments without their p_ prefix
-- ({"quality_id": "...", "file_size": 1048576, "status": "ready", ...}); each
-- follows the same rules, and one invalid element fails the whole call.
--
-- Three steps: every element is checked in array order (so an error names its
-- element), the videos of the rows are locked in id order (so overlapping
-- batches cannot deadlock), then one set-based UPDATE writes them all (one
-- statement instead of one per element). The checks of an element are
-- expressions, not queries, wherever the outcome is a pass (a query only runs
-- to name what failed).
create or replace function vq.update_qualities_metadata(p_updates jsonb)
returns integer
language plpgsql
as $$
declare
    c_keys constant text[] := array['quality_id', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'status',
        'error_message', 'codecs', 'color_primaries', 'color_transfer', 'color_range', 'rotation',
        'peak_bitrate'];
    v_position integer := 0;
    v_element  jsonb;
    v_unknown  text;
    v_id       uuid;
    v_row      vq.video_qualities;
    v_ids      uuid[] := '{}'::uuid[];
    v_rows     vq.video_qualities[] := '{}'::vq.video_qualities[];
    v_state    text;
    v_message  text;
    v_changed  integer;
    v_video_ids uuid[];
begin
    perform vq._require_not_null('p_updates', p_updates);
    if jsonb_typeof(p_updates) <> 'array' then
        raise exception 'p_updates must be a JSON array of objects, not a JSON %',
            jsonb_typeof(p_updates)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    begin
        -- 1. check every element, in array order
        for v_element in select value from jsonb_array_elements(p_updates) loop
            v_position := v_position + 1;
            if jsonb_typeof(v_element) <> 'object' then
                raise exception 'must be a JSON object, not a JSON %', jsonb_typeof(v_element)
                    using errcode = 'invalid_parameter_value';
            end if;
            if v_element - c_keys <> '{}'::jsonb then
                select key into v_unknown from jsonb_object_keys(v_element - c_keys) as key
                 limit 1;
                raise exception 'unknown key %', quote_literal(v_unknown)
                    using errcode = 'invalid_parameter_value';
            end if;
            v_id := (v_element ->> 'quality_id')::uuid;             -- 22P02 when not a UUID
            if v_id is null then
                perform vq._require_not_null('quality_id', v_id);
            end if;
            if v_id = any (v_ids) then
                raise exception 'quality_id % appears more than once', v_id
                    using errcode = 'invalid_parameter_value';
            end if;
            v_ids := v_ids || v_id;
            -- the typed metadata: 22P02 / 22003 for a value of the wrong type or size;
            -- the row's id carries the quality_id, for the UPDATE below
            v_row := vq._quality_row(v_element);
            v_row.id := v_id;
            if btrim(v_row.url) = '' then
                raise exception 'url must not be empty' using errcode = 'invalid_parameter_value';
            end if;
            perform vq._require_quality_metadata(v_row.url, v_row.file_size, v_row.bitrate,
                v_row.resolution_width, v_row.resolution_height, v_row.codec, v_row.container,
                v_row.duration, v_row.fps, v_row.pixel_format, v_row.color_space,
                v_row.audio_codec, v_row.audio_bitrate, v_row.audio_channels,
                v_row.audio_sample_rate, v_row.aspect_ratio, v_row.frame_count,
                v_row.encoding_time, v_row.error_message, v_row.codecs, v_row.color_primaries, v_row.color_transfer, v_row.color_range, v_row.rotation,
                v_row.peak_bitrate);
            if v_row.status is not null then
                perform vq._require_quality_status('status', v_row.status);
            end if;
            v_rows := v_rows || v_row;
        end loop;
    exception when others then
        -- name the element; keep the SQLSTATE of the error it raised
        get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
        raise exception 'p_updates[%]: %', v_position, v_message using errcode = v_state;
    end;

    -- 2. lock the videos in id order, so that two overlapping batches cannot deadlock
    v_video_ids := vq._lock_videos_of(v_ids);

    -- 3. a forbidden status change, named by its element (the trigger would
    -- name only the quality)
    select u.ordinality, format('quality %s cannot change status from %s to %s',
                              q.id, q.status, u.status)
      into v_position, v_message
      from unnest(v_rows) with ordinality as u
      join vq.video_qualities q on q.video_id = any (v_video_ids) and q.id = u.id
     where u.status <> q.status
       and not exists (select 1 from vq.quality_status_transitions t
                        where t.from_status = q.status and t.to_status = u.status)
     order by u.ordinality
     limit 1;
    if found then
        raise exception 'p_updates[%]: %', v_position, v_message
            using errcode = 'invalid_parameter_value',
                  hint = vq._allowed_transitions();
    end if;

    -- 4. one statement for every row
    update vq.video_qualities q set
        url = coalesce(u.url, q.url),
        file_size = coalesce(u.file_size, q.file_size),
        bitrate = coalesce(u.bitrate, q.bitrate),
        resolution_width = coalesce(u.resolution_width, q.resolution_width),
        resolution_height = coalesce(u.resolution_height, q.resolution_height),
        codec = coalesce(u.codec, q.codec),
        container = coalesce(u.container, q.container),
        duration = coalesce(u.duration, q.duration),
        fps = coalesce(u.fps, q.fps),
        pixel_format = coalesce(u.pixel_format, q.pixel_format),
        color_space = coalesce(u.color_space, q.color_space),
        audio_codec = coalesce(u.audio_codec, q.audio_codec),
        audio_bitrate = coalesce(u.audio_bitrate, q.audio_bitrate),
        audio_channels = coalesce(u.audio_channels, q.audio_channels),
        audio_sample_rate = coalesce(u.audio_sample_rate, q.audio_sample_rate),
        aspect_ratio = coalesce(u.aspect_ratio, q.aspect_ratio),
        frame_count = coalesce(u.frame_count, q.frame_count),
        encoding_time = coalesce(u.encoding_time, q.encoding_time),
        codecs = coalesce(u.codecs, q.codecs),
        color_primaries = coalesce(u.color_primaries, q.color_primaries),
        color_transfer = coalesce(u.color_transfer, q.color_transfer),
        color_range = coalesce(u.color_range, q.color_range),
        rotation = coalesce(u.rotation, q.rotation),
        peak_bitrate = coalesce(u.peak_bitrate, q.peak_bitrate),
        status = coalesce(u.status, q.status),
        error_message = coalesce(u.error_message, q.error_message)
      from unnest(v_rows) as u
     where q.video_id = any (v_video_ids) and q.id = u.id;
    get diagnostics v_changed = row_count;
    return v_changed;
end
$$;
comment on function vq.update_qualities_metadata is
'Changes the metadata of many qualities in one transaction, all or nothing, and returns how many of them exist (a quality_id that does not exist is skipped, as update_quality_metadata returns false). p_updates is a JSON array of objects whose keys are update_quality_metadata''s arguments without p_ (quality_id required; the others optional, null or absent meaning unchanged). Same rules as update_quality_metadata for each element; the videos of the rows are locked in id order, so overlapping batches do not deadlock.
Errors: 22004 p_updates is null; 22023 p_updates is not an array of objects; with the message prefixed by p_updates[N] (1-based): 22004 quality_id missing or null; 22023 an unknown key, a quality_id given twice, a blank url, a status that is not pending/processing/ready/failed, or a status change that is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22P02 a value of the wrong type (quality_id not a UUID, text for a number; naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit).';
