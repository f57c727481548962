-- The way back from 0290.hls-master-playlist.

alter table vq.video_qualities drop column peak_bitrate;

drop function vq._require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,integer,integer);

drop function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer,integer);

drop function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer,jsonb,integer,text,text,text,text,integer,integer);

drop function vq.hls_master_playlist(uuid);

drop function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer,integer);

drop function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer,integer);

CREATE OR REPLACE FUNCTION vq._limit(p_argument text)
 RETURNS numrange
 LANGUAGE plpgsql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
    when 'p_retry_seconds'     then numrange(1, 3600, '[]')       -- the first retry's wait
    when 'p_progress'          then numrange(0, 100, '[]')        -- percent
    when 'p_max_attempts'      then numrange(1, 100, '[]')
    when 'p_minutes'           then numrange(1, 10080, '[]')      -- a week, in minutes
end;
end
$function$;
comment on function vq._limit(text) is 'Internal. The allowed range of the argument p_argument (of its length for a text, of its value for a number), or null when it has none. Raises nothing.';

alter function vq._limit(text) owner to vq_owner;

revoke all on function vq._limit(text) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._quality_changes()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_kind text;
begin
    if tg_op = 'INSERT' then
        v_kind := 'quality_created';
    elsif new.status is distinct from old.status then
        v_kind := 'quality_status';
    elsif new.attempts < old.attempts then
        v_kind := 'quality_restarted';
    elsif new.lease_token is distinct from old.lease_token and old.lease_expires_at < now() then
        v_kind := 'quality_reclaimed';  -- its lease expired and another worker took it
    elsif new.is_default = old.is_default      -- a default moving is default_changed
          -- the metadata, which a cached ladder shows
          and (new.url, new.file_size, new.bitrate, new.resolution_width,
               new.resolution_height, new.codec, new.container, new.duration, new.fps,
               new.pixel_format, new.color_space, new.audio_codec, new.audio_bitrate,
               new.audio_channels, new.audio_sample_rate, new.aspect_ratio, new.frame_count,
               new.encoding_time, new.error_message, new.codecs, new.color_primaries,
               new.color_transfer, new.color_range, new.rotation)
              is distinct from
              (old.url, old.file_size, old.bitrate, old.resolution_width,
               old.resolution_height, old.codec, old.container, old.duration, old.fps,
               old.pixel_format, old.color_space, old.audio_codec, old.audio_bitrate,
               old.audio_channels, old.audio_sample_rate, old.aspect_ratio, old.frame_count,
               old.encoding_time, old.error_message, old.codecs, old.color_primaries,
               old.color_transfer, old.color_range, old.rotation) then
        v_kind := 'quality_updated';
    end if;
    if v_kind is not null then
        insert into vq.changes (video_id, kind, quality, quality_id, value, error_code)
        values (new.video_id, v_kind, new.quality, new.id, new.status,
                case when v_kind = 'quality_status' and new.status in ('failed', 'pending')
                     then new.error_code      -- a failure, or a retry after one
                     when v_kind = 'quality_reclaimed' then 'lease_expired' end);
    end if;
    if new.is_default and (tg_op = 'INSERT' or not old.is_default) then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'default_changed', new.quality, new.id, new.quality);
    end if;
    -- wakes LISTEN vq_changes (followers of the feed) within milliseconds, one per
    -- transaction (PostgreSQL folds repeats). Off unless vq.notify_changes = on: a
    -- notifying commit takes a cluster-wide lock, measured at -26% of the worker
    -- flow's throughput at 8 threads (docs/benchmarks.md); followers poll anyway.
    if current_setting('vq.notify_changes', true) = 'on' then
        perform pg_notify('vq_changes', '');
    end if;
    return null;
end
$function$;
comment on function vq._quality_changes() is 'Trigger of vq.video_qualities (after each row that matters): writes quality_created, quality_status (with error_code when failed, or pending again after a failure), quality_restarted, quality_reclaimed (an expired lease taken by another worker; error_code lease_expired), quality_updated (metadata) and default_changed events to vq.changes. Raises nothing.';

alter function vq._quality_changes() owner to vq_owner;

