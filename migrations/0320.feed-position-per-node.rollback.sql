-- The way back from 0320.feed-position-per-node.

set local citus.multi_shard_modify_mode to 'sequential';   -- as the way up
alter table vq.changes drop constraint changes_pkey;
alter table vq.changes add constraint changes_pkey primary key (xid, seq, video_id);
alter table vq.changes drop column node;
create temporary table pruned_kept on commit drop as
    select xid, seq from vq.changes_pruned where node = 0;
drop table vq.changes_pruned;
create table vq.changes_pruned (
    only_row boolean primary key default true check (only_row),
    xid      xid8 not null,
    seq      bigint not null
);
insert into vq.changes_pruned (xid, seq) select xid, seq from pruned_kept;
-- its owner and grants as every table of vq has them
do $$ begin perform vq._apply_privileges(); end $$;
-- back to one xid/seq (node 0's, or the first node's), before created_at
alter table vq.webhooks add column after_xid xid8;
alter table vq.webhooks add column after_seq bigint;
alter table vq.webhooks add column created_at_ timestamptz;
update vq.webhooks
   set after_xid = split_part(regexp_replace(split_part(after_position, ',', 1), '^[0-9]+:', ''), '/', 1)::xid8,
       after_seq = split_part(regexp_replace(split_part(after_position, ',', 1), '^[0-9]+:', ''), '/', 2)::bigint,
       created_at_ = created_at;
alter table vq.webhooks drop column created_at;
alter table vq.webhooks drop column after_position;
alter table vq.webhooks rename column created_at_ to created_at;
alter table vq.webhooks alter column after_xid set not null;
alter table vq.webhooks alter column after_seq set not null;
alter table vq.webhooks alter column created_at set not null;
alter table vq.webhooks alter column created_at set default now();


drop function vq._due_work(text[],integer);

drop function vq._feed(text,integer);

drop function vq._feed_now();

drop function vq._lease_candidate(text,integer,uuid,uuid,boolean);

drop function vq._node();

CREATE OR REPLACE FUNCTION vq._claim_on_shards(p_worker text, p_limit integer, p_lease_seconds integer, p_qualities text[])
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    c_fresh     constant interval := interval '1 second';
    v_candidate vq.claim_candidates;
    v_row       vq.video_qualities;
    v_claimed   integer := 0;
    v_scanned   boolean := false;
    v_taken     boolean;
    v_token     uuid;
begin
    while v_claimed < p_limit loop
        delete from vq.claim_candidates c
         where c.id = (select k.id from vq.claim_candidates k
                        where (p_qualities is null or k.quality = any (p_qualities))
                          and k.found_at > clock_timestamp() - c_fresh
                        order by k.expired desc, k.due
                        limit 1
                          for update skip locked)
        returning c.* into v_candidate;
        if not found then
            exit when v_scanned;            -- this call scanned already: no more due work
            delete from vq.claim_candidates where found_at <= clock_timestamp() - c_fresh;
            insert into vq.claim_candidates (id, video_id, quality, expired, due)
            select q.id, q.video_id, q.quality, q.status = 'processing',
                   coalesce(q.lease_expires_at, q.due_at)
              from vq.video_qualities q
             where ((q.status = 'processing' and q.lease_expires_at < now())
                    or (q.status = 'pending' and q.due_at <= now()))
               and (p_qualities is null or q.quality = any (p_qualities))
             -- the id last: concurrent scans insert common candidates in one order
             order by q.status = 'pending', coalesce(q.lease_expires_at, q.due_at), q.id
             limit greatest(p_limit * 2 + 8, 64)
            on conflict (id) do nothing;
            v_scanned := true;
            continue;
        end if;
        v_token := gen_random_uuid();
        if not v_candidate.expired then
            -- due work: checked and leased in one statement on its shard (the
            -- trigger starts the attempt and its clock)
            update vq.video_qualities q
               set status = 'processing', lease_owner = p_worker, lease_token = v_token,
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds),
                   lease_seconds = p_lease_seconds, attempts = q.attempts + 1, progress = null
             where q.video_id = v_candidate.video_id and q.id = v_candidate.id
               and q.status = 'pending' and q.due_at <= now()
            returning q.* into v_row;
            continue when not found;
        else
            select * into v_row
              from vq.video_qualities q
             where q.video_id = v_candidate.video_id and q.id = v_candidate.id
               and q.status = 'processing' and q.lease_expires_at < now()
               for no key update skip locked;
            continue when not found;
            -- the new values computed here, from the locked row: Citus takes no
            -- volatile function in an update, and no stable one inside a CASE. As
            -- claim_qualities: an expired lease with no attempt left becomes failed.
            v_taken := v_row.attempts < v_row.max_attempts;
            if v_taken then
                v_row.processing_started_at := now();
            else
                v_row.error_code := 'lease_expired';
                v_row.error_message := format('the lease of %s expired at %s, on attempt %s of %s',
                                              v_row.lease_owner, v_row.lease_expires_at,
                                              v_row.attempts, v_row.max_attempts);
            end if;
            update vq.video_qualities q
               set status = case when v_taken then 'processing' else 'failed' end,
                   error_code = v_row.error_code, error_message = v_row.error_message,
                   lease_owner = p_worker, lease_token = v_token,
                   lease_expires_at = now() + make_interval(secs => p_lease_seconds),
                   lease_seconds = p_lease_seconds, attempts = least(q.attempts + 1, q.max_attempts),
                   progress = null, processing_started_at = v_row.processing_started_at
             where q.video_id = v_row.video_id and q.id = v_row.id
            returning q.* into v_row;
        end if;
        if v_row.status = 'processing' then
            return next v_row;
            v_claimed := v_claimed + 1;
        end if;
    end loop;
