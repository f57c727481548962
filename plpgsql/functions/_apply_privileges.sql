-- Internal: the one rule of ownership and privileges in vq, applied from the
-- catalog after every migration (the post-apply hook and the end of every
-- generated migration) and by the build from plpgsql/:
--   * the schema, every table and every function belong to vq_owner;
--   * PUBLIC gets nothing; vq_worker and vq_reader may use the schema;
--   * nobody gets anything on a table: data is reached through functions only;
--   * a function named with a leading underscore is a helper: granted to nobody;
--   * every other function is API: EXECUTE for vq_worker, and also for
--     vq_reader when it is declared stable or immutable (a read function);
--   * every function runs with search_path pg_catalog, pg_temp (a caller's
--     search_path cannot redirect a name), and an API function as its owner
--     (SECURITY DEFINER: the roles reach the tables only through it). The source
--     files of plpgsql/functions/ leave both to this rule, which also means
--     that a function created by hand has neither until the rule runs;
--   * so is the function of a deferred trigger: it runs at commit, outside any
--     API function, as the session's role (which reaches no table). Nobody can
--     call a trigger function, so this grants nothing.
-- Run by the superuser who migrates; it is idempotent.
create or replace function vq._apply_privileges()
returns void
language plpgsql
-- its own search_path is written here: it runs before the rule has been applied
set search_path = pg_catalog, pg_temp
as $$
declare
    v_object record;
begin
    alter schema vq owner to vq_owner;
    revoke all on schema vq from public;
    grant usage on schema vq to vq_worker, vq_reader;

    for v_object in
        select c.oid::regclass as name, c.relkind = 'S' as is_sequence
          from pg_class c
         where c.relnamespace = 'vq'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S')
    loop
        if v_object.is_sequence then
            -- a sequence of a table's column (identity, serial) follows its table's owner
            if not exists (select 1 from pg_depend d
                            where d.classid = 'pg_class'::regclass and d.objid = v_object.name
                              and d.deptype in ('a', 'i')) then
                execute format('alter sequence %s owner to vq_owner', v_object.name);
            end if;
            execute format('revoke all on sequence %s from public, vq_worker, vq_reader',
                           v_object.name);
        else
            execute format('alter table %s owner to vq_owner', v_object.name);
            execute format('revoke all on table %s from public, vq_worker, vq_reader',
                           v_object.name);
        end if;
    end loop;

    for v_object in
        select p.oid::regprocedure as name, p.proname, p.provolatile
          from pg_proc p
         where p.pronamespace = 'vq'::regnamespace
    loop
        execute format('alter function %s owner to vq_owner', v_object.name);
        execute format('alter function %s set search_path = pg_catalog, pg_temp', v_object.name);
        execute format('revoke all on function %s from public, vq_worker, vq_reader',
                       v_object.name);
        if v_object.proname not like '\_%' then
            execute format('alter function %s security definer', v_object.name);
            execute format('grant execute on function %s to vq_worker', v_object.name);
            if v_object.provolatile in ('s', 'i') then
                execute format('grant execute on function %s to vq_reader', v_object.name);
            end if;
        end if;
    end loop;
    for v_object in
        select distinct t.tgfoid::regprocedure as name
          from pg_trigger t
          join pg_class c on c.oid = t.tgrelid
         where c.relnamespace = 'vq'::regnamespace and t.tgdeferrable
    loop
        execute format('alter function %s security definer', v_object.name);
    end loop;
end
$$;
comment on function vq._apply_privileges is
'Internal. Applies the rule of ownership and privileges to the schema vq, its tables and functions (see the source). Raises nothing.';
