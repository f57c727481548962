-- Restores create_video_qualities as migration 0021 defined it.

-- API: a whole ladder of a video in one call and one transaction. Each element
-- of p_qualities is an object with the arguments of create_video_quality without
-- their p_ prefix ({"quality": "720p", "url": "...", "bitrate": 5000, ...}); each
-- follows the same rules (including the restart of an existing quality), and
-- one invalid element fails the whole call.
create or replace function vq.create_video_qualities(p_video_id uuid, p_qualities jsonb)
returns setof vq.video_qualities
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    c_keys constant text[] := array['quality', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'is_default',
        'status', 'processing_started_at'];
    v_position integer := 0;
    v_element  jsonb;
    v_unknown  text;
    v_row      vq.video_qualities;
    v_ids      uuid[] := '{}'::uuid[];
    v_state    text;
    v_message  text;
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    perform vq.require_not_null('p_qualities', p_qualities);
    if jsonb_typeof(p_qualities) <> 'array' then
        raise exception 'p_qualities must be a JSON array of objects, not a JSON %',
            jsonb_typeof(p_qualities)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    -- Lock the video, then every row this call may change -- the qualities it
    -- restarts and the current default -- in id order, as every other writer does:
    -- in the order of p_qualities a batch over the same rows could deadlock with
    -- it (migration 0021). Elements that are not objects lock nothing here and
    -- fail in the loop.
    perform 1 from vq.videos where id = p_video_id for no key update;
    perform 1 from vq.video_qualities
     where video_id = p_video_id
       and (is_default
            or quality in (select e.value ->> 'quality'
                             from jsonb_array_elements(p_qualities) as e
                            where jsonb_typeof(e.value) = 'object'))
     order by id
       for no key update;

    begin
        for v_element in select value from jsonb_array_elements(p_qualities) loop
            v_position := v_position + 1;
            if jsonb_typeof(v_element) <> 'object' then
                raise exception 'must be a JSON object, not a JSON %', jsonb_typeof(v_element)
                    using errcode = 'invalid_parameter_value';
            end if;
            select key into v_unknown from jsonb_object_keys(v_element) as key
             where key <> all (c_keys) limit 1;
            if found then
                raise exception 'unknown key %', quote_literal(v_unknown)
                    using errcode = 'invalid_parameter_value';
            end if;
            v_row := jsonb_populate_record(null::vq.video_qualities, v_element);
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
                p_processing_started_at => v_row.processing_started_at);
            v_ids := v_ids || v_row.id;
        end loop;
    exception when others then
        -- name the element; keep the SQLSTATE of the error it raised
        get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
        raise exception 'p_qualities[%]: %', v_position, v_message using errcode = v_state;
    end;

    return query
        select q.*
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.id = any (v_ids)
         order by l.rank;
end
$$;
alter function vq.create_video_qualities(uuid, jsonb) owner to vq_owner;
revoke all on function vq.create_video_qualities(uuid, jsonb) from public;
grant execute on function vq.create_video_qualities(uuid, jsonb) to vq_worker;
comment on function vq.create_video_qualities(uuid, jsonb) is
'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending). All or nothing.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key; P0002 p_video_id does not exist; 22P02 a value of the wrong type; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';