revoke all on function vq._quality_changes() from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._require_quality_metadata(p_url text, p_file_size bigint, p_bitrate integer, p_resolution_width integer, p_resolution_height integer, p_codec text, p_container text, p_duration double precision, p_fps double precision, p_pixel_format text, p_color_space text, p_audio_codec text, p_audio_bitrate integer, p_audio_channels integer, p_audio_sample_rate integer, p_aspect_ratio text, p_frame_count bigint, p_encoding_time double precision, p_error_message text, p_codecs text, p_color_primaries text, p_color_transfer text, p_color_range text, p_rotation integer)
 RETURNS void
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    -- the usual case (every limit met) in one expression; the helpers below name
    -- the argument that is out of its limit. The limits are constants here (vq._limit
    -- of a constant is evaluated when the statement is planned), and a value not
    -- given (null) makes its test null, never true.
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
           or not p_encoding_time::numeric <@ vq._limit('p_encoding_time')
           or p_container !~ (vq._form('p_container'))[1]
           or p_aspect_ratio !~ (vq._form('p_aspect_ratio'))[1]
           or p_color_space !~ (vq._form('p_color_space'))[1]
           or p_codec !~ (vq._form('p_codec'))[1]
           or p_audio_codec !~ (vq._form('p_audio_codec'))[1]
           or p_pixel_format !~ (vq._form('p_pixel_format'))[1]
           or not length(p_codecs)::numeric <@ vq._limit('p_codecs')
           or p_codecs !~ (vq._form('p_codecs'))[1]
           or p_color_primaries !~ (vq._form('p_color_primaries'))[1]
           or p_color_transfer !~ (vq._form('p_color_transfer'))[1]
           or p_color_range !~ (vq._form('p_color_range'))[1]
           or p_rotation::text !~ (vq._form('p_rotation'))[1]) is not true then
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
    perform vq._require_form('p_container', p_container);
    perform vq._require_form('p_aspect_ratio', p_aspect_ratio);
    perform vq._require_form('p_color_space', p_color_space);
    perform vq._require_form('p_codec', p_codec);
    perform vq._require_form('p_audio_codec', p_audio_codec);
    perform vq._require_form('p_pixel_format', p_pixel_format);
    perform vq._require_text('p_codecs', p_codecs);
    perform vq._require_form('p_codecs', p_codecs);
    perform vq._require_form('p_color_primaries', p_color_primaries);
    perform vq._require_form('p_color_transfer', p_color_transfer);
    perform vq._require_form('p_color_range', p_color_range);
    perform vq._require_form('p_rotation', p_rotation::text);
end
$function$;
comment on function vq._require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,integer) is 'Internal. Checks the metadata arguments of the quality functions against their limits (vq._limit) and forms (vq._form): 22001 for a text too long, 22003 for a number out of its range, 22023 for a text without its form (a blank codec, a container that is not a short name, an aspect ratio not W:H, an unknown colour space).';

alter function vq._require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,integer) owner to vq_owner;

revoke all on function vq._require_quality_metadata(text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,integer) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._video_qualities_before_write()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_status_changed boolean := tg_op = 'INSERT' or new.status is distinct from old.status;
    v_file_kbps      double precision;
begin
    if new.file_size is not null and new.duration > 0
       and (tg_op = 'INSERT' or (new.bitrate, new.audio_bitrate, new.file_size, new.duration)
                                is distinct from
                                (old.bitrate, old.audio_bitrate, old.file_size, old.duration)) then
        v_file_kbps := new.file_size * 8 / new.duration / 1000;
        if greatest(new.bitrate, new.audio_bitrate) > 2 * v_file_kbps + 64 then
            raise exception 'bitrate = % kbps, audio_bitrate = % kbps: more than the whole file''s % kbps (file_size = % bytes over duration = % s) can hold; bits per second given as kbps?',
                new.bitrate, new.audio_bitrate, round(v_file_kbps::numeric, 1), new.file_size,
                new.duration
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
    end if;

    if tg_op = 'UPDATE' and v_status_changed then
        if not exists (select 1 from vq.quality_status_transitions
                        where from_status = old.status and to_status = new.status) then
            raise exception 'quality % cannot change status from % to %', old.id, old.status, new.status
                using errcode = 'invalid_parameter_value',          -- 22023
                      hint = vq._allowed_transitions();
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

    if new.status <> 'processing' or new.lease_expires_at is null then
        if new.lease_expires_at is not null
           or (new.status = 'processing' and v_status_changed) then
            new.lease_owner := null;
            new.lease_token := null;
        end if;
        new.lease_expires_at := null;
        new.lease_seconds := null;
    end if;
    if new.status <> 'processing' then
        new.progress := case when new.status = 'ready' then 100 end;
    end if;
    if new.status = 'pending' and tg_op = 'UPDATE' and v_status_changed then
        if new.due_at = old.due_at then
            new.due_at := now();
        end if;
        if old.status = 'failed' then
            new.attempts := 0;
        end if;
    end if;
    -- the column's default (3) for an API call that gave none; a test pins the two together
    new.max_attempts := coalesce(new.max_attempts,
                                 case when tg_op = 'UPDATE' then old.max_attempts end, 3);
    -- pending with no attempt left (an operator took the last one back from its
    -- worker): one more, or its claim would break the limit and fail every
    -- worker's claim behind it
    if new.status = 'pending' and new.attempts >= new.max_attempts then
        new.attempts := new.max_attempts - 1;
    end if;

    new.updated_at := now();
    return new;
