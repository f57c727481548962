-- webhooks: written by `./dev migration webhooks`
-- from the difference between plpgsql/ and the migrations up to 0290.hls-master-playlist.
-- depends: 0290.hls-master-playlist

CREATE TABLE vq.webhook_deliveries (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    webhook_id uuid NOT NULL,
    xid xid8 NOT NULL,
    seq bigint NOT NULL,
    video_id uuid NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    due_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_owner text,
    lease_token uuid,
    lease_expires_at timestamp with time zone,
    last_status integer,
    last_error text,
    first_attempt_at timestamp with time zone,
    delivered_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_deliveries_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'delivering'::text, 'delivered'::text, 'failed'::text])))
);

ALTER TABLE ONLY vq.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id, video_id);

ALTER TABLE ONLY vq.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_webhook_id_xid_seq_video_id_key UNIQUE (webhook_id, xid, seq, video_id);

CREATE INDEX webhook_deliveries_due_idx ON vq.webhook_deliveries USING btree (due_at) WHERE (status = ANY (ARRAY['pending'::text, 'delivering'::text]));

CREATE INDEX webhook_deliveries_open_idx ON vq.webhook_deliveries USING btree (webhook_id, video_id, xid, seq) WHERE (status = ANY (ARRAY['pending'::text, 'delivering'::text]));

CREATE TABLE vq.webhooks (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    url text NOT NULL,
    secret text NOT NULL,
    events text[],
    active boolean DEFAULT true NOT NULL,
    retry_for_seconds integer DEFAULT 86400 NOT NULL,
    after_xid xid8 NOT NULL,
    after_seq bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhooks_retry_for_seconds_check CHECK ((retry_for_seconds > 0)),
    CONSTRAINT webhooks_url_check CHECK ((url ~ '^https?://'::text))
);

ALTER TABLE ONLY vq.webhooks
    ADD CONSTRAINT webhooks_pkey PRIMARY KEY (id);

ALTER TABLE ONLY vq.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_webhook_id_fkey FOREIGN KEY (webhook_id) REFERENCES vq.webhooks(id) ON DELETE CASCADE;

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
as $$
begin
    return query values
        ('vq.quality_levels'::regclass, null::name),
        ('vq.video_statuses', null),
        ('vq.quality_statuses', null),
        ('vq.quality_status_transitions', null),
        ('vq.changes_pruned', null),
        ('vq.webhooks', null),                -- a few subscriptions
        ('vq.videos', 'id'),                  -- first: the others are co-located with it
        ('vq.video_qualities', 'video_id'),
        ('vq.quality_attempts', 'video_id'),
        ('vq.deleted_videos', 'id'),
        ('vq.changes', 'video_id'),
        ('vq.webhook_deliveries', 'video_id');
end
$$;
comment on function vq._distribution is
'Internal. The layout sharded by video: every table of vq with the column holding its video id (distributed, co-located with vq.videos) or null (a reference table), vq.videos first. Raises nothing.';

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
    when 'p_codecs'         then numrange(0, 200, '[]')
    when 'p_error'          then numrange(0, 10000, '[]')
    -- numbers: value
    when 'p_duration'          then numrange(0, 1e6, '[]')        -- seconds: 11.5 days
    when 'p_file_size'         then numrange(0, 1e13, '[]')       -- bytes: 10 TB
    when 'p_bitrate'           then numrange(0, 1000000, '[]')    -- kbps: 1 Gbit/s
    when 'p_peak_bitrate'      then numrange(0, 1000000, '[]')    -- kbps
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
    when 'p_minutes'           then numrange(1, 10080, '[]')      -- a week, in minutes
    when 'p_retry_for_seconds' then numrange(1, 604800, '[]')     -- a week
    when 'p_per_webhook'       then numrange(1, 100, '[]')
end;
end
$$;
comment on function vq._limit is
'Internal. The allowed range of the argument p_argument (of its length for a text, of its value for a number), or null when it has none. Raises nothing.';

-- Internal: the webhook type of a change feed event: quality.ready,
-- quality.failed, video.ladder_finished, video.deleted, ... (the one place
-- the names are written; vq.create_webhook checks p_events against it).
create or replace function vq._webhook_event_type(p_kind text, p_value text)
returns text
language plpgsql
immutable
as $$
begin
    return case p_kind
        when 'video_created'     then 'video.created'
        when 'video_status'      then 'video.status'
        when 'video_deleted'     then 'video.deleted'
        when 'ladder_finished'   then 'video.ladder_finished'
        when 'default_changed'   then 'video.default_changed'
        when 'quality_created'   then 'quality.created'
        when 'quality_status'    then 'quality.' || p_value     -- quality.ready, quality.failed...
        when 'quality_restarted' then 'quality.restarted'
        when 'quality_reclaimed' then 'quality.reclaimed'
        when 'quality_updated'   then 'quality.updated'
    end;
