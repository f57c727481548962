-- API: creates one quality of a video. For a (video, quality) that exists it
-- restarts that row instead of failing, so a worker may repeat the call safely:
-- the new call's url, metadata, status and start time replace the old ones,
-- the row keeps its id and created_at, and the status change follows the
-- transition rules (a call with the row's own status is always allowed).
create or replace function vq.create_video_quality(
    p_video_id              uuid,
    p_quality               text,
    p_url                   text,
    p_file_size             bigint default null,
    p_bitrate               integer default null,
    p_resolution_width      integer default null,
    p_resolution_height     integer default null,
    p_codec                 text default null,
    p_container             text default null,
    p_duration              double precision default null,
    p_fps                   double precision default null,
    p_pixel_format          text default null,
    p_color_space           text default null,
    p_audio_codec           text default null,
    p_audio_bitrate         integer default null,
    p_audio_channels        integer default null,
    p_audio_sample_rate     integer default null,
    p_aspect_ratio          text default null,
    p_frame_count           bigint default null,
    p_encoding_time         double precision default null,
    p_is_default            boolean default false,
    p_status                text default 'pending',
    p_processing_started_at timestamptz default null,
    p_max_attempts          integer default null,
    p_settings              jsonb default null,
    p_retry_seconds         integer default null,
    p_codecs                text default null,
    p_color_primaries       text default null,
    p_color_transfer        text default null,
    p_color_range           text default null,
    p_rotation              integer default null,
    p_peak_bitrate          integer default null
) returns vq.video_qualities
language plpgsql
as $$
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
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation,
        p_peak_bitrate);
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
        retry_seconds, codecs, color_primaries, color_transfer, color_range, rotation,
        peak_bitrate)
    values (
        p_video_id, p_quality, p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_is_default, p_status,
        p_processing_started_at, p_max_attempts, p_settings, p_retry_seconds,
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation,
        p_peak_bitrate)
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
        rotation = excluded.rotation, peak_bitrate = excluded.peak_bitrate,
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
$$;
comment on function vq.create_video_quality is
'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video. As work, the quality is claimable by vq.claim_qualities while pending; p_max_attempts (default 3) is how many claims it gets; a restart begins a new series of attempts, due now, and ends any lease on it. p_settings is the encoder''s settings document (a JSON object, kept as given for the worker that encodes the quality). p_retry_seconds (default 30) is the wait before the first retry of a failed attempt, doubling after each, at most an hour.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, a restart whose status change is not allowed, p_settings not a JSON object, or a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number (p_max_attempts included) out of its range (limits: vq._limit); P0002 p_video_id does not exist; 22P02 p_video_id is not a UUID; 22007 p_processing_started_at is not a time.';