end
$function$;
comment on function vq._claim_on_shards(text,integer,integer,text[]) is 'Internal: vq.claim_qualities for a catalog sharded by video (Citus): candidates from vq.claim_candidates, refilled by one scan of every shard when none fits or they are a second old, each leased by an update on its own shard; the same work in the same order, each quality leased once. Raises nothing of its own.';

alter function vq._claim_on_shards(text,integer,integer,text[]) owner to vq_owner;

revoke all on function vq._claim_on_shards(text,integer,integer,text[]) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.changes_since(p_position text DEFAULT NULL::text, p_limit integer DEFAULT 1000)
 RETURNS TABLE("position" text, at timestamp with time zone, video_id uuid, kind text, quality text, quality_id uuid, value text, error_code text)
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_xid     xid8 := '0'::xid8;
    v_seq     bigint := 0;
    v_pruned  vq.changes_pruned;
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    if p_position is not null then
        if p_position !~ '^[0-9]{1,20}/[0-9]{1,19}$' then
            raise exception 'p_position = % is not a position returned by vq.changes_since',
                quote_literal(left(p_position, 60))
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
        v_xid := split_part(p_position, '/', 1)::xid8;
        v_seq := split_part(p_position, '/', 2)::bigint;
        select * into v_pruned from vq.changes_pruned;
        if found and (v_xid, v_seq) < (v_pruned.xid, v_pruned.seq) then
            raise exception 'p_position = % is older than the feed keeps (pruned through %/%): '
                            'read the catalog again, then follow from vq.changes_since(null)',
                quote_literal(p_position), v_pruned.xid, v_pruned.seq
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
    end if;
    return query
    select c.xid::text || '/' || c.seq::text, c.at, c.video_id, c.kind, c.quality,
           c.quality_id, c.value, c.error_code
      from vq.changes c
     where (c.xid, c.seq) > (v_xid, v_seq)
       and c.xid < pg_snapshot_xmin(pg_current_snapshot())
     order by c.xid, c.seq
     limit p_limit;
end
$function$;
comment on function vq.changes_since(text,integer) is 'The change feed: up to p_limit (default 1000) events after p_position (null: from the oldest kept), in order, each with its position; call again with the last position received to continue, with no gap and no repeat. Events: video_created, video_status, video_deleted, quality_created, quality_status (error_code when failed), quality_restarted, quality_updated (metadata), default_changed; value is the new status or the default''s label. Events are kept 7 days unless vq.prune_changes says otherwise.
Errors: 22004 p_limit is null; 22003 p_limit not in [1, 1000]; 22023 p_position is not a position, or is older than the feed keeps.';

alter function vq.changes_since(text,integer) owner to vq_owner;

