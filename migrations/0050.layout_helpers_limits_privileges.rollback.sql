-- The way back from 0050.layout_helpers_limits_privileges.

drop trigger video_qualities_before_write on vq.video_qualities;

drop trigger videos_before_update on vq.videos;

drop function vq._apply_privileges();

drop function vq._limit(text);

drop function vq._require_not_null(text,anyelement);

drop function vq._require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text);

drop function vq._require_quality_status(text,text);

drop function vq._require_range(text,numeric);

drop function vq._require_text(text,text,boolean);

drop function vq._video_qualities_before_write();

drop function vq._videos_before_update();

CREATE OR REPLACE FUNCTION vq.create_video(p_title text, p_description text DEFAULT NULL::text, p_url text DEFAULT NULL::text, p_thumbnail_url text DEFAULT NULL::text, p_duration integer DEFAULT NULL::integer, p_user_id uuid DEFAULT NULL::uuid, p_id uuid DEFAULT NULL::uuid)
 RETURNS vq.videos
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_video vq.videos;
begin
    perform vq.require_text('p_title', p_title, 500, true);
    perform vq.require_text('p_description', p_description, 10000);
    perform vq.require_text('p_url', p_url, 2048);
    perform vq.require_text('p_thumbnail_url', p_thumbnail_url, 2048);
    perform vq.require_range('p_duration', p_duration, 0, 1000000);

    insert into vq.videos (id, title, description, url, thumbnail_url, duration, user_id)
    values (coalesce(p_id, gen_random_uuid()), p_title, p_description, p_url, p_thumbnail_url,
            p_duration, p_user_id)
    on conflict (id) do nothing
    returning * into v_video;
    if found then
        return v_video;
    end if;

    -- p_id exists: the same call again (return what it created), or a reused id
    select * into v_video from vq.videos where id = p_id;
    if (v_video.title, v_video.description, v_video.url, v_video.thumbnail_url,
        v_video.duration, v_video.user_id)
       is distinct from (p_title, p_description, p_url, p_thumbnail_url, p_duration, p_user_id) then
        raise exception 'p_id = % already names another video', p_id
            using errcode = 'unique_violation';                      -- 23505
    end if;
    return v_video;
end
$function$;
comment on function vq.create_video(text,text,text,text,integer,uuid,uuid) is 'Creates a video in status draft and returns its row. With p_id the new video gets that id, and repeating the same call returns the video it created (safe to retry).
Errors: 22004 p_title is null; 22023 p_title is blank; 22001 p_title over 500, p_description over 10000, p_url or p_thumbnail_url over 2048 characters; 22003 p_duration outside [0, 1000000] seconds; 23505 p_id already names a video with other values.';

alter function vq.create_video(text,text,text,text,integer,uuid,uuid) owner to vq_owner;

revoke all on function vq.create_video(text,text,text,text,integer,uuid,uuid) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.create_video(text,text,text,text,integer,uuid,uuid) to vq_worker;

CREATE OR REPLACE FUNCTION vq.create_video_qualities(p_video_id uuid, p_qualities jsonb)
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$
declare
    c_keys constant text[] := array['quality', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'is_default',
        'status', 'processing_started_at'];
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
    perform vq.require_not_null('p_video_id', p_video_id);
    perform vq.require_not_null('p_qualities', p_qualities);
    if jsonb_typeof(p_qualities) <> 'array' then
        raise exception 'p_qualities must be a JSON array of objects, not a JSON %',
            jsonb_typeof(p_qualities)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    -- Lock the video, then every row this call may change -- the qualities it
    -- restarts and the current default -- in id order, as every other writer does:
    -- in the order of p_qualities a batch over the same rows could deadlock with
    -- it (migration 0021). Elements that are not objects lock nothing here and
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
                       and btrim(r.quality) <> '' and length(r.quality) <= 64
                       and l.label is not null
                       and btrim(r.url) <> '' and length(r.url) <= 2048
                       and s.status is not null
                       and (not coalesce(r.is_default, false) or s.status = 'ready')
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
                perform vq.require_quality_metadata(r.url, r.file_size, r.bitrate,
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
                        is_default, status, processing_started_at)
                    select p_video_id, r.quality, r.url, r.file_size, r.bitrate,
                           r.resolution_width, r.resolution_height, r.codec, r.container,
                           r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                           r.audio_bitrate, r.audio_channels, r.audio_sample_rate,
                           r.aspect_ratio, r.frame_count, r.encoding_time,
                           coalesce(r.is_default, false), coalesce(r.status, 'pending'),
                           r.processing_started_at
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
                        processing_completed_at = null
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
                    p_processing_started_at => v_row.processing_started_at);
                v_ids := v_ids || v_row.id;
            end loop;
        exception when others then
            -- name the element; keep the SQLSTATE of the error it raised
            get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
            raise exception 'p_qualities[%]: %', v_position, v_message using errcode = v_state;
        end;
    end if;

    return query
        select q.*
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.id = any (v_ids)
         order by l.rank;
