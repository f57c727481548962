-- The way back from 0200.json_metadata_forms.

drop function vq._quality_row(jsonb);

CREATE OR REPLACE FUNCTION vq.complete_and_claim_quality(p_quality_id uuid, p_lease_token uuid, p_worker text, p_metadata jsonb DEFAULT NULL::jsonb, p_lease_seconds integer DEFAULT 300, p_qualities text[] DEFAULT NULL::text[])
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    c_keys constant text[] := array['url', 'file_size', 'bitrate', 'resolution_width',
        'resolution_height', 'codec', 'container', 'duration', 'fps', 'pixel_format',
        'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels', 'audio_sample_rate',
        'aspect_ratio', 'frame_count', 'encoding_time'];
    r vq.video_qualities;
begin
    if p_metadata is not null and (jsonb_typeof(p_metadata) <> 'object'
                                   or p_metadata - c_keys <> '{}'::jsonb) then
        raise exception 'p_metadata must be a JSON object with keys among %', c_keys
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    r := jsonb_populate_record(null::vq.video_qualities, p_metadata);
    perform vq.complete_quality(p_quality_id, p_lease_token, r.url, r.file_size, r.bitrate,
        r.resolution_width, r.resolution_height, r.codec, r.container, r.duration, r.fps,
        r.pixel_format, r.color_space, r.audio_codec, r.audio_bitrate, r.audio_channels,
        r.audio_sample_rate, r.aspect_ratio, r.frame_count, r.encoding_time);
    return query select * from vq.claim_qualities(p_worker, 1, p_lease_seconds, p_qualities);
end
$function$;
comment on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) is 'Completes the quality p_quality_id under lease p_lease_token with the metadata of p_metadata (an object whose keys are complete_quality''s metadata arguments without p_), then claims the next quality for p_worker as claim_qualities(p_worker, 1, p_lease_seconds, p_qualities) does; returns that row, or none when there is no work. One transaction: when the completion is refused, nothing is claimed.
Errors: 22004 p_quality_id, p_lease_token, p_worker or p_lease_seconds is null; 22023 p_metadata is not an object or has an unknown key, p_worker blank, an unknown label in p_qualities; 22P02 a metadata value of the wrong type, an id not a UUID; 22001, 22003 as complete_quality and claim_qualities; 55000 lease lost.';

alter function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) owner to vq_owner;

revoke all on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) to vq_worker;

CREATE OR REPLACE FUNCTION vq.create_video_qualities(p_video_id uuid, p_qualities jsonb)
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    c_keys constant text[] := array['quality', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'is_default',
        'status', 'processing_started_at', 'max_attempts'];
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
                       and coalesce(r.max_attempts::numeric <@ vq._limit('p_max_attempts'), true)
                       is true), true)
                   and count(*) filter (where r.is_default) <= 1
                   and count(distinct r.quality) = count(*),
                   array_agg(r order by e.position),
                   max(r.quality) filter (where r.is_default)
              into v_valid, v_rows, v_default
              from jsonb_array_elements(p_qualities) with ordinality as e(value, position)
              cross join lateral jsonb_populate_record(null::vq.video_qualities,
                  case when jsonb_typeof(e.value) = 'object' then e.value end) as r
              left join vq.quality_levels l on l.label = r.quality
              left join vq.quality_statuses s on s.status = coalesce(r.status, 'pending');
            if v_valid then
                -- the metadata limits: raises (and so falls back) when one is exceeded
                perform vq._require_quality_metadata(r.url, r.file_size, r.bitrate,
                    r.resolution_width, r.resolution_height, r.codec, r.container,
                    r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                    r.audio_bitrate, r.audio_channels, r.audio_sample_rate, r.aspect_ratio,
                    r.frame_count, r.encoding_time, null)
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
                        is_default, status, processing_started_at, max_attempts)
                    select p_video_id, r.quality, r.url, r.file_size, r.bitrate,
                           r.resolution_width, r.resolution_height, r.codec, r.container,
                           r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                           r.audio_bitrate, r.audio_channels, r.audio_sample_rate,
                           r.aspect_ratio, r.frame_count, r.encoding_time,
                           coalesce(r.is_default, false), coalesce(r.status, 'pending'),
                           r.processing_started_at, r.max_attempts
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
                v_row := jsonb_populate_record(null::vq.video_qualities, v_element);
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
                    p_max_attempts => v_row.max_attempts);
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
$function$;
comment on function vq.create_video_qualities(uuid,jsonb) is 'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending; max_attempts, the attempts a worker gets at it, to 3). All or nothing. A quality given twice is written as the later element says.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key; P0002 p_video_id does not exist; 22P02 a value of the wrong type; 22007 a start time that is not a time; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';

alter function vq.create_video_qualities(uuid,jsonb) owner to vq_owner;

revoke all on function vq.create_video_qualities(uuid,jsonb) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.create_video_qualities(uuid,jsonb) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_qualities_metadata(p_updates jsonb)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    c_keys constant text[] := array['quality_id', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'status',
        'error_message'];
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
            v_row := jsonb_populate_record(null::vq.video_qualities, v_element);
            v_row.id := v_id;
            if btrim(v_row.url) = '' then
                raise exception 'url must not be empty' using errcode = 'invalid_parameter_value';
            end if;
            perform vq._require_quality_metadata(v_row.url, v_row.file_size, v_row.bitrate,
                v_row.resolution_width, v_row.resolution_height, v_row.codec, v_row.container,
                v_row.duration, v_row.fps, v_row.pixel_format, v_row.color_space,
                v_row.audio_codec, v_row.audio_bitrate, v_row.audio_channels,
                v_row.audio_sample_rate, v_row.aspect_ratio, v_row.frame_count,
                v_row.encoding_time, v_row.error_message);
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
        status = coalesce(u.status, q.status),
        error_message = coalesce(u.error_message, q.error_message)
      from unnest(v_rows) as u
     where q.video_id = any (v_video_ids) and q.id = u.id;
    get diagnostics v_changed = row_count;
    return v_changed;
end
$function$;
comment on function vq.update_qualities_metadata(jsonb) is 'Changes the metadata of many qualities in one transaction, all or nothing, and returns how many of them exist (a quality_id that does not exist is skipped, as update_quality_metadata returns false). p_updates is a JSON array of objects whose keys are update_quality_metadata''s arguments without p_ (quality_id required; the others optional, null or absent meaning unchanged). Same rules as update_quality_metadata for each element; the videos of the rows are locked in id order, so overlapping batches do not deadlock.
Errors: 22004 p_updates is null; 22023 p_updates is not an array of objects; with the message prefixed by p_updates[N] (1-based): 22004 quality_id missing or null; 22023 an unknown key, a quality_id given twice, a blank url, a status that is not pending/processing/ready/failed, or a status change that is not allowed; 22P02 a value of the wrong type (quality_id not a UUID, text for a number); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit).';

alter function vq.update_qualities_metadata(jsonb) owner to vq_owner;

revoke all on function vq.update_qualities_metadata(jsonb) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_qualities_metadata(jsonb) to vq_worker;
