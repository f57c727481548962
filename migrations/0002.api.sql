-- The SQL API of vqdb, version 1: every function of plpgsql/ as it stood when
-- this migration was written, and the triggers that enforce the status rules.
-- depends: 0001.schema

-- Internal: a required argument of the API must not be null.
create or replace function vq.require_not_null(p_argument text, p_value anyelement)
returns void
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_value is null then
        raise exception '% is required', p_argument
            using errcode = 'null_value_not_allowed';               -- 22004
    end if;
end
$$;
alter function vq.require_not_null(text, anyelement) owner to vq_owner;
revoke all on function vq.require_not_null(text, anyelement) from public;
comment on function vq.require_not_null(text, anyelement) is
'Internal. Raises 22004 when p_value is null.';

-- Internal: validates a text argument of the API (length, and presence when required).
create or replace function vq.require_text(
    p_argument   text,
    p_value      text,
    p_max_length integer,
    p_required   boolean default false
) returns void
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_value is null then
        if p_required then
            raise exception '% is required', p_argument
                using errcode = 'null_value_not_allowed';           -- 22004
        end if;
        return;
    end if;
    if p_required and btrim(p_value) = '' then
        raise exception '% must not be empty', p_argument
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    if length(p_value) > p_max_length then
        raise exception '% is % characters long, at most % allowed (value starts with %)',
            p_argument, length(p_value), p_max_length, quote_literal(left(p_value, 40))
            using errcode = 'string_data_right_truncation';         -- 22001
    end if;
end
$$;
alter function vq.require_text(text, text, integer, boolean) owner to vq_owner;
revoke all on function vq.require_text(text, text, integer, boolean) from public;
comment on function vq.require_text(text, text, integer, boolean) is
'Internal. Raises 22004 when a required argument is null, 22023 when it is blank, 22001 when it is longer than p_max_length.';

-- Internal: validates a numeric argument of the API against its allowed range.
create or replace function vq.require_range(
    p_argument text,
    p_value    numeric,
    p_min      numeric,
    p_max      numeric
) returns void
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_value < p_min or p_value > p_max then
        raise exception '% = % is out of range [%, %]', p_argument, p_value, p_min, p_max
            using errcode = 'numeric_value_out_of_range';           -- 22003
    end if;
end
$$;
alter function vq.require_range(text, numeric, numeric, numeric) owner to vq_owner;
revoke all on function vq.require_range(text, numeric, numeric, numeric) from public;
comment on function vq.require_range(text, numeric, numeric, numeric) is
'Internal. Raises 22003 when p_value is outside [p_min, p_max]; null passes.';

-- Internal: a quality status argument must be one of vq.quality_statuses.
create or replace function vq.require_quality_status(p_argument text, p_status text)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_status is not null
       and not exists (select 1 from vq.quality_statuses where status = p_status) then
        raise exception '% = % is not a quality status (pending, processing, ready, failed)',
            p_argument, quote_literal(left(p_status, 100))
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
end
$$;
alter function vq.require_quality_status(text, text) owner to vq_owner;
revoke all on function vq.require_quality_status(text, text) from public;
comment on function vq.require_quality_status(text, text) is
'Internal. Raises 22023 when p_status is not null and not a known quality status.';

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

-- Trigger: the rules of a quality's status, enforced for every writer (API
-- functions, DBAs, future migrations), not only for the API:
--   * a change of status must be listed in vq.quality_status_transitions
--     (a change to the same status is a no-op and always allowed);
--   * entering 'processing' starts the clock, entering 'ready' or 'failed' stops it;
--   * a default that leaves 'ready' stops being the default in the same statement.
create or replace function vq.video_qualities_before_write()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_status_changed boolean := tg_op = 'INSERT' or new.status is distinct from old.status;
begin
    if tg_op = 'UPDATE' and v_status_changed then
        if not exists (select 1 from vq.quality_status_transitions
                        where from_status = old.status and to_status = new.status) then
            raise exception 'quality % cannot change status from % to %', old.id, old.status, new.status
                using errcode = 'invalid_parameter_value',          -- 22023
                      hint = 'allowed: pending->processing|failed, processing->ready|failed, '
                          || 'failed->pending|processing, ready->processing';
        end if;
        if old.status = 'ready' then
            new.is_default := false;
        end if;
    end if;

    if new.status = 'processing' then
        new.processing_completed_at := null;
        -- entering 'processing' restarts the clock unless the writer gave a start time
        if new.processing_started_at is null
           or (tg_op = 'UPDATE' and v_status_changed
               and new.processing_started_at = old.processing_started_at) then
            new.processing_started_at := now();
        end if;
    elsif new.status in ('ready', 'failed')
          and (v_status_changed or new.processing_completed_at is null) then
        -- a worker's clock may run ahead of the server's: never finish before the start
        new.processing_completed_at := greatest(now(), new.processing_started_at);
    end if;

    new.updated_at := now();
    return new;
