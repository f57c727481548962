-- API (a dispatcher's): leases up to p_limit deliveries to send now, each with
-- its subscription's URL and secret and the body to sign. A delivery is sent only
-- when every earlier event of its video for that subscription is delivered or
-- given up (order per video and subscription), at most p_per_webhook at a time
-- per subscription (a slow receiver holds up only its own), and a lease that
-- expired (its dispatcher died) is taken again. The same delivery keeps its id:
-- a receiver sees the same webhook-id on a retry or a duplicate.
create or replace function vq.claim_webhook_deliveries(
    p_worker        text,
    p_limit         integer default 10,
    p_lease_seconds integer default 60,
    p_per_webhook   integer default 4
) returns table (
    id          uuid,
    video_id    uuid,
    webhook_id  uuid,
    url         text,
    secret      text,
    body        text,
    attempts    integer,
    lease_token uuid
)
language plpgsql
as $$
begin
    perform vq._require_text('p_worker', p_worker, true);
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    perform vq._require_not_null('p_lease_seconds', p_lease_seconds);
    perform vq._require_range('p_lease_seconds', p_lease_seconds);
    perform vq._require_not_null('p_per_webhook', p_per_webhook);
    perform vq._require_range('p_per_webhook', p_per_webhook);
    return query
    with ready as (
        select d.id, d.video_id, d.webhook_id, d.xid, d.seq, d.due_at
          from vq.webhook_deliveries d
          join vq.webhooks w on w.id = d.webhook_id and w.active
         where d.status in ('pending', 'delivering')
           and (case when d.status = 'pending' then d.due_at
                     else d.lease_expires_at end) <= now()
           and not exists (select 1 from vq.webhook_deliveries e
                            where e.webhook_id = d.webhook_id and e.video_id = d.video_id
                              and e.status in ('pending', 'delivering')
                              and (e.xid, e.seq) < (d.xid, d.seq))
    ), room as (
        select r.*, row_number() over (partition by r.webhook_id order by r.xid, r.seq) as n,
               (select count(*) from vq.webhook_deliveries f
                 where f.webhook_id = r.webhook_id and f.status = 'delivering'
                   and f.lease_expires_at > now()) as in_flight
          from ready r
    ), picked as (
        select m.id, m.video_id from room m
         where m.n <= p_per_webhook - m.in_flight
         order by m.due_at, m.xid, m.seq
         limit p_limit
    ), leased as (
        -- the status test again under the row lock: a concurrent claim took it first
        update vq.webhook_deliveries d
           set status = 'delivering', lease_owner = p_worker, lease_token = gen_random_uuid(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               attempts = d.attempts + 1,
               first_attempt_at = coalesce(d.first_attempt_at, now())
          from picked p
         where d.id = p.id and d.video_id = p.video_id
           and (d.status = 'pending' or (d.status = 'delivering' and d.lease_expires_at <= now()))
        returning d.*
    )
    select l.id, l.video_id, l.webhook_id, w.url, w.secret, l.payload::text, l.attempts, l.lease_token
      from leased l join vq.webhooks w on w.id = l.webhook_id
     order by l.xid, l.seq;
end
$$;
comment on function vq.claim_webhook_deliveries is
'Leases to p_worker for p_lease_seconds (default 60) up to p_limit (default 10) deliveries due now, with their URL, secret and body: only the earliest open event of each video per subscription, at most p_per_webhook (default 4) in flight per subscription, expired leases taken again. For vqdb webhooks run.
Errors: 22004 an argument is null; 22023 p_worker blank; 22001 p_worker too long; 22003 p_limit, p_lease_seconds or p_per_webhook out of its range (limits: vq._limit).';
