-- API: subscribes a receiver to the change feed: from now on, every event of
-- the types p_events (null: every type) is delivered to p_url as a Standard
-- Webhooks request signed with p_secret, and retried for p_retry_for_seconds.
-- The secret is never returned, logged or put in an error message.
create or replace function vq.create_webhook(
    p_url               text,
    p_secret            text,
    p_events            text[] default null,
    p_retry_for_seconds integer default null
) returns table (
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
as $$
declare
    v_unknown text;
    v_id      uuid;
begin
    perform vq._require_text('p_url', p_url, true);
    perform vq._require_not_null('p_secret', p_secret);
    perform vq._require_range('p_retry_for_seconds', p_retry_for_seconds);
    if p_url !~ '^https?://[^\s/?#]+' then
        raise exception 'p_url = % is not an http(s) URL', quote_literal(left(p_url, 100))
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    -- Standard Webhooks' form: whsec_ then base64 of 24 to 64 bytes
    if p_secret !~ '^(whsec_)?[A-Za-z0-9+/]{32,88}={0,2}$' then
        raise exception 'p_secret is not a Standard Webhooks secret (whsec_ then base64 of '
                        '24 to 64 random bytes)'
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    select e into v_unknown from unnest(p_events) e
     where e is null
        or e not in (select vq._webhook_event_type(k, v)
                       from unnest(array['video_created', 'video_status', 'video_deleted',
                                         'ladder_finished', 'default_changed',
                                         'quality_created', 'quality_restarted',
                                         'quality_reclaimed', 'quality_updated']) k,
                            (values (null::text)) x(v)
                     union all
                     select vq._webhook_event_type('quality_status', s.status)
                       from vq.quality_statuses s)
     limit 1;
    if found then
        raise exception 'p_events has %, not an event type', coalesce(quote_literal(v_unknown), 'a null')
            using errcode = 'invalid_parameter_value',              -- 22023
                  hint = 'video.created, video.status, video.deleted, video.ladder_finished, '
                         'video.default_changed, quality.created, quality.<status>, '
                         'quality.restarted, quality.reclaimed, quality.updated';
    end if;
    -- from now on: every event of a transaction at or above the oldest one running
    insert into vq.webhooks as w (url, secret, events, retry_for_seconds, after_position)
    values (p_url, p_secret, p_events, coalesce(p_retry_for_seconds, 86400), vq._feed_now())
    returning w.id into v_id;
    return query select * from vq.list_webhooks() l where l.id = v_id;  -- one shape
end
$$;
comment on function vq.create_webhook is
'Subscribes the receiver at p_url (http or https) to the feed''s events of the types p_events (null: all; video.created, video.status, video.deleted, video.ladder_finished, video.default_changed, quality.created, quality.<status>, quality.restarted, quality.reclaimed, quality.updated) from now on, signed with p_secret (Standard Webhooks: whsec_ then base64), each retried for p_retry_for_seconds (default 86400); returns the subscription as vq.list_webhooks does (never its secret).
Errors: 22004 p_url or p_secret is null; 22023 p_url blank or not http(s), p_secret not a Standard Webhooks secret, an unknown event type; 22001 p_url too long; 22003 p_retry_for_seconds out of its range (limits: vq._limit).';
