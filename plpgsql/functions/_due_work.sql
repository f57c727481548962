-- Internal: the due work of the sharded claim (vq._claim_on_shards), in the
-- order it is handed out: up to p_limit expired leases, oldest expiry first,
-- then up to p_limit pending qualities that are due, oldest first; with
-- p_qualities only those labels. Two scans, each along its index, as the claim
-- of one server reads (one scan sorted on an expression read every due row of
-- every shard). No lock: the candidates are checked again when taken.
create or replace function vq._due_work(p_qualities text[], p_limit integer)
returns table (id uuid, video_id uuid, quality text, expired boolean, due timestamptz)
language plpgsql
stable
as $$
begin
    return query
    select q.id, q.video_id, q.quality, true, q.lease_expires_at
      from vq.video_qualities q
     where q.status = 'processing' and q.lease_expires_at < now()
       and (p_qualities is null or q.quality = any (p_qualities))
     order by q.lease_expires_at
     limit p_limit;
    return query
    select q.id, q.video_id, q.quality, false, q.due_at
      from vq.video_qualities q
     where q.status = 'pending' and q.due_at <= now()
       and (p_qualities is null or q.quality = any (p_qualities))
     order by q.due_at
     limit p_limit;
end
$$;
comment on function vq._due_work is
'Internal. Up to p_limit expired leases, then up to p_limit due pending qualities (of the labels p_qualities, null: all), in the order the claim hands them out, unlocked. Raises nothing.';
