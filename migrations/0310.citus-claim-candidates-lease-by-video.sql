-- citus-claim-candidates-lease-by-video: written by `./dev migration citus-claim-candidates-lease-by-video`
-- from the difference between plpgsql/ and the migrations up to 0300.webhooks.
-- depends: 0300.webhooks

drop function vq._leased_quality(uuid,uuid,text[]);

drop function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]);

drop function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer,integer);

drop function vq.fail_quality(uuid,uuid,text,text,boolean);

drop function vq.heartbeat_quality(uuid,uuid,real,integer);

drop function vq.release_quality(uuid,uuid);

drop function vq._distribution();

CREATE UNLOGGED TABLE vq.claim_candidates (
    id uuid NOT NULL,
    video_id uuid NOT NULL,
    quality text NOT NULL,
    expired boolean NOT NULL,
    due timestamp with time zone NOT NULL,
    found_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);

ALTER TABLE ONLY vq.claim_candidates
    ADD CONSTRAINT claim_candidates_pkey PRIMARY KEY (id);

-- Internal: vq.claim_qualities when the catalog is sharded by video with Citus
-- (docs/scaling.md, "The work queue"), where a row lock over many shards at once
-- is not possible. The same choice of work -- expired leases first, then due
-- work, oldest first -- found without a lock by one scan of every shard, then
-- taken on its own shard one candidate at a time: checked again there (another
-- claim may have taken it since) and leased by an update of that one row.
--
-- A scan of every shard is one round trip per shard; done for every claim, it
-- was most of the claim's time (docs/scaling.md). So the candidates a scan finds
-- are kept in vq.claim_candidates on the coordinator, and the next claims take
-- them from there (each candidate once: SKIP LOCKED, deleted when taken), until
-- none fits or they are a second old; then a claim scans again. The candidates
-- only save the search: the row itself decides.
--
-- The arguments are claim_qualities', checked there.
-- tests/pgtap/behaviour_queue_on_shards.sql holds this way to the same
-- assertions as the way of one server (behaviour_queue.sql), on one server.
create or replace function vq._claim_on_shards(
    p_worker        text,
    p_limit         integer,
    p_lease_seconds integer,
    p_qualities     text[]
) returns setof vq.video_qualities
language plpgsql
as $$
declare
    c_fresh     constant interval := interval '1 second';
    v_candidate vq.claim_candidates;
    v_row       vq.video_qualities;
    v_claimed   integer := 0;
    v_scanned   boolean := false;
    v_taken     boolean;
    v_token     uuid;
begin
    while v_claimed < p_limit loop
        delete from vq.claim_candidates c
         where c.id = (select k.id from vq.claim_candidates k
                        where (p_qualities is null or k.quality = any (p_qualities))
                          and k.found_at > clock_timestamp() - c_fresh
                        order by k.expired desc, k.due
                        limit 1
                          for update skip locked)
        returning c.* into v_candidate;
        if not found then
            exit when v_scanned;            -- this call scanned already: no more due work
            delete from vq.claim_candidates where found_at <= clock_timestamp() - c_fresh;
            insert into vq.claim_candidates (id, video_id, quality, expired, due)
            select q.id, q.video_id, q.quality, q.status = 'processing',
                   coalesce(q.lease_expires_at, q.due_at)
              from vq.video_qualities q
             where ((q.status = 'processing' and q.lease_expires_at < now())
                    or (q.status = 'pending' and q.due_at <= now()))
               and (p_qualities is null or q.quality = any (p_qualities))
             -- the id last: concurrent scans insert common candidates in one order
             order by q.status = 'pending', coalesce(q.lease_expires_at, q.due_at), q.id
             limit greatest(p_limit * 2 + 8, 64)
            on conflict (id) do nothing;
            v_scanned := true;
            continue;
        end if;
        v_token := gen_random_uuid();
        if not v_candidate.expired then
            -- due work: checked and leased in one statement on its shard (the
            -- trigger starts the attempt and its clock)
            update vq.video_qualities q
               set status = 'processing', lease_owner = p_worker, lease_token = v_token,
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds),
                   lease_seconds = p_lease_seconds, attempts = q.attempts + 1, progress = null
             where q.video_id = v_candidate.video_id and q.id = v_candidate.id
               and q.status = 'pending' and q.due_at <= now()
            returning q.* into v_row;
            continue when not found;
        else
            select * into v_row
              from vq.video_qualities q
             where q.video_id = v_candidate.video_id and q.id = v_candidate.id
               and q.status = 'processing' and q.lease_expires_at < now()
               for no key update skip locked;
            continue when not found;
            -- the new values computed here, from the locked row: Citus takes no
            -- volatile function in an update, and no stable one inside a CASE. As
            -- claim_qualities: an expired lease with no attempt left becomes failed.
            v_taken := v_row.attempts < v_row.max_attempts;
            if v_taken then
                v_row.processing_started_at := now();
            else
                v_row.error_code := 'lease_expired';
                v_row.error_message := format('the lease of %s expired at %s, on attempt %s of %s',
                                              v_row.lease_owner, v_row.lease_expires_at,
                                              v_row.attempts, v_row.max_attempts);
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
        end if;
        if v_row.status = 'processing' then
            return next v_row;
            v_claimed := v_claimed + 1;
        end if;
    end loop;
