-- API: vq.update_video_quality_metadata for a caller that knows only the
-- quality: it finds the quality's video, then makes that call. Sharded by video,
-- the look-up reads every shard; a caller that knows the video calls the
-- by-video form instead (the Python client does, docs/scaling.md).
create or replace function vq.update_quality_metadata(
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
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation,
        p_peak_bitrate);
end
$$;
comment on function vq.update_quality_metadata is
'Changes only the given (non-null) fields of the quality p_quality_id; true when it exists, false when it does not. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_quality_id is not a UUID.';
