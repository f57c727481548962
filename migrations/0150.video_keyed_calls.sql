-- video_keyed_calls: written by `./dev migration video_keyed_calls`
-- from the difference between plpgsql/ and the migrations up to 0140.claim_by_id_array.
-- depends: 0140.claim_by_id_array

-- Every key includes the video, so that the tables can be sharded by video
-- (docs/scaling.md). id first in the quality's key: a look-up by id alone is
-- still a scan of that index.
alter table vq.video_qualities
    drop constraint video_qualities_pkey,
    add constraint video_qualities_pkey primary key (id, video_id);
alter table vq.changes
    drop constraint changes_pkey,
    add constraint changes_pkey primary key (xid, seq, video_id);

-- Internal: vq.claim_qualities when the catalog is sharded by video with Citus
-- (docs/scaling.md, "The work queue"), where a row lock over many shards at once
-- is not possible. The same choice of work in the same order -- expired leases
-- first, then due work, oldest first -- found without a lock on every shard;
-- then each candidate is taken on its own shard: locked with SKIP LOCKED (a row
-- another claim holds is passed over, as on one server), checked again (another
-- claim may have taken it since it was found), and leased by an update of that
-- one row, its token drawn beforehand (Citus takes no volatile function in an
-- update). The arguments are claim_qualities', checked there.
-- tests/pgtap/behaviour_queue_on_shards.sql holds this way to the same
-- assertions as the way of one server (behaviour_queue.sql), on one server.
create or replace function vq._claim_on_shards(
    p_worker        text,
    p_limit         integer,
    p_lease_seconds integer,
    p_qualities     text[]
) returns setof vq.video_qualities
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_candidate record;
    v_row       vq.video_qualities;
    v_claimed   integer := 0;
    v_taken     boolean;
    v_token     uuid;
begin
    -- a few more candidates than wanted: concurrent claims find the same ones
    for v_candidate in
        select q.video_id, q.id
          from vq.video_qualities q
         where ((q.status = 'processing' and q.lease_expires_at < now())
                or (q.status = 'pending' and q.due_at <= now()))
           and (p_qualities is null or q.quality = any (p_qualities))
         order by q.status = 'pending', coalesce(q.lease_expires_at, q.due_at)
         limit p_limit * 2 + 8
    loop
        select * into v_row
          from vq.video_qualities q
         where q.video_id = v_candidate.video_id and q.id = v_candidate.id
           and ((q.status = 'processing' and q.lease_expires_at < now())
                or (q.status = 'pending' and q.due_at <= now()))
           for no key update skip locked;
        continue when not found;
        v_token := gen_random_uuid();
        -- the new values computed here, from the locked row: Citus takes no
        -- volatile function in an update, and no stable one inside a CASE. As
        -- claim_qualities: an expired lease with no attempt left becomes failed.
        v_taken := v_row.status = 'pending' or v_row.attempts < v_row.max_attempts;
        if not v_taken then
            v_row.error_code := 'lease_expired';
            v_row.error_message := format('the lease of %s expired at %s, on attempt %s of %s',
                                          v_row.lease_owner, v_row.lease_expires_at,
                                          v_row.attempts, v_row.max_attempts);
        elsif v_row.status = 'processing' then
            v_row.processing_started_at := now();   -- a pending one: the trigger starts it
        end if;
        update vq.video_qualities q
           set status = case when v_taken then 'processing' else 'failed' end,
               error_code = v_row.error_code, error_message = v_row.error_message,
               lease_owner = p_worker, lease_token = v_token,
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               lease_seconds = p_lease_seconds, attempts = least(q.attempts + 1, q.max_attempts),
               progress = null, processing_started_at = v_row.processing_started_at
         where q.video_id = v_row.video_id and q.id = v_row.id
        returning q.* into v_row;
        if v_row.status = 'processing' then
            return next v_row;
            v_claimed := v_claimed + 1;
            exit when v_claimed >= p_limit;
        end if;
    end loop;
end
$$;
comment on function vq._claim_on_shards is
'Internal: vq.claim_qualities for a catalog sharded by video (Citus), one candidate at a time on its own shard; the same work in the same order, each quality leased once. Raises nothing of its own.';

