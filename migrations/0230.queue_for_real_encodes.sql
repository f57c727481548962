-- queue_for_real_encodes: written by `./dev migration queue_for_real_encodes`
-- from the difference between plpgsql/ and the migrations up to 0220.job_input_levels_settings.
-- depends: 0220.job_input_levels_settings

-- the first retry's wait, per quality
alter table vq.video_qualities add column retry_seconds integer check (retry_seconds > 0);

drop trigger video_qualities_changes_update on vq.video_qualities;

drop function vq._retry_delay(integer);

drop function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer,jsonb);

-- The limits of the API's arguments, by argument name: the one place they are
-- written. A text argument's range is that of its length, a number's that of its
-- value; null means the argument has no limit of its own. The checks
-- (_require_text, _require_range, _require_quality_metadata) and their error
-- messages read it, and a test compares the table of limits in docs/sql-api.md
-- with it. An immutable function called with a constant is evaluated once, when
-- its caller's statement is planned: the limits cost nothing at run time there.
-- PL/pgSQL, not SQL: a SQL function with a pinned search_path is never inlined,
-- and each transaction that calls it with a variable (the checks do) parsed and
-- planned its body again, about 40 µs per check (docs/benchmarks.md); PL/pgSQL
-- keeps its compiled body for the session.
create or replace function vq._limit(p_argument text)
returns numrange
language plpgsql
immutable
parallel safe
as $$
begin
return case p_argument
    -- texts: length
    when 'p_title'          then numrange(0, 500, '[]')
    when 'p_description'    then numrange(0, 10000, '[]')
    when 'p_url'            then numrange(0, 2048, '[]')
    when 'p_thumbnail_url'  then numrange(0, 2048, '[]')
    when 'p_quality'        then numrange(0, 64, '[]')
    when 'p_status'         then numrange(0, 64, '[]')
    when 'p_codec'          then numrange(0, 64, '[]')
    when 'p_container'      then numrange(0, 64, '[]')
    when 'p_pixel_format'   then numrange(0, 64, '[]')
    when 'p_color_space'    then numrange(0, 64, '[]')
    when 'p_audio_codec'    then numrange(0, 64, '[]')
    when 'p_aspect_ratio'   then numrange(0, 64, '[]')
    when 'p_error_message'  then numrange(0, 10000, '[]')
    when 'p_worker'         then numrange(0, 200, '[]')
    when 'p_error_code'     then numrange(0, 64, '[]')
    -- numbers: value
    when 'p_duration'          then numrange(0, 1e6, '[]')        -- seconds: 11.5 days
    when 'p_file_size'         then numrange(0, 1e13, '[]')       -- bytes: 10 TB
    when 'p_bitrate'           then numrange(0, 1000000, '[]')    -- kbps: 1 Gbit/s
    when 'p_resolution_width'  then numrange(1, 32768, '[]')
    when 'p_resolution_height' then numrange(1, 32768, '[]')
    when 'p_fps'               then numrange(0.001, 1000, '[]')   -- so fps > 0
    when 'p_audio_bitrate'     then numrange(0, 100000, '[]')     -- kbps
    when 'p_audio_channels'    then numrange(0, 64, '[]')
    when 'p_audio_sample_rate' then numrange(0, 768000, '[]')     -- Hz
    when 'p_frame_count'       then numrange(0, 1e10, '[]')
    when 'p_encoding_time'     then numrange(0, 1e7, '[]')        -- seconds
    when 'p_limit'             then numrange(1, 1000, '[]')       -- qualities per claim
    when 'p_lease_seconds'     then numrange(1, 86400, '[]')      -- a day
    when 'p_retry_seconds'     then numrange(1, 3600, '[]')       -- the first retry's wait
    when 'p_progress'          then numrange(0, 100, '[]')        -- percent
    when 'p_max_attempts'      then numrange(1, 100, '[]')
end;
end
$$;
comment on function vq._limit is
'Internal. The allowed range of the argument p_argument (of its length for a text, of its value for a number), or null when it has none. Raises nothing.';

