-- vq.require_quality_metadata: a fast path that checks every limit in one
-- expression before the per-argument checks (which now run only to name the
-- argument that fails). Same limits, same errors; a valid write call spends
-- about a tenth of the time it did in validation (docs/benchmarks.md).
-- depends: 0002.api

-- Internal: the limits of an encoder's metadata, in one place for every function
-- that writes it (create_video_quality, update_quality_metadata and their batch
-- forms). Null means "not given" and passes.
create or replace function vq.require_quality_metadata(
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
$$;
alter function vq.require_quality_metadata(text, bigint, integer, integer, integer, text, text,
    double precision, double precision, text, text, text, integer, integer, integer, text, bigint,
    double precision, text) owner to vq_owner;
revoke all on function vq.require_quality_metadata(text, bigint, integer, integer, integer, text,
    text, double precision, double precision, text, text, text, integer, integer, integer, text,
    bigint, double precision, text) from public;
comment on function vq.require_quality_metadata(text, bigint, integer, integer, integer, text,
    text, double precision, double precision, text, text, text, integer, integer, integer, text,
    bigint, double precision, text) is
'Internal. Checks the metadata arguments of the quality functions: 22001 for a text longer than its limit (url 2048, error_message 10000, others 64), 22003 for a number outside its range (sizes, rates, dimensions, durations not negative; fps > 0).';