-- Internal: how the catalog is laid out when it is sharded by video with Citus
-- (docs/scaling.md): each table of vq, either distributed by the column that
-- holds its video's id (all of them co-located with vq.videos, so that one
-- video's rows are on one node) or a reference table (small, copied to every
-- node). The one place this is written: `vqdb distribute` applies it, and the
-- pgTAP rules (tests/pgtap/distribution_rules.sql) check every table against
-- it, on every build, without Citus.
create or replace function vq._distribution()
returns table (table_name regclass, video_column name)  -- video_column null: a reference table
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return query values
        ('vq.quality_levels'::regclass, null::name),
        ('vq.video_statuses', null),
        ('vq.quality_statuses', null),
        ('vq.quality_status_transitions', null),
        ('vq.changes_pruned', null),
        ('vq.videos', 'id'),                  -- first: the others are co-located with it
        ('vq.video_qualities', 'video_id'),
        ('vq.deleted_videos', 'id'),
        ('vq.changes', 'video_id');
end
$$;
comment on function vq._distribution is
'Internal. The layout sharded by video: every table of vq with the column holding its video id (distributed, co-located with vq.videos) or null (a reference table), vq.videos first. Raises nothing.';

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
    -- the video first, then the row locked by its whole key: a lock has to name
    -- the shard when the catalog is sharded by video (docs/scaling.md)
    select * into v_quality from vq.video_qualities where id = p_quality_id;
    if found then
        select * into v_quality from vq.video_qualities
         where id = p_quality_id and video_id = v_quality.video_id
           for no key update;
    end if;
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

-- Internal: locks the videos of the qualities p_quality_ids, one video at a
-- time in id order, and returns their ids. The batch calls take these locks
-- before they write: the video row first is the lock order of every writer of a
-- ladder (create_video_quality, set_default_quality), so no two of them can
-- deadlock. One statement per video: each names one video, so that sharded by
-- video (docs/scaling.md) each lock runs on that video's shard alone, where a
-- lock over many shards at once is not possible.
create or replace function vq._lock_videos_of(p_quality_ids uuid[])
returns uuid[]
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_video_ids uuid[];
    v_video_id  uuid;
begin
    select coalesce(array_agg(distinct video_id order by video_id), '{}')
      into v_video_ids
      from vq.video_qualities
     where id = any (p_quality_ids);
    foreach v_video_id in array v_video_ids loop
        perform 1 from vq.videos where id = v_video_id for no key update;
    end loop;
    return v_video_ids;
