-- work_queue: written by `./dev migration work_queue`
-- from the difference between plpgsql/ and the migrations up to 0070.errors_in_comments.
-- depends: 0070.errors_in_comments

-- The work queue's columns (at the end of the table, as in plpgsql/schema.sql).
alter table vq.video_qualities
    add column attempts integer not null default 0 check (attempts >= 0),
    add column max_attempts integer not null default 3 check (max_attempts >= 1),
    add column due_at timestamptz not null default now(),
    add column lease_owner text,
    add column lease_token uuid,
    add column lease_expires_at timestamptz,
    add column lease_seconds integer,
    add column progress real check (progress between 0 and 100),
    add column error_code text,
    add constraint video_qualities_attempts_within_limit check (attempts <= max_attempts),
    add constraint video_qualities_lease_while_processing
        check ((lease_token is null) = (lease_owner is null)
               and (lease_expires_at is null
                    or (lease_token is not null and lease_seconds is not null
                        and status = 'processing')));
-- a worker gives an encode back, or its failed attempt is retried
insert into vq.quality_status_transitions (from_status, to_status) values ('processing', 'pending');

drop function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone);

-- Internal: the allowed status changes as a hint for an error message, read from
-- vq.quality_status_transitions (the one place they are written).
create or replace function vq._allowed_transitions()
returns text
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
select 'allowed: ' || string_agg(from_status || '->' || to_status, ', '
                                 order by from_status, to_status)
  from vq.quality_status_transitions
$$;
comment on function vq._allowed_transitions is
'Internal. The allowed status changes of a quality, as text for an error''s hint. Raises nothing.';

