-- API (a dispatcher's): turns the feed's new events into delivery records, for
-- every active subscription whose types they match, and moves each
-- subscription's position past them, in one transaction: an event becomes
-- exactly one delivery per subscription, never none. Reads the feed
-- (vq._feed: gapless). A subscription another
-- dispatcher is queueing for is skipped. Returns the deliveries made.
create or replace function vq.queue_webhook_deliveries(p_limit integer default 1000)
returns integer
language plpgsql
as $$
declare
    v_id      uuid;
    v_webhook vq.webhooks;
    v_event   record;
    v_last    text;
    v_total   integer := 0;
    v_count   integer;
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    -- Sharded with Citus: a reference table (vq.webhooks) is written after the
    -- feed's reads of every shard, which needs one connection per node (a
    -- placeholder setting on a server without Citus)
    perform set_config('citus.multi_shard_modify_mode', 'sequential', true);
    for v_id in select w.id from vq.webhooks w where w.active order by w.id loop
        -- its own statement: another dispatcher queueing for it makes this one skip it
        select * into v_webhook from vq.webhooks w
         where w.id = v_id and w.active for update skip locked;
        continue when not found;
        v_last := null;
        v_count := 0;
        -- one statement per event: an INSERT … SELECT from the feed's function
        -- would be a distributed query of its own when sharded
        for v_event in select * from vq._feed(v_webhook.after_position, p_limit) loop
            v_last := v_event."position";
            continue when v_webhook.events is not null
                      and vq._webhook_event_type(v_event.kind, v_event.value) <> all (v_webhook.events);
            insert into vq.webhook_deliveries (webhook_id, xid, seq, video_id, type, payload)
            values (v_webhook.id, v_event.xid, v_event.seq, v_event.video_id,
                    vq._webhook_event_type(v_event.kind, v_event.value),
                    jsonb_build_object(
                        'type', vq._webhook_event_type(v_event.kind, v_event.value),
                        'video_id', v_event.video_id,
                        'position', v_event."position",
                        'data', jsonb_strip_nulls(jsonb_build_object(
                            'kind', v_event.kind, 'at', v_event.at, 'quality', v_event.quality,
                            'quality_id', v_event.quality_id, 'value', v_event.value,
                            'error_code', v_event.error_code))))
            on conflict (webhook_id, xid, seq, video_id) do nothing;
            if found then
                v_count := v_count + 1;
            end if;
        end loop;
        continue when v_last is null;
        v_total := v_total + v_count;
        update vq.webhooks set after_position = v_last where id = v_webhook.id;
    end loop;
    return v_total;
end
$$;
comment on function vq.queue_webhook_deliveries is
'Turns up to p_limit (default 1000) new feed events per active subscription into delivery records (one per event and matching subscription) and moves the subscription past them; returns how many deliveries it made. For vqdb webhooks run.
Errors: 22004 p_limit is null; 22003 p_limit out of its range (limits: vq._limit).';