end
$$;
comment on function vq._claim_on_shards is
'Internal: vq.claim_qualities for a catalog sharded by video (Citus): candidates from vq.claim_candidates, refilled by one scan of every shard when none fits or they are a second old, each leased by an update on its own shard; the same work in the same order, each quality leased once. Raises nothing of its own.';

-- Internal: how the catalog is laid out when it is sharded by video with Citus
-- (docs/scaling.md): each table of vq, either distributed by the column that
-- holds its video's id (all of them co-located with vq.videos, so that one
-- video's rows are on one node), a reference table (small, copied to every
-- node), or left a plain table of the coordinator (a cache of its own). The one place this is written: `vqdb distribute` applies it, and the
-- pgTAP rules (tests/pgtap/distribution_rules.sql) check every table against
-- it, on every build, without Citus.
create or replace function vq._distribution()
returns table (table_name regclass, video_column name, kind text)
language plpgsql
stable
as $$
begin
    return query values
        ('vq.quality_levels'::regclass, null::name, 'reference'),
        ('vq.video_statuses', null, 'reference'),
        ('vq.quality_statuses', null, 'reference'),
        ('vq.quality_status_transitions', null, 'reference'),
        ('vq.changes_pruned', null, 'reference'),
        ('vq.webhooks', null, 'reference'),                 -- a few subscriptions
        ('vq.claim_candidates', null, 'coordinator'),       -- the claim's cache
        ('vq.videos', 'id', 'distributed'),                 -- first: the others are co-located with it
        ('vq.video_qualities', 'video_id', 'distributed'),
        ('vq.quality_attempts', 'video_id', 'distributed'),
        ('vq.deleted_videos', 'id', 'distributed'),
        ('vq.changes', 'video_id', 'distributed'),
        ('vq.webhook_deliveries', 'video_id', 'distributed');
end
$$;
comment on function vq._distribution is
'Internal. The layout sharded by video: every table of vq, its kind (distributed by the column holding its video id, co-located with vq.videos; reference; or coordinator: left a plain table there) and that column, vq.videos first. Raises nothing.';

-- Trigger (deferred: at the commit of a transaction that made a quality ready or
-- failed, see triggers.sql): the feed's ladder_finished, when no quality of the
-- video is left pending or processing.
--
-- At commit, not at the write: two workers finishing the last two rungs at once
-- would each see the other's rung unfinished (neither has committed), so the
-- check is serialised per video by a transaction-level advisory lock, and taken
-- when the transaction has nothing left to do but commit. A lock taken at the
-- write and held while the transaction went on (complete_and_claim_quality
-- claims next, and may wait for a row) deadlocked with the other finisher
-- (bench.queue found it). At commit, a holder waits for nothing else, and a
-- transaction that finished rungs of several videos locks all of them at once,
-- in one order, so that two such transactions cannot wait for each other. The
-- check, a statement of its own, then sees the other finisher's commit.
create or replace function vq._ladder_finished()
returns trigger
language plpgsql
as $$
declare
    v_finished  boolean;
    v_all_ready boolean;
