-- ladder_finished_at_commit: written by `./dev migration ladder_finished_at_commit`
-- from the difference between plpgsql/ and the migrations up to 0250.player_metadata.
-- depends: 0250.player_metadata

-- (the two constraints listed by the migration tool are the constraint triggers'
-- own rows, made and dropped with them below)

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

-- Trigger (deferred: at the commit of a transaction that made a quality ready or
-- failed, see triggers.sql): the feed's ladder_finished, when no quality of the
-- video is left pending or processing.
--
-- At commit, not at the write: two workers finishing the last two rungs at once
-- would each see the other's rung unfinished (neither has committed), so the
-- check is serialised per video by a transaction-level advisory lock, and taken
-- when the transaction has nothing left to do but commit. A lock taken at the
-- write and held while the transaction went on (complete_and_claim_quality
-- claims next, and may wait for a row) deadlocked with the other finisher
-- (bench.queue found it). At commit, a holder waits for nothing else, and a
-- transaction that finished rungs of several videos locks all of them at once,
-- in one order, so that two such transactions cannot wait for each other. The
-- check, a statement of its own, then sees the other finisher's commit.
create or replace function vq._ladder_finished()
returns trigger
language plpgsql
as $$
declare
    v_finished boolean;
begin
    -- Sharded by video with Citus, this runs on the video's node and reads nothing
    -- of another video's (a query over every shard from a shard's trigger is not
    -- possible): only this video is locked there. Two claims that both fail the
    -- expired last attempts of the same two videos, in opposite orders, may then
    -- deadlock at commit; PostgreSQL aborts one (40P01) and its worker claims again.
    if current_setting('citus.version', true) is null then
        perform pg_advisory_xact_lock(hashtextextended('vq.ladder:' || c.video_id, 0))
           from (select distinct video_id from vq.changes
                  where xid = pg_current_xact_id() and value in ('ready', 'failed')
                    and kind in ('quality_status', 'quality_created')
                  order by video_id) c;
    end if;
    perform pg_advisory_xact_lock(hashtextextended('vq.ladder:' || new.video_id, 0));
    select not exists (select 1 from vq.video_qualities
                        where video_id = new.video_id and status in ('pending', 'processing'))
           -- once: not when this transaction has told it already and no rung of the
           -- video went back to work since (a statement finishing two rungs)
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
    return null;
end
$$;
comment on function vq._ladder_finished is
'Trigger of vq.video_qualities (deferred to the commit of a transaction that made a quality ready or failed): writes ladder_finished to vq.changes when every quality of the video is ready or failed (value ready when all are ready, else failed), once until a rung goes back to work. Raises nothing.';

-- Trigger (after each row that may matter: see triggers.sql): the feed's events
-- of vq.video_qualities. A heartbeat changes nothing a reader waits for
-- (progress and the lease's expiry) and does not even call this. A restart that
-- keeps the status is told from a plain write by the attempts it resets; a
-- restart of a quality no worker has claimed yet, with its status unchanged,
-- changes nothing a reader waits for. One insert for the quality's event, one
-- for a new default. (ladder_finished: vq._ladder_finished, at commit.)
create or replace function vq._quality_changes()
returns trigger
language plpgsql
as $$
declare
    v_kind text;
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
$$;
comment on function vq._quality_changes is
'Trigger of vq.video_qualities (after each row that matters): writes quality_created, quality_status (with error_code when failed, or pending again after a failure), quality_restarted, quality_reclaimed (an expired lease taken by another worker; error_code lease_expired), quality_updated (metadata) and default_changed events to vq.changes. Raises nothing.';

CREATE CONSTRAINT TRIGGER video_qualities_ladder_finished_insert AFTER INSERT ON vq.video_qualities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((new.status = ANY (ARRAY['ready'::text, 'failed'::text]))) EXECUTE FUNCTION vq._ladder_finished();

CREATE CONSTRAINT TRIGGER video_qualities_ladder_finished_update AFTER UPDATE ON vq.video_qualities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) AND (new.status = ANY (ARRAY['ready'::text, 'failed'::text])))) EXECUTE FUNCTION vq._ladder_finished();

do $$ begin perform vq._apply_privileges(); end $$;