end
$function$;
comment on function vq.create_video_qualities(uuid,jsonb) is 'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending). All or nothing. A quality given twice is written as the later element says.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key; P0002 p_video_id does not exist; 22P02 a value of the wrong type; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';

alter function vq.create_video_qualities(uuid,jsonb) owner to vq_owner;

revoke all on function vq.create_video_qualities(uuid,jsonb) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.create_video_qualities(uuid,jsonb) to vq_worker;

CREATE OR REPLACE FUNCTION vq.create_video_quality(p_video_id uuid, p_quality text, p_url text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_is_default boolean DEFAULT false, p_status text DEFAULT 'pending'::text, p_processing_started_at timestamp with time zone DEFAULT NULL::timestamp with time zone)
 RETURNS vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    perform vq.require_text('p_quality', p_quality, 64, true);
    if not exists (select 1 from vq.quality_levels where label = p_quality) then
        raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
            quote_literal(p_quality)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    perform vq.require_text('p_url', p_url, 2048, true);
    perform vq.require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null);
    perform vq.require_not_null('p_is_default', p_is_default);
    perform vq.require_not_null('p_status', p_status);
    perform vq.require_quality_status('p_status', p_status);
    if p_is_default and p_status <> 'ready' then
        raise exception 'p_is_default is true but p_status = %: the default quality must be ready',
            quote_literal(p_status)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    -- Lock the video (as set_default_quality does) so that defaults of one video
    -- change one at a time; this also proves the video exists.
    perform 1 from vq.videos where id = p_video_id for no key update;
    if not found then
        raise exception 'p_video_id = % does not exist', p_video_id
            using errcode = 'no_data_found';                        -- P0002
    end if;
    if p_is_default then
        -- the rows this call changes (the current default, and this quality if it
        -- exists), locked in id order as every other writer does, so that a batch
        -- over the same rows cannot deadlock with it (migration 0021)
        perform 1 from vq.video_qualities
         where video_id = p_video_id and (is_default or quality = p_quality)
         order by id
           for no key update;
        update vq.video_qualities set is_default = false
         where video_id = p_video_id and is_default and quality <> p_quality;
    end if;

    insert into vq.video_qualities as q (
        video_id, quality, url, file_size, bitrate, resolution_width, resolution_height,
        codec, container, duration, fps, pixel_format, color_space, audio_codec,
        audio_bitrate, audio_channels, audio_sample_rate, aspect_ratio, frame_count,
        encoding_time, is_default, status, processing_started_at)
    values (
        p_video_id, p_quality, p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_is_default, p_status,
        p_processing_started_at)
    on conflict (video_id, quality) do update set
        url = excluded.url, file_size = excluded.file_size, bitrate = excluded.bitrate,
        resolution_width = excluded.resolution_width,
        resolution_height = excluded.resolution_height,
        codec = excluded.codec, container = excluded.container, duration = excluded.duration,
        fps = excluded.fps, pixel_format = excluded.pixel_format,
        color_space = excluded.color_space, audio_codec = excluded.audio_codec,
        audio_bitrate = excluded.audio_bitrate, audio_channels = excluded.audio_channels,
        audio_sample_rate = excluded.audio_sample_rate, aspect_ratio = excluded.aspect_ratio,
        frame_count = excluded.frame_count, encoding_time = excluded.encoding_time,
        -- a restart never takes the default away; leaving 'ready' does (trigger)
        is_default = excluded.is_default or q.is_default,
        status = excluded.status,
        error_message = null,
        processing_started_at = excluded.processing_started_at,
        processing_completed_at = null
    returning * into v_quality;
    return v_quality;
