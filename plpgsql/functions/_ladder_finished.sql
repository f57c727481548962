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
    v_finished  boolean;
    v_all_ready boolean;
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
        -- read, then insert: Citus refuses an INSERT … SELECT (a distributed
        -- query) inside a shard's trigger
        select bool_and(status = 'ready') into v_all_ready
          from vq.video_qualities where video_id = new.video_id;
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'ladder_finished', new.quality, new.id,
                case when v_all_ready then 'ready' else 'failed' end);
    end if;
    return null;
end
$$;
comment on function vq._ladder_finished is
'Trigger of vq.video_qualities (deferred to the commit of a transaction that made a quality ready or failed): writes ladder_finished to vq.changes when every quality of the video is ready or failed (value ready when all are ready, else failed), once until a rung goes back to work. Raises nothing.';
