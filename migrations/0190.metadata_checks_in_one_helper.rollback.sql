-- The way back from 0190.metadata_checks_in_one_helper.

CREATE OR REPLACE FUNCTION vq._apply_privileges()
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_object record;
begin
    alter schema vq owner to vq_owner;
    revoke all on schema vq from public;
    grant usage on schema vq to vq_worker, vq_reader;

    for v_object in
        select c.oid::regclass as name, c.relkind = 'S' as is_sequence
          from pg_class c
         where c.relnamespace = 'vq'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S')
    loop
        if v_object.is_sequence then
            -- a sequence of a table's column (identity, serial) follows its table's owner
            if not exists (select 1 from pg_depend d
                            where d.classid = 'pg_class'::regclass and d.objid = v_object.name
                              and d.deptype in ('a', 'i')) then
                execute format('alter sequence %s owner to vq_owner', v_object.name);
            end if;
            execute format('revoke all on sequence %s from public, vq_worker, vq_reader',
                           v_object.name);
        else
            execute format('alter table %s owner to vq_owner', v_object.name);
            execute format('revoke all on table %s from public, vq_worker, vq_reader',
                           v_object.name);
        end if;
    end loop;

    for v_object in
        select p.oid::regprocedure as name, p.proname, p.provolatile
          from pg_proc p
         where p.pronamespace = 'vq'::regnamespace
    loop
        execute format('alter function %s owner to vq_owner', v_object.name);
        execute format('revoke all on function %s from public, vq_worker, vq_reader',
                       v_object.name);
        if v_object.proname not like '\_%' then
            execute format('grant execute on function %s to vq_worker', v_object.name);
            if v_object.provolatile in ('s', 'i') then
                execute format('grant execute on function %s to vq_reader', v_object.name);
            end if;
        end if;
    end loop;
end
$function$;
comment on function vq._apply_privileges() is 'Internal. Applies the rule of ownership and privileges to the schema vq, its tables and functions (see the source). Raises nothing.';

alter function vq._apply_privileges() owner to vq_owner;

revoke all on function vq._apply_privileges() from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._quality_metadata_ok(p_url text, p_file_size bigint, p_bitrate integer, p_resolution_width integer, p_resolution_height integer, p_codec text, p_container text, p_duration double precision, p_fps double precision, p_pixel_format text, p_color_space text, p_audio_codec text, p_audio_bitrate integer, p_audio_channels integer, p_audio_sample_rate integer, p_aspect_ratio text, p_frame_count bigint, p_encoding_time double precision, p_error_message text)
 RETURNS boolean
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    return (not length(p_url)::numeric <@ vq._limit('p_url')
        or not length(p_codec)::numeric <@ vq._limit('p_codec')
        or not length(p_container)::numeric <@ vq._limit('p_container')
        or not length(p_pixel_format)::numeric <@ vq._limit('p_pixel_format')
        or not length(p_color_space)::numeric <@ vq._limit('p_color_space')
        or not length(p_audio_codec)::numeric <@ vq._limit('p_audio_codec')
        or not length(p_aspect_ratio)::numeric <@ vq._limit('p_aspect_ratio')
        or not length(p_error_message)::numeric <@ vq._limit('p_error_message')
        or not p_file_size::numeric <@ vq._limit('p_file_size')
        or not p_bitrate::numeric <@ vq._limit('p_bitrate')
        or not p_resolution_width::numeric <@ vq._limit('p_resolution_width')
        or not p_resolution_height::numeric <@ vq._limit('p_resolution_height')
        or not p_duration::numeric <@ vq._limit('p_duration')
        or not p_fps::numeric <@ vq._limit('p_fps')
        or not p_audio_bitrate::numeric <@ vq._limit('p_audio_bitrate')
        or not p_audio_channels::numeric <@ vq._limit('p_audio_channels')
        or not p_audio_sample_rate::numeric <@ vq._limit('p_audio_sample_rate')
        or not p_frame_count::numeric <@ vq._limit('p_frame_count')
        or not p_encoding_time::numeric <@ vq._limit('p_encoding_time')) is not true;
end
$function$;
comment on function vq._quality_metadata_ok(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) is 'Internal. True when every metadata argument given is within its limit (vq._limit); null arguments pass. Raises nothing.';

alter function vq._quality_metadata_ok(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) owner to vq_owner;

