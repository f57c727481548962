-- The way back from 0110.checks_in_one_expression.

drop function vq._quality_metadata_ok(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text);

CREATE OR REPLACE FUNCTION vq._require_quality_metadata(p_url text, p_file_size bigint, p_bitrate integer, p_resolution_width integer, p_resolution_height integer, p_codec text, p_container text, p_duration double precision, p_fps double precision, p_pixel_format text, p_color_space text, p_audio_codec text, p_audio_bitrate integer, p_audio_channels integer, p_audio_sample_rate integer, p_aspect_ratio text, p_frame_count bigint, p_encoding_time double precision, p_error_message text)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    -- Fast path: every limit in one expression, so that a valid call (nearly
    -- every call) costs one evaluation instead of 19 helper calls, which were
    -- most of a write call's time in the server (docs/benchmarks.md). The limits
    -- are constants here (vq._limit of a constant is evaluated when this
    -- statement is planned). A value not given (null) makes its test null, never
    -- true. When one is out of its limit, the checks below find it and raise the
    -- usual error.
    if (not length(p_url)::numeric <@ vq._limit('p_url')
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
        or not p_encoding_time::numeric <@ vq._limit('p_encoding_time')) is not true then
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
        -- a new series of attempts, due now; a lease on the old row is ended
        attempts = 0, max_attempts = excluded.max_attempts, due_at = now(),
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

CREATE OR REPLACE FUNCTION vq.get_default_quality(p_video_id uuid)
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    perform vq._require_not_null('p_video_id', p_video_id);
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
    perform vq._require_not_null('p_video_id', p_video_id);
    return query select * from vq.videos where id = p_video_id;
end
$function$;
comment on function vq.get_video(uuid) is 'Returns the video p_video_id: one row, or no row when there is no such video.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID (raised by the cast of the argument).';

alter function vq.get_video(uuid) owner to vq_owner;

revoke all on function vq.get_video(uuid) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.get_video(uuid) to vq_reader;

grant EXECUTE on function vq.get_video(uuid) to vq_worker;

CREATE OR REPLACE FUNCTION vq.heartbeat_quality(p_quality_id uuid, p_lease_token uuid, p_progress real DEFAULT NULL::real, p_lease_seconds integer DEFAULT NULL::integer)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_expires timestamptz;
begin
    perform vq._require_not_null('p_quality_id', p_quality_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    perform vq._require_range('p_progress', p_progress::numeric);
    perform vq._require_range('p_lease_seconds', p_lease_seconds);
    update vq.video_qualities
       set lease_expires_at = now() + make_interval(secs => coalesce(p_lease_seconds, lease_seconds)),
           lease_seconds = coalesce(p_lease_seconds, lease_seconds),
           progress = coalesce(p_progress, progress)
     where id = p_quality_id and lease_token = p_lease_token
       and lease_expires_at is not null         -- the fencing, in the write itself
    returning lease_expires_at into v_expires;
    if not found then
        perform vq._leased_quality(p_quality_id, p_lease_token, '{}');   -- raises: lease lost
    end if;
    return v_expires;
end
$function$;
comment on function vq.heartbeat_quality(uuid,uuid,real,integer) is 'Extends the lease p_lease_token of the quality p_quality_id by p_lease_seconds from now (null: the length it was claimed for), records p_progress (percent) when given, and returns the new lease_expires_at. Accepted after the expiry as long as no other worker has claimed the quality.
Errors: 22004 p_quality_id or p_lease_token is null; 22003 p_progress not in [0, 100] or p_lease_seconds not in [1, 86400]; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

alter function vq.heartbeat_quality(uuid,uuid,real,integer) owner to vq_owner;

revoke all on function vq.heartbeat_quality(uuid,uuid,real,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.heartbeat_quality(uuid,uuid,real,integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.list_qualities_ordered(p_video_id uuid)
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    perform vq._require_not_null('p_video_id', p_video_id);
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

CREATE OR REPLACE FUNCTION vq.set_default_quality(p_video_id uuid, p_quality_id uuid)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
begin
    perform vq._require_not_null('p_video_id', p_video_id);
    perform vq._require_not_null('p_quality_id', p_quality_id);

    -- always the video row first, then quality rows in id order: the order of
    -- create_video_quality and of the batch functions (update_qualities_status,
    -- update_qualities_metadata), so that none of them can deadlock with another.
    -- The rows are the new default and the current one, which the update below
    -- clears.
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

CREATE OR REPLACE FUNCTION vq.update_quality_metadata(p_quality_id uuid, p_url text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_status text DEFAULT NULL::text, p_error_message text DEFAULT NULL::text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
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
Errors: 22004 p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed; 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_quality_id is not a UUID.';

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
    perform vq._require_not_null('p_quality_id', p_quality_id);
    perform vq._require_not_null('p_status', p_status);
    perform vq._require_quality_status('p_status', p_status);

    update vq.video_qualities set status = p_status where id = p_quality_id;
    return found;
end
$function$;
comment on function vq.update_quality_status(uuid,text) is 'Sets the status of the quality p_quality_id; true when it exists, false when it does not. Allowed: pending->processing|failed, processing->ready|failed|pending, failed->pending|processing, ready->processing, and any status to itself (a no-op); leaving processing ends a lease. Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses); 22P02 p_quality_id is not a UUID.';

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
    perform vq._require_not_null('p_video_id', p_video_id);
    perform vq._require_text('p_status', p_status, true);
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