end
$function$;
comment on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone) is 'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, or a restart whose status change is not allowed; 22001 a text over its limit (url 2048, others 64); 22003 a number out of range (sizes, rates, dimensions, durations negative or absurd; fps <= 0); P0002 p_video_id does not exist.';

alter function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone) owner to vq_owner;

revoke all on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone) to vq_worker;

CREATE OR REPLACE FUNCTION vq.get_default_quality(p_video_id uuid)
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    return query
        select * from vq.video_qualities where video_id = p_video_id and is_default;
end
$function$;
comment on function vq.get_default_quality(uuid) is 'Returns the default quality of the video p_video_id: one row, or no row when it has none or does not exist.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID.';

alter function vq.get_default_quality(uuid) owner to vq_owner;

revoke all on function vq.get_default_quality(uuid) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.get_default_quality(uuid) to vq_reader;

grant EXECUTE on function vq.get_default_quality(uuid) to vq_worker;

CREATE OR REPLACE FUNCTION vq.get_video(p_video_id uuid)
 RETURNS SETOF vq.videos
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    return query select * from vq.videos where id = p_video_id;
end
$function$;
comment on function vq.get_video(uuid) is 'Returns the video p_video_id: one row, or no row when there is no such video.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID (raised by the cast of the argument).';

alter function vq.get_video(uuid) owner to vq_owner;

revoke all on function vq.get_video(uuid) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.get_video(uuid) to vq_reader;

grant EXECUTE on function vq.get_video(uuid) to vq_worker;

CREATE OR REPLACE FUNCTION vq.list_qualities_ordered(p_video_id uuid)
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    return query
        select q.*
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.video_id = p_video_id
         order by l.rank;
end
$function$;
comment on function vq.list_qualities_ordered(uuid) is 'Returns every quality of the video p_video_id, highest first: 2160p, 1440p, 1080p, 720p, 480p, 360p, 240p, 144p, original (the order of vq.quality_levels.rank). No row when the video has none or does not exist.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID.';

alter function vq.list_qualities_ordered(uuid) owner to vq_owner;

revoke all on function vq.list_qualities_ordered(uuid) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.list_qualities_ordered(uuid) to vq_reader;

grant EXECUTE on function vq.list_qualities_ordered(uuid) to vq_worker;

CREATE OR REPLACE FUNCTION vq.require_not_null(p_argument text, p_value anyelement)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    if p_value is null then
        raise exception '% is required', p_argument
            using errcode = 'null_value_not_allowed';               -- 22004
    end if;
end
$function$;
comment on function vq.require_not_null(text,anyelement) is 'Internal. Raises 22004 when p_value is null.';

alter function vq.require_not_null(text,anyelement) owner to vq_owner;

