-- API: a worker's steady state in one transaction and one commit: completes the
-- quality it holds (as complete_quality) and claims its next one (as
-- claim_qualities, one quality). Half the round trips and half the commits of
-- the two calls; the metadata comes as a JSON object so that the call stays short.
create or replace function vq.complete_and_claim_quality(
    p_quality_id    uuid,
    p_lease_token   uuid,
    p_worker        text,
    p_metadata      jsonb default null,
    p_lease_seconds integer default 300,
    p_qualities     text[] default null,
    p_video_id      uuid default null
) returns setof vq.video_qualities
language plpgsql
as $$
declare
    c_keys constant text[] := array['url', 'file_size', 'bitrate', 'resolution_width',
        'resolution_height', 'codec', 'container', 'duration', 'fps', 'pixel_format',
        'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels', 'audio_sample_rate',
        'aspect_ratio', 'frame_count', 'encoding_time', 'codecs', 'color_primaries', 'color_transfer', 'color_range', 'rotation',
        'peak_bitrate'];
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
        r.codecs, r.color_primaries, r.color_transfer, r.color_range, r.rotation,
        r.peak_bitrate, p_video_id);
    return query select * from vq.claim_qualities(p_worker, 1, p_lease_seconds, p_qualities);
end
$$;
comment on function vq.complete_and_claim_quality is
'Completes the quality p_quality_id under lease p_lease_token with the metadata of p_metadata (an object whose keys are complete_quality''s metadata arguments without p_), then claims the next quality for p_worker as claim_qualities(p_worker, 1, p_lease_seconds, p_qualities) does; returns that row, or none when there is no work. One transaction: when the completion is refused, nothing is claimed. p_video_id (optional: the quality''s video) spares a look-up on a sharded catalog.
Errors: 22004 p_quality_id, p_lease_token, p_worker or p_lease_seconds is null; 22023 p_metadata is not an object or has an unknown key, p_worker blank, an unknown label in p_qualities; 22P02 a metadata value of the wrong type (naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps), an id not a UUID; 22001, 22003 as complete_quality and claim_qualities; 55000 lease lost.';
