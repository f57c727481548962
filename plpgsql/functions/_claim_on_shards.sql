-- Internal: vq.claim_qualities when the catalog is sharded by video with Citus
-- (docs/scaling.md, "The work queue"), where a row lock over many shards at once
-- is not possible. The same choice of work in the same order -- expired leases
-- first, then due work, oldest first -- found without a lock on every shard;
-- then each candidate is taken on its own shard: locked with SKIP LOCKED (a row
-- another claim holds is passed over, as on one server), checked again (another
-- claim may have taken it since it was found), and leased by an update of that
-- one row, its token drawn beforehand (Citus takes no volatile function in an
-- update). The arguments are claim_qualities', checked there.
-- tests/pgtap/behaviour_queue_on_shards.sql holds this way to the same
-- assertions as the way of one server (behaviour_queue.sql), on one server.
create or replace function vq._claim_on_shards(
    p_worker        text,
    p_limit         integer,
    p_lease_seconds integer,
    p_qualities     text[]
) returns setof vq.video_qualities
language plpgsql
as $$
declare
    v_candidate record;
    v_row       vq.video_qualities;
    v_claimed   integer := 0;
    v_taken     boolean;
    v_token     uuid;
begin
    -- a few more candidates than wanted: concurrent claims find the same ones
    for v_candidate in
        select q.video_id, q.id
          from vq.video_qualities q
         where ((q.status = 'processing' and q.lease_expires_at < now())
                or (q.status = 'pending' and q.due_at <= now()))
           and (p_qualities is null or q.quality = any (p_qualities))
         order by q.status = 'pending', coalesce(q.lease_expires_at, q.due_at)
         limit p_limit * 2 + 8
    loop
        select * into v_row
          from vq.video_qualities q
         where q.video_id = v_candidate.video_id and q.id = v_candidate.id
           and ((q.status = 'processing' and q.lease_expires_at < now())
                or (q.status = 'pending' and q.due_at <= now()))
           for no key update skip locked;
        continue when not found;
        v_token := gen_random_uuid();
        -- the new values computed here, from the locked row: Citus takes no
        -- volatile function in an update, and no stable one inside a CASE. As
        -- claim_qualities: an expired lease with no attempt left becomes failed.
        v_taken := v_row.status = 'pending' or v_row.attempts < v_row.max_attempts;
        if not v_taken then
            v_row.error_code := 'lease_expired';
            v_row.error_message := format('the lease of %s expired at %s, on attempt %s of %s',
                                          v_row.lease_owner, v_row.lease_expires_at,
                                          v_row.attempts, v_row.max_attempts);
        elsif v_row.status = 'processing' then
            v_row.processing_started_at := now();   -- a pending one: the trigger starts it
        end if;
        update vq.video_qualities q
           set status = case when v_taken then 'processing' else 'failed' end,
               error_code = v_row.error_code, error_message = v_row.error_message,
               lease_owner = p_worker, lease_token = v_token,
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               lease_seconds = p_lease_seconds, attempts = least(q.attempts + 1, q.max_attempts),
               progress = null, processing_started_at = v_row.processing_started_at
         where q.video_id = v_row.video_id and q.id = v_row.id
        returning q.* into v_row;
        if v_row.status = 'processing' then
            return next v_row;
            v_claimed := v_claimed + 1;
            exit when v_claimed >= p_limit;
        end if;
    end loop;
end
$$;
comment on function vq._claim_on_shards is
'Internal: vq.claim_qualities for a catalog sharded by video (Citus), one candidate at a time on its own shard; the same work in the same order, each quality leased once. Raises nothing of its own.';
