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
-- none fits or they are a second old; then a claim scans again. One claim at a
-- time fills the table (an advisory lock, tried); a claim that finds another
-- filling it takes from a scan of its own meanwhile. Nothing here waits for
-- another claim. The candidates only save the search: the row itself decides.
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
    v_candidate record;                 -- a row of vq.claim_candidates: a table of the coordinator only
    v_row       vq.video_qualities;
    v_claimed   integer := 0;
    v_scans     integer := 0;
    v_found     integer;
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
        if found then
            v_row := vq._lease_candidate(p_worker, p_lease_seconds, v_candidate.video_id,
                                         v_candidate.id, v_candidate.expired);
            if v_row.status = 'processing' then
                return next v_row;
                v_claimed := v_claimed + 1;
            end if;
            continue;
        end if;
        -- a few scans at most: the candidates of a scan can all be taken by
        -- concurrent claims before this one gets to them (then the claim returns
        -- fewer than are due, and the worker's next claim finds the rest)
        exit when v_scans = 3;
        v_scans := v_scans + 1;
        if pg_try_advisory_xact_lock(hashtextextended('vq.claim_candidates', 0)) then
            delete from vq.claim_candidates c
             where c.id in (select k.id from vq.claim_candidates k
                             where k.found_at <= clock_timestamp() - c_fresh
                               for update skip locked);
            insert into vq.claim_candidates (id, video_id, quality, expired, due)
            select * from vq._due_work(p_qualities, greatest(p_limit * 2 + 8, 64))
            on conflict (id) do nothing;
            get diagnostics v_found = row_count;
            exit when v_found = 0;          -- no due work that is not a candidate already
        else
            -- another claim is filling the table: a scan of this claim's own
            for v_candidate in
                select * from vq._due_work(p_qualities, greatest(p_limit * 2 + 8, 64))
            loop
                v_row := vq._lease_candidate(p_worker, p_lease_seconds, v_candidate.video_id,
                                             v_candidate.id, v_candidate.expired);
                if v_row.status = 'processing' then
                    return next v_row;
                    v_claimed := v_claimed + 1;
                    exit when v_claimed = p_limit;
                end if;
            end loop;
        end if;
    end loop;
end
$$;
comment on function vq._claim_on_shards is
'Internal: vq.claim_qualities for a catalog sharded by video (Citus): candidates from vq.claim_candidates, refilled by one scan of every shard when none fits or they are a second old, each leased on its own shard (vq._lease_candidate); the same work in the same order, each quality leased once. Raises nothing of its own.';
