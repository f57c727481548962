-- Internal: vq.claim_qualities when the catalog is sharded by video with Citus
-- (docs/scaling.md, "The work queue"), where a row lock over many shards at once
-- is not possible. The same choice of work -- expired leases first, then due
-- work, oldest first -- found without a lock by one scan of every shard, then
-- taken on its own shard one candidate at a time: checked again there (another
-- claim may have taken it since) and leased by an update of that one row.
--
-- A scan of every shard is one round trip per shard; done for every claim, it
-- was most of the claim's time (docs/scaling.md). So the candidates a scan finds
-- are kept in vq.claim_candidates on the coordinator, and the next claims take
-- them from there (each candidate once: SKIP LOCKED, deleted when taken), until
-- none fits or they are a second old; then a claim scans again. The candidates
-- only save the search: the row itself decides.
--
-- The arguments are claim_qualities', checked there.
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
    c_fresh     constant interval := interval '1 second';
    v_candidate vq.claim_candidates;
    v_row       vq.video_qualities;
    v_claimed   integer := 0;
    v_scans     integer := 0;
    v_found     integer;
    v_taken     boolean;
    v_token     uuid;
begin
    while v_claimed < p_limit loop
        delete from vq.claim_candidates c
         where c.id = (select k.id from vq.claim_candidates k
                        where (p_qualities is null or k.quality = any (p_qualities))
                          and k.found_at > clock_timestamp() - c_fresh
                        order by k.expired desc, k.due
                        limit 1
                          for update skip locked)
        returning c.* into v_candidate;
        if not found then
            -- a few scans at most: the candidates of a scan can all be taken by
            -- concurrent claims before this one gets to them
            exit when v_scans = 3;
            delete from vq.claim_candidates where found_at <= clock_timestamp() - c_fresh;
            insert into vq.claim_candidates (id, video_id, quality, expired, due)
            select q.id, q.video_id, q.quality, q.status = 'processing',
                   coalesce(q.lease_expires_at, q.due_at)
              from vq.video_qualities q
             where ((q.status = 'processing' and q.lease_expires_at < now())
                    or (q.status = 'pending' and q.due_at <= now()))
               and (p_qualities is null or q.quality = any (p_qualities))
             -- the id last: concurrent scans insert common candidates in one order
             order by q.status = 'pending', coalesce(q.lease_expires_at, q.due_at), q.id
             limit greatest(p_limit * 2 + 8, 64)
            on conflict (id) do nothing;
            get diagnostics v_found = row_count;
            exit when v_found = 0;          -- no due work that is not a candidate already
            v_scans := v_scans + 1;
            continue;
        end if;
        v_token := gen_random_uuid();
        if not v_candidate.expired then
            -- due work: checked and leased in one statement on its shard (the
            -- trigger starts the attempt and its clock)
            update vq.video_qualities q
               set status = 'processing', lease_owner = p_worker, lease_token = v_token,
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds),
                   lease_seconds = p_lease_seconds, attempts = q.attempts + 1, progress = null
             where q.video_id = v_candidate.video_id and q.id = v_candidate.id
               and q.status = 'pending' and q.due_at <= now()
            returning q.* into v_row;
            continue when not found;
        else
            select * into v_row
              from vq.video_qualities q
             where q.video_id = v_candidate.video_id and q.id = v_candidate.id
               and q.status = 'processing' and q.lease_expires_at < now()
               for no key update skip locked;
            continue when not found;
            -- the new values computed here, from the locked row: Citus takes no
            -- volatile function in an update, and no stable one inside a CASE. As
            -- claim_qualities: an expired lease with no attempt left becomes failed.
            v_taken := v_row.attempts < v_row.max_attempts;
            if v_taken then
                v_row.processing_started_at := now();
            else
                v_row.error_code := 'lease_expired';
                v_row.error_message := format('the lease of %s expired at %s, on attempt %s of %s',
                                              v_row.lease_owner, v_row.lease_expires_at,
                                              v_row.attempts, v_row.max_attempts);
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
        end if;
        if v_row.status = 'processing' then
            return next v_row;
            v_claimed := v_claimed + 1;
        end if;
    end loop;
end
$$;
comment on function vq._claim_on_shards is
'Internal: vq.claim_qualities for a catalog sharded by video (Citus): candidates from vq.claim_candidates, refilled by one scan of every shard when none fits or they are a second old, each leased by an update on its own shard; the same work in the same order, each quality leased once. Raises nothing of its own.';
