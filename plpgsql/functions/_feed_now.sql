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