revoke all on function vq.require_not_null(text,anyelement) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.require_quality_metadata(p_url text, p_file_size bigint, p_bitrate integer, p_resolution_width integer, p_resolution_height integer, p_codec text, p_container text, p_duration double precision, p_fps double precision, p_pixel_format text, p_color_space text, p_audio_codec text, p_audio_bitrate integer, p_audio_channels integer, p_audio_sample_rate integer, p_aspect_ratio text, p_frame_count bigint, p_encoding_time double precision, p_error_message text)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    -- Fast path: every limit in one expression, so that a valid call (nearly
    -- every call) costs one evaluation instead of 19 helper calls, which were
    -- most of a write call's time in the server (docs/benchmarks.md). A value
    -- not given (null) makes its comparison null, never true. When one is out of
    -- its limit, the checks below find it and raise the usual error. The limits
    -- here must be those below: tests/pgtap/batch_metadata_limits.sql tries both
    -- sides of each.
    if (length(p_url) > 2048 or length(p_codec) > 64 or length(p_container) > 64
        or length(p_pixel_format) > 64 or length(p_color_space) > 64
        or length(p_audio_codec) > 64 or length(p_aspect_ratio) > 64
        or length(p_error_message) > 10000
        or p_file_size not between 0 and 1e13 or p_bitrate not between 0 and 1000000
        or p_resolution_width not between 1 and 32768
        or p_resolution_height not between 1 and 32768
        or p_duration::numeric not between 0 and 1e6
        or p_fps::numeric not between 0.001 and 1000
        or p_audio_bitrate not between 0 and 100000 or p_audio_channels not between 0 and 64
        or p_audio_sample_rate not between 0 and 768000
        or p_frame_count not between 0 and 1e10
        or p_encoding_time::numeric not between 0 and 1e7) is not true then
        return;
    end if;

    perform vq.require_text('p_url', p_url, 2048);
    perform vq.require_range('p_file_size', p_file_size, 0, 1e13);             -- 10 TB
    perform vq.require_range('p_bitrate', p_bitrate, 0, 1000000);               -- 1 Gbit/s
    perform vq.require_range('p_resolution_width', p_resolution_width, 1, 32768);
    perform vq.require_range('p_resolution_height', p_resolution_height, 1, 32768);
    perform vq.require_text('p_codec', p_codec, 64);
    perform vq.require_text('p_container', p_container, 64);
    perform vq.require_range('p_duration', p_duration::numeric, 0, 1e6);                 -- 11.5 days
    perform vq.require_range('p_fps', p_fps::numeric, 0.001, 1000);                      -- fps > 0
    perform vq.require_text('p_pixel_format', p_pixel_format, 64);
    perform vq.require_text('p_color_space', p_color_space, 64);
    perform vq.require_text('p_audio_codec', p_audio_codec, 64);
    perform vq.require_range('p_audio_bitrate', p_audio_bitrate, 0, 100000);
    perform vq.require_range('p_audio_channels', p_audio_channels, 0, 64);
    perform vq.require_range('p_audio_sample_rate', p_audio_sample_rate, 0, 768000);
    perform vq.require_text('p_aspect_ratio', p_aspect_ratio, 64);
    perform vq.require_range('p_frame_count', p_frame_count, 0, 1e10);
    perform vq.require_range('p_encoding_time', p_encoding_time::numeric, 0, 1e7);
    perform vq.require_text('p_error_message', p_error_message, 10000);
end
$function$;
comment on function vq.require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) is 'Internal. Checks the metadata arguments of the quality functions: 22001 for a text longer than its limit (url 2048, error_message 10000, others 64), 22003 for a number outside its range (sizes, rates, dimensions, durations not negative; fps > 0).';

alter function vq.require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) owner to vq_owner;