end
$$;
alter function vq.video_qualities_before_write() owner to vq_owner;
revoke all on function vq.video_qualities_before_write() from public;
comment on function vq.video_qualities_before_write() is
'Trigger of vq.video_qualities. Raises 22023 for a status change not listed in vq.quality_status_transitions; keeps processing_started_at/processing_completed_at and is_default consistent with the status.';

-- Trigger: every change of a video moves its updated_at.
create or replace function vq.videos_before_update()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    new.updated_at := now();
    return new;
end
$$;
alter function vq.videos_before_update() owner to vq_owner;
revoke all on function vq.videos_before_update() from public;
comment on function vq.videos_before_update() is
'Trigger of vq.videos: sets updated_at. Raises nothing.';

-- API: a new video, in status 'draft'.
create or replace function vq.create_video(
    p_title         text,
    p_description   text default null,
    p_url           text default null,
    p_thumbnail_url text default null,
    p_duration      integer default null,
    p_user_id       uuid default null
) returns vq.videos
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_video vq.videos;
begin
    perform vq.require_text('p_title', p_title, 500, true);
    perform vq.require_text('p_description', p_description, 10000);
    perform vq.require_text('p_url', p_url, 2048);
    perform vq.require_text('p_thumbnail_url', p_thumbnail_url, 2048);
    perform vq.require_range('p_duration', p_duration, 0, 1000000);

    insert into vq.videos (title, description, url, thumbnail_url, duration, user_id)
    values (p_title, p_description, p_url, p_thumbnail_url, p_duration, p_user_id)
    returning * into v_video;
    return v_video;
end
$$;
alter function vq.create_video(text, text, text, text, integer, uuid) owner to vq_owner;
revoke all on function vq.create_video(text, text, text, text, integer, uuid) from public;
grant execute on function vq.create_video(text, text, text, text, integer, uuid) to vq_worker;
comment on function vq.create_video(text, text, text, text, integer, uuid) is
'Creates a video in status draft and returns its row.
Errors: 22004 p_title is null; 22023 p_title is blank; 22001 p_title over 500, p_description over 10000, p_url or p_thumbnail_url over 2048 characters; 22003 p_duration outside [0, 1000000] seconds.';

-- API: one video by id.
create or replace function vq.get_video(p_video_id uuid)
returns setof vq.videos
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    return query select * from vq.videos where id = p_video_id;
end
$$;
alter function vq.get_video(uuid) owner to vq_owner;
revoke all on function vq.get_video(uuid) from public;
grant execute on function vq.get_video(uuid) to vq_worker, vq_reader;
comment on function vq.get_video(uuid) is
'Returns the video p_video_id: one row, or no row when there is no such video.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID (raised by the cast of the argument).';

-- API: the status of a video (draft, published, processing).
create or replace function vq.update_video_status(p_video_id uuid, p_status text)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    perform vq.require_text('p_status', p_status, 64, true);
    if not exists (select 1 from vq.video_statuses where status = p_status) then
        raise exception 'p_status = % is not a video status (draft, published, processing)',
            quote_literal(p_status)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    update vq.videos set status = p_status where id = p_video_id;
    return found;
end
$$;
alter function vq.update_video_status(uuid, text) owner to vq_owner;
revoke all on function vq.update_video_status(uuid, text) from public;
grant execute on function vq.update_video_status(uuid, text) to vq_worker;
comment on function vq.update_video_status(uuid, text) is
'Sets the status of the video p_video_id; true when it exists, false when it does not. Setting the status it already has is allowed.
Errors: 22004 p_video_id or p_status is null; 22023 p_status is not draft, published or processing; 22P02 p_video_id is not a UUID.';

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
    v_ids      uuid[] := '{}';
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

-- API: completes or corrects the encoder's metadata of one quality. Only the
-- arguments given (not null) change; the others keep their value. A status
-- given here follows the same transition rules as update_quality_status, and
-- reaching 'ready' or 'failed' sets processing_completed_at.
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
    p_error_message     text default null
) returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform vq.require_not_null('p_quality_id', p_quality_id);
    perform vq.require_text('p_url', p_url, 2048);
    if btrim(p_url) = '' then
        raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
    end if;
    perform vq.require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_error_message);
    perform vq.require_quality_status('p_status', p_status);

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
        status = coalesce(p_status, status),
        error_message = coalesce(p_error_message, error_message)
    where id = p_quality_id;
    return found;
end
$$;
alter function vq.update_quality_metadata(uuid, text, bigint, integer, integer, integer, text,
    text, double precision, double precision, text, text, text, integer, integer, integer, text,
    bigint, double precision, text, text) owner to vq_owner;
revoke all on function vq.update_quality_metadata(uuid, text, bigint, integer, integer, integer,
    text, text, double precision, double precision, text, text, text, integer, integer, integer,
    text, bigint, double precision, text, text) from public;