end
$$;
comment on function vq._lock_videos_of is
'Internal: locks the videos of the qualities p_quality_ids (for no key update), one statement per video in id order, and returns their ids; qualities that do not exist add nothing.';

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

    -- Sharded by video with Citus, where a lock over many shards at once is not
    -- possible (citus.version exists where Citus is loaded): the same claim, one
    -- shard at a time.
    if current_setting('citus.version', true) is not null then
        return query select * from vq._claim_on_shards(p_worker, p_limit, p_lease_seconds,
                                                       p_qualities);
        return;
    end if;

    -- Expired leases first (their work is the oldest). One whose quality has no
    -- attempt left is not handed out again: it becomes failed in the same statement.
    --
    -- Both updates find their rows as "id = any (array(the picked ids))": an index
    -- lookup per picked row whatever the plan's estimates. Joined to a CTE
    -- instead, the cached generic plan (its limit a parameter, so 10% of the table
    -- to the planner) hashed the whole table for every claim (docs/benchmarks.md).
    return query
    with taken as (
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
         where q.id = any (array(
                   select id from vq.video_qualities
                    where status = 'processing' and lease_expires_at < now()
                      and (p_qualities is null or quality = any (p_qualities))
                    order by lease_expires_at
                    limit p_limit
                      for no key update skip locked))
        returning q.*)
    select * from taken where taken.status = 'processing';
    get diagnostics v_claimed = row_count;

    if v_claimed < p_limit then
        return query
        update vq.video_qualities q
           set status = 'processing', lease_owner = p_worker, lease_token = gen_random_uuid(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               lease_seconds = p_lease_seconds, attempts = q.attempts + 1, progress = null
         where q.id = any (array(
                   select id from vq.video_qualities
                    where status = 'pending' and due_at <= now()
                      and (p_qualities is null or quality = any (p_qualities))
                    order by due_at
                    limit p_limit - v_claimed
                      for no key update skip locked))
        returning q.*;
    end if;
end
$$;
comment on function vq.claim_qualities is
'Leases up to p_limit qualities to the worker p_worker for p_lease_seconds (default 300) and returns their rows (status processing, with lease_token, lease_expires_at and attempts). Takes first the qualities whose lease expired with attempts left, then pending ones due now, oldest first; with p_qualities only those labels. Concurrent calls never get the same quality (SKIP LOCKED). A quality whose lease expired on its last attempt becomes failed with error_code lease_expired. A lost answer costs the qualities it leased one lease period and one attempt.
Errors: 22004 p_worker, p_limit or p_lease_seconds is null; 22023 p_worker is blank, p_qualities holds a null or an unknown label; 22001 p_worker longer than 200; 22003 p_limit not in [1, 1000] or p_lease_seconds not in [1, 86400].';

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
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_video_id is null or p_url is null or btrim(p_url) = '' or p_is_default is null
       or not exists (select 1 from vq.quality_levels where label = p_quality)
       or not exists (select 1 from vq.quality_statuses where status = p_status)
       or not coalesce(p_max_attempts::numeric <@ vq._limit('p_max_attempts'), true)
       or not vq._quality_metadata_ok(p_url, p_file_size, p_bitrate, p_resolution_width,
                  p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
                  p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels,
                  p_audio_sample_rate, p_aspect_ratio, p_frame_count, p_encoding_time, null) then
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
'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video. As work, the quality is claimable by vq.claim_qualities while pending; p_max_attempts (default 3) is how many claims it gets; a restart begins a new series of attempts, due now, and ends any lease on it.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, or a restart whose status change is not allowed; 22001 a text longer than its limit; 22003 a number (p_max_attempts included) out of its range (limits: vq._limit); P0002 p_video_id does not exist; 22P02 p_video_id is not a UUID; 22007 p_processing_started_at is not a time.';

-- API: deletes a video and its qualities; returns the URLs of their files.
-- The rows go (the qualities with their video, on delete cascade), so every read
-- and write afterwards sees a video that does not exist: reads return no row,
-- writes false or P0002, a worker still encoding one of its qualities gets false
-- from its next update. A tombstone keeps the URLs, so a repeated call returns
-- the same URLs; a video that never existed returns none.
create or replace function vq.delete_video(p_video_id uuid)
returns setof text
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_urls text[];
begin
    perform vq._require_not_null('p_video_id', p_video_id);

    -- the video row first, as every writer locks it: a concurrent set_default_quality
    -- or create_video_quality waits, then finds no video
    perform 1 from vq.videos where id = p_video_id for update;
    if found then
        select array_remove(array[v.url, v.thumbnail_url], null)
               || coalesce((select array_agg(q.url order by l.rank)
                              from vq.video_qualities q
                              join vq.quality_levels l on l.label = q.quality
                             where q.video_id = p_video_id), '{}')
          into v_urls
          from vq.videos v
         where v.id = p_video_id;
        delete from vq.videos where id = p_video_id;
        insert into vq.deleted_videos (id, urls) values (p_video_id, v_urls)
        -- deleted_at: the column's default, now() (sharded by video, Citus takes no
        -- now() in a DO UPDATE)
        on conflict (id) do update set urls = excluded.urls, deleted_at = excluded.deleted_at;
    else
        select d.urls into v_urls from vq.deleted_videos d where d.id = p_video_id;
    end if;
    return query select unnest(coalesce(v_urls, '{}'));
end
$$;
comment on function vq.delete_video is
'Deletes the video p_video_id and all its qualities, whatever their status or default, and returns the URLs of their files (the video''s url and thumbnail_url, then each quality''s, best first). Safe to repeat: a repeated call returns the same URLs; a video that never existed returns none.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID.';

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
    if v_retry then
        v_quality.due_at := now() + vq._retry_delay(v_quality.attempts);
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
     where id = p_quality_id and video_id = v_quality.video_id
    returning * into v_quality;
    perform pg_notify('vq_work', '');
    return v_quality;
end
$$;
comment on function vq.release_quality is
'Gives the quality p_quality_id back: pending, due now, its attempt not counted, if p_lease_token is its lease; returns the row. A repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id or p_lease_token is null; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

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
    if p_video_id is null or p_quality_id is null then   -- the helper only to name which
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
    end if;

    -- always the video row first, then quality rows in id order: the order of
    -- create_video_quality (the batch functions lock their videos first too), so
    -- that none of them can deadlock with another.
    -- The rows are the new default and the current one, which the update below
    -- clears.
    perform 1 from vq.videos where id = p_video_id for no key update;
    if not found then
        return false;
    end if;
    -- Every statement names the video: sharded by video, they run on its shard
    -- alone (docs/scaling.md).
    perform 1 from vq.video_qualities
     where video_id = p_video_id and (id = p_quality_id or is_default)
     order by id
       for no key update;
    select * into v_quality from vq.video_qualities
     where video_id = p_video_id and id = p_quality_id;
    if not found then
        -- only on this error path: the quality in another video (every shard)
        select * into v_quality from vq.video_qualities
         where id = p_quality_id and video_id <> p_video_id;
        if not found then
            return false;
        end if;
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
        update vq.video_qualities set is_default = true
         where video_id = p_video_id and id = p_quality_id;
    end if;
    return true;