end
$function$;
comment on function vq._video_qualities_before_write() is 'Trigger of vq.video_qualities. Raises 22023 for a status change not listed in vq.quality_status_transitions; keeps processing_started_at/processing_completed_at and is_default consistent with the status (processing: started, not completed; ready/failed: completed; back to pending: neither); ends the lease of a quality that leaves processing; makes a quality that returns to pending due now (unless due_at is set) and, from failed, resets its attempts, and gives a pending quality with no attempt left one more; max_attempts defaults to 3; raises 22023 for a bitrate or audio_bitrate over twice (+ 64 kbps) what file_size and duration allow (bits per second given as kbps).';

alter function vq._video_qualities_before_write() owner to vq_owner;

revoke all on function vq._video_qualities_before_write() from public, vq_worker, vq_reader;

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
        'aspect_ratio', 'frame_count', 'encoding_time', 'codecs', 'color_primaries', 'color_transfer', 'color_range', 'rotation'];
    r vq.video_qualities;
begin
    if p_metadata is not null and (jsonb_typeof(p_metadata) <> 'object'
                                   or p_metadata - c_keys <> '{}'::jsonb) then
        raise exception 'p_metadata must be a JSON object with keys among %', c_keys
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    r := vq._quality_row(p_metadata);
    perform vq.complete_quality(p_quality_id, p_lease_token, r.url, r.file_size, r.bitrate,
        r.resolution_width, r.resolution_height, r.codec, r.container, r.duration, r.fps,
        r.pixel_format, r.color_space, r.audio_codec, r.audio_bitrate, r.audio_channels,
        r.audio_sample_rate, r.aspect_ratio, r.frame_count, r.encoding_time,
        r.codecs, r.color_primaries, r.color_transfer, r.color_range, r.rotation);
    return query select * from vq.claim_qualities(p_worker, 1, p_lease_seconds, p_qualities);
end
$function$;
comment on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) is 'Completes the quality p_quality_id under lease p_lease_token with the metadata of p_metadata (an object whose keys are complete_quality''s metadata arguments without p_), then claims the next quality for p_worker as claim_qualities(p_worker, 1, p_lease_seconds, p_qualities) does; returns that row, or none when there is no work. One transaction: when the completion is refused, nothing is claimed.
Errors: 22004 p_quality_id, p_lease_token, p_worker or p_lease_seconds is null; 22023 p_metadata is not an object or has an unknown key, p_worker blank, an unknown label in p_qualities; 22P02 a metadata value of the wrong type (naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps), an id not a UUID; 22001, 22003 as complete_quality and claim_qualities; 55000 lease lost.';

alter function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) owner to vq_owner;

revoke all on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) to vq_worker;

CREATE OR REPLACE FUNCTION vq.complete_quality(p_quality_id uuid, p_lease_token uuid, p_url text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_codecs text DEFAULT NULL::text, p_color_primaries text DEFAULT NULL::text, p_color_transfer text DEFAULT NULL::text, p_color_range text DEFAULT NULL::text, p_rotation integer DEFAULT NULL::integer)
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
    if p_quality_id is null or p_lease_token is null or btrim(p_url) = '' then
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_lease_token', p_lease_token);
        perform vq._require_text('p_url', p_url);
        if btrim(p_url) = '' then
            raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
        end if;
    end if;
    perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null,
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation);
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
        codecs = coalesce(p_codecs, q.codecs),
        color_primaries = coalesce(p_color_primaries, q.color_primaries),
        color_transfer = coalesce(p_color_transfer, q.color_transfer),
        color_range = coalesce(p_color_range, q.color_range),
        rotation = coalesce(p_rotation, q.rotation),
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
comment on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer) is 'Marks the quality p_quality_id ready with the metadata given (the others keep their values), if p_lease_token is its lease; returns the row. The lease ends; lease_owner and lease_token stay as a record of who completed it, and a repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id or p_lease_token is null; 22023 p_url is blank, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed by another writer or deleted).';

alter function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer) owner to vq_owner;

