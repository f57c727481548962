-- Internal: whether every metadata argument is within its limit (vq._limit), in
-- one expression: the fast path of vq._require_quality_metadata and of the
-- argument checks of the API's writes, which call the helpers that name the
-- failing argument only when this (or another check of theirs) fails. The
-- limits are constants here (vq._limit of a constant is evaluated when this
-- statement is planned). A value not given (null) makes its test null, never
-- true.
create or replace function vq._quality_metadata_ok(
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
) returns boolean
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
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
$$;
comment on function vq._quality_metadata_ok is
'Internal. True when every metadata argument given is within its limit (vq._limit); null arguments pass. Raises nothing.';
