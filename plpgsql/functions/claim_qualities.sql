-- API: hands out work. Up to p_limit qualities are leased to p_worker for
-- p_lease_seconds: first those whose lease expired (their worker died; stall
-- recovery needs no other process), then pending ones that are due, oldest
-- first; with p_qualities only those labels. SKIP LOCKED: concurrent claims
-- never wait for each other and never get the same row. A quality whose lease
-- expired on its last attempt is not handed out again: it becomes failed
-- (error_code lease_expired).
create or replace function vq.claim_qualities(
    p_worker        text,
    p_limit         integer default 1,
    p_lease_seconds integer default 300,
    p_qualities     text[] default null
) returns setof vq.video_qualities
language plpgsql
as $$
declare
    v_label        text;
    v_quality      vq.video_qualities;
    v_claimed      integer := 0;
    v_expired_left boolean := true;
begin
    -- The checks as one expression where they pass (a worker calls this in a loop):
    -- each helper call costs a function call with its own search_path; the helpers
    -- run only to name the argument that fails.
    if p_worker is null or btrim(p_worker) = ''
       or not length(p_worker)::numeric <@ vq._limit('p_worker')
       or p_limit is null or not p_limit::numeric <@ vq._limit('p_limit')
       or p_lease_seconds is null
       or not p_lease_seconds::numeric <@ vq._limit('p_lease_seconds') then
        perform vq._require_text('p_worker', p_worker, true);
        perform vq._require_not_null('p_limit', p_limit);
        perform vq._require_range('p_limit', p_limit);
        perform vq._require_not_null('p_lease_seconds', p_lease_seconds);
        perform vq._require_range('p_lease_seconds', p_lease_seconds);
    end if;
    if p_qualities is not null then
        select l into v_label from unnest(p_qualities) l
         where l is null or not exists (select 1 from vq.quality_levels where label = l)
         limit 1;
        if found then
            raise exception 'p_qualities has %, not a known quality level (see vq.quality_levels)',
                coalesce(quote_literal(v_label), 'a null')
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
    end if;

    -- Sharded by video with Citus, where a lock over many shards at once is not
    -- possible (citus.version exists where Citus is loaded): the same claim, one
    -- shard at a time.
    if current_setting('citus.version', true) is not null then
        return query select * from vq._claim_on_shards(p_worker, p_limit, p_lease_seconds,
                                                       p_qualities);
        return;
    end if;

    -- One quality per statement, until p_limit are claimed or none is left. With
    -- a constant limit of 1 the cached generic plan is the one the planner would
    -- make for the call, so it is kept; with "limit p_limit" the generic plan's
    -- limit was 10% of the table to the planner, and the claim was planned again
    -- on every call, a fifth of its time (docs/benchmarks.md, "The work queue").
    -- Each statement finds its row as "id = (the picked id)": an index lookup
    -- whatever the estimates.
    while v_claimed < p_limit loop
        -- Expired leases first (their work is the oldest). One whose quality has
        -- no attempt left is not handed out again: it becomes failed instead.
        if v_expired_left then
            update vq.video_qualities q
               set status = case when q.attempts < q.max_attempts then 'processing'
                                 else 'failed' end,
                   error_code = case when q.attempts < q.max_attempts then q.error_code
                                     else 'lease_expired' end,
                   error_message = case when q.attempts < q.max_attempts then q.error_message
                                        else format('the lease of %s expired at %s, on attempt %s of %s',
                                                    q.lease_owner, q.lease_expires_at, q.attempts,
                                                    q.max_attempts) end,
                   lease_owner = p_worker, lease_token = gen_random_uuid(),
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds),
                   lease_seconds = p_lease_seconds,
                   attempts = least(q.attempts + 1, q.max_attempts),
                   progress = null,
                   processing_started_at = case when q.attempts < q.max_attempts then now()
                                                else q.processing_started_at end
             where q.id = (select id from vq.video_qualities
                            where status = 'processing' and lease_expires_at < now()
                              and (p_qualities is null or quality = any (p_qualities))
                            order by lease_expires_at
                            limit 1
                              for no key update skip locked)
            returning q.* into v_quality;
            v_expired_left := found;
        end if;
        if not v_expired_left then
            update vq.video_qualities q
               set status = 'processing', lease_owner = p_worker, lease_token = gen_random_uuid(),
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds),
                   lease_seconds = p_lease_seconds, attempts = q.attempts + 1, progress = null
             where q.id = (select id from vq.video_qualities
                            where status = 'pending' and due_at <= now()
                              and (p_qualities is null or quality = any (p_qualities))
                            order by due_at
                            limit 1
                              for no key update skip locked)
            returning q.* into v_quality;
            exit when not found;
        end if;
        if v_quality.status = 'processing' then
            v_claimed := v_claimed + 1;
            return next v_quality;
        end if;
    end loop;
end
$$;
comment on function vq.claim_qualities is
'Leases up to p_limit qualities to the worker p_worker for p_lease_seconds (default 300) and returns their rows (status processing, with lease_token, lease_expires_at and attempts). Takes first the qualities whose lease expired with attempts left, then pending ones due now, oldest first; with p_qualities only those labels. Concurrent calls never get the same quality (SKIP LOCKED). A quality whose lease expired on its last attempt becomes failed with error_code lease_expired. A lost answer costs the qualities it leased one lease period and one attempt.
Errors: 22004 p_worker, p_limit or p_lease_seconds is null; 22023 p_worker is blank, p_qualities holds a null or an unknown label; 22001 p_worker longer than 200; 22003 p_limit not in [1, 1000] or p_lease_seconds not in [1, 86400].';
