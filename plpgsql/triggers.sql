-- The triggers: the status rules of vq._video_qualities_before_write hold for
-- every writer (API, DBAs, migrations), every change of a video moves its
-- updated_at, and every change a reader cares about goes to the feed
-- (vq.changes), once per statement.
create trigger video_qualities_before_write
    before insert or update on vq.video_qualities
    for each row execute function vq._video_qualities_before_write();
create trigger videos_before_update
    before update on vq.videos
    for each row execute function vq._videos_before_update();
-- The feed: row triggers whose WHEN clause (evaluated without calling PL/pgSQL)
-- skips the writes no reader waits for: heartbeats above all, which move the
-- lease's expiry and keep the status. The clause is short on purpose: it is
-- compiled again for every statement, and comparing every column here cost
-- ~15 µs per update (docs/benchmarks.md); vq._quality_changes compares the
-- metadata itself, only for the updates that need it.
create trigger video_qualities_changes_insert
    after insert on vq.video_qualities
    for each row execute function vq._quality_changes();
create trigger video_qualities_changes_update
    after update on vq.video_qualities
    for each row
    when (old.status is distinct from new.status
          or new.attempts < old.attempts
          or old.lease_token is distinct from new.lease_token      -- an expired lease re-taken
          or old.lease_expires_at is not distinct from new.lease_expires_at)
    execute function vq._quality_changes();
-- ladder_finished, at commit (vq._ladder_finished says why), after a write that
-- made a quality ready or failed
create constraint trigger video_qualities_ladder_finished_insert
    after insert on vq.video_qualities
    deferrable initially deferred
    for each row when (new.status in ('ready', 'failed'))
    execute function vq._ladder_finished();
create constraint trigger video_qualities_ladder_finished_update
    after update on vq.video_qualities
    deferrable initially deferred
    for each row
    when (old.status is distinct from new.status and new.status in ('ready', 'failed'))
    execute function vq._ladder_finished();
create trigger videos_changes_insert
    after insert on vq.videos
    for each row execute function vq._video_changes();
create trigger videos_changes_update
    after update of status on vq.videos
    for each row when (old.status is distinct from new.status)
    execute function vq._video_changes();
create trigger videos_changes_delete
    after delete on vq.videos
    for each row execute function vq._video_changes();
-- The attempt history: when a lease begins (a new token) or ends (its expiry
-- cleared by complete, fail, release or another writer); heartbeats do neither.
create trigger video_qualities_attempts
    after update on vq.video_qualities
    for each row
    when (old.lease_token is distinct from new.lease_token
          or (old.lease_expires_at is not null and new.lease_expires_at is null))
    execute function vq._quality_attempts();

-- The feed's node: a default that calls a function, so set once the functions exist.
alter table vq.changes alter column node set default vq._node();