-- Internal: fencing. The row of the quality p_quality_id, locked, when the caller
-- holds its lease under p_lease_token: the lease is live (processing, with an
-- expiry; a lease past its expiry that nobody has claimed again is still the
-- caller's), or a lease call under this token ended it and left the quality in
-- one of p_repeat_statuses (the caller's own earlier call, repeated after its
-- answer was lost; the caller sees lease_expires_at null and answers the same).
-- Anything else -- another worker's lease, a release, a restart, a completion by
-- another writer, a deleted quality -- raises 55000, and the caller changes nothing.
create or replace function vq._leased_quality(
    p_quality_id       uuid,
    p_lease_token      uuid,
    p_repeat_statuses  text[]
) returns vq.video_qualities
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_quality vq.video_qualities;
begin
    perform vq._require_not_null('p_quality_id', p_quality_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    select * into v_quality from vq.video_qualities where id = p_quality_id for no key update;
    if not found then
        raise exception 'lease lost: quality % does not exist (deleted)', p_quality_id
            using errcode = 'object_not_in_prerequisite_state',     -- 55000
                  hint = 'stop working on it';
    end if;
    if v_quality.lease_token is distinct from p_lease_token
       or (v_quality.lease_expires_at is null
           and v_quality.status <> all (p_repeat_statuses)) then
        raise exception 'lease lost: quality % is %', p_quality_id,
            case when v_quality.lease_expires_at is not null
                 then format('leased to %s under another token', v_quality.lease_owner)
                 else format('%s and not leased', v_quality.status) end
            using errcode = 'object_not_in_prerequisite_state',     -- 55000
                  hint = 'stop working on it: another worker took it, or it was released, '
                      || 'restarted, completed or changed by another writer';
    end if;
    return v_quality;
end
$$;
comment on function vq._leased_quality is
'Internal. Locks and returns the quality p_quality_id when p_lease_token is its live lease (or the lease whose call left it in one of p_repeat_statuses). Raises 22004 for a null argument, 55000 (lease lost) otherwise.';

-- The limits of the API's arguments, by argument name: the one place they are
-- written. A text argument's range is that of its length, a number's that of its
-- value; null means the argument has no limit of its own. The checks
-- (_require_text, _require_range, _require_quality_metadata) and their error
-- messages read it, and a test compares the table of limits in docs/sql-api.md
-- with it. An immutable function called with a constant is evaluated once, when
-- its caller's statement is planned: the limits cost nothing at run time there.
create or replace function vq._limit(p_argument text)
returns numrange
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
select case p_argument
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
    when 'p_progress'          then numrange(0, 100, '[]')        -- percent
    when 'p_max_attempts'      then numrange(1, 100, '[]')
end
$$;
comment on function vq._limit is
'Internal. The allowed range of the argument p_argument (of its length for a text, of its value for a number), or null when it has none. Raises nothing.';

-- Internal: how long a failed attempt waits before the quality is due again:
-- 30 s after the first, doubling with each attempt, at most an hour. The one
-- place the backoff is written; docs/sql-api.md states it and a test reads it.
create or replace function vq._retry_delay(p_attempts integer)
returns interval
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
select least(interval '30 seconds' * power(2, greatest(p_attempts, 1) - 1), interval '1 hour')
$$;
comment on function vq._retry_delay is
'Internal. The backoff after the p_attempts-th failed attempt: 30 s, doubling, at most 1 hour. Raises nothing.';

-- Trigger: the rules of a quality's status, enforced for every writer (API
-- functions, DBAs, future migrations), not only for the API:
--   * a change of status must be listed in vq.quality_status_transitions
--     (a change to the same status is a no-op and always allowed);
--   * entering 'processing' starts the clock, entering 'ready' or 'failed' stops it;
--   * going back to 'pending' (failed -> pending: queued again) clears both clocks,
--     as a restart by create_video_quality does: a pending quality has not started
--     and has not completed;
--   * a default that leaves 'ready' stops being the default in the same statement;
--   * only a processing quality has a live lease: leaving 'processing' ends it.
--     A lease call that ends it (complete, fail, release) clears the expiry
--     itself and keeps the owner and token, so that its repeat is recognised;
--     any other writer leaves no trace of the lease, so the worker that held
--     it is refused from then on. Entering 'processing' without a lease (a
--     writer that is not claim_qualities) drops an old lease's trace too.
--     Progress is 100 when ready, unknown when pending or failed;
--   * entering 'pending' makes the quality due now unless the writer set due_at
--     (fail_quality's backoff); failed -> pending (queued again by hand) begins
--     a new series of attempts;
--   * max_attempts given as null is the column's default.
create or replace function vq._video_qualities_before_write()
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
                      hint = vq._allowed_transitions();
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
    elsif new.status = 'pending' and tg_op = 'UPDATE' and v_status_changed then
        new.processing_completed_at := null;
        -- keep a start time the writer gave; drop the one of the attempt that ended
        if new.processing_started_at = old.processing_started_at then
            new.processing_started_at := null;
        end if;
    elsif new.status in ('ready', 'failed')
          and (v_status_changed or new.processing_completed_at is null) then
        -- a worker's clock may run ahead of the server's: never finish before the start
        new.processing_completed_at := greatest(now(), new.processing_started_at);
    end if;

    if new.status <> 'processing' or new.lease_expires_at is null then
        if new.lease_expires_at is not null
           or (new.status = 'processing' and v_status_changed) then
            new.lease_owner := null;
            new.lease_token := null;
        end if;
        new.lease_expires_at := null;
        new.lease_seconds := null;
    end if;
    if new.status <> 'processing' then
        new.progress := case when new.status = 'ready' then 100 end;
    end if;
    if new.status = 'pending' and tg_op = 'UPDATE' and v_status_changed then
        if new.due_at = old.due_at then
            new.due_at := now();
        end if;
        if old.status = 'failed' then
            new.attempts := 0;
        end if;
    end if;
    -- the column's default (3) for an API call that gave none; a test pins the two together
    new.max_attempts := coalesce(new.max_attempts,
                                 case when tg_op = 'UPDATE' then old.max_attempts end, 3);

    new.updated_at := now();
    return new;
end
$$;
comment on function vq._video_qualities_before_write is
'Trigger of vq.video_qualities. Raises 22023 for a status change not listed in vq.quality_status_transitions; keeps processing_started_at/processing_completed_at and is_default consistent with the status (processing: started, not completed; ready/failed: completed; back to pending: neither); ends the lease of a quality that leaves processing; makes a quality that returns to pending due now (unless due_at is set) and, from failed, resets its attempts; max_attempts defaults to 3.';

-- API: hands out work. Up to p_limit qualities are leased to p_worker for
-- p_lease_seconds: first those whose lease expired (their worker died; stall
-- recovery needs no other process), then pending ones that are due, oldest
-- first; with p_qualities only those labels. SKIP LOCKED: concurrent claims
-- never wait for each other and never get the same row. A quality whose lease
-- expired on its last attempt is not handed out again: it becomes failed
-- (error_code lease_expired).
create or replace function vq.claim_qualities(
    p_worker        text,
    p_limit         integer default 1,
    p_lease_seconds integer default 300,
    p_qualities     text[] default null
) returns setof vq.video_qualities
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_label   text;
    v_claimed integer;
begin
    -- The checks as one expression where they pass (a worker calls this in a loop):
    -- each helper call costs a function call with its own search_path; the helpers
    -- run only to name the argument that fails.
    if p_worker is null or btrim(p_worker) = ''
       or not length(p_worker)::numeric <@ vq._limit('p_worker')
       or p_limit is null or not p_limit::numeric <@ vq._limit('p_limit')
       or p_lease_seconds is null
       or not p_lease_seconds::numeric <@ vq._limit('p_lease_seconds') then
        perform vq._require_text('p_worker', p_worker, true);
        perform vq._require_not_null('p_limit', p_limit);
        perform vq._require_range('p_limit', p_limit);
        perform vq._require_not_null('p_lease_seconds', p_lease_seconds);
        perform vq._require_range('p_lease_seconds', p_lease_seconds);
    end if;
    if p_qualities is not null then
        select l into v_label from unnest(p_qualities) l
         where l is null or not exists (select 1 from vq.quality_levels where label = l)
         limit 1;
        if found then
            raise exception 'p_qualities has %, not a known quality level (see vq.quality_levels)',
                coalesce(quote_literal(v_label), 'a null')
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
    end if;

    -- Expired leases first (their work is the oldest). One whose quality has no
    -- attempt left is not handed out again: it becomes failed in the same statement.
    return query
    with picked as (
        select id from vq.video_qualities
         where status = 'processing' and lease_expires_at < now()
           and (p_qualities is null or quality = any (p_qualities))
         order by lease_expires_at
         limit p_limit
           for no key update skip locked),
    taken as (
        update vq.video_qualities q
           set status = case when q.attempts < q.max_attempts then 'processing' else 'failed' end,
               error_code = case when q.attempts < q.max_attempts then q.error_code
                                 else 'lease_expired' end,
               error_message = case when q.attempts < q.max_attempts then q.error_message
                                    else format('the lease of %s expired at %s, on attempt %s of %s',
                                                q.lease_owner, q.lease_expires_at, q.attempts,
                                                q.max_attempts) end,
               lease_owner = p_worker, lease_token = gen_random_uuid(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               lease_seconds = p_lease_seconds, attempts = least(q.attempts + 1, q.max_attempts),
               progress = null,
               processing_started_at = case when q.attempts < q.max_attempts then now()
                                            else q.processing_started_at end
          from picked
         where q.id = picked.id
        returning q.*)
    select * from taken where taken.status = 'processing';
    get diagnostics v_claimed = row_count;

    if v_claimed < p_limit then
        return query
        with picked as (
            select id from vq.video_qualities
             where status = 'pending' and due_at <= now()
               and (p_qualities is null or quality = any (p_qualities))
             order by due_at
             limit p_limit - v_claimed
               for no key update skip locked)
        update vq.video_qualities q
           set status = 'processing', lease_owner = p_worker, lease_token = gen_random_uuid(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               lease_seconds = p_lease_seconds, attempts = q.attempts + 1, progress = null
          from picked
         where q.id = picked.id
        returning q.*;
    end if;
end
$$;
comment on function vq.claim_qualities is
'Leases up to p_limit qualities to the worker p_worker for p_lease_seconds (default 300) and returns their rows (status processing, with lease_token, lease_expires_at and attempts). Takes first the qualities whose lease expired with attempts left, then pending ones due now, oldest first; with p_qualities only those labels. Concurrent calls never get the same quality (SKIP LOCKED). A quality whose lease expired on its last attempt becomes failed with error_code lease_expired. A lost answer costs the qualities it leased one lease period and one attempt.
Errors: 22004 p_worker, p_limit or p_lease_seconds is null; 22023 p_worker is blank, p_qualities holds a null or an unknown label; 22001 p_worker longer than 200; 22003 p_limit not in [1, 1000] or p_lease_seconds not in [1, 86400].';

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
    p_qualities     text[] default null
) returns setof vq.video_qualities
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    c_keys constant text[] := array['url', 'file_size', 'bitrate', 'resolution_width',
        'resolution_height', 'codec', 'container', 'duration', 'fps', 'pixel_format',
        'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels', 'audio_sample_rate',
        'aspect_ratio', 'frame_count', 'encoding_time'];
    r vq.video_qualities;
begin
    if p_metadata is not null and (jsonb_typeof(p_metadata) <> 'object'
                                   or p_metadata - c_keys <> '{}'::jsonb) then
        raise exception 'p_metadata must be a JSON object with keys among %', c_keys
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    r := jsonb_populate_record(null::vq.video_qualities, p_metadata);
    perform vq.complete_quality(p_quality_id, p_lease_token, r.url, r.file_size, r.bitrate,
        r.resolution_width, r.resolution_height, r.codec, r.container, r.duration, r.fps,
        r.pixel_format, r.color_space, r.audio_codec, r.audio_bitrate, r.audio_channels,
        r.audio_sample_rate, r.aspect_ratio, r.frame_count, r.encoding_time);
    return query select * from vq.claim_qualities(p_worker, 1, p_lease_seconds, p_qualities);
end
$$;
comment on function vq.complete_and_claim_quality is
'Completes the quality p_quality_id under lease p_lease_token with the metadata of p_metadata (an object whose keys are complete_quality''s metadata arguments without p_), then claims the next quality for p_worker as claim_qualities(p_worker, 1, p_lease_seconds, p_qualities) does; returns that row, or none when there is no work. One transaction: when the completion is refused, nothing is claimed.
Errors: 22004 p_quality_id, p_lease_token, p_worker or p_lease_seconds is null; 22023 p_metadata is not an object or has an unknown key, p_worker blank, an unknown label in p_qualities; 22P02 a metadata value of the wrong type, an id not a UUID; 22001, 22003 as complete_quality and claim_qualities; 55000 lease lost.';

-- API: the end of a successful encode: the quality becomes ready with the
-- encoder's metadata, in one call, if the caller still holds its lease.
create or replace function vq.complete_quality(
    p_quality_id        uuid,
    p_lease_token       uuid,
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
    p_encoding_time     double precision default null
) returns vq.video_qualities
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_quality vq.video_qualities;
begin
    perform vq._require_not_null('p_quality_id', p_quality_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    perform vq._require_text('p_url', p_url);
    if btrim(p_url) = '' then
        raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
    end if;
    perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null);
    update vq.video_qualities q set
        url = coalesce(p_url, q.url),
        file_size = coalesce(p_file_size, q.file_size),
        bitrate = coalesce(p_bitrate, q.bitrate),
        resolution_width = coalesce(p_resolution_width, q.resolution_width),
        resolution_height = coalesce(p_resolution_height, q.resolution_height),
        codec = coalesce(p_codec, q.codec),
        container = coalesce(p_container, q.container),
        duration = coalesce(p_duration, q.duration),
        fps = coalesce(p_fps, q.fps),
        pixel_format = coalesce(p_pixel_format, q.pixel_format),
        color_space = coalesce(p_color_space, q.color_space),
        audio_codec = coalesce(p_audio_codec, q.audio_codec),
        audio_bitrate = coalesce(p_audio_bitrate, q.audio_bitrate),
        audio_channels = coalesce(p_audio_channels, q.audio_channels),
        audio_sample_rate = coalesce(p_audio_sample_rate, q.audio_sample_rate),
        aspect_ratio = coalesce(p_aspect_ratio, q.aspect_ratio),
        frame_count = coalesce(p_frame_count, q.frame_count),
        encoding_time = coalesce(p_encoding_time, q.encoding_time),
        status = 'ready',
        lease_expires_at = null                 -- ended by its holder: keep owner and token
     where q.id = p_quality_id and q.lease_token = p_lease_token
       and q.lease_expires_at is not null       -- the fencing, in the write itself
    returning q.* into v_quality;
    if found then
        return v_quality;
    end if;
    -- not written: a repeat of this call (the row as it left it), or lease lost (raises)
    return vq._leased_quality(p_quality_id, p_lease_token, '{ready}');
end
$$;
comment on function vq.complete_quality is
'Marks the quality p_quality_id ready with the metadata given (the others keep their values), if p_lease_token is its lease; returns the row. The lease ends; lease_owner and lease_token stay as a record of who completed it, and a repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id or p_lease_token is null; 22023 p_url is blank; 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed by another writer or deleted).';

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
create or replace function vq.create_video_qualities(p_video_id uuid, p_qualities jsonb)
returns setof vq.video_qualities
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_generic_plan
as $$
declare
    c_keys constant text[] := array['quality', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'is_default',
        'status', 'processing_started_at', 'max_attempts'];
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
                       and coalesce(r.max_attempts::numeric <@ vq._limit('p_max_attempts'), true)
                       is true), true)
                   and count(*) filter (where r.is_default) <= 1
                   and count(distinct r.quality) = count(*),
                   array_agg(r order by e.position),
                   max(r.quality) filter (where r.is_default)
              into v_valid, v_rows, v_default
              from jsonb_array_elements(p_qualities) with ordinality as e(value, position)
              cross join lateral jsonb_populate_record(null::vq.video_qualities,
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
                        is_default, status, processing_started_at, max_attempts)
                    select p_video_id, r.quality, r.url, r.file_size, r.bitrate,
                           r.resolution_width, r.resolution_height, r.codec, r.container,
                           r.duration, r.fps, r.pixel_format, r.color_space, r.audio_codec,
                           r.audio_bitrate, r.audio_channels, r.audio_sample_rate,
                           r.aspect_ratio, r.frame_count, r.encoding_time,
                           coalesce(r.is_default, false), coalesce(r.status, 'pending'),
                           r.processing_started_at, r.max_attempts
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
                        -- a restart never takes the default away; leaving 'ready' does
                        is_default = excluded.is_default or q.is_default,
                        status = excluded.status,
                        error_message = null,
                        processing_started_at = excluded.processing_started_at,
                        processing_completed_at = null,
                        attempts = 0, max_attempts = excluded.max_attempts, due_at = now(),
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
                    p_processing_started_at => v_row.processing_started_at,
                    p_max_attempts => v_row.max_attempts);
                v_ids := v_ids || v_row.id;
            end loop;
        exception when others then
            -- name the element; keep the SQLSTATE of the error it raised
            get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
            raise exception 'p_qualities[%]: %', v_position, v_message using errcode = v_state;
        end;
    end if;

    if exists (select 1 from vq.video_qualities where id = any (v_ids) and status = 'pending') then
        perform pg_notify('vq_work', '');   -- wakes workers waiting in LISTEN vq_work
    end if;
    return query
        select q.*
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.id = any (v_ids)
         order by l.rank;