end
$$;
comment on function vq.set_default_quality is
'Makes the quality p_quality_id the only default of the video p_video_id, atomically and safely under concurrent calls (the last to commit wins); true when done (also when it already was the default), false when the video or the quality does not exist.
Errors: 22004 p_video_id or p_quality_id is null; 22023 the quality belongs to another video, or its status is not ready; 22P02 an argument is not a UUID.';

-- API: the metadata of many qualities in one call and one transaction (a worker
-- completing a whole ladder at once). Each element of p_updates is an object
-- with update_quality_metadata's arguments without their p_ prefix
-- ({"quality_id": "...", "file_size": 1048576, "status": "ready", ...}); each
-- follows the same rules, and one invalid element fails the whole call.
--
-- Three steps: every element is checked in array order (so an error names its
-- element), the videos of the rows are locked in id order (so overlapping
-- batches cannot deadlock), then one set-based UPDATE writes them all (one
-- statement instead of one per element). The checks of an element are
-- expressions, not queries, wherever the outcome is a pass (a query only runs
-- to name what failed).
create or replace function vq.update_qualities_metadata(p_updates jsonb)
returns integer
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
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
    v_video_ids uuid[];
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

    -- 2. lock the videos in id order, so that two overlapping batches cannot deadlock
    v_video_ids := vq._lock_videos_of(v_ids);

    -- 3. a forbidden status change, named by its element (the trigger would
    -- name only the quality)
    select u.ordinality, format('quality %s cannot change status from %s to %s',
                              q.id, q.status, u.status)
      into v_position, v_message
      from unnest(v_rows) with ordinality as u
      join vq.video_qualities q on q.video_id = any (v_video_ids) and q.id = u.id
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
     where q.video_id = any (v_video_ids) and q.id = u.id;
    get diagnostics v_changed = row_count;
    return v_changed;
end
$$;
comment on function vq.update_qualities_metadata is
'Changes the metadata of many qualities in one transaction, all or nothing, and returns how many of them exist (a quality_id that does not exist is skipped, as update_quality_metadata returns false). p_updates is a JSON array of objects whose keys are update_quality_metadata''s arguments without p_ (quality_id required; the others optional, null or absent meaning unchanged). Same rules as update_quality_metadata for each element; the videos of the rows are locked in id order, so overlapping batches do not deadlock.
Errors: 22004 p_updates is null; 22023 p_updates is not an array of objects; with the message prefixed by p_updates[N] (1-based): 22004 quality_id missing or null; 22023 an unknown key, a quality_id given twice, a blank url, a status that is not pending/processing/ready/failed, or a status change that is not allowed; 22P02 a value of the wrong type (quality_id not a UUID, text for a number); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit).';

-- API: the status of many qualities in one call and one transaction: all change
-- or, when one change is not allowed, none does.
create or replace function vq.update_qualities_status(p_quality_ids uuid[], p_status text)
returns integer
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_video_ids uuid[];
    v_changed   integer;
begin
    perform vq._require_not_null('p_quality_ids', p_quality_ids);
    if array_position(p_quality_ids, null) is not null then
        raise exception 'p_quality_ids contains a null at position %', array_position(p_quality_ids, null)
            using errcode = 'null_value_not_allowed';               -- 22004
    end if;
    perform vq._require_not_null('p_status', p_status);
    perform vq._require_quality_status('p_status', p_status);

    -- the videos first, in id order, so that two overlapping batches cannot deadlock
    v_video_ids := vq._lock_videos_of(p_quality_ids);
    update vq.video_qualities set status = p_status
     where video_id = any (v_video_ids) and id = any (p_quality_ids);
    get diagnostics v_changed = row_count;
    return v_changed;
