-- The catalog's tables, the roles that own and use them, and the reference data
-- (quality levels, statuses, allowed status changes): the current shape of
-- everything but the functions (plpgsql/functions/) and the triggers
-- (plpgsql/triggers.sql).
--
-- Roles are cluster-wide while a database is migrated alone, so roles are
-- created only when missing, and a concurrent creation by another database's
-- migration is tolerated.

do $$
declare
    v_role text;
begin
    foreach v_role in array array['vq_owner', 'vq_worker', 'vq_reader'] loop
        if not exists (select 1 from pg_catalog.pg_roles where rolname = v_role) then
            begin
                execute format('create role %I nologin', v_role);
            exception when duplicate_object or unique_violation then
                null;  -- created meanwhile by a migration in another database
            end;
        end if;
    end loop;
end
$$;

-- Ownership and privileges of everything in vq (the schema, its tables and
-- functions) are not granted here but by one rule: vq._apply_privileges.
create schema vq authorization vq_owner;

-- Reference data. The order of qualities is defined here and only here: rank
-- ascending is the order of list_qualities_ordered. Ranks leave gaps so that a
-- new level (4320p, say) is one insert in a migration.
create table vq.quality_levels (
    label  text primary key,
    rank   integer not null unique,
    height integer check (height > 0)   -- null for 'original'
);
insert into vq.quality_levels (label, rank, height) values
    ('2160p', 10, 2160), ('1440p', 20, 1440), ('1080p', 30, 1080), ('720p', 40, 720),
    ('480p', 50, 480), ('360p', 60, 360), ('240p', 70, 240), ('144p', 80, 144),
    ('original', 1000, null);

create table vq.video_statuses (status text primary key);
insert into vq.video_statuses values ('draft'), ('published'), ('processing');

create table vq.quality_statuses (status text primary key);
insert into vq.quality_statuses values ('pending'), ('processing'), ('ready'), ('failed');

-- Allowed changes of a quality's status; a change to the same status is always
-- allowed (a no-op) and not listed.
create table vq.quality_status_transitions (
    from_status text not null references vq.quality_statuses,
    to_status   text not null references vq.quality_statuses,
    primary key (from_status, to_status),
    check (from_status <> to_status)
);
insert into vq.quality_status_transitions (from_status, to_status) values
    ('pending', 'processing'), ('pending', 'failed'),
    ('processing', 'ready'), ('processing', 'failed'), ('processing', 'pending'),
    ('failed', 'pending'), ('failed', 'processing'),
    ('ready', 'processing');