-- Trigger (after each row that may matter: see triggers.sql): the feed's events
-- of vq.video_qualities. A heartbeat changes nothing a reader waits for
-- (progress and the lease's expiry) and does not even call this. A restart that
-- keeps the status is told from a plain write by the attempts it resets; a
-- restart of a quality no worker has claimed yet, with its status unchanged,
-- changes nothing a reader waits for. One insert for the quality's event, one
-- for a new default, one when the video's whole ladder has finished.
--
-- ladder_finished: when a quality reaches ready or failed and no quality of its
-- video is left pending or processing. Two workers finishing the last two rungs
-- at once would each see the other's rung unfinished (neither has committed):
-- a transaction lock per video (advisory: taken only here, so it waits for
-- nothing else and cannot deadlock) makes the second wait for the first's
-- commit, and its check, a statement of its own, then sees both.
create or replace function vq._quality_changes()
returns trigger
language plpgsql
as $$
declare
    v_kind     text;
    v_finished boolean;
begin
    if tg_op = 'INSERT' then
        v_kind := 'quality_created';
    elsif new.status is distinct from old.status then
        v_kind := 'quality_status';
    elsif new.attempts < old.attempts then
        v_kind := 'quality_restarted';
    elsif new.lease_token is distinct from old.lease_token and old.lease_expires_at < now() then
        v_kind := 'quality_reclaimed';  -- its lease expired and another worker took it
    elsif new.is_default = old.is_default      -- a default moving is default_changed
          -- the metadata, which a cached ladder shows
          and (new.url, new.file_size, new.bitrate, new.resolution_width,
               new.resolution_height, new.codec, new.container, new.duration, new.fps,
               new.pixel_format, new.color_space, new.audio_codec, new.audio_bitrate,
               new.audio_channels, new.audio_sample_rate, new.aspect_ratio, new.frame_count,
               new.encoding_time, new.error_message)
              is distinct from
              (old.url, old.file_size, old.bitrate, old.resolution_width,
               old.resolution_height, old.codec, old.container, old.duration, old.fps,
               old.pixel_format, old.color_space, old.audio_codec, old.audio_bitrate,
               old.audio_channels, old.audio_sample_rate, old.aspect_ratio, old.frame_count,
               old.encoding_time, old.error_message) then
        v_kind := 'quality_updated';
    end if;
    if v_kind is not null then
        insert into vq.changes (video_id, kind, quality, quality_id, value, error_code)
        values (new.video_id, v_kind, new.quality, new.id, new.status,
                case when v_kind = 'quality_status' and new.status in ('failed', 'pending')
                     then new.error_code      -- a failure, or a retry after one
                     when v_kind = 'quality_reclaimed' then 'lease_expired' end);
    end if;
    if v_kind = 'quality_status' and new.status in ('ready', 'failed') then
        perform pg_advisory_xact_lock(hashtextextended('vq.ladder:' || new.video_id, 0));
        select not exists (select 1 from vq.video_qualities
                            where video_id = new.video_id and status in ('pending', 'processing'))
               -- once: not when this transaction has told it already and no rung of
               -- the video went back to work since (a statement finishing two rungs)
               and not exists (select 1 from vq.changes f
                                where f.xid = pg_current_xact_id() and f.video_id = new.video_id
                                  and f.kind = 'ladder_finished'
                                  and not exists (select 1 from vq.changes r
                                                   where r.xid = f.xid and r.seq > f.seq
                                                     and r.video_id = f.video_id
                                                     and r.value in ('pending', 'processing')))
          into v_finished;
        if v_finished then
            insert into vq.changes (video_id, kind, quality, quality_id, value)
            select new.video_id, 'ladder_finished', new.quality, new.id,
                   case when bool_and(status = 'ready') then 'ready' else 'failed' end
              from vq.video_qualities where video_id = new.video_id;
        end if;
    end if;
    if new.is_default and (tg_op = 'INSERT' or not old.is_default) then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'default_changed', new.quality, new.id, new.quality);
    end if;
    -- wakes LISTEN vq_changes (followers of the feed) within milliseconds, one per
    -- transaction (PostgreSQL folds repeats). Off unless vq.notify_changes = on: a
    -- notifying commit takes a cluster-wide lock, measured at -26% of the worker
    -- flow's throughput at 8 threads (docs/benchmarks.md); followers poll anyway.
    if current_setting('vq.notify_changes', true) = 'on' then
        perform pg_notify('vq_changes', '');
    end if;
    return null;