revoke all on function vq.require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.require_quality_status(p_argument text, p_status text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    if p_status is not null
       and not exists (select 1 from vq.quality_statuses where status = p_status) then
        raise exception '% = % is not a quality status (pending, processing, ready, failed)',
            p_argument, quote_literal(left(p_status, 100))
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
end
$function$;
comment on function vq.require_quality_status(text,text) is 'Internal. Raises 22023 when p_status is not null and not a known quality status.';

alter function vq.require_quality_status(text,text) owner to vq_owner;

revoke all on function vq.require_quality_status(text,text) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.require_range(p_argument text, p_value numeric, p_min numeric, p_max numeric)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    if p_value < p_min or p_value > p_max then
        raise exception '% = % is out of range [%, %]', p_argument, p_value, p_min, p_max
            using errcode = 'numeric_value_out_of_range';           -- 22003
    end if;
end
$function$;
comment on function vq.require_range(text,numeric,numeric,numeric) is 'Internal. Raises 22003 when p_value is outside [p_min, p_max]; null passes.';

alter function vq.require_range(text,numeric,numeric,numeric) owner to vq_owner;

revoke all on function vq.require_range(text,numeric,numeric,numeric) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.require_text(p_argument text, p_value text, p_max_length integer, p_required boolean DEFAULT false)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    if p_value is null then
        if p_required then
            raise exception '% is required', p_argument
                using errcode = 'null_value_not_allowed';           -- 22004
        end if;
        return;
    end if;
    if p_required and btrim(p_value) = '' then
        raise exception '% must not be empty', p_argument
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    if length(p_value) > p_max_length then
        raise exception '% is % characters long, at most % allowed (value starts with %)',
            p_argument, length(p_value), p_max_length, quote_literal(left(p_value, 40))
            using errcode = 'string_data_right_truncation';         -- 22001
    end if;
end
$function$;
comment on function vq.require_text(text,text,integer,boolean) is 'Internal. Raises 22004 when a required argument is null, 22023 when it is blank, 22001 when it is longer than p_max_length.';

alter function vq.require_text(text,text,integer,boolean) owner to vq_owner;

revoke all on function vq.require_text(text,text,integer,boolean) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.set_default_quality(p_video_id uuid, p_quality_id uuid)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    perform vq.require_not_null('p_quality_id', p_quality_id);

    -- always the video row first, then quality rows in id order: the order of
    -- create_video_quality and of the batch functions (update_qualities_status,
    -- update_qualities_metadata), so that none of them can deadlock with another.
    -- The rows are the new default and the current one, which the update below
    -- clears (migration 0021: the new default used to be locked first).
    perform 1 from vq.videos where id = p_video_id for no key update;
    if not found then
        return false;
    end if;
    perform 1 from vq.video_qualities
     where id = p_quality_id or (video_id = p_video_id and is_default)
     order by id
       for no key update;
    select * into v_quality from vq.video_qualities where id = p_quality_id;
    if not found then
        return false;
    end if;
    if v_quality.video_id <> p_video_id then
        raise exception 'p_quality_id = % belongs to video %, not to p_video_id = %',
            p_quality_id, v_quality.video_id, p_video_id
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    if v_quality.status <> 'ready' then
        raise exception 'p_quality_id = % has status %: only a ready quality can be the default',
            p_quality_id, v_quality.status
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    if not v_quality.is_default then
        update vq.video_qualities set is_default = false where video_id = p_video_id and is_default;
        update vq.video_qualities set is_default = true where id = p_quality_id;
    end if;
    return true;
end
$function$;
comment on function vq.set_default_quality(uuid,uuid) is 'Makes the quality p_quality_id the only default of the video p_video_id, atomically and safely under concurrent calls (the last to commit wins); true when done (also when it already was the default), false when the video or the quality does not exist.
Errors: 22004 p_video_id or p_quality_id is null; 22023 the quality belongs to another video, or its status is not ready; 22P02 an argument is not a UUID.';

alter function vq.set_default_quality(uuid,uuid) owner to vq_owner;

revoke all on function vq.set_default_quality(uuid,uuid) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.set_default_quality(uuid,uuid) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_qualities_metadata(p_updates jsonb)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
 SET plan_cache_mode TO 'force_generic_plan'
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
begin
    perform vq.require_not_null('p_updates', p_updates);
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
                perform vq.require_not_null('quality_id', v_id);
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
            perform vq.require_quality_metadata(v_row.url, v_row.file_size, v_row.bitrate,
                v_row.resolution_width, v_row.resolution_height, v_row.codec, v_row.container,
                v_row.duration, v_row.fps, v_row.pixel_format, v_row.color_space,
                v_row.audio_codec, v_row.audio_bitrate, v_row.audio_channels,
                v_row.audio_sample_rate, v_row.aspect_ratio, v_row.frame_count,
                v_row.encoding_time, v_row.error_message);
            if v_row.status is not null then
                perform vq.require_quality_status('status', v_row.status);
            end if;
            v_rows := v_rows || v_row;
        end loop;
    exception when others then
        -- name the element; keep the SQLSTATE of the error it raised
        get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
        raise exception 'p_updates[%]: %', v_position, v_message using errcode = v_state;
    end;

    -- 2. lock the rows in id order, so that two overlapping batches cannot deadlock
    perform 1 from vq.video_qualities where id = any (v_ids) order by id for no key update;

    -- 3. a forbidden status change, named by its element (the trigger would
    -- name only the quality)
    select u.ordinality, format('quality %s cannot change status from %s to %s',
                              q.id, q.status, u.status)
      into v_position, v_message
      from unnest(v_rows) with ordinality as u
      join vq.video_qualities q on q.id = u.id
     where u.status <> q.status
       and not exists (select 1 from vq.quality_status_transitions t
                        where t.from_status = q.status and t.to_status = u.status)
     order by u.ordinality
     limit 1;
    if found then
        raise exception 'p_updates[%]: %', v_position, v_message
            using errcode = 'invalid_parameter_value',
                  hint = 'allowed: pending->processing|failed, processing->ready|failed, '
                      || 'failed->pending|processing, ready->processing';
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
     where q.id = u.id;
    get diagnostics v_changed = row_count;
    return v_changed;
end
$function$;
comment on function vq.update_qualities_metadata(jsonb) is 'Changes the metadata of many qualities in one transaction, all or nothing, and returns how many of them exist (a quality_id that does not exist is skipped, as update_quality_metadata returns false). p_updates is a JSON array of objects whose keys are update_quality_metadata''s arguments without p_ (quality_id required; the others optional, null or absent meaning unchanged). Same rules as update_quality_metadata for each element; rows are locked in id order, so overlapping batches do not deadlock.
Errors: 22004 p_updates is null; 22023 p_updates is not an array of objects; with the message prefixed by p_updates[N] (1-based): 22004 quality_id missing or null; 22023 an unknown key, a quality_id given twice, a blank url, a status that is not pending/processing/ready/failed, or a status change that is not allowed; 22P02 a value of the wrong type (quality_id not a UUID, text for a number); 22001 a text over its limit (url 2048, error_message 10000, others 64); 22003 a number out of range.';

alter function vq.update_qualities_metadata(jsonb) owner to vq_owner;

revoke all on function vq.update_qualities_metadata(jsonb) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_qualities_metadata(jsonb) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_qualities_status(p_quality_ids uuid[], p_status text)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_changed integer;
begin
    perform vq.require_not_null('p_quality_ids', p_quality_ids);
    if array_position(p_quality_ids, null) is not null then
        raise exception 'p_quality_ids contains a null at position %', array_position(p_quality_ids, null)
            using errcode = 'null_value_not_allowed';               -- 22004
    end if;
    perform vq.require_not_null('p_status', p_status);
    perform vq.require_quality_status('p_status', p_status);

    -- lock the rows in id order, so that two overlapping batches cannot deadlock
    perform 1 from vq.video_qualities where id = any (p_quality_ids) order by id for no key update;
    update vq.video_qualities set status = p_status where id = any (p_quality_ids);
    get diagnostics v_changed = row_count;
    return v_changed;
end
$function$;
comment on function vq.update_qualities_status(uuid[],text) is 'Sets the status of every quality in p_quality_ids, all or nothing; returns how many exist (ids that do not exist are skipped). Same rules as update_quality_status.
Errors: 22004 p_quality_ids or p_status is null, or p_quality_ids contains a null; 22023 p_status is not pending/processing/ready/failed, or one of the changes is not allowed.';

alter function vq.update_qualities_status(uuid[],text) owner to vq_owner;

revoke all on function vq.update_qualities_status(uuid[],text) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_qualities_status(uuid[],text) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_quality_metadata(p_quality_id uuid, p_url text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_status text DEFAULT NULL::text, p_error_message text DEFAULT NULL::text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    perform vq.require_not_null('p_quality_id', p_quality_id);
    perform vq.require_text('p_url', p_url, 2048);
    if btrim(p_url) = '' then
        raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
    end if;
    perform vq.require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_error_message);
    perform vq.require_quality_status('p_status', p_status);

    update vq.video_qualities set
        url = coalesce(p_url, url),
        file_size = coalesce(p_file_size, file_size),
        bitrate = coalesce(p_bitrate, bitrate),
        resolution_width = coalesce(p_resolution_width, resolution_width),
        resolution_height = coalesce(p_resolution_height, resolution_height),
        codec = coalesce(p_codec, codec),
        container = coalesce(p_container, container),
        duration = coalesce(p_duration, duration),
        fps = coalesce(p_fps, fps),
        pixel_format = coalesce(p_pixel_format, pixel_format),
        color_space = coalesce(p_color_space, color_space),
        audio_codec = coalesce(p_audio_codec, audio_codec),
        audio_bitrate = coalesce(p_audio_bitrate, audio_bitrate),
        audio_channels = coalesce(p_audio_channels, audio_channels),
        audio_sample_rate = coalesce(p_audio_sample_rate, audio_sample_rate),
        aspect_ratio = coalesce(p_aspect_ratio, aspect_ratio),
        frame_count = coalesce(p_frame_count, frame_count),
        encoding_time = coalesce(p_encoding_time, encoding_time),
        status = coalesce(p_status, status),
        error_message = coalesce(p_error_message, error_message)
    where id = p_quality_id;
    return found;
end
$function$;
comment on function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) is 'Changes only the given (non-null) fields of the quality p_quality_id; true when it exists, false when it does not. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed; 22001 a text over its limit (url 2048, error_message 10000, others 64); 22003 a number out of range (sizes, rates, dimensions, durations negative or absurd; fps <= 0).';

