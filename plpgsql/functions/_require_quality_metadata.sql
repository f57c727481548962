-- Internal: the limits of an encoder's metadata, in one place for every function
-- that writes it (create_video_quality, update_quality_metadata and their batch
-- forms). Null means "not given" and passes.
create or replace function vq._require_quality_metadata(
    p_url               text,
    p_file_size         bigint,
    p_bitrate           integer,
    p_resolution_width  integer,
    p_resolution_height integer,
    p_codec             text,
    p_container         text,
    p_duration          double precision,
    p_fps               double precision,
    p_pixel_format      text,
    p_color_space       text,
    p_audio_codec       text,
    p_audio_bitrate     integer,
    p_audio_channels    integer,
    p_audio_sample_rate integer,
    p_aspect_ratio      text,
    p_frame_count       bigint,
    p_encoding_time     double precision,
    p_error_message     text
) returns void
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
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
$$;
comment on function vq._require_quality_metadata is
'Internal. Checks the metadata arguments of the quality functions against their limits (vq._limit): 22001 for a text too long, 22003 for a number out of its range.';
