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
