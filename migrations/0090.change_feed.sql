-- change_feed: written by `./dev migration change_feed`
-- from the difference between plpgsql/ and the migrations up to 0080.work_queue.
-- depends: 0080.work_queue

CREATE TABLE vq.changes (
    xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    seq bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    video_id uuid NOT NULL,
    kind text NOT NULL,
    quality text,
    quality_id uuid,
    value text,
    error_code text
);

ALTER TABLE vq.changes ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME vq.changes_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE ONLY vq.changes
    ADD CONSTRAINT changes_pkey PRIMARY KEY (xid, seq);

CREATE TABLE vq.changes_pruned (
    only_row boolean DEFAULT true NOT NULL,
    xid xid8 NOT NULL,
    seq bigint NOT NULL,
    CONSTRAINT changes_pruned_only_row_check CHECK (only_row)
);

ALTER TABLE ONLY vq.changes_pruned
    ADD CONSTRAINT changes_pruned_pkey PRIMARY KEY (only_row);

-- Internal: the one rule of ownership and privileges in vq, applied from the
-- catalog after every migration (the post-apply hook and the end of every
-- generated migration) and by the build from plpgsql/:
--   * the schema, every table and every function belong to vq_owner;
--   * PUBLIC gets nothing; vq_worker and vq_reader may use the schema;
--   * nobody gets anything on a table: data is reached through functions only;
--   * a function named with a leading underscore is a helper: granted to nobody;
--   * every other function is API: EXECUTE for vq_worker, and also for
--     vq_reader when it is declared stable or immutable (a read function).
-- Run by the superuser who migrates; it is idempotent.
create or replace function vq._apply_privileges()
returns void
language plpgsql
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
$$;
comment on function vq._apply_privileges is
'Internal. Applies the rule of ownership and privileges to the schema vq, its tables and functions (see the source). Raises nothing.';

-- Trigger (after each row, only when it matters: see triggers.sql): the feed's
-- events of vq.video_qualities. A heartbeat changes nothing a reader waits for
-- (progress and the lease's expiry) and does not even call this. A restart that keeps the status is told from a
-- plain write by the attempts it resets; a restart of a quality no worker has
-- claimed yet, with its status unchanged, changes nothing a reader waits for.
create or replace function vq._quality_changes()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'quality_created', new.quality, new.id, new.status);
    elsif new.status is distinct from old.status then
        insert into vq.changes (video_id, kind, quality, quality_id, value, error_code)
        values (new.video_id, 'quality_status', new.quality, new.id, new.status,
                case when new.status = 'failed' then new.error_code end);
    elsif new.attempts < old.attempts then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'quality_restarted', new.quality, new.id, new.status);
    elsif new.is_default = old.is_default then
        -- the metadata (a cached ladder shows it); a default moving is default_changed
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'quality_updated', new.quality, new.id, new.status);
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
'Trigger of vq.video_qualities (after each row that matters): writes quality_created, quality_status (with error_code when failed), quality_restarted, quality_updated (metadata) and default_changed events to vq.changes. Raises nothing.';

-- Trigger (after each row, only when it matters: see triggers.sql): the feed's
-- events of vq.videos.
create or replace function vq._video_changes()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        insert into vq.changes (video_id, kind, value) values (new.id, 'video_created', new.status);
    elsif tg_op = 'UPDATE' then
        insert into vq.changes (video_id, kind, value) values (new.id, 'video_status', new.status);
    else
        insert into vq.changes (video_id, kind) values (old.id, 'video_deleted');
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
comment on function vq._video_changes is
'Trigger of vq.videos (after each row): writes video_created, video_status and video_deleted events to vq.changes. Raises nothing.';

-- API: the change feed after a position. A position is 'xid/seq': the writing
-- transaction's id, then the event's number. Events are handed out in position
-- order and only below the oldest transaction still running (the snapshot's
-- xmin): a sequence number drawn inside a transaction is not commit-ordered,
-- but a transaction below xmin has ended, so no event can ever appear behind a
-- position already returned. The price: a long-running write transaction holds
-- the feed back until it ends.
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
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_xid     xid8 := '0'::xid8;
    v_seq     bigint := 0;
    v_pruned  vq.changes_pruned;
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    if p_position is not null then
        if p_position !~ '^[0-9]{1,20}/[0-9]{1,19}$' then
            raise exception 'p_position = % is not a position returned by vq.changes_since',
                quote_literal(left(p_position, 60))
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
        v_xid := split_part(p_position, '/', 1)::xid8;
        v_seq := split_part(p_position, '/', 2)::bigint;
        select * into v_pruned from vq.changes_pruned;
        if found and (v_xid, v_seq) < (v_pruned.xid, v_pruned.seq) then
            raise exception 'p_position = % is older than the feed keeps (pruned through %/%): '
                            'read the catalog again, then follow from vq.changes_since(null)',
                quote_literal(p_position), v_pruned.xid, v_pruned.seq
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
    end if;
    return query
    select c.xid::text || '/' || c.seq::text, c.at, c.video_id, c.kind, c.quality,
           c.quality_id, c.value, c.error_code
      from vq.changes c
     where (c.xid, c.seq) > (v_xid, v_seq)
       and c.xid < pg_snapshot_xmin(pg_current_snapshot())
     order by c.xid, c.seq
     limit p_limit;