end
$$;
comment on function vq._webhook_event_type is
'Internal. The webhook type (video.created, video.status, video.deleted, video.ladder_finished, video.default_changed, quality.created, quality.pending/processing/ready/failed, quality.restarted, quality.reclaimed, quality.updated) of a feed event of kind p_kind and value p_value. Raises nothing.';

-- API (a dispatcher's): leases up to p_limit deliveries to send now, each with
-- its subscription's URL and secret and the body to sign. A delivery is sent only
-- when every earlier event of its video for that subscription is delivered or
-- given up (order per video and subscription), at most p_per_webhook at a time
-- per subscription (a slow receiver holds up only its own), and a lease that
-- expired (its dispatcher died) is taken again. The same delivery keeps its id:
-- a receiver sees the same webhook-id on a retry or a duplicate.
create or replace function vq.claim_webhook_deliveries(
    p_worker        text,
    p_limit         integer default 10,
    p_lease_seconds integer default 60,
    p_per_webhook   integer default 4
) returns table (
    id          uuid,
    video_id    uuid,
    webhook_id  uuid,
    url         text,
    secret      text,
    body        text,
    attempts    integer,
    lease_token uuid
)
language plpgsql
as $$
begin
    perform vq._require_text('p_worker', p_worker, true);
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    perform vq._require_not_null('p_lease_seconds', p_lease_seconds);
    perform vq._require_range('p_lease_seconds', p_lease_seconds);
    perform vq._require_not_null('p_per_webhook', p_per_webhook);
    perform vq._require_range('p_per_webhook', p_per_webhook);
    return query
    with ready as (
        select d.id, d.video_id, d.webhook_id, d.xid, d.seq, d.due_at
          from vq.webhook_deliveries d
          join vq.webhooks w on w.id = d.webhook_id and w.active
         where d.status in ('pending', 'delivering')
           and (case when d.status = 'pending' then d.due_at
                     else d.lease_expires_at end) <= now()
           and not exists (select 1 from vq.webhook_deliveries e
                            where e.webhook_id = d.webhook_id and e.video_id = d.video_id
                              and e.status in ('pending', 'delivering')
                              and (e.xid, e.seq) < (d.xid, d.seq))
    ), room as (
        select r.*, row_number() over (partition by r.webhook_id order by r.xid, r.seq) as n,
               (select count(*) from vq.webhook_deliveries f
                 where f.webhook_id = r.webhook_id and f.status = 'delivering'
                   and f.lease_expires_at > now()) as in_flight
          from ready r
    ), picked as (
        select m.id, m.video_id from room m
         where m.n <= p_per_webhook - m.in_flight
         order by m.due_at, m.xid, m.seq
         limit p_limit
    ), leased as (
        -- the status test again under the row lock: a concurrent claim took it first
        update vq.webhook_deliveries d
           set status = 'delivering', lease_owner = p_worker, lease_token = gen_random_uuid(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               attempts = d.attempts + 1,
               first_attempt_at = coalesce(d.first_attempt_at, now())
          from picked p
         where d.id = p.id and d.video_id = p.video_id
           and (d.status = 'pending' or (d.status = 'delivering' and d.lease_expires_at <= now()))
        returning d.*
    )
    select l.id, l.video_id, l.webhook_id, w.url, w.secret, l.payload::text, l.attempts, l.lease_token
      from leased l join vq.webhooks w on w.id = l.webhook_id
     order by l.xid, l.seq;
end
$$;
comment on function vq.claim_webhook_deliveries is
'Leases to p_worker for p_lease_seconds (default 60) up to p_limit (default 10) deliveries due now, with their URL, secret and body: only the earliest open event of each video per subscription, at most p_per_webhook (default 4) in flight per subscription, expired leases taken again. For vqdb webhooks run.
Errors: 22004 an argument is null; 22023 p_worker blank; 22001 p_worker too long; 22003 p_limit, p_lease_seconds or p_per_webhook out of its range (limits: vq._limit).';

-- API (a dispatcher's): the outcome of one attempt, under its lease. A 2xx
-- status delivers it; anything else (or no answer: p_http_status null, with
-- p_error) makes it due again after a backoff of 1 s doubling per attempt, at
-- most 60 s, until its subscription's retry time since the first attempt is
-- over: then it is failed, and vq.replay_webhook_delivery queues it again.
create or replace function vq.complete_webhook_delivery(
    p_delivery_id uuid,
    p_video_id    uuid,
    p_lease_token uuid,
    p_http_status integer default null,
    p_error       text default null
) returns text
language plpgsql
as $$
declare
    v_delivery vq.webhook_deliveries;
    v_retry_for integer;
begin
    perform vq._require_not_null('p_delivery_id', p_delivery_id);
    perform vq._require_not_null('p_video_id', p_video_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    perform vq._require_text('p_error', p_error);
    select * into v_delivery from vq.webhook_deliveries d
     where d.id = p_delivery_id and d.video_id = p_video_id for update;
    if not found or v_delivery.status <> 'delivering'
       or v_delivery.lease_token is distinct from p_lease_token then
        raise exception 'lease lost: delivery % is not leased with this token', p_delivery_id
            using errcode = 'object_not_in_prerequisite_state';     -- 55000
    end if;
    if p_http_status between 200 and 299 then
        update vq.webhook_deliveries
           set status = 'delivered', delivered_at = now(), last_status = p_http_status,
               last_error = null, lease_expires_at = null
         where id = p_delivery_id and video_id = p_video_id;
        return 'delivered';
    end if;
    select w.retry_for_seconds into v_retry_for from vq.webhooks w where w.id = v_delivery.webhook_id;
    update vq.webhook_deliveries
       set status = case when now() + make_interval(secs => least(60, 2 ^ (v_delivery.attempts - 1)))
                               > v_delivery.first_attempt_at + make_interval(secs => v_retry_for)
                         then 'failed' else 'pending' end,
           due_at = now() + make_interval(secs => least(60, 2 ^ (v_delivery.attempts - 1))),
           last_status = p_http_status, last_error = left(p_error, 10000),
           lease_expires_at = null
     where id = p_delivery_id and video_id = p_video_id
    returning status into v_delivery.status;
    return v_delivery.status;
end
$$;
comment on function vq.complete_webhook_delivery is
'Records the attempt of the delivery p_delivery_id (of the video p_video_id, as claimed) under lease p_lease_token: p_http_status 2xx delivers it; another status or none (p_error says why) makes it due again after 1 s doubling per attempt (at most 60 s), or failed once its subscription''s retry time since the first attempt is over. Returns the new status (delivered, pending, failed).
Errors: 22004 p_delivery_id, p_video_id or p_lease_token is null; 22001 p_error too long; 55000 lease lost (another dispatcher took it after this lease expired, or it was completed); 22P02 an argument is not a UUID.';

-- API: subscribes a receiver to the change feed: from now on, every event of
-- the types p_events (null: every type) is delivered to p_url as a Standard
-- Webhooks request signed with p_secret, and retried for p_retry_for_seconds.
-- The secret is never returned, logged or put in an error message.
create or replace function vq.create_webhook(
    p_url               text,
    p_secret            text,
    p_events            text[] default null,
    p_retry_for_seconds integer default null
) returns table (
    id                uuid,
    url               text,
    events            text[],
    active            boolean,
    retry_for_seconds integer,
    created_at        timestamptz,
    pending           bigint,
    failed            bigint,
    delivered         bigint
)
language plpgsql
as $$
declare
    v_unknown text;
    v_id      uuid;
begin
    perform vq._require_text('p_url', p_url, true);
    perform vq._require_not_null('p_secret', p_secret);
    perform vq._require_range('p_retry_for_seconds', p_retry_for_seconds);
    if p_url !~ '^https?://[^\s/?#]+' then
        raise exception 'p_url = % is not an http(s) URL', quote_literal(left(p_url, 100))
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    -- Standard Webhooks' form: whsec_ then base64 of 24 to 64 bytes
    if p_secret !~ '^(whsec_)?[A-Za-z0-9+/]{32,88}={0,2}$' then
        raise exception 'p_secret is not a Standard Webhooks secret (whsec_ then base64 of '
                        '24 to 64 random bytes)'
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    select e into v_unknown from unnest(p_events) e
     where e is null
        or e not in (select vq._webhook_event_type(k, v)
                       from unnest(array['video_created', 'video_status', 'video_deleted',
                                         'ladder_finished', 'default_changed',
                                         'quality_created', 'quality_restarted',
                                         'quality_reclaimed', 'quality_updated']) k,
                            (values (null::text)) x(v)
                     union all
                     select vq._webhook_event_type('quality_status', s.status)
                       from vq.quality_statuses s)
     limit 1;
    if found then
        raise exception 'p_events has %, not an event type', coalesce(quote_literal(v_unknown), 'a null')
            using errcode = 'invalid_parameter_value',              -- 22023
                  hint = 'video.created, video.status, video.deleted, video.ladder_finished, '
                         'video.default_changed, quality.created, quality.<status>, '
                         'quality.restarted, quality.reclaimed, quality.updated';
    end if;
    -- from now on: every event of a transaction at or above the oldest one running
    insert into vq.webhooks as w (url, secret, events, retry_for_seconds, after_xid, after_seq)
    values (p_url, p_secret, p_events, coalesce(p_retry_for_seconds, 86400),
            pg_snapshot_xmin(pg_current_snapshot()), 0)
    returning w.id into v_id;
    return query select * from vq.list_webhooks() l where l.id = v_id;  -- one shape
end
$$;
comment on function vq.create_webhook is
'Subscribes the receiver at p_url (http or https) to the feed''s events of the types p_events (null: all; video.created, video.status, video.deleted, video.ladder_finished, video.default_changed, quality.created, quality.<status>, quality.restarted, quality.reclaimed, quality.updated) from now on, signed with p_secret (Standard Webhooks: whsec_ then base64), each retried for p_retry_for_seconds (default 86400); returns the subscription as vq.list_webhooks does (never its secret).
Errors: 22004 p_url or p_secret is null; 22023 p_url blank or not http(s), p_secret not a Standard Webhooks secret, an unknown event type; 22001 p_url too long; 22003 p_retry_for_seconds out of its range (limits: vq._limit).';

-- API: a subscription's delivery records, newest event first: what a receiver's
-- operator reads to see what was sent, when, and what came back.
create or replace function vq.list_webhook_deliveries(
    p_webhook_id uuid,
    p_status     text default null,
    p_limit      integer default 100
) returns table (
    id               uuid,
    webhook_id       uuid,
    "position"       text,
    video_id         uuid,
    type             text,
    status           text,
    attempts         integer,
    last_status      integer,
    last_error       text,
    first_attempt_at timestamptz,
    delivered_at     timestamptz,
    due_at           timestamptz,
    created_at       timestamptz
)
language plpgsql
stable
as $$
begin
    perform vq._require_not_null('p_webhook_id', p_webhook_id);
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    perform vq._require_text('p_status', p_status);
    return query
    select d.id, d.webhook_id, d.xid::text || '/' || d.seq::text, d.video_id, d.type, d.status,
           d.attempts, d.last_status, d.last_error, d.first_attempt_at, d.delivered_at,
           d.due_at, d.created_at
      from vq.webhook_deliveries d
     where d.webhook_id = p_webhook_id and (p_status is null or d.status = p_status)
     order by d.xid desc, d.seq desc
     limit p_limit;
end
$$;
comment on function vq.list_webhook_deliveries is
'Returns up to p_limit (default 100) delivery records of the subscription p_webhook_id, newest event first, of status p_status (pending, delivering, delivered, failed; null: any): the event''s position, video and type, attempts, the last HTTP status and error, first attempt and delivery times. A read function.
Errors: 22004 p_webhook_id or p_limit is null; 22003 p_limit out of its range; 22001 p_status too long; 22P02 p_webhook_id is not a UUID.';

-- API: the subscriptions, oldest first, with how their deliveries stand. Never
-- the secret.
create or replace function vq.list_webhooks()
returns table (
    id                uuid,
    url               text,
    events            text[],
    active            boolean,
    retry_for_seconds integer,
    created_at        timestamptz,
    pending           bigint,
    failed            bigint,
    delivered         bigint
)
language plpgsql
stable
as $$
begin
    return query
    select w.id, w.url, w.events, w.active, w.retry_for_seconds, w.created_at,
           count(d.id) filter (where d.status in ('pending', 'delivering')),
           count(d.id) filter (where d.status = 'failed'),
           count(d.id) filter (where d.status = 'delivered')
      from vq.webhooks w
      left join vq.webhook_deliveries d on d.webhook_id = w.id
     group by w.id
     order by w.created_at, w.id;
end
$$;
comment on function vq.list_webhooks is
'Returns every webhook subscription (never its secret), oldest first, with its deliveries pending (or in flight), failed and delivered.
Errors: none (no arguments).';

-- API (a dispatcher's): turns the feed's new events into delivery records, for
-- every active subscription whose types they match, and moves each
-- subscription's position past them, in one transaction: an event becomes
-- exactly one delivery per subscription, never none. Reads as the feed does
-- (below the oldest running transaction: gapless). A subscription another
-- dispatcher is queueing for is skipped. Returns the deliveries made.
create or replace function vq.queue_webhook_deliveries(p_limit integer default 1000)
returns integer
language plpgsql
as $$
declare
    v_id      uuid;
    v_webhook vq.webhooks;
    v_last    record;
    v_total   integer := 0;
    v_count   integer;
    v_xmin    xid8 := pg_snapshot_xmin(pg_current_snapshot());
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    for v_id in select w.id from vq.webhooks w where w.active order by w.id loop
        -- its own statement: another dispatcher queueing for it makes this one skip it
        select * into v_webhook from vq.webhooks w
         where w.id = v_id and w.active for update skip locked;
        continue when not found;
        select c.xid, c.seq into v_last
          from (select c.xid, c.seq from vq.changes c
                 where (c.xid, c.seq) > (v_webhook.after_xid, v_webhook.after_seq)
                   and c.xid < v_xmin
                 order by c.xid, c.seq limit p_limit) c
         order by c.xid desc, c.seq desc limit 1;
        continue when not found;
        insert into vq.webhook_deliveries (webhook_id, xid, seq, video_id, type, payload)
        select v_webhook.id, c.xid, c.seq, c.video_id, t.type,
               jsonb_build_object(
                   'type', t.type, 'video_id', c.video_id,
                   'position', c.xid::text || '/' || c.seq::text,
                   'data', jsonb_strip_nulls(jsonb_build_object(
                       'kind', c.kind, 'at', c.at, 'quality', c.quality,
                       'quality_id', c.quality_id, 'value', c.value,
                       'error_code', c.error_code)))
          from vq.changes c
         cross join lateral (select vq._webhook_event_type(c.kind, c.value) as type) t
         where (c.xid, c.seq) > (v_webhook.after_xid, v_webhook.after_seq)
           and (c.xid, c.seq) <= (v_last.xid, v_last.seq)
           and (v_webhook.events is null or t.type = any (v_webhook.events))
        on conflict (webhook_id, xid, seq, video_id) do nothing;
        get diagnostics v_count = row_count;
        v_total := v_total + v_count;
        update vq.webhooks set after_xid = v_last.xid, after_seq = v_last.seq
         where id = v_webhook.id;
    end loop;
    return v_total;
end
$$;
comment on function vq.queue_webhook_deliveries is
'Turns up to p_limit (default 1000) new feed events per active subscription into delivery records (one per event and matching subscription) and moves the subscription past them; returns how many deliveries it made. For vqdb webhooks run.
Errors: 22004 p_limit is null; 22003 p_limit out of its range (limits: vq._limit).';

-- API: sends a delivery again, from the start of a new retry time: a failed one
-- once its receiver is back, or a delivered one a receiver asks for again.
create or replace function vq.replay_webhook_delivery(p_delivery_id uuid)
returns text
language plpgsql
as $$
begin
    perform vq._require_not_null('p_delivery_id', p_delivery_id);
    update vq.webhook_deliveries
       set status = 'pending', due_at = now(), attempts = 0, first_attempt_at = null,
           delivered_at = null, lease_owner = null, lease_token = null, lease_expires_at = null
     where id = p_delivery_id and status in ('failed', 'delivered');
    if not found then
        raise exception 'p_delivery_id = % is not a failed or delivered delivery', p_delivery_id
            using errcode = 'no_data_found';                        -- P0002
    end if;
    return 'pending';
end
$$;
comment on function vq.replay_webhook_delivery is
'Queues the failed or delivered delivery p_delivery_id again (same webhook-id, due now, a new retry time); returns pending.
Errors: 22004 p_delivery_id is null; P0002 not a failed or delivered delivery; 22P02 not a UUID.';

-- API: pauses (false) or resumes (true) a subscription. Paused, its events are
-- still queued as deliveries but none is sent; resumed, they go out in order.
create or replace function vq.set_webhook_active(p_webhook_id uuid, p_active boolean)
returns boolean
language plpgsql
as $$
begin
    perform vq._require_not_null('p_webhook_id', p_webhook_id);
    perform vq._require_not_null('p_active', p_active);
    update vq.webhooks set active = p_active where id = p_webhook_id;
    return found;
end
$$;
comment on function vq.set_webhook_active is
'Pauses (p_active false) or resumes the subscription p_webhook_id: paused, its deliveries wait; true when it exists.
Errors: 22004 an argument is null; 22P02 p_webhook_id is not a UUID.';

do $$ begin perform vq._apply_privileges(); end $$;