end
$$;
comment on function vq._quality_changes is
'Trigger of vq.video_qualities (after each row that matters): writes quality_created, quality_status (with error_code when failed, or pending again after a failure), quality_restarted, quality_reclaimed (an expired lease taken by another worker; error_code lease_expired), quality_updated (metadata), default_changed and ladder_finished (every quality of the video ready or failed, told once until a rung goes back to work; value ready when all are ready, else failed) events to vq.changes. Raises nothing.';

-- Internal: how long a failed attempt waits before the quality is due again:
-- p_first_seconds (the quality's retry_seconds; 30 s when it has none) after the
-- first, doubling with each attempt, at most an hour. The one place the backoff
-- is written; docs/sql-api.md states it and a test reads it.
-- PL/pgSQL for the reason vq._limit is.
create or replace function vq._retry_delay(p_attempts integer, p_first_seconds integer default null)
returns interval
language plpgsql
immutable
parallel safe
as $$
begin
    return least(make_interval(secs => coalesce(p_first_seconds, 30))
                 * power(2, greatest(p_attempts, 1) - 1),
                 interval '1 hour');
end
$$;
comment on function vq._retry_delay is
'Internal. The backoff after the p_attempts-th failed attempt: p_first_seconds (default 30 s), doubling, at most 1 hour. Raises nothing.';

-- API: a whole ladder of a video in one call and one transaction. Each element
-- of p_qualities is an object with the arguments of create_video_quality without
-- their p_ prefix ({"quality": "720p", "url": "...", "bitrate": 5000, ...}); each
-- follows the same rules (including the restart of an existing quality), and
-- one invalid element fails the whole call.
--
-- Set-based: a ladder that passes every check is written with
-- one INSERT ... ON CONFLICT, instead of one create_video_quality call (one
-- statement start-up, one set of checks, one lock of the video) per element,
-- which was most of the call's time (docs/benchmarks.md). Every check of an
-- element is an expression where it passes. When anything fails -- a check, a
-- value of the wrong type, a forbidden status change raised by the trigger --
-- or the ladder is unusual (the same quality twice, more than one default, an
-- unknown video), the fast path is undone and the ladder runs element by
-- element through create_video_quality as before, so every error and every
-- outcome (the later element winning for a repeated quality, the error of
-- element 1 before the P0002 of an unknown video) is exactly the one that
-- path gives, with its p_qualities[N] prefix.
create or replace function vq.create_video_qualities(
    p_video_id  uuid,
    p_qualities jsonb,
    p_settings  jsonb default null
)
returns setof vq.video_qualities
language plpgsql
as $$
declare
    c_keys constant text[] := array['quality', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'is_default',
        'status', 'processing_started_at', 'max_attempts', 'settings', 'retry_seconds'];
    v_position integer := 0;
    v_element  jsonb;
    v_unknown  text;
    v_row      vq.video_qualities;
    v_rows     vq.video_qualities[];
    v_ids      uuid[];
    v_default  text;
    v_valid    boolean;
    v_state    text;
    v_message  text;
begin
    perform vq._require_not_null('p_video_id', p_video_id);
    perform vq._require_not_null('p_qualities', p_qualities);
    if jsonb_typeof(p_qualities) <> 'array' then
        raise exception 'p_qualities must be a JSON array of objects, not a JSON %',
            jsonb_typeof(p_qualities)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    -- the ladder's settings under each element's own keys, once, before anything
    if p_settings is not null then
        if jsonb_typeof(p_settings) <> 'object' then
            raise exception 'p_settings must be a JSON object, not a JSON %',
                jsonb_typeof(p_settings)
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
        select coalesce(jsonb_agg(
                   case when jsonb_typeof(e.value) = 'object'
                         and coalesce(jsonb_typeof(e.value -> 'settings'), 'null')
                             in ('object', 'null')
                        then e.value || jsonb_build_object('settings', p_settings
                                 || coalesce(nullif(e.value -> 'settings', 'null'), '{}'))
                        else e.value end            -- refused below, naming its element
                   order by e.position), '[]')
          into p_qualities
          from jsonb_array_elements(p_qualities) with ordinality as e(value, position);
    end if;

    -- Lock the video, then every row this call may change -- the qualities it
    -- restarts and the current default -- in id order, as every other writer does:
    -- in the order of p_qualities a batch over the same rows could deadlock with
    -- it. Elements that are not objects lock nothing here and
    -- fail in the checks.
    perform 1 from vq.videos where id = p_video_id for no key update;
    if found then
        perform 1 from vq.video_qualities
         where video_id = p_video_id
           and (is_default
                or quality in (select e.value ->> 'quality'
                                 from jsonb_array_elements(p_qualities) as e
                                where jsonb_typeof(e.value) = 'object'))
         order by id
           for no key update;

        -- The fast path. Any error in it (a value of the wrong type, a limit, a
        -- forbidden status change, a repeated quality) undoes it and leaves v_ids
        -- null, for the element-by-element path below to name the element.
        begin
            select coalesce(bool_and(
                       jsonb_typeof(e.value) = 'object'
                       and e.value - c_keys = '{}'::jsonb
                       and btrim(r.quality) <> '' and length(r.quality)::numeric <@ vq._limit('p_quality')
                       and l.label is not null
                       and btrim(r.url) <> '' and length(r.url)::numeric <@ vq._limit('p_url')
                       and s.status is not null
                       and (not coalesce(r.is_default, false) or s.status = 'ready')
                       and coalesce(jsonb_typeof(r.settings) = 'object', true)
                       and coalesce(r.retry_seconds::numeric <@ vq._limit('p_retry_seconds'), true)
                       and coalesce(r.max_attempts::numeric <@ vq._limit('p_max_attempts'), true)
                       is true), true)
                   and count(*) filter (where r.is_default) <= 1
                   and count(distinct r.quality) = count(*),
                   array_agg(r order by e.position),
                   max(r.quality) filter (where r.is_default)
              into v_valid, v_rows, v_default
              from jsonb_array_elements(p_qualities) with ordinality as e(value, position)
              cross join lateral vq._quality_row(
                  case when jsonb_typeof(e.value) = 'object' then e.value end) as r
              left join vq.quality_levels l on l.label = r.quality
              left join vq.quality_statuses s on s.status = coalesce(r.status, 'pending');
            if v_valid then
                -- the metadata limits: raises (and so falls back) when one is exceeded
                perform vq._require_quality_metadata(r.url, r.file_size, r.bitrate,
                    r.resolution_width, r.resolution_height, r.codec, r.container,
                    r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                    r.audio_bitrate, r.audio_channels, r.audio_sample_rate, r.aspect_ratio,
                    r.frame_count, r.encoding_time, null)
                  from unnest(v_rows) as r;
                if v_default is not null then
                    update vq.video_qualities set is_default = false
                     where video_id = p_video_id and is_default and quality <> v_default;
                end if;
                with written as (
                    insert into vq.video_qualities as q (
                        video_id, quality, url, file_size, bitrate, resolution_width,
                        resolution_height, codec, container, duration, fps, pixel_format,
                        color_space, audio_codec, audio_bitrate, audio_channels,
                        audio_sample_rate, aspect_ratio, frame_count, encoding_time,
                        is_default, status, processing_started_at, max_attempts, settings,
                        retry_seconds)
                    select p_video_id, r.quality, r.url, r.file_size, r.bitrate,
                           r.resolution_width, r.resolution_height, r.codec, r.container,
                           r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                           r.audio_bitrate, r.audio_channels, r.audio_sample_rate,
                           r.aspect_ratio, r.frame_count, r.encoding_time,
                           coalesce(r.is_default, false), coalesce(r.status, 'pending'),
                           r.processing_started_at, r.max_attempts, r.settings, r.retry_seconds
                      from unnest(v_rows) as r
                    -- the same restart as create_video_quality's
                    on conflict (video_id, quality) do update set
                        url = excluded.url, file_size = excluded.file_size,
                        bitrate = excluded.bitrate,
                        resolution_width = excluded.resolution_width,
                        resolution_height = excluded.resolution_height,
                        codec = excluded.codec, container = excluded.container,
                        duration = excluded.duration, fps = excluded.fps,
                        pixel_format = excluded.pixel_format,
                        color_space = excluded.color_space, audio_codec = excluded.audio_codec,
                        audio_bitrate = excluded.audio_bitrate,
                        audio_channels = excluded.audio_channels,
                        audio_sample_rate = excluded.audio_sample_rate,
                        aspect_ratio = excluded.aspect_ratio,
                        frame_count = excluded.frame_count,
                        encoding_time = excluded.encoding_time,
                        settings = excluded.settings, retry_seconds = excluded.retry_seconds,
                        -- a restart never takes the default away; leaving 'ready' does
                        is_default = excluded.is_default or q.is_default,
                        status = excluded.status,
                        error_message = null,
                        processing_started_at = excluded.processing_started_at,
                        processing_completed_at = null,
                        attempts = 0, max_attempts = excluded.max_attempts,
                        due_at = excluded.due_at,
                        lease_owner = null, lease_token = null, lease_expires_at = null,
                        progress = null, error_code = null
                    returning q.id)
                select coalesce(array_agg(id), '{}'::uuid[]) into v_ids from written;
            end if;
        exception when data_exception or integrity_constraint_violation
                       or cardinality_violation then
            v_ids := null;
        end;
    end if;

    if v_ids is null then
        v_ids := '{}'::uuid[];
        begin
            for v_element in select value from jsonb_array_elements(p_qualities) loop
                v_position := v_position + 1;
                if jsonb_typeof(v_element) <> 'object' then
                    raise exception 'must be a JSON object, not a JSON %',
                        jsonb_typeof(v_element)
                        using errcode = 'invalid_parameter_value';
                end if;
                select key into v_unknown from jsonb_object_keys(v_element) as key
                 where key <> all (c_keys) limit 1;
                if found then
                    raise exception 'unknown key %', quote_literal(v_unknown)
                        using errcode = 'invalid_parameter_value';
                end if;
                v_row := vq._quality_row(v_element);
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
                    p_processing_started_at => v_row.processing_started_at,
                    p_max_attempts => v_row.max_attempts, p_settings => v_row.settings,
                    p_retry_seconds => v_row.retry_seconds);
                v_ids := v_ids || v_row.id;
            end loop;
        exception when others then
            -- name the element; keep the SQLSTATE of the error it raised
            get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
            raise exception 'p_qualities[%]: %', v_position, v_message using errcode = v_state;
        end;
    end if;

    if exists (select 1 from vq.video_qualities
                where video_id = p_video_id and id = any (v_ids) and status = 'pending') then
        perform pg_notify('vq_work', '');   -- wakes workers waiting in LISTEN vq_work
    end if;
    return query
        select q.*
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.video_id = p_video_id and q.id = any (v_ids)
         order by l.rank;
