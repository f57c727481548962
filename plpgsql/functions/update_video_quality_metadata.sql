-- API: completes or corrects the encoder's metadata of the quality p_quality_id
-- of the video p_video_id. Only the arguments given (not null) change; the
-- others keep their value. A status given here follows the same transition
-- rules as update_video_quality_status, and reaching 'ready' or 'failed' sets
-- processing_completed_at. vq.update_quality_metadata is the same call for a
-- caller that knows only the quality; this form, keyed by the video, is the one
-- that runs on the video's shard alone when the catalog is sharded by video
-- (docs/scaling.md).
create or replace function vq.update_video_quality_metadata(
    p_video_id          uuid,
    p_quality_id        uuid,
    p_url               text default null,
    p_file_size         bigint default null,
    p_bitrate           integer default null,
    p_resolution_width  integer default null,
    p_resolution_height integer default null,
    p_codec             text default null,
    p_container         text default null,
    p_duration          double precision default null,
    p_fps               double precision default null,
    p_pixel_format      text default null,
    p_color_space       text default null,
    p_audio_codec       text default null,
    p_audio_bitrate     integer default null,
    p_audio_channels    integer default null,
    p_audio_sample_rate integer default null,
    p_aspect_ratio      text default null,
    p_frame_count       bigint default null,
    p_encoding_time     double precision default null,
    p_status            text default null,
    p_error_message     text default null,
    p_codecs            text default null,
    p_color_primaries   text default null,
    p_color_transfer    text default null,
    p_color_range       text default null,
    p_rotation          integer default null,
    p_peak_bitrate      integer default null
) returns boolean
language plpgsql
as $$
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
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation,
        p_peak_bitrate);

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
        peak_bitrate = coalesce(p_peak_bitrate, peak_bitrate),
        status = coalesce(p_status, status),
        error_message = coalesce(p_error_message, error_message)
    where video_id = p_video_id and id = p_quality_id;
    return found;
end
$$;
comment on function vq.update_video_quality_metadata is
'Changes only the given (non-null) fields of the quality p_quality_id of the video p_video_id; true when that video has that quality, false otherwise. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_video_id or p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_video_id or p_quality_id is not a UUID.';
