-- Restores set_default_quality and create_video_quality as migration 0002.api defined them,
-- and create_video_qualities as migration 0003 did.

-- API: makes one ready quality the only default of its video, atomically.
-- Concurrent calls for one video are serialized by a lock on the video row, so
-- the last call to commit wins and no caller ever sees a unique violation; the
-- partial unique index on (video_id) where is_default is only the backstop.
create or replace function vq.set_default_quality(p_video_id uuid, p_quality_id uuid)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_quality vq.video_qualities;
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    perform vq.require_not_null('p_quality_id', p_quality_id);

    -- always the video row first, then the quality row: the same order as
    -- create_video_quality, so that the two cannot deadlock
    perform 1 from vq.videos where id = p_video_id for no key update;
    if not found then
        return false;
    end if;
    select * into v_quality from vq.video_qualities where id = p_quality_id for no key update;
    if not found then
        return false;
    end if;
    if v_quality.video_id <> p_video_id then
        raise exception 'p_quality_id = % belongs to video %, not to p_video_id = %',
            p_quality_id, v_quality.video_id, p_video_id
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    if v_quality.status <> 'ready' then
        raise exception 'p_quality_id = % has status %: only a ready quality can be the default',
            p_quality_id, v_quality.status
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    if not v_quality.is_default then
        update vq.video_qualities set is_default = false where video_id = p_video_id and is_default;
        update vq.video_qualities set is_default = true where id = p_quality_id;
    end if;
    return true;
end
$$;
alter function vq.set_default_quality(uuid, uuid) owner to vq_owner;
revoke all on function vq.set_default_quality(uuid, uuid) from public;
grant execute on function vq.set_default_quality(uuid, uuid) to vq_worker;
comment on function vq.set_default_quality(uuid, uuid) is
'Makes the quality p_quality_id the only default of the video p_video_id, atomically and safely under concurrent calls (the last to commit wins); true when done (also when it already was the default), false when the video or the quality does not exist.
Errors: 22004 p_video_id or p_quality_id is null; 22023 the quality belongs to another video, or its status is not ready; 22P02 an argument is not a UUID.';

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
    p_processing_started_at timestamptz default null
) returns vq.video_qualities
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_quality vq.video_qualities;
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    perform vq.require_text('p_quality', p_quality, 64, true);
    if not exists (select 1 from vq.quality_levels where label = p_quality) then
        raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
            quote_literal(p_quality)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    perform vq.require_text('p_url', p_url, 2048, true);
    perform vq.require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null);
    perform vq.require_not_null('p_is_default', p_is_default);
    perform vq.require_not_null('p_status', p_status);
    perform vq.require_quality_status('p_status', p_status);
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
        update vq.video_qualities set is_default = false
         where video_id = p_video_id and is_default and quality <> p_quality;
    end if;

    insert into vq.video_qualities as q (
        video_id, quality, url, file_size, bitrate, resolution_width, resolution_height,
        codec, container, duration, fps, pixel_format, color_space, audio_codec,
        audio_bitrate, audio_channels, audio_sample_rate, aspect_ratio, frame_count,
        encoding_time, is_default, status, processing_started_at)
    values (
        p_video_id, p_quality, p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_is_default, p_status,
        p_processing_started_at)
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
        -- a restart never takes the default away; leaving 'ready' does (trigger)
        is_default = excluded.is_default or q.is_default,
        status = excluded.status,
        error_message = null,
        processing_started_at = excluded.processing_started_at,
        processing_completed_at = null
    returning * into v_quality;
    return v_quality;
end
$$;
alter function vq.create_video_quality(uuid, text, text, bigint, integer, integer, integer, text,
    text, double precision, double precision, text, text, text, integer, integer, integer, text,
    bigint, double precision, boolean, text, timestamptz) owner to vq_owner;
revoke all on function vq.create_video_quality(uuid, text, text, bigint, integer, integer, integer,
    text, text, double precision, double precision, text, text, text, integer, integer, integer,
    text, bigint, double precision, boolean, text, timestamptz) from public;
grant execute on function vq.create_video_quality(uuid, text, text, bigint, integer, integer,
    integer, text, text, double precision, double precision, text, text, text, integer, integer,
    integer, text, bigint, double precision, boolean, text, timestamptz) to vq_worker;
comment on function vq.create_video_quality(uuid, text, text, bigint, integer, integer, integer,
    text, text, double precision, double precision, text, text, text, integer, integer, integer,
    text, bigint, double precision, boolean, text, timestamptz) is
'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, or a restart whose status change is not allowed; 22001 a text over its limit (url 2048, others 64); 22003 a number out of range (sizes, rates, dimensions, durations negative or absurd; fps <= 0); P0002 p_video_id does not exist.';

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
