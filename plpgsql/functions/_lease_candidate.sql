-- Internal: the sharded claim's lease of one candidate (vq._claim_on_shards):
-- the row is checked again on its shard, locked with SKIP LOCKED (a row another
-- claim holds is passed over, as on one server), and leased by an update of that
-- one row. Returns the row as it left it: processing when leased; failed when
-- its lease had expired on its last attempt (as claim_qualities); the row's
-- fields null when it was no longer due or is held by another claim.
create or replace function vq._lease_candidate(
    p_worker        text,
    p_lease_seconds integer,
    p_video_id      uuid,
    p_quality_id    uuid,
    p_expired       boolean
) returns vq.video_qualities
language plpgsql
as $$
declare
    v_row   vq.video_qualities;
    v_taken boolean;
    v_token uuid := gen_random_uuid();   -- Citus takes no volatile function in an update
begin
    if not p_expired then
        -- due work: checked, locked and leased in one statement on its shard (the
        -- trigger starts the attempt and its clock)
        update vq.video_qualities q
           set status = 'processing', lease_owner = p_worker, lease_token = v_token,
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               lease_seconds = p_lease_seconds, attempts = q.attempts + 1, progress = null
         where q.video_id = p_video_id and q.id = p_quality_id
           and q.id = (select d.id from vq.video_qualities d
                        where d.video_id = p_video_id and d.id = p_quality_id
                          and d.status = 'pending' and d.due_at <= now()
                          for no key update skip locked)
        returning q.* into v_row;
        return v_row;
    end if;
    select * into v_row
      from vq.video_qualities q
     where q.video_id = p_video_id and q.id = p_quality_id
       and q.status = 'processing' and q.lease_expires_at < now()
       for no key update skip locked;
    if not found then
        return null;
    end if;
    -- the new values computed here, from the locked row: Citus takes no stable
    -- function inside a CASE of an update. As claim_qualities: an expired lease
    -- with no attempt left becomes failed.
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
    return v_row;
end
$$;
comment on function vq._lease_candidate is
'Internal: leases the quality p_quality_id of the video p_video_id to p_worker if it is still due (p_expired: its lease expired), skipping it when another claim holds it; returns the row (processing when leased, failed when its last attempt expired, all null when not taken). Raises nothing of its own.';
