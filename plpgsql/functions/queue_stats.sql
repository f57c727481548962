-- API: the queue as an operator watches it, per quality label in ladder order.
-- Each count reads one partial index of the queue (schema.sql), not the table.
create or replace function vq.queue_stats()
returns table (
    quality            text,
    pending            bigint,
    due                bigint,
    processing         bigint,
    expired            bigint,
    failed             bigint,
    oldest_due_seconds double precision
)
language plpgsql
stable
as $$
begin
    return query
    select l.label,
           coalesce(p.pending, 0), coalesce(p.due, 0),
           coalesce(r.processing, 0), coalesce(r.expired, 0), coalesce(f.failed, 0),
           p.oldest_due_seconds
      from vq.quality_levels l
      left join (select q.quality, count(*) as pending,
                        count(*) filter (where q.due_at <= now()) as due,
                        extract(epoch from now() - min(q.due_at) filter (where q.due_at <= now()))
                            ::double precision as oldest_due_seconds
                   from vq.video_qualities q where q.status = 'pending'
                  group by q.quality) p on p.quality = l.label
      left join (select q.quality, count(*) as processing,
                        count(*) filter (where q.lease_expires_at < now()) as expired
                   from vq.video_qualities q where q.status = 'processing'
                  group by q.quality) r on r.quality = l.label
      left join (select q.quality, count(*) as failed
                   from vq.video_qualities q where q.status = 'failed'
                  group by q.quality) f on f.quality = l.label
     order by l.rank;
end
$$;
comment on function vq.queue_stats is
'The work queue per quality label, in ladder order: pending (of which due now), processing (of which with an expired lease), failed, and the age in seconds of the oldest due quality (null when none is due). What an operator alerts on: due and oldest_due_seconds growing, expired above zero.
Errors: none (no arguments).';
