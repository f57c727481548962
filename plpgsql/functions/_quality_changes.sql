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