revoke all on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.create_video_qualities(p_video_id uuid, p_qualities jsonb, p_settings jsonb DEFAULT NULL::jsonb)
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
        'status', 'processing_started_at', 'max_attempts', 'settings', 'retry_seconds',
        'codecs', 'color_primaries', 'color_transfer', 'color_range', 'rotation'];
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
                    r.frame_count, r.encoding_time, null, r.codecs, r.color_primaries, r.color_transfer, r.color_range, r.rotation)
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
                        rotation)
                    select p_video_id, r.quality, r.url, r.file_size, r.bitrate,
                           r.resolution_width, r.resolution_height, r.codec, r.container,
                           r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                           r.audio_bitrate, r.audio_channels, r.audio_sample_rate,
                           r.aspect_ratio, r.frame_count, r.encoding_time,
                           coalesce(r.is_default, false), coalesce(r.status, 'pending'),
                           r.processing_started_at, r.max_attempts, r.settings, r.retry_seconds,
                           r.codecs, r.color_primaries, r.color_transfer, r.color_range, r.rotation
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
                    p_color_range => v_row.color_range, p_rotation => v_row.rotation);
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
comment on function vq.create_video_qualities(uuid,jsonb,jsonb) is 'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending; max_attempts, the attempts a worker gets at it, to 3). All or nothing. A quality given twice is written as the later element says.
p_settings, a JSON object, is the ladder''s encoder settings: each quality''s settings are p_settings with the keys of its own "settings" over them.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key, p_settings is not a JSON object; P0002 p_video_id does not exist; 22P02 a value of the wrong type (naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps); 22007 a start time that is not a time; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';

alter function vq.create_video_qualities(uuid,jsonb,jsonb) owner to vq_owner;

revoke all on function vq.create_video_qualities(uuid,jsonb,jsonb) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.create_video_qualities(uuid,jsonb,jsonb) to vq_worker;

CREATE OR REPLACE FUNCTION vq.create_video_quality(p_video_id uuid, p_quality text, p_url text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_is_default boolean DEFAULT false, p_status text DEFAULT 'pending'::text, p_processing_started_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_max_attempts integer DEFAULT NULL::integer, p_settings jsonb DEFAULT NULL::jsonb, p_retry_seconds integer DEFAULT NULL::integer, p_codecs text DEFAULT NULL::text, p_color_primaries text DEFAULT NULL::text, p_color_transfer text DEFAULT NULL::text, p_color_range text DEFAULT NULL::text, p_rotation integer DEFAULT NULL::integer)
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
       or not coalesce(p_retry_seconds::numeric <@ vq._limit('p_retry_seconds'), true) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_text('p_quality', p_quality, true);
        if not exists (select 1 from vq.quality_levels where label = p_quality) then
            raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
                quote_literal(p_quality)
                using errcode = 'invalid_parameter_value';              -- 22023
        end if;
        perform vq._require_text('p_url', p_url, true);
        perform vq._require_range('p_max_attempts', p_max_attempts);
        perform vq._require_range('p_retry_seconds', p_retry_seconds);
        perform vq._require_not_null('p_is_default', p_is_default);
        perform vq._require_not_null('p_status', p_status);
        perform vq._require_quality_status('p_status', p_status);
    end if;
    perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null,
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation);
    if jsonb_typeof(p_settings) <> 'object' then
        raise exception 'p_settings must be a JSON object, not a JSON %', jsonb_typeof(p_settings)
            using errcode = 'invalid_parameter_value';              -- 22023
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
        encoding_time, is_default, status, processing_started_at, max_attempts, settings,
        retry_seconds, codecs, color_primaries, color_transfer, color_range, rotation)
    values (
        p_video_id, p_quality, p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_is_default, p_status,
        p_processing_started_at, p_max_attempts, p_settings, p_retry_seconds,
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation)
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
        settings = excluded.settings, retry_seconds = excluded.retry_seconds,
        codecs = excluded.codecs, color_primaries = excluded.color_primaries,
        color_transfer = excluded.color_transfer, color_range = excluded.color_range,
        rotation = excluded.rotation,
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
comment on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer,jsonb,integer,text,text,text,text,integer) is 'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video. As work, the quality is claimable by vq.claim_qualities while pending; p_max_attempts (default 3) is how many claims it gets; a restart begins a new series of attempts, due now, and ends any lease on it. p_settings is the encoder''s settings document (a JSON object, kept as given for the worker that encodes the quality). p_retry_seconds (default 30) is the wait before the first retry of a failed attempt, doubling after each, at most an hour.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, a restart whose status change is not allowed, p_settings not a JSON object, or a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number (p_max_attempts included) out of its range (limits: vq._limit); P0002 p_video_id does not exist; 22P02 p_video_id is not a UUID; 22007 p_processing_started_at is not a time.';

