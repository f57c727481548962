-- API: the subscriptions, oldest first, with how their deliveries stand. Never
-- the secret.
create or replace function vq.list_webhooks()
returns table (
    id                uuid,
    url               text,
    events            text[],
    active            boolean,
    retry_for_seconds integer,
    created_at        timestamptz,
    pending           bigint,
    failed            bigint,
    delivered         bigint
)
language plpgsql
stable
as $$
begin
    return query
    select w.id, w.url, w.events, w.active, w.retry_for_seconds, w.created_at,
           count(d.id) filter (where d.status in ('pending', 'delivering')),
           count(d.id) filter (where d.status = 'failed'),
           count(d.id) filter (where d.status = 'delivered')
      from vq.webhooks w
      left join vq.webhook_deliveries d on d.webhook_id = w.id
     group by w.id
     order by w.created_at, w.id;
end
$$;
comment on function vq.list_webhooks is
'Returns every webhook subscription (never its secret), oldest first, with its deliveries pending (or in flight), failed and delivered.
Errors: none (no arguments).';
