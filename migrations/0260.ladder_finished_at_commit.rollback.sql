-- The way back from 0260.ladder_finished_at_commit.

-- (the two constraints listed by the migration tool are the constraint triggers'
-- own rows, made and dropped with them below)

drop trigger video_qualities_ladder_finished_insert on vq.video_qualities;

drop trigger video_qualities_ladder_finished_update on vq.video_qualities;

drop function vq._ladder_finished();

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
end
$function$;
comment on function vq._apply_privileges() is 'Internal. Applies the rule of ownership and privileges to the schema vq, its tables and functions (see the source). Raises nothing.';

alter function vq._apply_privileges() owner to vq_owner;

revoke all on function vq._apply_privileges() from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._quality_changes()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_kind     text;
    v_finished boolean;
begin
    if tg_op = 'INSERT' then
        v_kind := 'quality_created';
    elsif new.status is distinct from old.status then
        v_kind := 'quality_status';
    elsif new.attempts < old.attempts then
        v_kind := 'quality_restarted';
    elsif new.lease_token is distinct from old.lease_token and old.lease_expires_at < now() then
        v_kind := 'quality_reclaimed';  -- its lease expired and another worker took it
    elsif new.is_default = old.is_default      -- a default moving is default_changed
          -- the metadata, which a cached ladder shows
          and (new.url, new.file_size, new.bitrate, new.resolution_width,
               new.resolution_height, new.codec, new.container, new.duration, new.fps,
               new.pixel_format, new.color_space, new.audio_codec, new.audio_bitrate,
               new.audio_channels, new.audio_sample_rate, new.aspect_ratio, new.frame_count,
               new.encoding_time, new.error_message, new.codecs, new.color_primaries,
               new.color_transfer, new.color_range, new.rotation)
              is distinct from
              (old.url, old.file_size, old.bitrate, old.resolution_width,
               old.resolution_height, old.codec, old.container, old.duration, old.fps,
               old.pixel_format, old.color_space, old.audio_codec, old.audio_bitrate,
               old.audio_channels, old.audio_sample_rate, old.aspect_ratio, old.frame_count,
               old.encoding_time, old.error_message, old.codecs, old.color_primaries,
               old.color_transfer, old.color_range, old.rotation) then
        v_kind := 'quality_updated';
    end if;
    if v_kind is not null then
        insert into vq.changes (video_id, kind, quality, quality_id, value, error_code)
        values (new.video_id, v_kind, new.quality, new.id, new.status,
                case when v_kind = 'quality_status' and new.status in ('failed', 'pending')
                     then new.error_code      -- a failure, or a retry after one
                     when v_kind = 'quality_reclaimed' then 'lease_expired' end);
    end if;
    if v_kind = 'quality_status' and new.status in ('ready', 'failed') then
        perform pg_advisory_xact_lock(hashtextextended('vq.ladder:' || new.video_id, 0));
        select not exists (select 1 from vq.video_qualities
                            where video_id = new.video_id and status in ('pending', 'processing'))
               -- once: not when this transaction has told it already and no rung of
               -- the video went back to work since (a statement finishing two rungs)
               and not exists (select 1 from vq.changes f
                                where f.xid = pg_current_xact_id() and f.video_id = new.video_id
                                  and f.kind = 'ladder_finished'
                                  and not exists (select 1 from vq.changes r
                                                   where r.xid = f.xid and r.seq > f.seq
                                                     and r.video_id = f.video_id
                                                     and r.value in ('pending', 'processing')))
          into v_finished;
        if v_finished then
            insert into vq.changes (video_id, kind, quality, quality_id, value)
            select new.video_id, 'ladder_finished', new.quality, new.id,
                   case when bool_and(status = 'ready') then 'ready' else 'failed' end
              from vq.video_qualities where video_id = new.video_id;
        end if;
    end if;
    if new.is_default and (tg_op = 'INSERT' or not old.is_default) then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'default_changed', new.quality, new.id, new.quality);
    end if;
    -- wakes LISTEN vq_changes (followers of the feed) within milliseconds, one per
    -- transaction (PostgreSQL folds repeats). Off unless vq.notify_changes = on: a
    -- notifying commit takes a cluster-wide lock, measured at -26% of the worker
    -- flow's throughput at 8 threads (docs/benchmarks.md); followers poll anyway.
    if current_setting('vq.notify_changes', true) = 'on' then
        perform pg_notify('vq_changes', '');
    end if;
    return null;
end
$function$;
comment on function vq._quality_changes() is 'Trigger of vq.video_qualities (after each row that matters): writes quality_created, quality_status (with error_code when failed, or pending again after a failure), quality_restarted, quality_reclaimed (an expired lease taken by another worker; error_code lease_expired), quality_updated (metadata), default_changed and ladder_finished (every quality of the video ready or failed, told once until a rung goes back to work; value ready when all are ready, else failed) events to vq.changes. Raises nothing.';

alter function vq._quality_changes() owner to vq_owner;

revoke all on function vq._quality_changes() from public, vq_worker, vq_reader;