begin
    -- Sharded by video with Citus, this runs on the video's node and reads nothing
    -- of another video's (a query over every shard from a shard's trigger is not
    -- possible): only this video is locked there. Two claims that both fail the
    -- expired last attempts of the same two videos, in opposite orders, may then
    -- deadlock at commit; PostgreSQL aborts one (40P01) and its worker claims again.
    if current_setting('citus.version', true) is null then
        perform pg_advisory_xact_lock(hashtextextended('vq.ladder:' || c.video_id, 0))
           from (select distinct video_id from vq.changes
                  where xid = pg_current_xact_id() and value in ('ready', 'failed')
                    and kind in ('quality_status', 'quality_created')
                  order by video_id) c;
    end if;
    perform pg_advisory_xact_lock(hashtextextended('vq.ladder:' || new.video_id, 0));
    select not exists (select 1 from vq.video_qualities
                        where video_id = new.video_id and status in ('pending', 'processing'))
           -- once: not when this transaction has told it already and no rung of the
           -- video went back to work since (a statement finishing two rungs)
           and not exists (select 1 from vq.changes f
                            where f.xid = pg_current_xact_id() and f.video_id = new.video_id
                              and f.kind = 'ladder_finished'
                              and not exists (select 1 from vq.changes r
                                               where r.xid = f.xid and r.seq > f.seq
                                                 and r.video_id = f.video_id
                                                 and r.value in ('pending', 'processing')))
      into v_finished;
    if v_finished then
        -- read, then insert: Citus refuses an INSERT … SELECT (a distributed
        -- query) inside a shard's trigger
        select bool_and(status = 'ready') into v_all_ready
          from vq.video_qualities where video_id = new.video_id;
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'ladder_finished', new.quality, new.id,
                case when v_all_ready then 'ready' else 'failed' end);
    end if;
    return null;
end
$$;
comment on function vq._ladder_finished is
'Trigger of vq.video_qualities (deferred to the commit of a transaction that made a quality ready or failed): writes ladder_finished to vq.changes when every quality of the video is ready or failed (value ready when all are ready, else failed), once until a rung goes back to work. Raises nothing.';