alter function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer,jsonb,integer,text,text,text,text,integer) owner to vq_owner;

revoke all on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer,jsonb,integer,text,text,text,text,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer,jsonb,integer,text,text,text,text,integer) to vq_worker;

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
        'error_message', 'codecs', 'color_primaries', 'color_transfer', 'color_range', 'rotation'];
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
                v_row.encoding_time, v_row.error_message, v_row.codecs, v_row.color_primaries, v_row.color_transfer, v_row.color_range, v_row.rotation);
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
        status = coalesce(u.status, q.status),
        error_message = coalesce(u.error_message, q.error_message)
      from unnest(v_rows) as u
     where q.video_id = any (v_video_ids) and q.id = u.id;
    get diagnostics v_changed = row_count;
    return v_changed;
end
$function$;
comment on function vq.update_qualities_metadata(jsonb) is 'Changes the metadata of many qualities in one transaction, all or nothing, and returns how many of them exist (a quality_id that does not exist is skipped, as update_quality_metadata returns false). p_updates is a JSON array of objects whose keys are update_quality_metadata''s arguments without p_ (quality_id required; the others optional, null or absent meaning unchanged). Same rules as update_quality_metadata for each element; the videos of the rows are locked in id order, so overlapping batches do not deadlock.
Errors: 22004 p_updates is null; 22023 p_updates is not an array of objects; with the message prefixed by p_updates[N] (1-based): 22004 quality_id missing or null; 22023 an unknown key, a quality_id given twice, a blank url, a status that is not pending/processing/ready/failed, or a status change that is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22P02 a value of the wrong type (quality_id not a UUID, text for a number; naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit).';

alter function vq.update_qualities_metadata(jsonb) owner to vq_owner;

revoke all on function vq.update_qualities_metadata(jsonb) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_qualities_metadata(jsonb) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_quality_metadata(p_quality_id uuid, p_url text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_status text DEFAULT NULL::text, p_error_message text DEFAULT NULL::text, p_codecs text DEFAULT NULL::text, p_color_primaries text DEFAULT NULL::text, p_color_transfer text DEFAULT NULL::text, p_color_range text DEFAULT NULL::text, p_rotation integer DEFAULT NULL::integer)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_video_id uuid;
begin
    select q.video_id into v_video_id from vq.video_qualities q where q.id = p_quality_id;
    -- A quality that does not exist has no video: any video id then finds no row
    -- to change, after the by-video form has checked every argument.
    return vq.update_video_quality_metadata(
        coalesce(v_video_id, '00000000-0000-0000-0000-000000000000'), p_quality_id,
        p_url, p_file_size, p_bitrate, p_resolution_width, p_resolution_height, p_codec,
        p_container, p_duration, p_fps, p_pixel_format, p_color_space, p_audio_codec,
        p_audio_bitrate, p_audio_channels, p_audio_sample_rate, p_aspect_ratio,
        p_frame_count, p_encoding_time, p_status, p_error_message,
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation);
end
$function$;
comment on function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer) is 'Changes only the given (non-null) fields of the quality p_quality_id; true when it exists, false when it does not. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_quality_id is not a UUID.';

alter function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer) owner to vq_owner;

revoke all on function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.update_video_quality_metadata(p_video_id uuid, p_quality_id uuid, p_url text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_status text DEFAULT NULL::text, p_error_message text DEFAULT NULL::text, p_codecs text DEFAULT NULL::text, p_color_primaries text DEFAULT NULL::text, p_color_transfer text DEFAULT NULL::text, p_color_range text DEFAULT NULL::text, p_rotation integer DEFAULT NULL::integer)
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
           and not exists (select 1 from vq.quality_statuses where status = p_status)) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_text('p_url', p_url);
        if btrim(p_url) = '' then
            raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
        end if;
        perform vq._require_quality_status('p_status', p_status);
    end if;
    perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_error_message,
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation);

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
        codecs = coalesce(p_codecs, codecs),
        color_primaries = coalesce(p_color_primaries, color_primaries),
        color_transfer = coalesce(p_color_transfer, color_transfer),
        color_range = coalesce(p_color_range, color_range),
        rotation = coalesce(p_rotation, rotation),
        status = coalesce(p_status, status),
        error_message = coalesce(p_error_message, error_message)
    where video_id = p_video_id and id = p_quality_id;
    return found;
end
$function$;
comment on function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer) is 'Changes only the given (non-null) fields of the quality p_quality_id of the video p_video_id; true when that video has that quality, false otherwise. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_video_id or p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_video_id or p_quality_id is not a UUID.';

alter function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer) owner to vq_owner;

revoke all on function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,text,text,integer) to vq_worker;