revoke all on function vq._quality_metadata_ok(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._require_quality_metadata(p_url text, p_file_size bigint, p_bitrate integer, p_resolution_width integer, p_resolution_height integer, p_codec text, p_container text, p_duration double precision, p_fps double precision, p_pixel_format text, p_color_space text, p_audio_codec text, p_audio_bitrate integer, p_audio_channels integer, p_audio_sample_rate integer, p_aspect_ratio text, p_frame_count bigint, p_encoding_time double precision, p_error_message text)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    -- the usual case (every limit met) in one call; the helpers below name the
    -- argument that is out of its limit
    if vq._quality_metadata_ok(p_url, p_file_size, p_bitrate, p_resolution_width,
           p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
           p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels,
           p_audio_sample_rate, p_aspect_ratio, p_frame_count, p_encoding_time,
           p_error_message) then
        return;
    end if;

    perform vq._require_text('p_url', p_url);
    perform vq._require_range('p_file_size', p_file_size);
    perform vq._require_range('p_bitrate', p_bitrate);
    perform vq._require_range('p_resolution_width', p_resolution_width);
    perform vq._require_range('p_resolution_height', p_resolution_height);
    perform vq._require_text('p_codec', p_codec);
    perform vq._require_text('p_container', p_container);
    perform vq._require_range('p_duration', p_duration::numeric);
    perform vq._require_range('p_fps', p_fps::numeric);
    perform vq._require_text('p_pixel_format', p_pixel_format);
    perform vq._require_text('p_color_space', p_color_space);
    perform vq._require_text('p_audio_codec', p_audio_codec);
    perform vq._require_range('p_audio_bitrate', p_audio_bitrate);
    perform vq._require_range('p_audio_channels', p_audio_channels);
    perform vq._require_range('p_audio_sample_rate', p_audio_sample_rate);
    perform vq._require_text('p_aspect_ratio', p_aspect_ratio);
    perform vq._require_range('p_frame_count', p_frame_count);
    perform vq._require_range('p_encoding_time', p_encoding_time::numeric);
    perform vq._require_text('p_error_message', p_error_message);
end
$function$;
comment on function vq._require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) is 'Internal. Checks the metadata arguments of the quality functions against their limits (vq._limit): 22001 for a text too long, 22003 for a number out of its range.';

alter function vq._require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) owner to vq_owner;

revoke all on function vq._require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.complete_quality(p_quality_id uuid, p_lease_token uuid, p_url text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision)
 RETURNS vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_quality_id is null or p_lease_token is null or btrim(p_url) = ''
       or not vq._quality_metadata_ok(p_url, p_file_size, p_bitrate, p_resolution_width,
                  p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
                  p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels,
                  p_audio_sample_rate, p_aspect_ratio, p_frame_count, p_encoding_time, null) then
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_lease_token', p_lease_token);
        perform vq._require_text('p_url', p_url);
        if btrim(p_url) = '' then
            raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
        end if;
        perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
            p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
            p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
            p_aspect_ratio, p_frame_count, p_encoding_time, null);
    end if;
    update vq.video_qualities q set
        url = coalesce(p_url, q.url),
        file_size = coalesce(p_file_size, q.file_size),
        bitrate = coalesce(p_bitrate, q.bitrate),
        resolution_width = coalesce(p_resolution_width, q.resolution_width),
        resolution_height = coalesce(p_resolution_height, q.resolution_height),
        codec = coalesce(p_codec, q.codec),
        container = coalesce(p_container, q.container),
        duration = coalesce(p_duration, q.duration),
        fps = coalesce(p_fps, q.fps),
        pixel_format = coalesce(p_pixel_format, q.pixel_format),
        color_space = coalesce(p_color_space, q.color_space),
        audio_codec = coalesce(p_audio_codec, q.audio_codec),
        audio_bitrate = coalesce(p_audio_bitrate, q.audio_bitrate),
        audio_channels = coalesce(p_audio_channels, q.audio_channels),
        audio_sample_rate = coalesce(p_audio_sample_rate, q.audio_sample_rate),
        aspect_ratio = coalesce(p_aspect_ratio, q.aspect_ratio),
        frame_count = coalesce(p_frame_count, q.frame_count),
        encoding_time = coalesce(p_encoding_time, q.encoding_time),
        status = 'ready',
        lease_expires_at = null                 -- ended by its holder: keep owner and token
     where q.id = p_quality_id and q.lease_token = p_lease_token
       and q.lease_expires_at is not null       -- the fencing, in the write itself
    returning q.* into v_quality;
    if found then
        return v_quality;
    end if;
    -- not written: a repeat of this call (the row as it left it), or lease lost (raises)
    return vq._leased_quality(p_quality_id, p_lease_token, '{ready}');