create table vq.videos (
    id            uuid primary key default gen_random_uuid(),
    title         text not null check (btrim(title) <> ''),
    description   text,
    url           text,
    thumbnail_url text,
    duration      double precision check (duration >= 0),  -- seconds
    user_id       uuid,
    views         bigint not null default 0 check (views >= 0),
    likes         bigint not null default 0 check (likes >= 0),
    status        text not null default 'draft' references vq.video_statuses,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
create index videos_user_id_idx on vq.videos (user_id);
-- vq.list_videos' pages, newest first: all videos, those of one status, and a
-- title prefix (text_pattern_ops: ranges of bytes, whatever the collation).
create index videos_created_at_idx on vq.videos (created_at, id);
create index videos_status_created_at_idx on vq.videos (status, created_at, id);
create index videos_title_idx on vq.videos (lower(title) text_pattern_ops);

create table vq.video_qualities (
    id                      uuid not null default gen_random_uuid(),
    video_id                uuid not null references vq.videos on delete cascade,
    quality                 text not null references vq.quality_levels,
    url                     text not null,
    file_size               bigint check (file_size >= 0),          -- bytes
    bitrate                 integer check (bitrate >= 0),           -- kbps
    resolution_width        integer check (resolution_width > 0),
    resolution_height       integer check (resolution_height > 0),
    codec                   text,
    container               text,
    duration                double precision check (duration >= 0), -- seconds
    fps                     double precision check (fps > 0),
    pixel_format            text,
    color_space             text,
    audio_codec             text,
    audio_bitrate           integer check (audio_bitrate >= 0),     -- kbps
    audio_channels          integer check (audio_channels >= 0),
    audio_sample_rate       integer check (audio_sample_rate >= 0), -- Hz
    aspect_ratio            text,
    frame_count             bigint check (frame_count >= 0),
    encoding_time           double precision check (encoding_time >= 0), -- seconds
    is_default              boolean not null default false,
    status                  text not null default 'pending' references vq.quality_statuses,
    error_message           text,
    processing_started_at   timestamptz,
    processing_completed_at timestamptz,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),
    -- The work queue. A pending quality is work, claimable from due_at on; a
    -- claimed one is processing under a lease (owner, token, expiry) that its
    -- worker extends with heartbeats. attempts counts the claims of this series
    -- (a restart begins a new one), up to max_attempts (3 unless the ladder says; an
    -- API call that passes no limit passes null, which the trigger makes the default).
    attempts                integer not null default 0 check (attempts >= 0),
    max_attempts            integer not null default 3 check (max_attempts >= 1),
    due_at                  timestamptz not null default now(),
    lease_owner             text,
    lease_token             uuid,
    lease_expires_at        timestamptz,     -- null: no live lease
    lease_seconds           integer,         -- the length a heartbeat extends it by
    progress                real check (progress between 0 and 100),    -- percent
    error_code              text,            -- of the last failed attempt, with error_message
    -- the encoder's settings document given when the work was enqueued (a JSON
    -- object: the ladder's, with the quality's own keys over it), for its worker
    settings                jsonb,
    -- the wait before the first retry of a failed attempt, doubling after each
    -- (vq._retry_delay); null: 30 s
    retry_seconds           integer check (retry_seconds > 0),
    -- what a player needs beyond the codec's name: the RFC 6381 codecs of the
    -- streams (an HLS playlist's CODECS), the colour description that tells HDR
    -- (smpte2084: PQ, arib-std-b67: HLG) and the display rotation, in degrees
    codecs                  text,
    color_primaries         text,
    color_transfer          text,
    color_range             text,
    rotation                integer check (rotation in (0, 90, 180, 270)),
    -- kbps, every stream together: the highest rate of any segment, what an HLS
    -- master playlist declares as a variant's BANDWIDTH (bitrate is the average)
    peak_bitrate            integer check (peak_bitrate >= 0),
    -- Every key includes the video, so that the table can be sharded by video
    -- (docs/scaling.md): a key without it cannot be enforced across shards. id
    -- first, so that a look-up by id alone is still a scan of this index; id is
    -- unique because only gen_random_uuid() makes it (no API call takes one).
    primary key (id, video_id),
    unique (video_id, quality),
    -- the default quality is always a ready one
    constraint video_qualities_default_is_ready check (not is_default or status = 'ready'),
    constraint video_qualities_completed_after_started
        check (processing_completed_at >= processing_started_at),
    constraint video_qualities_attempts_within_limit check (attempts <= max_attempts),
    -- only a processing quality has a live lease (an expiry); a quality whose
    -- lease a lease call ended keeps that lease's owner and token, so that the
    -- call repeated after a lost answer gets the same answer
    constraint video_qualities_lease_while_processing
        check ((lease_token is null) = (lease_owner is null)
               and (lease_expires_at is null
                    or (lease_token is not null and lease_seconds is not null
                        and status = 'processing')))
);
-- At most one default per video, whatever the caller does: the backstop behind
-- set_default_quality's lock on the video row.
create unique index video_qualities_one_default_idx
    on vq.video_qualities (video_id) where is_default;
-- The queue's indexes: due work oldest first, the running encodes by the expiry
-- of their lease (so that every claim finds expired leases at the head of a
-- small index instead of reading every running encode), the failed ones
-- (vq.queue_stats). The expiry index makes a heartbeat a non-HOT update; the
-- measurement that chose it over HOT heartbeats is in docs/benchmarks.md
-- ("Heartbeats" and "The work queue").
create index video_qualities_due_idx
    on vq.video_qualities (due_at) where status = 'pending';
create index video_qualities_running_idx
    on vq.video_qualities (lease_expires_at) where status = 'processing';
create index video_qualities_failed_idx
    on vq.video_qualities (quality) where status = 'failed';


-- The attempt history: one row per claim of a quality (the lease's token names
-- it), written by the trigger vq._quality_attempts when a lease begins and when it
-- ends, read by vq.list_quality_attempts. Removed with the video; kept across a
-- restart of the quality (a new series of attempts numbers from 1 again).
create table vq.quality_attempts (
    video_id      uuid not null references vq.videos on delete cascade,
    quality_id    uuid not null,
    lease_token   uuid not null,
    attempt       integer not null,                  -- the quality's attempts at the claim
    worker        text not null,
    started_at    timestamptz not null default clock_timestamp(),  -- not the transaction's
    ended_at      timestamptz,                        -- null: running
    -- ready, failed, released, expired (its lease ran out), or ended (another
    -- writer ended it: a restart, an operator)
    outcome       text,
    error_code    text,
    error_message text,
    progress      real,                               -- the last heartbeat's
    primary key (quality_id, lease_token, video_id)    -- the video: see video_qualities' key
);
-- The attempts that ended lately, by their end (vq.attempts_per_minute,
-- vq.recent_failure_counts): the console's overview reads the last hour.
create index quality_attempts_ended_at_idx on vq.quality_attempts (ended_at)
    where ended_at is not null;

