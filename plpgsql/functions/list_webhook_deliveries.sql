-- API: a subscription's delivery records, newest event first: what a receiver's
-- operator reads to see what was sent, when, and what came back.
create or replace function vq.list_webhook_deliveries(
    p_webhook_id uuid,
    p_status     text default null,
    p_limit      integer default 100
) returns table (
    id               uuid,
    webhook_id       uuid,
    "position"       text,
    video_id         uuid,
    type             text,
    status           text,
    attempts         integer,
    last_status      integer,
    last_error       text,
    first_attempt_at timestamptz,
    delivered_at     timestamptz,
    due_at           timestamptz,
    created_at       timestamptz
)
language plpgsql
stable
as $$
begin
    perform vq._require_not_null('p_webhook_id', p_webhook_id);
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    perform vq._require_text('p_status', p_status);
    return query
    select d.id, d.webhook_id, d.xid::text || '/' || d.seq::text, d.video_id, d.type, d.status,
           d.attempts, d.last_status, d.last_error, d.first_attempt_at, d.delivered_at,
           d.due_at, d.created_at
      from vq.webhook_deliveries d
     where d.webhook_id = p_webhook_id and (p_status is null or d.status = p_status)
     order by d.xid desc, d.seq desc
     limit p_limit;
end
$$;
comment on function vq.list_webhook_deliveries is
'Returns up to p_limit (default 100) delivery records of the subscription p_webhook_id, newest event first, of status p_status (pending, delivering, delivered, failed; null: any): the event''s position, video and type, attempts, the last HTTP status and error, first attempt and delivery times. A read function.
Errors: 22004 p_webhook_id or p_limit is null; 22003 p_limit out of its range; 22001 p_status too long; 22P02 p_webhook_id is not a UUID.';
