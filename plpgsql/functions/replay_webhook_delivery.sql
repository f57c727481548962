-- API: sends a delivery again, from the start of a new retry time: a failed one
-- once its receiver is back, or a delivered one a receiver asks for again.
create or replace function vq.replay_webhook_delivery(p_delivery_id uuid)
returns text
language plpgsql
as $$
begin
    perform vq._require_not_null('p_delivery_id', p_delivery_id);
    update vq.webhook_deliveries
       set status = 'pending', due_at = now(), attempts = 0, first_attempt_at = null,
           delivered_at = null, lease_owner = null, lease_token = null, lease_expires_at = null
     where id = p_delivery_id and status in ('failed', 'delivered');
    if not found then
        raise exception 'p_delivery_id = % is not a failed or delivered delivery', p_delivery_id
            using errcode = 'no_data_found';                        -- P0002
    end if;
    return 'pending';
end
$$;
comment on function vq.replay_webhook_delivery is
'Queues the failed or delivered delivery p_delivery_id again (same webhook-id, due now, a new retry time); returns pending.
Errors: 22004 p_delivery_id is null; P0002 not a failed or delivered delivery; 22P02 not a UUID.';