revoke all on function vq.changes_since(text,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.changes_since(text,integer) to vq_reader;

grant EXECUTE on function vq.changes_since(text,integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.create_webhook(p_url text, p_secret text, p_events text[] DEFAULT NULL::text[], p_retry_for_seconds integer DEFAULT NULL::integer)
 RETURNS TABLE(id uuid, url text, events text[], active boolean, retry_for_seconds integer, created_at timestamp with time zone, pending bigint, failed bigint, delivered bigint)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
    insert into vq.webhooks as w (url, secret, events, retry_for_seconds, after_xid, after_seq)
    values (p_url, p_secret, p_events, coalesce(p_retry_for_seconds, 86400),
            pg_snapshot_xmin(pg_current_snapshot()), 0)
    returning w.id into v_id;
    return query select * from vq.list_webhooks() l where l.id = v_id;  -- one shape
end
$function$;
comment on function vq.create_webhook(text,text,text[],integer) is 'Subscribes the receiver at p_url (http or https) to the feed''s events of the types p_events (null: all; video.created, video.status, video.deleted, video.ladder_finished, video.default_changed, quality.created, quality.<status>, quality.restarted, quality.reclaimed, quality.updated) from now on, signed with p_secret (Standard Webhooks: whsec_ then base64), each retried for p_retry_for_seconds (default 86400); returns the subscription as vq.list_webhooks does (never its secret).
Errors: 22004 p_url or p_secret is null; 22023 p_url blank or not http(s), p_secret not a Standard Webhooks secret, an unknown event type; 22001 p_url too long; 22003 p_retry_for_seconds out of its range (limits: vq._limit).';

alter function vq.create_webhook(text,text,text[],integer) owner to vq_owner;

revoke all on function vq.create_webhook(text,text,text[],integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.create_webhook(text,text,text[],integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.prune_changes(p_keep interval DEFAULT '7 days'::interval)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_count bigint;
    v_last  vq.changes;
begin
    perform vq._require_not_null('p_keep', p_keep);
    if p_keep < interval '0' then
        raise exception 'p_keep = % must not be negative', p_keep
            using errcode = 'numeric_value_out_of_range';           -- 22003
    end if;
    select * into v_last from vq.changes where at < now() - p_keep
     order by xid desc, seq desc limit 1;
    if not found then
        return 0;
    end if;
    delete from vq.changes where (xid, seq) <= (v_last.xid, v_last.seq);
    get diagnostics v_count = row_count;
    insert into vq.changes_pruned (xid, seq) values (v_last.xid, v_last.seq)
    on conflict (only_row) do update set xid = excluded.xid, seq = excluded.seq;
    return v_count;
end
$function$;
comment on function vq.prune_changes(interval) is 'Deletes the change feed''s events older than p_keep (default 7 days) and every event before them in feed order; returns how many. A consumer whose position is older then gets 22023 from vq.changes_since.
Errors: 22004 p_keep is null; 22003 p_keep is negative.';

alter function vq.prune_changes(interval) owner to vq_owner;

revoke all on function vq.prune_changes(interval) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.prune_changes(interval) to vq_worker;

CREATE OR REPLACE FUNCTION vq.queue_webhook_deliveries(p_limit integer DEFAULT 1000)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;
comment on function vq.queue_webhook_deliveries(integer) is 'Turns up to p_limit (default 1000) new feed events per active subscription into delivery records (one per event and matching subscription) and moves the subscription past them; returns how many deliveries it made. For vqdb webhooks run.
Errors: 22004 p_limit is null; 22003 p_limit out of its range (limits: vq._limit).';

alter function vq.queue_webhook_deliveries(integer) owner to vq_owner;

revoke all on function vq.queue_webhook_deliveries(integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.queue_webhook_deliveries(integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.retry_failed_qualities(p_quality text DEFAULT NULL::text, p_error_code text DEFAULT NULL::text)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_count bigint;
begin
    perform vq._require_text('p_quality', p_quality);
    perform vq._require_text('p_error_code', p_error_code);
    if p_quality is not null
       and not exists (select 1 from vq.quality_levels where label = p_quality) then
        raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
            quote_literal(p_quality)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    with failed as (
        select q.id, q.video_id
          from vq.video_qualities q
         where q.status = 'failed'
           and (p_quality is null or q.quality = p_quality)
           and (p_error_code is null or q.error_code = p_error_code)
         order by q.id
           for no key update
    )
    update vq.video_qualities q set status = 'pending'
      from failed f
     where q.id = f.id and q.video_id = f.video_id;
    get diagnostics v_count = row_count;
    if v_count > 0 then
        perform pg_notify('vq_work', '');
    end if;
    return v_count;
end
$function$;
comment on function vq.retry_failed_qualities(text,text) is 'Retries every failed quality of the label p_quality whose error_code is p_error_code (null: any); each becomes pending, due now, with a new series of attempts. Returns how many.
Errors: 22001 p_quality or p_error_code too long; 22023 p_quality is not in vq.quality_levels.';

alter function vq.retry_failed_qualities(text,text) owner to vq_owner;

revoke all on function vq.retry_failed_qualities(text,text) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.retry_failed_qualities(text,text) to vq_worker;