end
$function$;
comment on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision) is 'Marks the quality p_quality_id ready with the metadata given (the others keep their values), if p_lease_token is its lease; returns the row. The lease ends; lease_owner and lease_token stay as a record of who completed it, and a repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id or p_lease_token is null; 22023 p_url is blank; 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed by another writer or deleted).';

alter function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision) owner to vq_owner;

revoke all on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision) to vq_worker;

CREATE OR REPLACE FUNCTION vq.create_video_quality(p_video_id uuid, p_quality text, p_url text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_is_default boolean DEFAULT false, p_status text DEFAULT 'pending'::text, p_processing_started_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_max_attempts integer DEFAULT NULL::integer)
 RETURNS vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_video_id is null or p_url is null or btrim(p_url) = '' or p_is_default is null
       or not exists (select 1 from vq.quality_levels where label = p_quality)
       or not exists (select 1 from vq.quality_statuses where status = p_status)
       or not coalesce(p_max_attempts::numeric <@ vq._limit('p_max_attempts'), true)
       or not vq._quality_metadata_ok(p_url, p_file_size, p_bitrate, p_resolution_width,
                  p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
                  p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels,
                  p_audio_sample_rate, p_aspect_ratio, p_frame_count, p_encoding_time, null) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_text('p_quality', p_quality, true);
        if not exists (select 1 from vq.quality_levels where label = p_quality) then
            raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
                quote_literal(p_quality)
                using errcode = 'invalid_parameter_value';              -- 22023
        end if;
        perform vq._require_text('p_url', p_url, true);
        perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
            p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
            p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
            p_aspect_ratio, p_frame_count, p_encoding_time, null);
        perform vq._require_range('p_max_attempts', p_max_attempts);
        perform vq._require_not_null('p_is_default', p_is_default);
        perform vq._require_not_null('p_status', p_status);
        perform vq._require_quality_status('p_status', p_status);
    end if;
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
        -- over the same rows cannot deadlock with it
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
        encoding_time, is_default, status, processing_started_at, max_attempts)
    values (
        p_video_id, p_quality, p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_is_default, p_status,
        p_processing_started_at, p_max_attempts)
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
        processing_completed_at = null,
        -- a new series of attempts, due now (the column's default: sharded by video,
        -- Citus takes no now() here); a lease on the old row is ended
        attempts = 0, max_attempts = excluded.max_attempts, due_at = excluded.due_at,
        lease_owner = null, lease_token = null, lease_expires_at = null, progress = null,
        error_code = null
    returning * into v_quality;
    if v_quality.status = 'pending' then
        perform pg_notify('vq_work', '');   -- wakes workers waiting in LISTEN vq_work
    end if;
    return v_quality;
end
$function$;
comment on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer) is 'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video. As work, the quality is claimable by vq.claim_qualities while pending; p_max_attempts (default 3) is how many claims it gets; a restart begins a new series of attempts, due now, and ends any lease on it.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, or a restart whose status change is not allowed; 22001 a text longer than its limit; 22003 a number (p_max_attempts included) out of its range (limits: vq._limit); P0002 p_video_id does not exist; 22P02 p_video_id is not a UUID; 22007 p_processing_started_at is not a time.';

alter function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer) owner to vq_owner;

revoke all on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_video_quality_metadata(p_video_id uuid, p_quality_id uuid, p_url text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_status text DEFAULT NULL::text, p_error_message text DEFAULT NULL::text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_video_id is null or p_quality_id is null or btrim(p_url) = ''
       or (p_status is not null
           and not exists (select 1 from vq.quality_statuses where status = p_status))
       or not vq._quality_metadata_ok(p_url, p_file_size, p_bitrate, p_resolution_width,
                  p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
                  p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels,
                  p_audio_sample_rate, p_aspect_ratio, p_frame_count, p_encoding_time,
                  p_error_message) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_text('p_url', p_url);
        if btrim(p_url) = '' then
            raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
        end if;
        perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
            p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
            p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
            p_aspect_ratio, p_frame_count, p_encoding_time, p_error_message);
        perform vq._require_quality_status('p_status', p_status);
    end if;

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
    where video_id = p_video_id and id = p_quality_id;
    return found;
end
$function$;
comment on function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) is 'Changes only the given (non-null) fields of the quality p_quality_id of the video p_video_id; true when that video has that quality, false otherwise. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_video_id or p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed; 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_video_id or p_quality_id is not a UUID.';

alter function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) owner to vq_owner;

revoke all on function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) to vq_worker;