-- The sharded claim's candidates (vq._claim_on_shards): due work found by one
-- scan of every shard, taken one by one by later claims until none fits or
-- they are a second old. A cache on the coordinator, never the truth: each
-- candidate is checked again on its row when taken. Unused on one server.
create unlogged table vq.claim_candidates (
    id       uuid primary key,
    video_id uuid not null,
    quality  text not null,
    expired  boolean not null,          -- an expired lease: taken before due work
    due      timestamptz not null,      -- the lease's expiry or the due time: oldest first
    found_at timestamptz not null default clock_timestamp()
);

-- Webhook subscriptions: a receiver's URL, the secret its requests are signed
-- with (Standard Webhooks), the event types it wants (null: all) and how long a
-- delivery is retried. after_position is the feed position (vq.changes_since's)
-- up to which vq.queue_webhook_deliveries has turned events into deliveries for it.
create table vq.webhooks (
    id                uuid primary key default gen_random_uuid(),
    url               text not null check (url ~ '^https?://'),
    secret            text not null,
    events            text[],
    active            boolean not null default true,
    retry_for_seconds integer not null default 86400 check (retry_for_seconds > 0),
    created_at        timestamptz not null default now(),
    after_position    text not null
);

-- One delivery per event and subscription: its id is the request's webhook-id
-- (the same on every attempt, so a receiver can drop duplicates), its payload
-- the body, fixed when queued. pending -> delivering (leased to a dispatcher)
-- -> delivered, or back to pending after a failed attempt, or failed when its
-- subscription's retry time is over (vq.replay_webhook_delivery queues it again).
create table vq.webhook_deliveries (
    id               uuid not null default gen_random_uuid(),
    webhook_id       uuid not null references vq.webhooks on delete cascade,
    xid              xid8 not null,                      -- the event's feed position
    seq              bigint not null,
    video_id         uuid not null,
    type             text not null,
    payload          jsonb not null,
    status           text not null default 'pending'
                     check (status in ('pending', 'delivering', 'delivered', 'failed')),
    attempts         integer not null default 0,
    due_at           timestamptz not null default now(),
    lease_owner      text,
    lease_token      uuid,
    lease_expires_at timestamptz,
    last_status      integer,                             -- the last HTTP status
    last_error       text,
    first_attempt_at timestamptz,
    delivered_at     timestamptz,
    created_at       timestamptz not null default now(),
    primary key (id, video_id),                -- the video: see video_qualities' key
    unique (webhook_id, xid, seq, video_id)
);
-- what a claim reads: the open deliveries of a subscription and video in feed
-- order (an event waits for the earlier ones), and the due ones
create index webhook_deliveries_open_idx on vq.webhook_deliveries (webhook_id, video_id, xid, seq)
    where status in ('pending', 'delivering');
create index webhook_deliveries_due_idx on vq.webhook_deliveries (due_at)
    where status in ('pending', 'delivering');

-- What vq.delete_video removed: the deleted video's id and the URLs of its files,
-- so that a repeated call (a retry after a lost answer) returns the same URLs
-- instead of none, and the files can still be removed from storage. Rows are
-- small; they are kept until a DBA deletes old ones (docs/operations.md).
create table vq.deleted_videos (
    id         uuid primary key,
    urls       text[] not null,
    deleted_at timestamptz not null default now()
);

-- The change feed: one row per change a reader of the catalog cares about (a
-- video created, its status changed, deleted; a quality created, restarted, its
-- status changed; a new default), written by the triggers of vq.videos and
-- vq.video_qualities in the writer's transaction. Never the whole row: the
-- video, what changed, and the new value where it is small. An event's place
-- is (node, xid, seq): the node whose transaction wrote it (0 on one server; the
-- Citus group sharded by video), that transaction, then the order within it.
-- Read by vq.changes_since only below each node's oldest transaction still
-- running, so that a transaction that commits late can never slip in behind a
-- position already handed out (docs/sql-api.md, "The change feed").
-- vq.prune_changes drops old rows.
create table vq.changes (
    xid        xid8 not null default pg_current_xact_id(),
    seq        bigint generated always as identity,
    at         timestamptz not null default now(),
    video_id   uuid not null,
    kind       text not null,
    quality    text,
    quality_id uuid,
    value      text,
    error_code text,
    node       integer not null,           -- default vq._node(): triggers.sql
    primary key (node, xid, seq, video_id)   -- the video: see video_qualities' key
);
-- No index on "at": every event would pay for it, and only vq.prune_changes,
-- once a day, reads by age. One by video: a video's history (vq.list_video_changes)
-- is what an operator reads first when a ladder goes wrong.
create index changes_video_id_idx on vq.changes (video_id, xid, seq);
-- The newest place vq.prune_changes removed, per node: a consumer behind it has
-- missed events and is told so instead of silently skipping them.
create table vq.changes_pruned (
    xid  xid8 not null,
    seq  bigint not null,
    node integer primary key
);
