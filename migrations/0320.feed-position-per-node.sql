-- feed-position-per-node: written by `./dev migration feed-position-per-node`
-- from the difference between plpgsql/ and the migrations up to 0310.citus-claim-candidates-lease-by-video.
-- depends: 0310.citus-claim-candidates-lease-by-video

-- Sharded with Citus: the DDL of a distributed table and of a reference table it
-- refers to, in one transaction, over one connection per node (a placeholder
-- setting on a server without Citus)
set local citus.multi_shard_modify_mode to 'sequential';
-- The feed's place is per node (vq._feed). The events so far keep node 0: on one
-- server they were all its own; on a sharded catalog the feed had no order
-- across nodes before, and these events are handed out once more in node 0's.
alter table vq.changes add column node integer not null default 0;
-- one change per statement: Citus refuses several in one ALTER
alter table vq.changes drop constraint changes_pkey;
alter table vq.changes add constraint changes_pkey primary key (node, xid, seq, video_id);
alter table vq.changes_pruned add column node integer not null default 0;
alter table vq.changes_pruned alter column node drop default;
alter table vq.changes_pruned drop column only_row;
alter table vq.changes_pruned add constraint changes_pruned_pkey primary key (node);
alter table vq.webhooks add column after_position text;
update vq.webhooks set after_position = after_xid || '/' || after_seq;
alter table vq.webhooks alter column after_position set not null;
alter table vq.webhooks drop column after_xid;
alter table vq.webhooks drop column after_seq;


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
-- none fits or they are a second old; then a claim scans again. One claim at a
-- time fills the table (an advisory lock, tried); a claim that finds another
-- filling it takes from a scan of its own meanwhile. Nothing here waits for
-- another claim. The candidates only save the search: the row itself decides.
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
    v_candidate record;                 -- a row of vq.claim_candidates: a table of the coordinator only
    v_row       vq.video_qualities;
    v_claimed   integer := 0;
    v_scans     integer := 0;
    v_found     integer;
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
        if found then
            v_row := vq._lease_candidate(p_worker, p_lease_seconds, v_candidate.video_id,
                                         v_candidate.id, v_candidate.expired);
            if v_row.status = 'processing' then
                return next v_row;
                v_claimed := v_claimed + 1;
            end if;
            continue;
        end if;
        -- a few scans at most: the candidates of a scan can all be taken by
        -- concurrent claims before this one gets to them (then the claim returns
        -- fewer than are due, and the worker's next claim finds the rest)
        exit when v_scans = 3;
        v_scans := v_scans + 1;
        if pg_try_advisory_xact_lock(hashtextextended('vq.claim_candidates', 0)) then
            delete from vq.claim_candidates c
             where c.id in (select k.id from vq.claim_candidates k
                             where k.found_at <= clock_timestamp() - c_fresh
                               for update skip locked);
            insert into vq.claim_candidates (id, video_id, quality, expired, due)
            select * from vq._due_work(p_qualities, greatest(p_limit * 2 + 8, 64))
            on conflict (id) do nothing;
            get diagnostics v_found = row_count;
            exit when v_found = 0;          -- no due work that is not a candidate already
        else
            -- another claim is filling the table: a scan of this claim's own
            for v_candidate in
                select * from vq._due_work(p_qualities, greatest(p_limit * 2 + 8, 64))
            loop
                v_row := vq._lease_candidate(p_worker, p_lease_seconds, v_candidate.video_id,
                                             v_candidate.id, v_candidate.expired);
                if v_row.status = 'processing' then
                    return next v_row;
                    v_claimed := v_claimed + 1;
                    exit when v_claimed = p_limit;
                end if;
            end loop;
        end if;
    end loop;
end
$$;
comment on function vq._claim_on_shards is
'Internal: vq.claim_qualities for a catalog sharded by video (Citus): candidates from vq.claim_candidates, refilled by one scan of every shard when none fits or they are a second old, each leased on its own shard (vq._lease_candidate); the same work in the same order, each quality leased once. Raises nothing of its own.';

-- Internal: the due work of the sharded claim (vq._claim_on_shards), in the
-- order it is handed out: up to p_limit expired leases, oldest expiry first,
-- then up to p_limit pending qualities that are due, oldest first; with
-- p_qualities only those labels. Two scans, each along its index, as the claim
-- of one server reads (one scan sorted on an expression read every due row of
-- every shard). No lock: the candidates are checked again when taken.
create or replace function vq._due_work(p_qualities text[], p_limit integer)
returns table (id uuid, video_id uuid, quality text, expired boolean, due timestamptz)
language plpgsql
stable
as $$
begin
    return query
    select q.id, q.video_id, q.quality, true, q.lease_expires_at
      from vq.video_qualities q
     where q.status = 'processing' and q.lease_expires_at < now()
       and (p_qualities is null or q.quality = any (p_qualities))
     order by q.lease_expires_at
     limit p_limit;
    return query
    select q.id, q.video_id, q.quality, false, q.due_at
      from vq.video_qualities q
     where q.status = 'pending' and q.due_at <= now()
       and (p_qualities is null or q.quality = any (p_qualities))
     order by q.due_at
     limit p_limit;
end
$$;
comment on function vq._due_work is
'Internal. Up to p_limit expired leases, then up to p_limit due pending qualities (of the labels p_qualities, null: all), in the order the claim hands them out, unlocked. Raises nothing.';

-- Internal: the change feed after p_position, for vq.changes_since and the
-- webhook dispatcher (vq.queue_webhook_deliveries), with each event's place.
--
-- A position holds, per node, the last event handed out: 'xid/seq' on one server
-- (node 0), 'node:xid/seq,…' when the catalog is sharded and events come from
-- several nodes. Each node numbers its own transactions, so there is no order
-- across nodes, only within each; a node's events are handed out in its order
-- and only below its oldest transaction still running (its snapshot's xmin):
-- a sequence number drawn inside a transaction is not commit-ordered, but a
-- transaction below the xmin has ended, so no event can ever appear behind a
-- position already returned. The price: a long-running write transaction holds
-- its node's events back until it ends.
--
-- Sharded with Citus, the events of one node are read by one query per shard,
-- each with its own snapshot, so that no single xmin covers them. Each node's
-- xmin is therefore read first, by a statement on its shards that ends before
-- the events are read: every snapshot taken later on that node sees every
-- transaction below that xmin ended. A node whose shards have no event after
-- the position gives no xmin and has nothing to hand out. The nodes with events
-- share p_limit, in a random order, so that a busy node cannot starve another.
create or replace function vq._feed(p_position text, p_limit integer)
returns table (
    "position" text,
    node       integer,
    xid        xid8,
    seq        bigint,
    at         timestamptz,
    video_id   uuid,
    kind       text,
    quality    text,
    quality_id uuid,
    value      text,
    error_code text
)
language plpgsql
stable
as $$
declare
    v_nodes  integer[] := '{}'::integer[];   -- the position: per node, its last event handed out
    v_xids   xid8[] := '{}'::xid8[];
    v_seqs   bigint[] := '{}'::bigint[];
    v_part   text[];
    v_pruned vq.changes_pruned;
    v_ready  integer[];            -- the nodes with events to hand out, and their xmin
    v_xmins  xid8[];
    v_open   integer[];            -- those that filled their share: a next round
    v_open_xmins xid8[];
    v_left   integer := p_limit;
    v_share  integer;
    v_got    integer;
    v_at     integer;
    v_event  vq.changes;
begin
    if p_position is not null then
        if p_position !~ '^([0-9]{1,9}:)?[0-9]{1,20}/[0-9]{1,19}(,[0-9]{1,9}:[0-9]{1,20}/[0-9]{1,19}){0,99}$' then
            raise exception 'p_position = % is not a position returned by vq.changes_since',
                quote_literal(left(p_position, 60))
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
        for v_part in select regexp_match(e, '^(?:([0-9]+):)?([0-9]+)/([0-9]+)$')
                        from unnest(string_to_array(p_position, ',')) e loop
            if coalesce(v_part[1]::integer, 0) = any (v_nodes) then
                raise exception 'p_position = % names node % twice', quote_literal(left(p_position, 60)),
                    coalesce(v_part[1]::integer, 0)
                    using errcode = 'invalid_parameter_value';      -- 22023
            end if;
            v_nodes := v_nodes || coalesce(v_part[1]::integer, 0);
            v_xids := v_xids || v_part[2]::xid8;
            v_seqs := v_seqs || v_part[3]::bigint;
        end loop;
        select * into v_pruned from vq.changes_pruned p
         where (p.xid, p.seq) > (coalesce(v_xids[array_position(v_nodes, p.node)], '0'::xid8),
                                 coalesce(v_seqs[array_position(v_nodes, p.node)], 0))
         limit 1;
        if found then
            raise exception 'p_position = % is older than the feed keeps (pruned through %): '
                            'read the catalog again, then follow from vq.changes_since(null)',
                quote_literal(left(p_position, 60)),
                case when v_pruned.node = 0 then '' else v_pruned.node || ':' end
                    || v_pruned.xid || '/' || v_pruned.seq
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
    else
        -- from the oldest event kept: after what was pruned
        select coalesce(array_agg(p.node), '{}'::integer[]), coalesce(array_agg(p.xid), '{}'::xid8[]),
               coalesce(array_agg(p.seq), '{}'::bigint[])
          into v_nodes, v_xids, v_seqs
          from vq.changes_pruned p;
    end if;

    if current_setting('citus.version', true) is null then
        v_ready := array[0];
        v_xmins := array[pg_snapshot_xmin(pg_current_snapshot())];
    else
        select coalesce(array_agg(h.node order by h.turn), '{}'::integer[]),
               coalesce(array_agg(h.xmin order by h.turn), '{}'::xid8[])
          into v_ready, v_xmins
          from (select x.node, x.xmin, random() as turn
                  from (select vq._node() as node, max(pg_snapshot_xmin(pg_current_snapshot())) as xmin
                          from vq.changes c
                         where c.node = vq._node()
                           and (c.xid, c.seq) > (coalesce(v_xids[array_position(v_nodes, vq._node())], '0'::xid8),
                                                 coalesce(v_seqs[array_position(v_nodes, vq._node())], 0))
                         group by 1) x) h;
    end if;

    -- Rounds: each node with events left takes its share of what is left of
    -- p_limit; a node that returns less than its share has no more below its
    -- xmin. So fewer than p_limit events means every node is read to its end.
    while v_left > 0 and cardinality(v_ready) > 0 loop
        v_open := '{}'::integer[];
        v_open_xmins := '{}'::xid8[];
        for v_i in 1 .. cardinality(v_ready) loop
            v_share := ceil(v_left::numeric / (cardinality(v_ready) - v_i + 1));
            continue when v_share = 0;
            v_at := array_position(v_nodes, v_ready[v_i]);
            v_got := 0;
            for v_event in
                select * from vq.changes c
                 where c.node = v_ready[v_i]
                   and (c.xid, c.seq) > (coalesce(v_xids[v_at], '0'::xid8), coalesce(v_seqs[v_at], 0))
                   and c.xid < v_xmins[v_i]
                 order by c.xid, c.seq
                 limit v_share
            loop
                if v_at is null then
                    v_nodes := v_nodes || v_event.node;
                    v_xids := v_xids || v_event.xid;
                    v_seqs := v_seqs || v_event.seq;
                    v_at := cardinality(v_nodes);
                else
                    v_xids[v_at] := v_event.xid;
                    v_seqs[v_at] := v_event.seq;
                end if;
                v_left := v_left - 1;
                v_got := v_got + 1;
                "position" := case when v_nodes = array[0] then v_event.xid || '/' || v_event.seq
                                   else (select string_agg(n || ':' || x || '/' || s, ',' order by n)
                                           from unnest(v_nodes, v_xids, v_seqs) p(n, x, s)) end;
                node := v_event.node;
                xid := v_event.xid;
                seq := v_event.seq;
                at := v_event.at;
                video_id := v_event.video_id;
                kind := v_event.kind;
                quality := v_event.quality;
                quality_id := v_event.quality_id;
                value := v_event.value;
                error_code := v_event.error_code;
                return next;
            end loop;
            if v_got = v_share then             -- it may have more
                v_open := v_open || v_ready[v_i];
                v_open_xmins := v_open_xmins || v_xmins[v_i];
            end if;
        end loop;
        v_ready := v_open;
        v_xmins := v_open_xmins;
    end loop;
end
$$;
comment on function vq._feed is
'Internal. The change feed after p_position (null: from the oldest kept), up to p_limit events, each with the position after it and its place (node, xid, seq); for vq.changes_since and vq.queue_webhook_deliveries. Raises 22023 for a position that is not one or is older than the feed keeps.';

-- Internal: the feed position "from now on": before every event of a
-- transaction still running or yet to come, on every node (vq._feed says what
-- a position is). Sharded with Citus, each node's oldest running transaction
-- is read on that node, with a connection to each: a rare call (a new webhook
-- subscription).
create or replace function vq._feed_now()
returns text
language plpgsql
volatile
as $$
declare
    v_position text;
begin
    if to_regclass('pg_catalog.pg_dist_local_group') is null then   -- no Citus
        return pg_snapshot_xmin(pg_current_snapshot()) || '/0';
    end if;
    -- a Citus function, not there on a server without Citus (hence the statement
    -- made by format: plpgsql_check would check a constant one)
    execute format($sql$
        select string_agg(r.result || '/0', ',' order by split_part(r.result, ':', 1)::integer)
          from %s(
                 'select vq._node() || '':'' || pg_snapshot_xmin(pg_current_snapshot())') r
    $sql$, 'pg_catalog.run_command_on_all_nodes') into v_position;
    return v_position;
end
$$;
comment on function vq._feed_now is
'Internal. The change feed''s position before every event not yet committed, on every node. Raises nothing of its own (sharded: a node that cannot be reached raises).';

-- Internal: the sharded claim's lease of one candidate (vq._claim_on_shards):
-- the row is checked again on its shard, locked with SKIP LOCKED (a row another
-- claim holds is passed over, as on one server), and leased by an update of that
-- one row. Returns the row as it left it: processing when leased; failed when
-- its lease had expired on its last attempt (as claim_qualities); the row's
-- fields null when it was no longer due or is held by another claim.
create or replace function vq._lease_candidate(
    p_worker        text,
    p_lease_seconds integer,
    p_video_id      uuid,
    p_quality_id    uuid,
    p_expired       boolean
) returns vq.video_qualities
language plpgsql
as $$
declare
    v_row   vq.video_qualities;
    v_taken boolean;
    v_token uuid := gen_random_uuid();   -- Citus takes no volatile function in an update
begin
    if not p_expired then
        -- due work: checked, locked and leased in one statement on its shard (the
        -- trigger starts the attempt and its clock)
        update vq.video_qualities q
           set status = 'processing', lease_owner = p_worker, lease_token = v_token,
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               lease_seconds = p_lease_seconds, attempts = q.attempts + 1, progress = null
         where q.video_id = p_video_id and q.id = p_quality_id
           and q.id = (select d.id from vq.video_qualities d
                        where d.video_id = p_video_id and d.id = p_quality_id
                          and d.status = 'pending' and d.due_at <= now()
                          for no key update skip locked)
        returning q.* into v_row;
        return v_row;
    end if;
    select * into v_row
      from vq.video_qualities q
     where q.video_id = p_video_id and q.id = p_quality_id
       and q.status = 'processing' and q.lease_expires_at < now()
       for no key update skip locked;
    if not found then
        return null;
    end if;
    -- the new values computed here, from the locked row: Citus takes no stable
    -- function inside a CASE of an update. As claim_qualities: an expired lease
    -- with no attempt left becomes failed.
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
    return v_row;
end
$$;
comment on function vq._lease_candidate is
'Internal: leases the quality p_quality_id of the video p_video_id to p_worker if it is still due (p_expired: its lease expired), skipping it when another claim holds it; returns the row (processing when leased, failed when its last attempt expired, all null when not taken). Raises nothing of its own.';

-- Internal: the node this runs on, for the feed (vq.changes.node): 0 on one
-- server; sharded with Citus, the node's group (the coordinator is 0). Each
-- node numbers its transactions on its own, so a feed position is one per node.
create or replace function vq._node()
returns integer
language plpgsql
stable
as $$
declare
    v_group integer := 0;
begin
    if to_regclass('pg_catalog.pg_dist_local_group') is not null then   -- Citus is here
        -- a Citus catalog table, not there on a server without Citus (hence the
        -- statement made by format: plpgsql_check would check a constant one)
        execute format('select groupid from %s', 'pg_catalog.pg_dist_local_group') into v_group;
    end if;
    return v_group;
end
$$;
comment on function vq._node is
'Internal. The node the caller runs on: 0 on one server, the Citus group id when sharded. Raises nothing.';

-- API: the change feed after a position, in order, with no gap and no repeat
-- (vq._feed says how: a position per node, each read below its oldest running
-- transaction).
create or replace function vq.changes_since(
    p_position text default null,
    p_limit    integer default 1000
) returns table (
    "position" text,
    at         timestamptz,
    video_id   uuid,
    kind       text,
    quality    text,
    quality_id uuid,
    value      text,
    error_code text
)
language plpgsql
stable
as $$
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    return query
    select f."position", f.at, f.video_id, f.kind, f.quality, f.quality_id, f.value, f.error_code
      from vq._feed(p_position, p_limit) f;
end
$$;
comment on function vq.changes_since is
'The change feed: up to p_limit (default 1000) events after p_position (null: from the oldest kept), in order, each with its position; call again with the last position received to continue, with no gap and no repeat. A position is opaque text (one server: xid/seq; sharded: one xid/seq per node). Events: video_created, video_status, video_deleted, quality_created, quality_status (error_code when failed), quality_restarted, quality_updated (metadata), default_changed; value is the new status or the default''s label. Events are kept 7 days unless vq.prune_changes says otherwise.
Errors: 22004 p_limit is null; 22003 p_limit not in [1, 1000]; 22023 p_position is not a position, or is older than the feed keeps.';

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
    insert into vq.webhooks as w (url, secret, events, retry_for_seconds, after_position)
    values (p_url, p_secret, p_events, coalesce(p_retry_for_seconds, 86400), vq._feed_now())
    returning w.id into v_id;
    return query select * from vq.list_webhooks() l where l.id = v_id;  -- one shape
end
$$;
comment on function vq.create_webhook is
'Subscribes the receiver at p_url (http or https) to the feed''s events of the types p_events (null: all; video.created, video.status, video.deleted, video.ladder_finished, video.default_changed, quality.created, quality.<status>, quality.restarted, quality.reclaimed, quality.updated) from now on, signed with p_secret (Standard Webhooks: whsec_ then base64), each retried for p_retry_for_seconds (default 86400); returns the subscription as vq.list_webhooks does (never its secret).
Errors: 22004 p_url or p_secret is null; 22023 p_url blank or not http(s), p_secret not a Standard Webhooks secret, an unknown event type; 22001 p_url too long; 22003 p_retry_for_seconds out of its range (limits: vq._limit).';

-- API: the feed's retention. Drops the events older than p_keep and remembers the
-- newest position dropped, so that a consumer behind it is told (22023) instead
-- of skipping what it missed. Run it from cron or a scheduler (docs/operations.md).
create or replace function vq.prune_changes(p_keep interval default interval '7 days')
returns bigint
language plpgsql
as $$
declare
    v_count bigint := 0;
    v_rows  bigint;
    v_node  integer;
    v_last  vq.changes;
begin
    perform vq._require_not_null('p_keep', p_keep);
    if p_keep < interval '0' then
        raise exception 'p_keep = % must not be negative', p_keep
            using errcode = 'numeric_value_out_of_range';           -- 22003
    end if;
    -- per node: each numbers its own transactions (vq._feed)
    for v_node in select distinct c.node from vq.changes c where c.at < now() - p_keep loop
        select * into v_last from vq.changes c
         where c.node = v_node and c.at < now() - p_keep
         order by c.xid desc, c.seq desc limit 1;
        delete from vq.changes c
         where c.node = v_node and (c.xid, c.seq) <= (v_last.xid, v_last.seq);
        get diagnostics v_rows = row_count;
        v_count := v_count + v_rows;
        insert into vq.changes_pruned (node, xid, seq) values (v_node, v_last.xid, v_last.seq)
        on conflict (node) do update set xid = excluded.xid, seq = excluded.seq;
    end loop;
    return v_count;
end
$$;
comment on function vq.prune_changes is
'Deletes the change feed''s events older than p_keep (default 7 days) and every event before them in feed order (per node when sharded); returns how many. A consumer whose position is older then gets 22023 from vq.changes_since.
Errors: 22004 p_keep is null; 22003 p_keep is negative.';

-- API (a dispatcher's): turns the feed's new events into delivery records, for
-- every active subscription whose types they match, and moves each
-- subscription's position past them, in one transaction: an event becomes
-- exactly one delivery per subscription, never none. Reads the feed
-- (vq._feed: gapless). A subscription another
-- dispatcher is queueing for is skipped. Returns the deliveries made.
create or replace function vq.queue_webhook_deliveries(p_limit integer default 1000)
returns integer
language plpgsql
as $$
declare
    v_id      uuid;
    v_webhook vq.webhooks;
    v_event   record;
    v_last    text;
    v_total   integer := 0;
    v_count   integer;
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    -- Sharded with Citus: a reference table (vq.webhooks) is written after the
    -- feed's reads of every shard, which needs one connection per node (a
    -- placeholder setting on a server without Citus)
    perform set_config('citus.multi_shard_modify_mode', 'sequential', true);
    for v_id in select w.id from vq.webhooks w where w.active order by w.id loop
        -- its own statement: another dispatcher queueing for it makes this one skip it
        select * into v_webhook from vq.webhooks w
         where w.id = v_id and w.active for update skip locked;
        continue when not found;
        v_last := null;
        v_count := 0;
        -- one statement per event: an INSERT … SELECT from the feed's function
        -- would be a distributed query of its own when sharded
        for v_event in select * from vq._feed(v_webhook.after_position, p_limit) loop
            v_last := v_event."position";
            continue when v_webhook.events is not null
                      and vq._webhook_event_type(v_event.kind, v_event.value) <> all (v_webhook.events);
            insert into vq.webhook_deliveries (webhook_id, xid, seq, video_id, type, payload)
            values (v_webhook.id, v_event.xid, v_event.seq, v_event.video_id,
                    vq._webhook_event_type(v_event.kind, v_event.value),
                    jsonb_build_object(
                        'type', vq._webhook_event_type(v_event.kind, v_event.value),
                        'video_id', v_event.video_id,
                        'position', v_event."position",
                        'data', jsonb_strip_nulls(jsonb_build_object(
                            'kind', v_event.kind, 'at', v_event.at, 'quality', v_event.quality,
                            'quality_id', v_event.quality_id, 'value', v_event.value,
                            'error_code', v_event.error_code))))
            on conflict (webhook_id, xid, seq, video_id) do nothing;
            if found then
                v_count := v_count + 1;
            end if;
        end loop;
        continue when v_last is null;
        v_total := v_total + v_count;
        update vq.webhooks set after_position = v_last where id = v_webhook.id;
    end loop;
    return v_total;
end
$$;
comment on function vq.queue_webhook_deliveries is
'Turns up to p_limit (default 1000) new feed events per active subscription into delivery records (one per event and matching subscription) and moves the subscription past them; returns how many deliveries it made. For vqdb webhooks run.
Errors: 22004 p_limit is null; 22003 p_limit out of its range (limits: vq._limit).';

-- API: retry every failed quality of the label p_quality whose last error code
-- is p_error_code (null: any label, any code), in one call: each becomes pending
-- and due now with a new series of attempts, as vq.update_video_quality_status
-- does for one. What an operator runs after fixing the cause of a class of
-- failures. The rows are taken in id order, as every other writer takes them.
create or replace function vq.retry_failed_qualities(
    p_quality    text default null,
    p_error_code text default null
) returns bigint
language plpgsql
as $$
declare
    v_count bigint := 0;
    v_row   record;
begin
    perform vq._require_text('p_quality', p_quality);
    perform vq._require_text('p_error_code', p_error_code);
    if p_quality is not null
       and not exists (select 1 from vq.quality_levels where label = p_quality) then
        raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
            quote_literal(p_quality)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    -- one row per statement, by its video: sharded with Citus, a row lock must
    -- name the shard (docs/scaling.md)
    for v_row in select q.video_id, q.id from vq.video_qualities q
                  where q.status = 'failed'
                    and (p_quality is null or q.quality = p_quality)
                    and (p_error_code is null or q.error_code = p_error_code)
                  order by q.id loop
        update vq.video_qualities q set status = 'pending'
         where q.video_id = v_row.video_id and q.id = v_row.id and q.status = 'failed'
           and (p_quality is null or q.quality = p_quality)
           and (p_error_code is null or q.error_code = p_error_code);
        if found then
            v_count := v_count + 1;
        end if;
    end loop;
    if v_count > 0 then
        perform pg_notify('vq_work', '');
    end if;
    return v_count;
end
$$;
comment on function vq.retry_failed_qualities is
'Retries every failed quality of the label p_quality whose error_code is p_error_code (null: any); each becomes pending, due now, with a new series of attempts. Returns how many.
Errors: 22001 p_quality or p_error_code too long; 22023 p_quality is not in vq.quality_levels.';

-- the feed's node, once vq._node exists (as plpgsql/triggers.sql)
alter table vq.changes alter column node set default vq._node();

do $$ begin perform vq._apply_privileges(); end $$;