grant execute on function vq.update_quality_metadata(uuid, text, bigint, integer, integer,
    integer, text, text, double precision, double precision, text, text, text, integer, integer,
    integer, text, bigint, double precision, text, text) to vq_worker;
comment on function vq.update_quality_metadata(uuid, text, bigint, integer, integer, integer,
    text, text, double precision, double precision, text, text, text, integer, integer, integer,
    text, bigint, double precision, text, text) is
'Changes only the given (non-null) fields of the quality p_quality_id; true when it exists, false when it does not. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed; 22001 a text over its limit (url 2048, error_message 10000, others 64); 22003 a number out of range (sizes, rates, dimensions, durations negative or absurd; fps <= 0).';

-- API: the status of one quality, and nothing else.
create or replace function vq.update_quality_status(p_quality_id uuid, p_status text)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform vq.require_not_null('p_quality_id', p_quality_id);
    perform vq.require_not_null('p_status', p_status);
    perform vq.require_quality_status('p_status', p_status);

    update vq.video_qualities set status = p_status where id = p_quality_id;
    return found;
end
$$;
alter function vq.update_quality_status(uuid, text) owner to vq_owner;
revoke all on function vq.update_quality_status(uuid, text) from public;
grant execute on function vq.update_quality_status(uuid, text) to vq_worker;
comment on function vq.update_quality_status(uuid, text) is
'Sets the status of the quality p_quality_id; true when it exists, false when it does not. Allowed: pending->processing|failed, processing->ready|failed, failed->pending|processing, ready->processing, and any status to itself (a no-op). Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses).';

-- API: the status of many qualities in one call and one transaction: all change
-- or, when one change is not allowed, none does.
create or replace function vq.update_qualities_status(p_quality_ids uuid[], p_status text)
returns integer
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_changed integer;
begin
    perform vq.require_not_null('p_quality_ids', p_quality_ids);
    if array_position(p_quality_ids, null) is not null then
        raise exception 'p_quality_ids contains a null at position %', array_position(p_quality_ids, null)
            using errcode = 'null_value_not_allowed';               -- 22004
    end if;
    perform vq.require_not_null('p_status', p_status);
    perform vq.require_quality_status('p_status', p_status);

    -- lock the rows in id order, so that two overlapping batches cannot deadlock
    perform 1 from vq.video_qualities where id = any (p_quality_ids) order by id for no key update;
    update vq.video_qualities set status = p_status where id = any (p_quality_ids);
    get diagnostics v_changed = row_count;
    return v_changed;
end
$$;
alter function vq.update_qualities_status(uuid[], text) owner to vq_owner;
revoke all on function vq.update_qualities_status(uuid[], text) from public;
grant execute on function vq.update_qualities_status(uuid[], text) to vq_worker;
comment on function vq.update_qualities_status(uuid[], text) is
'Sets the status of every quality in p_quality_ids, all or nothing; returns how many exist (ids that do not exist are skipped). Same rules as update_quality_status.
Errors: 22004 p_quality_ids or p_status is null, or p_quality_ids contains a null; 22023 p_status is not pending/processing/ready/failed, or one of the changes is not allowed.';

-- API: every quality of a video, in the order of vq.quality_levels.rank
-- (2160p, 1440p, 1080p, 720p, 480p, 360p, 240p, 144p, original).
create or replace function vq.list_qualities_ordered(p_video_id uuid)
returns setof vq.video_qualities
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    return query
        select q.*
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.video_id = p_video_id
         order by l.rank;
end
$$;
alter function vq.list_qualities_ordered(uuid) owner to vq_owner;
revoke all on function vq.list_qualities_ordered(uuid) from public;
grant execute on function vq.list_qualities_ordered(uuid) to vq_worker, vq_reader;
comment on function vq.list_qualities_ordered(uuid) is
'Returns every quality of the video p_video_id, highest first: 2160p, 1440p, 1080p, 720p, 480p, 360p, 240p, 144p, original (the order of vq.quality_levels.rank). No row when the video has none or does not exist.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID.';

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

-- API: the default quality of a video.
create or replace function vq.get_default_quality(p_video_id uuid)
returns setof vq.video_qualities
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform vq.require_not_null('p_video_id', p_video_id);
    return query
        select * from vq.video_qualities where video_id = p_video_id and is_default;
end
$$;
alter function vq.get_default_quality(uuid) owner to vq_owner;
revoke all on function vq.get_default_quality(uuid) from public;
grant execute on function vq.get_default_quality(uuid) to vq_worker, vq_reader;
comment on function vq.get_default_quality(uuid) is
'Returns the default quality of the video p_video_id: one row, or no row when it has none or does not exist.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID.';

create trigger video_qualities_before_write
    before insert or update on vq.video_qualities
    for each row execute function vq.video_qualities_before_write();
create trigger videos_before_update
    before update on vq.videos
    for each row execute function vq.videos_before_update();