end
$$;
comment on function vq.update_qualities_status is
'Sets the status of every quality in p_quality_ids, all or nothing; returns how many exist (ids that do not exist are skipped). Same rules as update_quality_status.
Errors: 22004 p_quality_ids or p_status is null, or p_quality_ids contains a null; 22023 p_status is not pending/processing/ready/failed, or one of the changes is not allowed (then none is made); 22P02 an element of p_quality_ids is not a UUID.';

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
    p_error_message     text default null
) returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
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
        p_frame_count, p_encoding_time, p_status, p_error_message);
end
$$;
comment on function vq.update_quality_metadata is
'Changes only the given (non-null) fields of the quality p_quality_id; true when it exists, false when it does not. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed; 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_quality_id is not a UUID.';

-- API: vq.update_video_quality_status for a caller that knows only the quality:
-- it finds the quality's video, then makes that call. Sharded by video, the
-- look-up reads every shard; a caller that knows the video calls the by-video
-- form instead (the Python client does, docs/scaling.md).
create or replace function vq.update_quality_status(p_quality_id uuid, p_status text)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_video_id uuid;
begin
    select q.video_id into v_video_id from vq.video_qualities q where q.id = p_quality_id;
    -- A quality that does not exist has no video: any video id then finds no row
    -- to change, after the by-video form has checked every argument.
    return vq.update_video_quality_status(
        coalesce(v_video_id, '00000000-0000-0000-0000-000000000000'), p_quality_id, p_status);
end
$$;
comment on function vq.update_quality_status is
'Sets the status of the quality p_quality_id (vq.update_video_quality_status without the video); true when it exists, false when it does not. Allowed: pending->processing|failed, processing->ready|failed|pending, failed->pending|processing, ready->processing, and any status to itself (a no-op); leaving processing ends a lease. Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses); 22P02 p_quality_id is not a UUID.';

-- API: completes or corrects the encoder's metadata of the quality p_quality_id
-- of the video p_video_id. Only the arguments given (not null) change; the
-- others keep their value. A status given here follows the same transition
-- rules as update_video_quality_status, and reaching 'ready' or 'failed' sets
-- processing_completed_at. vq.update_quality_metadata is the same call for a
-- caller that knows only the quality; this form, keyed by the video, is the one
-- that runs on the video's shard alone when the catalog is sharded by video
-- (docs/scaling.md).
create or replace function vq.update_video_quality_metadata(
    p_video_id          uuid,
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
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_video_id is null or p_quality_id is null or btrim(p_url) = ''
       or (p_status is not null
           and not exists (select 1 from vq.quality_statuses where status = p_status))
       or not vq._quality_metadata_ok(p_url, p_file_size, p_bitrate, p_resolution_width,
                  p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
                  p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels,
                  p_audio_sample_rate, p_aspect_ratio, p_frame_count, p_encoding_time,
                  p_error_message) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_text('p_url', p_url);
        if btrim(p_url) = '' then
            raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
        end if;
        perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
            p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
            p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
            p_aspect_ratio, p_frame_count, p_encoding_time, p_error_message);
        perform vq._require_quality_status('p_status', p_status);
    end if;

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
    where video_id = p_video_id and id = p_quality_id;
    return found;
end
$$;
comment on function vq.update_video_quality_metadata is
'Changes only the given (non-null) fields of the quality p_quality_id of the video p_video_id; true when that video has that quality, false otherwise. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_video_id or p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed; 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_video_id or p_quality_id is not a UUID.';

-- API: the status of the quality p_quality_id of the video p_video_id, and
-- nothing else. vq.update_quality_status is the same call for a caller that
-- knows only the quality; this form, keyed by the video, is the one that runs
-- on the video's shard alone when the catalog is sharded by video
-- (docs/scaling.md).
create or replace function vq.update_video_quality_status(
    p_video_id   uuid,
    p_quality_id uuid,
    p_status     text
) returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_video_id is null or p_quality_id is null
       or not exists (select 1 from vq.quality_statuses where status = p_status) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_status', p_status);
        perform vq._require_quality_status('p_status', p_status);
    end if;

    update vq.video_qualities set status = p_status
     where video_id = p_video_id and id = p_quality_id;
    return found;
end
$$;
comment on function vq.update_video_quality_status is
'Sets the status of the quality p_quality_id of the video p_video_id; true when that video has that quality, false otherwise. Allowed: pending->processing|failed, processing->ready|failed|pending, failed->pending|processing, ready->processing, and any status to itself (a no-op); leaving processing ends a lease. Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_video_id, p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses); 22P02 p_video_id or p_quality_id is not a UUID.';

do $$ begin perform vq._apply_privileges(); end $$;
