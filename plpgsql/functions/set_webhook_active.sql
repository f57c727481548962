-- API: pauses (false) or resumes (true) a subscription. Paused, its events are
-- still queued as deliveries but none is sent; resumed, they go out in order.
create or replace function vq.set_webhook_active(p_webhook_id uuid, p_active boolean)
returns boolean
language plpgsql
as $$
begin
    perform vq._require_not_null('p_webhook_id', p_webhook_id);
    perform vq._require_not_null('p_active', p_active);
    update vq.webhooks set active = p_active where id = p_webhook_id;
    return found;
end
$$;
comment on function vq.set_webhook_active is
'Pauses (p_active false) or resumes the subscription p_webhook_id: paused, its deliveries wait; true when it exists.
Errors: 22004 an argument is null; 22P02 p_webhook_id is not a UUID.';