-- Internal: fencing. The row of the quality p_quality_id, locked, when the caller
-- holds its lease under p_lease_token: the lease is live (processing, with an
-- expiry; a lease past its expiry that nobody has claimed again is still the
-- caller's), or a lease call under this token ended it and left the quality in
-- one of p_repeat_statuses (the caller's own earlier call, repeated after its
-- answer was lost; the caller sees lease_expires_at null and answers the same).
-- Anything else -- another worker's lease, a release, a restart, a completion by
-- another writer, a deleted quality -- raises 55000, and the caller changes nothing.
-- p_video_id, when the caller knows it, spares the look-up of the video (on
-- every shard when the catalog is sharded by video).
create or replace function vq._leased_quality(
    p_quality_id       uuid,
    p_lease_token      uuid,
    p_repeat_statuses  text[],
    p_video_id         uuid default null
) returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
    v_video   uuid := p_video_id;
begin
    perform vq._require_not_null('p_quality_id', p_quality_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    -- the video first, then the row locked by its whole key: a lock has to name
    -- the shard when the catalog is sharded by video (docs/scaling.md)
    if v_video is null then
        select video_id into v_video from vq.video_qualities where id = p_quality_id;
    end if;
    select * into v_quality from vq.video_qualities
     where id = p_quality_id and video_id = v_video
       for no key update;
    if not found then
        raise exception 'lease lost: quality % does not exist (deleted)%', p_quality_id,
            case when p_video_id is not null then format(' or is not of video %s', p_video_id) else '' end
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
'Internal. Locks and returns the quality p_quality_id (of the video p_video_id when given) when p_lease_token is its live lease (or the lease whose call left it in one of p_repeat_statuses). Raises 22004 for a null argument, 55000 (lease lost) otherwise.';

-- Trigger (after an update that begins or ends a lease: see triggers.sql): the
-- attempt history. The attempt of the old lease, when one was running, ends
-- with what became of it; a new lease (a claim) begins an attempt.
create or replace function vq._quality_attempts()
returns trigger
language plpgsql
as $$
declare
    v_outcome  text;
    v_ended_at timestamptz := clock_timestamp();   -- Citus takes no volatile function in an update
begin
    if old.lease_token is not null then
        v_outcome := case
            when old.lease_expires_at < now() then 'expired'   -- its worker died or stalled
            when new.lease_token is distinct from old.lease_token then 'ended'
            when new.status = 'ready' then 'ready'
            when new.attempts < old.attempts and new.lease_token is not null then 'released'
            when new.status in ('pending', 'failed') and new.error_code is not null
                 and new.lease_token is not null then 'failed'
            else 'ended' end;                                  -- a restart, an operator
        update vq.quality_attempts
           set ended_at = v_ended_at, outcome = v_outcome, progress = old.progress,
               error_code = case when v_outcome = 'failed' then new.error_code end,
               error_message = case when v_outcome = 'failed' then new.error_message end
         where quality_id = old.id and lease_token = old.lease_token
           and video_id = old.video_id and ended_at is null;
    end if;
    if new.status = 'processing' and new.lease_token is distinct from old.lease_token
       and new.lease_token is not null then
        insert into vq.quality_attempts (video_id, quality_id, lease_token, attempt, worker)
        values (new.video_id, new.id, new.lease_token, new.attempts, new.lease_owner);
    end if;
    return null;
end
$$;
comment on function vq._quality_attempts is
'Trigger of vq.video_qualities (after an update that begins or ends a lease): ends the running attempt of the old lease in vq.quality_attempts with its outcome (ready, failed with its error, released, expired, ended) and last progress, and begins one for a new lease. Raises nothing.';

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
    p_encoding_time     double precision default null,
    p_codecs            text default null,
    p_color_primaries   text default null,
    p_color_transfer    text default null,
    p_color_range       text default null,
    p_rotation          integer default null,
    p_peak_bitrate      integer default null,
    p_video_id          uuid default null
) returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
    v_video   uuid := p_video_id;
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_quality_id is null or p_lease_token is null or btrim(p_url) = '' then
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_lease_token', p_lease_token);
        perform vq._require_text('p_url', p_url);
        if btrim(p_url) = '' then
            raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
        end if;
    end if;
    perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null,
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation,
        p_peak_bitrate);
    if v_video is null then     -- the write names the video: one shard when sharded
        select video_id into v_video from vq.video_qualities where id = p_quality_id;
    end if;
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
        codecs = coalesce(p_codecs, q.codecs),
        color_primaries = coalesce(p_color_primaries, q.color_primaries),
        color_transfer = coalesce(p_color_transfer, q.color_transfer),
        color_range = coalesce(p_color_range, q.color_range),
        rotation = coalesce(p_rotation, q.rotation),
        peak_bitrate = coalesce(p_peak_bitrate, q.peak_bitrate),
        status = 'ready',
        lease_expires_at = null                 -- ended by its holder: keep owner and token
     where q.id = p_quality_id and q.video_id = v_video and q.lease_token = p_lease_token
       and q.lease_expires_at is not null       -- the fencing, in the write itself
    returning q.* into v_quality;
    if found then
        return v_quality;
    end if;
    -- not written: a repeat of this call (the row as it left it), or lease lost (raises)
    return vq._leased_quality(p_quality_id, p_lease_token, '{ready}', p_video_id);
end
$$;
comment on function vq.complete_quality is
'Marks the quality p_quality_id ready with the metadata given (the others keep their values), if p_lease_token is its lease; returns the row. The lease ends; lease_owner and lease_token stay as a record of who completed it, and a repeat of the call returns the row unchanged. p_video_id (optional: the quality''s video) spares a look-up on a sharded catalog.
Errors: 22004 p_quality_id or p_lease_token is null; 22023 p_url is blank, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed by another writer or deleted).';