end
$$;
comment on function vq.create_video_qualities is
'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending; max_attempts, the attempts a worker gets at it, to 3). All or nothing. A quality given twice is written as the later element says.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key; P0002 p_video_id does not exist; 22P02 a value of the wrong type; 22007 a start time that is not a time; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';

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
    p_max_attempts          integer default null
) returns vq.video_qualities
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_quality vq.video_qualities;
begin
    perform vq._require_not_null('p_video_id', p_video_id);
    perform vq._require_text('p_quality', p_quality, true);
    if not exists (select 1 from vq.quality_levels where label = p_quality) then
        raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
            quote_literal(p_quality)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    perform vq._require_text('p_url', p_url, true);
    perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null);
    perform vq._require_range('p_max_attempts', p_max_attempts);
    perform vq._require_not_null('p_is_default', p_is_default);
    perform vq._require_not_null('p_status', p_status);
    perform vq._require_quality_status('p_status', p_status);
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
        encoding_time, is_default, status, processing_started_at, max_attempts)
    values (
        p_video_id, p_quality, p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, p_is_default, p_status,
        p_processing_started_at, p_max_attempts)
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
        processing_completed_at = null,
        -- a new series of attempts, due now; a lease on the old row is ended
        attempts = 0, max_attempts = excluded.max_attempts, due_at = now(),
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
'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video. As work, the quality is claimable by vq.claim_qualities while pending; p_max_attempts (default 3) is how many claims it gets; a restart begins a new series of attempts, due now, and ends any lease on it.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, or a restart whose status change is not allowed; 22001 a text longer than its limit; 22003 a number (p_max_attempts included) out of its range (limits: vq._limit); P0002 p_video_id does not exist; 22P02 p_video_id is not a UUID; 22007 p_processing_started_at is not a time.';

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
security definer
set search_path = pg_catalog, pg_temp
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
    update vq.video_qualities
       set status = case when v_retry then 'pending' else 'failed' end,
           due_at = case when v_retry then now() + vq._retry_delay(v_quality.attempts)
                         else due_at end,
           error_code = p_error_code, error_message = p_error_message,
           lease_expires_at = null              -- ended by its holder: keep owner and token
     where id = p_quality_id
    returning * into v_quality;
    return v_quality;
