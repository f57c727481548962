-- API (a dispatcher's): turns the feed's new events into delivery records, for
-- every active subscription whose types they match, and moves each
-- subscription's position past them, in one transaction: an event becomes
-- exactly one delivery per subscription, never none. Reads as the feed does
-- (below the oldest running transaction: gapless). A subscription another
-- dispatcher is queueing for is skipped. Returns the deliveries made.
create or replace function vq.queue_webhook_deliveries(p_limit integer default 1000)
returns integer
language plpgsql
as $$
declare
    v_id      uuid;
    v_webhook vq.webhooks;
    v_last    record;
    v_total   integer := 0;
    v_count   integer;
    v_xmin    xid8 := pg_snapshot_xmin(pg_current_snapshot());
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    for v_id in select w.id from vq.webhooks w where w.active order by w.id loop
        -- its own statement: another dispatcher queueing for it makes this one skip it
        select * into v_webhook from vq.webhooks w
         where w.id = v_id and w.active for update skip locked;
        continue when not found;
        select c.xid, c.seq into v_last
          from (select c.xid, c.seq from vq.changes c
                 where (c.xid, c.seq) > (v_webhook.after_xid, v_webhook.after_seq)
                   and c.xid < v_xmin
                 order by c.xid, c.seq limit p_limit) c
         order by c.xid desc, c.seq desc limit 1;
        continue when not found;
        insert into vq.webhook_deliveries (webhook_id, xid, seq, video_id, type, payload)
        select v_webhook.id, c.xid, c.seq, c.video_id, t.type,
               jsonb_build_object(
                   'type', t.type, 'video_id', c.video_id,
                   'position', c.xid::text || '/' || c.seq::text,
                   'data', jsonb_strip_nulls(jsonb_build_object(
                       'kind', c.kind, 'at', c.at, 'quality', c.quality,
                       'quality_id', c.quality_id, 'value', c.value,
                       'error_code', c.error_code)))
          from vq.changes c
         cross join lateral (select vq._webhook_event_type(c.kind, c.value) as type) t
         where (c.xid, c.seq) > (v_webhook.after_xid, v_webhook.after_seq)
           and (c.xid, c.seq) <= (v_last.xid, v_last.seq)
           and (v_webhook.events is null or t.type = any (v_webhook.events))
        on conflict (webhook_id, xid, seq, video_id) do nothing;
        get diagnostics v_count = row_count;
        v_total := v_total + v_count;
        update vq.webhooks set after_xid = v_last.xid, after_seq = v_last.seq
         where id = v_webhook.id;
    end loop;
    return v_total;
end
$$;
comment on function vq.queue_webhook_deliveries is
'Turns up to p_limit (default 1000) new feed events per active subscription into delivery records (one per event and matching subscription) and moves the subscription past them; returns how many deliveries it made. For vqdb webhooks run.
Errors: 22004 p_limit is null; 22003 p_limit out of its range (limits: vq._limit).';
