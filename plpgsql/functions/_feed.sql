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