end
$$;
comment on function vq.fail_quality is
'Records the error p_error_code (and p_error_message) of the attempt under lease p_lease_token on the quality p_quality_id and returns the row: pending again, due after 30 s doubling per attempt (at most 1 h), while attempts < max_attempts and p_retryable; otherwise failed. A repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id, p_lease_token, p_error_code or p_retryable is null; 22023 p_error_code is blank; 22001 p_error_code longer than 64 or p_error_message longer than 10000; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

-- API: a worker's sign of life. Extends the lease by p_lease_seconds (by the
-- claim's length when null) from now, records p_progress; returns the new expiry.
-- A heartbeat after the expiry still counts while nobody has claimed the
-- quality again.
create or replace function vq.heartbeat_quality(
    p_quality_id    uuid,
    p_lease_token   uuid,
    p_progress      real default null,
    p_lease_seconds integer default null
) returns timestamptz
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_expires timestamptz;
begin
    perform vq._require_not_null('p_quality_id', p_quality_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    perform vq._require_range('p_progress', p_progress::numeric);
    perform vq._require_range('p_lease_seconds', p_lease_seconds);
    update vq.video_qualities
       set lease_expires_at = now() + make_interval(secs => coalesce(p_lease_seconds, lease_seconds)),
           lease_seconds = coalesce(p_lease_seconds, lease_seconds),
           progress = coalesce(p_progress, progress)
     where id = p_quality_id and lease_token = p_lease_token
       and lease_expires_at is not null         -- the fencing, in the write itself
    returning lease_expires_at into v_expires;
    if not found then
        perform vq._leased_quality(p_quality_id, p_lease_token, '{}');   -- raises: lease lost
    end if;
    return v_expires;
end
$$;
comment on function vq.heartbeat_quality is
'Extends the lease p_lease_token of the quality p_quality_id by p_lease_seconds from now (null: the length it was claimed for), records p_progress (percent) when given, and returns the new lease_expires_at. Accepted after the expiry as long as no other worker has claimed the quality.
Errors: 22004 p_quality_id or p_lease_token is null; 22003 p_progress not in [0, 100] or p_lease_seconds not in [1, 86400]; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

-- API: the queue as an operator watches it, per quality label in ladder order.
-- Each count reads one partial index of the queue (schema.sql), not the table.
create or replace function vq.queue_stats()
returns table (
    quality            text,
    pending            bigint,
    due                bigint,
    processing         bigint,
    expired            bigint,
    failed             bigint,
    oldest_due_seconds double precision
)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return query
    select l.label,
           coalesce(p.pending, 0), coalesce(p.due, 0),
           coalesce(r.processing, 0), coalesce(r.expired, 0), coalesce(f.failed, 0),
           p.oldest_due_seconds
      from vq.quality_levels l
      left join (select q.quality, count(*) as pending,
                        count(*) filter (where q.due_at <= now()) as due,
                        extract(epoch from now() - min(q.due_at) filter (where q.due_at <= now()))
                            ::double precision as oldest_due_seconds
                   from vq.video_qualities q where q.status = 'pending'
                  group by q.quality) p on p.quality = l.label
      left join (select q.quality, count(*) as processing,
                        count(*) filter (where q.lease_expires_at < now()) as expired
                   from vq.video_qualities q where q.status = 'processing'
                  group by q.quality) r on r.quality = l.label
      left join (select q.quality, count(*) as failed
                   from vq.video_qualities q where q.status = 'failed'
                  group by q.quality) f on f.quality = l.label
     order by l.rank;
end
$$;
comment on function vq.queue_stats is
'The work queue per quality label, in ladder order: pending (of which due now), processing (of which with an expired lease), failed, and the age in seconds of the oldest due quality (null when none is due). What an operator alerts on: due and oldest_due_seconds growing, expired above zero.
Errors: none (no arguments).';

-- API: gives the work back at once (a worker shutting down): pending and due
-- now, without using up an attempt.
create or replace function vq.release_quality(p_quality_id uuid, p_lease_token uuid)
returns vq.video_qualities
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_quality vq.video_qualities;
begin
    v_quality := vq._leased_quality(p_quality_id, p_lease_token, '{pending}');
    if v_quality.lease_expires_at is null then
        return v_quality;                                   -- a repeat: already done
    end if;
    update vq.video_qualities
       set status = 'pending', due_at = now(), attempts = attempts - 1,
           lease_expires_at = null              -- ended by its holder: keep owner and token
     where id = p_quality_id
    returning * into v_quality;
    perform pg_notify('vq_work', '');
    return v_quality;
end
$$;
comment on function vq.release_quality is
'Gives the quality p_quality_id back: pending, due now, its attempt not counted, if p_lease_token is its lease; returns the row. A repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id or p_lease_token is null; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

-- API: the metadata of many qualities in one call and one transaction (a worker
-- completing a whole ladder at once). Each element of p_updates is an object
-- with update_quality_metadata's arguments without their p_ prefix
-- ({"quality_id": "...", "file_size": 1048576, "status": "ready", ...}); each
-- follows the same rules, and one invalid element fails the whole call.
--
-- Three steps: every element is checked in array order (so an error names its
-- element), the rows are locked in id order (so overlapping batches cannot
-- deadlock), then one set-based UPDATE writes them all (one statement instead
-- of one per element). The checks of an element are expressions, not queries,
-- wherever the outcome is a pass (a query only runs to name what failed).
-- Generic plans: with a custom plan per call (what the plan cache keeps
-- choosing for statements over an array or jsonb argument) planning was a
-- fifth of the call's time (docs/benchmarks.md).
create or replace function vq.update_qualities_metadata(p_updates jsonb)
returns integer
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_generic_plan
as $$
declare
    c_keys constant text[] := array['quality_id', 'url', 'file_size', 'bitrate',
        'resolution_width', 'resolution_height', 'codec', 'container', 'duration', 'fps',
        'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels',
        'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time', 'status',
        'error_message'];
    v_position integer := 0;
    v_element  jsonb;
    v_unknown  text;
    v_id       uuid;
    v_row      vq.video_qualities;
    v_ids      uuid[] := '{}'::uuid[];
    v_rows     vq.video_qualities[] := '{}'::vq.video_qualities[];
    v_state    text;
    v_message  text;
    v_changed  integer;
begin
    perform vq._require_not_null('p_updates', p_updates);
    if jsonb_typeof(p_updates) <> 'array' then
        raise exception 'p_updates must be a JSON array of objects, not a JSON %',
            jsonb_typeof(p_updates)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    begin
        -- 1. check every element, in array order
        for v_element in select value from jsonb_array_elements(p_updates) loop
            v_position := v_position + 1;
            if jsonb_typeof(v_element) <> 'object' then
                raise exception 'must be a JSON object, not a JSON %', jsonb_typeof(v_element)
                    using errcode = 'invalid_parameter_value';
            end if;
            if v_element - c_keys <> '{}'::jsonb then
                select key into v_unknown from jsonb_object_keys(v_element - c_keys) as key
                 limit 1;
                raise exception 'unknown key %', quote_literal(v_unknown)
                    using errcode = 'invalid_parameter_value';
            end if;
            v_id := (v_element ->> 'quality_id')::uuid;             -- 22P02 when not a UUID
            if v_id is null then
                perform vq._require_not_null('quality_id', v_id);
            end if;
            if v_id = any (v_ids) then
                raise exception 'quality_id % appears more than once', v_id
                    using errcode = 'invalid_parameter_value';
            end if;
            v_ids := v_ids || v_id;
            -- the typed metadata: 22P02 / 22003 for a value of the wrong type or size;
            -- the row's id carries the quality_id, for the UPDATE below
            v_row := jsonb_populate_record(null::vq.video_qualities, v_element);
            v_row.id := v_id;
            if btrim(v_row.url) = '' then
                raise exception 'url must not be empty' using errcode = 'invalid_parameter_value';
            end if;
            perform vq._require_quality_metadata(v_row.url, v_row.file_size, v_row.bitrate,
                v_row.resolution_width, v_row.resolution_height, v_row.codec, v_row.container,
                v_row.duration, v_row.fps, v_row.pixel_format, v_row.color_space,
                v_row.audio_codec, v_row.audio_bitrate, v_row.audio_channels,
                v_row.audio_sample_rate, v_row.aspect_ratio, v_row.frame_count,
                v_row.encoding_time, v_row.error_message);
            if v_row.status is not null then
                perform vq._require_quality_status('status', v_row.status);
            end if;
            v_rows := v_rows || v_row;
        end loop;
    exception when others then
        -- name the element; keep the SQLSTATE of the error it raised
        get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
        raise exception 'p_updates[%]: %', v_position, v_message using errcode = v_state;
    end;

    -- 2. lock the rows in id order, so that two overlapping batches cannot deadlock
    perform 1 from vq.video_qualities where id = any (v_ids) order by id for no key update;

    -- 3. a forbidden status change, named by its element (the trigger would
    -- name only the quality)
    select u.ordinality, format('quality %s cannot change status from %s to %s',
                              q.id, q.status, u.status)
      into v_position, v_message
      from unnest(v_rows) with ordinality as u
      join vq.video_qualities q on q.id = u.id
     where u.status <> q.status
       and not exists (select 1 from vq.quality_status_transitions t
                        where t.from_status = q.status and t.to_status = u.status)
     order by u.ordinality
     limit 1;
    if found then
        raise exception 'p_updates[%]: %', v_position, v_message
            using errcode = 'invalid_parameter_value',
                  hint = vq._allowed_transitions();
    end if;

    -- 4. one statement for every row
    update vq.video_qualities q set
        url = coalesce(u.url, q.url),
        file_size = coalesce(u.file_size, q.file_size),
        bitrate = coalesce(u.bitrate, q.bitrate),
        resolution_width = coalesce(u.resolution_width, q.resolution_width),
        resolution_height = coalesce(u.resolution_height, q.resolution_height),
        codec = coalesce(u.codec, q.codec),
        container = coalesce(u.container, q.container),
        duration = coalesce(u.duration, q.duration),
        fps = coalesce(u.fps, q.fps),
        pixel_format = coalesce(u.pixel_format, q.pixel_format),
        color_space = coalesce(u.color_space, q.color_space),
        audio_codec = coalesce(u.audio_codec, q.audio_codec),
        audio_bitrate = coalesce(u.audio_bitrate, q.audio_bitrate),
        audio_channels = coalesce(u.audio_channels, q.audio_channels),
        audio_sample_rate = coalesce(u.audio_sample_rate, q.audio_sample_rate),
        aspect_ratio = coalesce(u.aspect_ratio, q.aspect_ratio),
        frame_count = coalesce(u.frame_count, q.frame_count),
        encoding_time = coalesce(u.encoding_time, q.encoding_time),
        status = coalesce(u.status, q.status),
        error_message = coalesce(u.error_message, q.error_message)
      from unnest(v_rows) as u
     where q.id = u.id;
    get diagnostics v_changed = row_count;
    return v_changed;
end
$$;
comment on function vq.update_qualities_metadata is
'Changes the metadata of many qualities in one transaction, all or nothing, and returns how many of them exist (a quality_id that does not exist is skipped, as update_quality_metadata returns false). p_updates is a JSON array of objects whose keys are update_quality_metadata''s arguments without p_ (quality_id required; the others optional, null or absent meaning unchanged). Same rules as update_quality_metadata for each element; rows are locked in id order, so overlapping batches do not deadlock.
Errors: 22004 p_updates is null; 22023 p_updates is not an array of objects; with the message prefixed by p_updates[N] (1-based): 22004 quality_id missing or null; 22023 an unknown key, a quality_id given twice, a blank url, a status that is not pending/processing/ready/failed, or a status change that is not allowed; 22P02 a value of the wrong type (quality_id not a UUID, text for a number); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit).';

comment on function vq.update_quality_status(uuid,text) is 'Sets the status of the quality p_quality_id; true when it exists, false when it does not. Allowed: pending->processing|failed, processing->ready|failed|pending, failed->pending|processing, ready->processing, and any status to itself (a no-op); leaving processing ends a lease. Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses); 22P02 p_quality_id is not a UUID.';

CREATE INDEX video_qualities_due_idx ON vq.video_qualities USING btree (due_at) WHERE (status = 'pending'::text);

CREATE INDEX video_qualities_failed_idx ON vq.video_qualities USING btree (quality) WHERE (status = 'failed'::text);

CREATE INDEX video_qualities_running_idx ON vq.video_qualities USING btree (lease_expires_at) WHERE (status = 'processing'::text);

do $$ begin perform vq._apply_privileges(); end $$;
