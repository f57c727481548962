-- API (a dispatcher's): the outcome of one attempt, under its lease. A 2xx
-- status delivers it; anything else (or no answer: p_http_status null, with
-- p_error) makes it due again after a backoff of 1 s doubling per attempt, at
-- most 60 s, until its subscription's retry time since the first attempt is
-- over: then it is failed, and vq.replay_webhook_delivery queues it again.
create or replace function vq.complete_webhook_delivery(
    p_delivery_id uuid,
    p_video_id    uuid,
    p_lease_token uuid,
    p_http_status integer default null,
    p_error       text default null
) returns text
language plpgsql
as $$
declare
    v_delivery vq.webhook_deliveries;
    v_retry_for integer;
begin
    perform vq._require_not_null('p_delivery_id', p_delivery_id);
    perform vq._require_not_null('p_video_id', p_video_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    perform vq._require_text('p_error', p_error);
    select * into v_delivery from vq.webhook_deliveries d
     where d.id = p_delivery_id and d.video_id = p_video_id for update;
    if not found or v_delivery.status <> 'delivering'
       or v_delivery.lease_token is distinct from p_lease_token then
        raise exception 'lease lost: delivery % is not leased with this token', p_delivery_id
            using errcode = 'object_not_in_prerequisite_state';     -- 55000
    end if;
    if p_http_status between 200 and 299 then
        update vq.webhook_deliveries
           set status = 'delivered', delivered_at = now(), last_status = p_http_status,
               last_error = null, lease_expires_at = null
         where id = p_delivery_id and video_id = p_video_id;
        return 'delivered';
    end if;
    select w.retry_for_seconds into v_retry_for from vq.webhooks w where w.id = v_delivery.webhook_id;
    update vq.webhook_deliveries
       set status = case when now() + make_interval(secs => least(60, 2 ^ (v_delivery.attempts - 1)))
                               > v_delivery.first_attempt_at + make_interval(secs => v_retry_for)
                         then 'failed' else 'pending' end,
           due_at = now() + make_interval(secs => least(60, 2 ^ (v_delivery.attempts - 1))),
           last_status = p_http_status, last_error = left(p_error, 10000),
           lease_expires_at = null
     where id = p_delivery_id and video_id = p_video_id
    returning status into v_delivery.status;
    return v_delivery.status;
end
$$;
comment on function vq.complete_webhook_delivery is
'Records the attempt of the delivery p_delivery_id (of the video p_video_id, as claimed) under lease p_lease_token: p_http_status 2xx delivers it; another status or none (p_error says why) makes it due again after 1 s doubling per attempt (at most 60 s), or failed once its subscription''s retry time since the first attempt is over. Returns the new status (delivered, pending, failed).
Errors: 22004 p_delivery_id, p_video_id or p_lease_token is null; 22001 p_error too long; 55000 lease lost (another dispatcher took it after this lease expired, or it was completed); 22P02 an argument is not a UUID.';