-- API: the end of a failed encode. The error is recorded; the quality goes back
-- to pending, due after a backoff that grows with its attempts (vq._retry_delay),
-- while it has attempts left and the error is retryable; otherwise it is failed.
create or replace function vq.fail_quality(
    p_quality_id    uuid,
    p_lease_token   uuid,
    p_error_code    text,
    p_error_message text default null,
    p_retryable     boolean default true,
    p_video_id      uuid default null
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
    v_quality := vq._leased_quality(p_quality_id, p_lease_token, '{pending,failed}', p_video_id);
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
'Records the error p_error_code (and p_error_message) of the attempt under lease p_lease_token on the quality p_quality_id and returns the row: pending again, due after 30 s doubling per attempt (at most 1 h), while attempts < max_attempts and p_retryable; otherwise failed. A repeat of the call returns the row unchanged. p_video_id (optional: the quality''s video) spares a look-up on a sharded catalog.
Errors: 22004 p_quality_id, p_lease_token, p_error_code or p_retryable is null; 22023 p_error_code is blank; 22001 p_error_code longer than 64 or p_error_message longer than 10000; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

-- API: a worker's sign of life. Extends the lease by p_lease_seconds (by the
-- claim's length when null) from now, records p_progress; returns the new expiry.
-- A heartbeat after the expiry still counts while nobody has claimed the
-- quality again.
create or replace function vq.heartbeat_quality(
    p_quality_id    uuid,
    p_lease_token   uuid,
    p_progress      real default null,
    p_lease_seconds integer default null,
    p_video_id      uuid default null
) returns timestamptz
language plpgsql
as $$
declare
    v_expires timestamptz;
    v_video   uuid := p_video_id;
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_quality_id is null or p_lease_token is null
       or not coalesce(p_progress::numeric <@ vq._limit('p_progress'), true)
       or not coalesce(p_lease_seconds::numeric <@ vq._limit('p_lease_seconds'), true) then
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_lease_token', p_lease_token);
        perform vq._require_range('p_progress', p_progress::numeric);
        perform vq._require_range('p_lease_seconds', p_lease_seconds);
    end if;
    if v_video is null then     -- the write names the video: one shard when sharded
        select video_id into v_video from vq.video_qualities where id = p_quality_id;
    end if;
    update vq.video_qualities
       set lease_expires_at = now() + make_interval(secs => coalesce(p_lease_seconds, lease_seconds)),
           lease_seconds = coalesce(p_lease_seconds, lease_seconds),
           progress = coalesce(p_progress, progress)
     where id = p_quality_id and video_id = v_video and lease_token = p_lease_token
       and lease_expires_at is not null         -- the fencing, in the write itself
    returning lease_expires_at into v_expires;
    if not found then
        perform vq._leased_quality(p_quality_id, p_lease_token, '{}', p_video_id);   -- raises: lease lost
    end if;
    return v_expires;
end
$$;
comment on function vq.heartbeat_quality is
'Extends the lease p_lease_token of the quality p_quality_id by p_lease_seconds from now (null: the length it was claimed for), records p_progress (percent) when given, and returns the new lease_expires_at. p_video_id (optional: the quality''s video) spares a look-up on a sharded catalog. Accepted after the expiry as long as no other worker has claimed the quality.
Errors: 22004 p_quality_id or p_lease_token is null; 22003 p_progress not in [0, 100] or p_lease_seconds not in [1, 86400]; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

-- API: gives the work back at once (a worker shutting down): pending and due
-- now, without using up an attempt.
create or replace function vq.release_quality(
    p_quality_id  uuid,
    p_lease_token uuid,
    p_video_id    uuid default null
)
returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
begin
    v_quality := vq._leased_quality(p_quality_id, p_lease_token, '{pending}', p_video_id);
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
'Gives the quality p_quality_id back: pending, due now, its attempt not counted, if p_lease_token is its lease; returns the row. A repeat of the call returns the row unchanged. p_video_id (optional: the quality''s video) spares a look-up on a sharded catalog.
Errors: 22004 p_quality_id or p_lease_token is null; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

do $$ begin perform vq._apply_privileges(); end $$;
