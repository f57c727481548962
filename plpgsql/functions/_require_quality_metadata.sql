-- Internal: the limits of an encoder's metadata, in one place for every function
-- that writes it (create_video_quality, update_quality_metadata and their batch
-- forms). Null means "not given" and passes. Each caller runs it on every call,
-- so the case where every limit is met costs one expression.
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
    p_error_message     text,
    p_codecs            text,
    p_color_primaries   text,
    p_color_transfer    text,
    p_color_range       text,
    p_rotation          integer,
    p_peak_bitrate      integer
) returns void
language plpgsql
immutable
as $$
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
           or p_rotation::text !~ (vq._form('p_rotation'))[1]
           or not p_peak_bitrate::numeric <@ vq._limit('p_peak_bitrate')) is not true then
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
    perform vq._require_range('p_peak_bitrate', p_peak_bitrate);
end
$$;
comment on function vq._require_quality_metadata is
'Internal. Checks the metadata arguments of the quality functions against their limits (vq._limit) and forms (vq._form): 22001 for a text too long, 22003 for a number out of its range, 22023 for a text without its form (a blank codec, a container that is not a short name, an aspect ratio not W:H, an unknown colour space).';