end
$$;
comment on function vq.create_video_qualities is
'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending; max_attempts, the attempts a worker gets at it, to 3). All or nothing. A quality given twice is written as the later element says.
p_settings, a JSON object, is the ladder''s encoder settings: each quality''s settings are p_settings with the keys of its own "settings" over them.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key, p_settings is not a JSON object; P0002 p_video_id does not exist; 22P02 a value of the wrong type (naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps); 22007 a start time that is not a time; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';

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
    p_processing_started_at timestamptz default null,
    p_max_attempts          integer default null,
    p_settings              jsonb default null,
    p_retry_seconds         integer default null
) returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_video_id is null or p_url is null or btrim(p_url) = '' or p_is_default is null
       or not exists (select 1 from vq.quality_levels where label = p_quality)
       or not exists (select 1 from vq.quality_statuses where status = p_status)
       or not coalesce(p_max_attempts::numeric <@ vq._limit('p_max_attempts'), true)
       or not coalesce(p_retry_seconds::numeric <@ vq._limit('p_retry_seconds'), true) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_text('p_quality', p_quality, true);
        if not exists (select 1 from vq.quality_levels where label = p_quality) then
            raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
                quote_literal(p_quality)
                using errcode = 'invalid_parameter_value';              -- 22023
        end if;
        perform vq._require_text('p_url', p_url, true);
        perform vq._require_range('p_max_attempts', p_max_attempts);
        perform vq._require_range('p_retry_seconds', p_retry_seconds);
        perform vq._require_not_null('p_is_default', p_is_default);
        perform vq._require_not_null('p_status', p_status);
        perform vq._require_quality_status('p_status', p_status);
    end if;
    perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null);
    if jsonb_typeof(p_settings) <> 'object' then
        raise exception 'p_settings must be a JSON object, not a JSON %', jsonb_typeof(p_settings)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
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
        -- the rows this call changes (the current default, and this quality if it
        -- exists), locked in id order as every other writer does, so that a batch
        -- over the same rows cannot deadlock with it
        perform 1 from vq.video_qualities
         where video_id = p_video_id and (is_default or quality = p_quality)
         order by id
           for no key update;
        update vq.video_qualities set is_default = false
         where video_id = p_video_id and is_default and quality <> p_quality;
    end if;

    insert into vq.video_qualities as q (
        video_id, quality, url, file_size, bitrate, resolution_width, resolution_height,
        codec, container, duration, fps, pixel_format, color_space, audio_codec,
        audio_bitrate, audio_channels, audio_sample_rate, aspect_ratio, frame_count,
        encoding_time, is_default, status, processing_started_at, max_attempts, settings,
        retry_seconds)
    values (
        p_video_id, p_quality, p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_is_default, p_status,
        p_processing_started_at, p_max_attempts, p_settings, p_retry_seconds)
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
        settings = excluded.settings, retry_seconds = excluded.retry_seconds,
        -- a restart never takes the default away; leaving 'ready' does (trigger)
        is_default = excluded.is_default or q.is_default,
        status = excluded.status,
        error_message = null,
        processing_started_at = excluded.processing_started_at,
        processing_completed_at = null,
        -- a new series of attempts, due now (the column's default: sharded by video,
        -- Citus takes no now() here); a lease on the old row is ended
        attempts = 0, max_attempts = excluded.max_attempts, due_at = excluded.due_at,
        lease_owner = null, lease_token = null, lease_expires_at = null, progress = null,
        error_code = null
    returning * into v_quality;
    if v_quality.status = 'pending' then
        perform pg_notify('vq_work', '');   -- wakes workers waiting in LISTEN vq_work
    end if;
    return v_quality;
