-- The work queue's behaviour once more, with vq.claim_qualities taking the way it
-- takes when the catalog is sharded by video with Citus (vq._claim_on_shards:
-- one candidate at a time on its own shard), so that both ways are held to the
-- same assertions on every build, without Citus. claim_qualities takes that way
-- where citus.version is set: Citus sets it; here a placeholder setting does.
set citus.version = 'none: the sharded way of claiming, on one server';
\ir behaviour_queue.sql
