-- Trigger (after each row, only when it matters: see triggers.sql): the feed's
-- events of vq.videos.
create or replace function vq._video_changes()
returns trigger
language plpgsql
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