end
$$;
comment on function vq.create_video_quality is
'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video. As work, the quality is claimable by vq.claim_qualities while pending; p_max_attempts (default 3) is how many claims it gets; a restart begins a new series of attempts, due now, and ends any lease on it. p_settings is the encoder''s settings document (a JSON object, kept as given for the worker that encodes the quality). p_retry_seconds (default 30) is the wait before the first retry of a failed attempt, doubling after each, at most an hour.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, a restart whose status change is not allowed, p_settings not a JSON object, or a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number (p_max_attempts included) out of its range (limits: vq._limit); P0002 p_video_id does not exist; 22P02 p_video_id is not a UUID; 22007 p_processing_started_at is not a time.';

-- API: the end of a failed encode. The error is recorded; the quality goes back
-- to pending, due after a backoff that grows with its attempts (vq._retry_delay),
-- while it has attempts left and the error is retryable; otherwise it is failed.
create or replace function vq.fail_quality(
    p_quality_id    uuid,
    p_lease_token   uuid,
    p_error_code    text,
    p_error_message text default null,
    p_retryable     boolean default true
) returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
    v_retry   boolean;
begin
    perform vq._require_text('p_error_code', p_error_code, true);
    perform vq._require_text('p_error_message', p_error_message);
    perform vq._require_not_null('p_retryable', p_retryable);
    v_quality := vq._leased_quality(p_quality_id, p_lease_token, '{pending,failed}');
    if v_quality.lease_expires_at is null then
        return v_quality;                                   -- a repeat: already done
    end if;
    v_retry := p_retryable and v_quality.attempts < v_quality.max_attempts;
    if v_retry then
        v_quality.due_at := now() + vq._retry_delay(v_quality.attempts, v_quality.retry_seconds);
    end if;
    -- the new due time computed above, from the locked row: sharded by video,
    -- Citus takes no now() inside a CASE of an update
    update vq.video_qualities
       set status = case when v_retry then 'pending' else 'failed' end,
           due_at = v_quality.due_at,
           error_code = p_error_code, error_message = p_error_message,
           lease_expires_at = null              -- ended by its holder: keep owner and token
     where id = p_quality_id and video_id = v_quality.video_id
    returning * into v_quality;
    return v_quality;