end
$$;
comment on function vq.changes_since is
'The change feed: up to p_limit (default 1000) events after p_position (null: from the oldest kept), in order, each with its position; call again with the last position received to continue, with no gap and no repeat. Events: video_created, video_status, video_deleted, quality_created, quality_status (error_code when failed), quality_restarted, quality_updated (metadata), default_changed; value is the new status or the default''s label. Events are kept 7 days unless vq.prune_changes says otherwise.
Errors: 22004 p_limit is null; 22003 p_limit not in [1, 1000]; 22023 p_position is not a position, or is older than the feed keeps.';

-- API: the feed's retention. Drops the events older than p_keep and remembers the
-- newest position dropped, so that a consumer behind it is told (22023) instead
-- of skipping what it missed. Run it from cron or a scheduler (docs/operations.md).
create or replace function vq.prune_changes(p_keep interval default interval '7 days')
returns bigint
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_count bigint;
    v_last  vq.changes;
begin
    perform vq._require_not_null('p_keep', p_keep);
    if p_keep < interval '0' then
        raise exception 'p_keep = % must not be negative', p_keep
            using errcode = 'numeric_value_out_of_range';           -- 22003
    end if;
    select * into v_last from vq.changes where at < now() - p_keep
     order by xid desc, seq desc limit 1;
    if not found then
        return 0;
    end if;
    delete from vq.changes where (xid, seq) <= (v_last.xid, v_last.seq);
    get diagnostics v_count = row_count;
    insert into vq.changes_pruned (xid, seq) values (v_last.xid, v_last.seq)
    on conflict (only_row) do update set xid = excluded.xid, seq = excluded.seq;
    return v_count;
end
$$;
comment on function vq.prune_changes is
'Deletes the change feed''s events older than p_keep (default 7 days) and every event before them in feed order; returns how many. A consumer whose position is older then gets 22023 from vq.changes_since.
Errors: 22004 p_keep is null; 22003 p_keep is negative.';

CREATE TRIGGER video_qualities_changes_insert AFTER INSERT ON vq.video_qualities FOR EACH ROW EXECUTE FUNCTION vq._quality_changes();

CREATE TRIGGER video_qualities_changes_update AFTER UPDATE ON vq.video_qualities FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) OR (new.attempts < old.attempts) OR (old.is_default IS DISTINCT FROM new.is_default) OR (old.url IS DISTINCT FROM new.url) OR (old.file_size IS DISTINCT FROM new.file_size) OR (old.bitrate IS DISTINCT FROM new.bitrate) OR (old.resolution_width IS DISTINCT FROM new.resolution_width) OR (old.resolution_height IS DISTINCT FROM new.resolution_height) OR (old.codec IS DISTINCT FROM new.codec) OR (old.container IS DISTINCT FROM new.container) OR (old.duration IS DISTINCT FROM new.duration) OR (old.fps IS DISTINCT FROM new.fps) OR (old.pixel_format IS DISTINCT FROM new.pixel_format) OR (old.color_space IS DISTINCT FROM new.color_space) OR (old.audio_codec IS DISTINCT FROM new.audio_codec) OR (old.audio_bitrate IS DISTINCT FROM new.audio_bitrate) OR (old.audio_channels IS DISTINCT FROM new.audio_channels) OR (old.audio_sample_rate IS DISTINCT FROM new.audio_sample_rate) OR (old.aspect_ratio IS DISTINCT FROM new.aspect_ratio) OR (old.frame_count IS DISTINCT FROM new.frame_count) OR (old.encoding_time IS DISTINCT FROM new.encoding_time) OR (old.error_message IS DISTINCT FROM new.error_message))) EXECUTE FUNCTION vq._quality_changes();

CREATE TRIGGER videos_changes_delete AFTER DELETE ON vq.videos FOR EACH ROW EXECUTE FUNCTION vq._video_changes();

CREATE TRIGGER videos_changes_insert AFTER INSERT ON vq.videos FOR EACH ROW EXECUTE FUNCTION vq._video_changes();

CREATE TRIGGER videos_changes_update AFTER UPDATE OF status ON vq.videos FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION vq._video_changes();

do $$ begin perform vq._apply_privileges(); end $$;
