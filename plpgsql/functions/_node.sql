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