end
$$;
comment on function vq.fail_quality is
'Records the error p_error_code (and p_error_message) of the attempt under lease p_lease_token on the quality p_quality_id and returns the row: pending again, due after 30 s doubling per attempt (at most 1 h), while attempts < max_attempts and p_retryable; otherwise failed. A repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id, p_lease_token, p_error_code or p_retryable is null; 22023 p_error_code is blank; 22001 p_error_code longer than 64 or p_error_message longer than 10000; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

-- API: how long a worker with nothing to do may sleep: the seconds until the
-- next pending quality is due (a retry's backoff) or the next lease expires (a
-- worker that died), measured on the server's clock so that a worker's own
-- clock does not matter. A new quality wakes waiting workers by NOTIFY vq_work;
-- these two moments notify nobody, so a worker waits until the sooner of this
-- and its poll interval. Each is the head of a partial index of the queue.
create or replace function vq.next_work_in(p_qualities text[] default null)
returns double precision
language plpgsql
stable
as $$
declare
    v_next timestamptz;
begin
    select least(
             (select min(due_at) from vq.video_qualities
               where status = 'pending' and (p_qualities is null or quality = any (p_qualities))),
             (select min(lease_expires_at) from vq.video_qualities
               where status = 'processing'
                 and (p_qualities is null or quality = any (p_qualities))))
      into v_next;
    if v_next is null then
        return null;  -- (greatest would make it 0)
    end if;
    return greatest(extract(epoch from v_next - now()), 0);
end
$$;
comment on function vq.next_work_in is
'Seconds until a pending quality (of the labels p_qualities, default all) is due or a processing one''s lease expires, whichever is sooner; 0 when one is due or expired now; null when there is neither.
Errors: 22P02 p_qualities is not an array of text (an unknown label matches nothing).';

CREATE TRIGGER video_qualities_changes_update AFTER UPDATE ON vq.video_qualities FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) OR (new.attempts < old.attempts) OR (old.lease_token IS DISTINCT FROM new.lease_token) OR (NOT (old.lease_expires_at IS DISTINCT FROM new.lease_expires_at)))) EXECUTE FUNCTION vq._quality_changes();

do $$ begin perform vq._apply_privileges(); end $$;