alter function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) owner to vq_owner;

revoke all on function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_quality_status(p_quality_id uuid, p_status text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    perform vq.require_not_null('p_quality_id', p_quality_id);
    perform vq.require_not_null('p_status', p_status);
    perform vq.require_quality_status('p_status', p_status);

    update vq.video_qualities set status = p_status where id = p_quality_id;
    return found;
end
$function$;
comment on function vq.update_quality_status(uuid,text) is 'Sets the status of the quality p_quality_id; true when it exists, false when it does not. Allowed: pending->processing|failed, processing->ready|failed, failed->pending|processing, ready->processing, and any status to itself (a no-op). Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses).';

alter function vq.update_quality_status(uuid,text) owner to vq_owner;

revoke all on function vq.update_quality_status(uuid,text) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_quality_status(uuid,text) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_video_status(p_video_id uuid, p_status text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    perform vq.require_text('p_status', p_status, 64, true);
    if not exists (select 1 from vq.video_statuses where status = p_status) then
        raise exception 'p_status = % is not a video status (draft, published, processing)',
            quote_literal(p_status)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    update vq.videos set status = p_status where id = p_video_id;
    return found;
end
$function$;
comment on function vq.update_video_status(uuid,text) is 'Sets the status of the video p_video_id; true when it exists, false when it does not. Setting the status it already has is allowed.
Errors: 22004 p_video_id or p_status is null; 22023 p_status is not draft, published or processing; 22P02 p_video_id is not a UUID.';

alter function vq.update_video_status(uuid,text) owner to vq_owner;

revoke all on function vq.update_video_status(uuid,text) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_video_status(uuid,text) to vq_worker;

CREATE OR REPLACE FUNCTION vq.video_qualities_before_write()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_status_changed boolean := tg_op = 'INSERT' or new.status is distinct from old.status;
begin
    if tg_op = 'UPDATE' and v_status_changed then
        if not exists (select 1 from vq.quality_status_transitions
                        where from_status = old.status and to_status = new.status) then
            raise exception 'quality % cannot change status from % to %', old.id, old.status, new.status
                using errcode = 'invalid_parameter_value',          -- 22023
                      hint = 'allowed: pending->processing|failed, processing->ready|failed, '
                          || 'failed->pending|processing, ready->processing';
        end if;
        if old.status = 'ready' then
            new.is_default := false;
        end if;
    end if;

    if new.status = 'processing' then
        new.processing_completed_at := null;
        -- entering 'processing' restarts the clock unless the writer gave a start time
        if new.processing_started_at is null
           or (tg_op = 'UPDATE' and v_status_changed
               and new.processing_started_at = old.processing_started_at) then
            new.processing_started_at := now();
        end if;
    elsif new.status = 'pending' and tg_op = 'UPDATE' and v_status_changed then
        new.processing_completed_at := null;
        -- keep a start time the writer gave; drop the one of the attempt that ended
        if new.processing_started_at = old.processing_started_at then
            new.processing_started_at := null;
        end if;
    elsif new.status in ('ready', 'failed')
          and (v_status_changed or new.processing_completed_at is null) then
        -- a worker's clock may run ahead of the server's: never finish before the start
        new.processing_completed_at := greatest(now(), new.processing_started_at);
    end if;

    new.updated_at := now();
    return new;
end
$function$;
comment on function vq.video_qualities_before_write() is 'Trigger of vq.video_qualities. Raises 22023 for a status change not listed in vq.quality_status_transitions; keeps processing_started_at/processing_completed_at and is_default consistent with the status (processing: started, not completed; ready/failed: completed; back to pending: neither).';

alter function vq.video_qualities_before_write() owner to vq_owner;

revoke all on function vq.video_qualities_before_write() from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.videos_before_update()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    new.updated_at := now();
    return new;
end
$function$;
comment on function vq.videos_before_update() is 'Trigger of vq.videos: sets updated_at. Raises nothing.';

alter function vq.videos_before_update() owner to vq_owner;

revoke all on function vq.videos_before_update() from public, vq_worker, vq_reader;

CREATE TRIGGER video_qualities_before_write BEFORE INSERT OR UPDATE ON vq.video_qualities FOR EACH ROW EXECUTE FUNCTION vq.video_qualities_before_write();

CREATE TRIGGER videos_before_update BEFORE UPDATE ON vq.videos FOR EACH ROW EXECUTE FUNCTION vq.videos_before_update();
