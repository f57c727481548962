-- The way back from 0090.change_feed.

drop trigger video_qualities_changes_insert on vq.video_qualities;

drop trigger video_qualities_changes_update on vq.video_qualities;

drop trigger videos_changes_delete on vq.videos;

drop trigger videos_changes_insert on vq.videos;

drop trigger videos_changes_update on vq.videos;

drop function vq._quality_changes();

drop function vq._video_changes();

drop function vq.changes_since(text,integer);

drop function vq.prune_changes(interval);

drop table vq.changes;

drop table vq.changes_pruned;

CREATE OR REPLACE FUNCTION vq._apply_privileges()
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
            execute format('alter sequence %s owner to vq_owner', v_object.name);
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
        execute format('revoke all on function %s from public, vq_worker, vq_reader',
                       v_object.name);
        if v_object.proname not like '\_%' then
            execute format('grant execute on function %s to vq_worker', v_object.name);
            if v_object.provolatile in ('s', 'i') then
                execute format('grant execute on function %s to vq_reader', v_object.name);
            end if;
        end if;
    end loop;
end
$function$;
comment on function vq._apply_privileges() is 'Internal. Applies the rule of ownership and privileges to the schema vq, its tables and functions (see the source). Raises nothing.';

alter function vq._apply_privileges() owner to vq_owner;

revoke all on function vq._apply_privileges() from public, vq_worker, vq_reader;
