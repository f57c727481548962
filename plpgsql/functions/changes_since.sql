-- API: the change feed after a position. A position is 'xid/seq': the writing
-- transaction's id, then the event's number. Events are handed out in position
-- order and only below the oldest transaction still running (the snapshot's
-- xmin): a sequence number drawn inside a transaction is not commit-ordered,
-- but a transaction below xmin has ended, so no event can ever appear behind a
-- position already returned. The price: a long-running write transaction holds
-- the feed back until it ends.
create or replace function vq.changes_since(
    p_position text default null,
    p_limit    integer default 1000
) returns table (
    "position" text,
    at         timestamptz,
    video_id   uuid,
    kind       text,
    quality    text,
    quality_id uuid,
    value      text,
    error_code text
)
language plpgsql
stable
as $$
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
$$;
comment on function vq.changes_since is
'The change feed: up to p_limit (default 1000) events after p_position (null: from the oldest kept), in order, each with its position; call again with the last position received to continue, with no gap and no repeat. Events: video_created, video_status, video_deleted, quality_created, quality_status (error_code when failed), quality_restarted, quality_updated (metadata), default_changed; value is the new status or the default''s label. Events are kept 7 days unless vq.prune_changes says otherwise.
Errors: 22004 p_limit is null; 22003 p_limit not in [1, 1000]; 22023 p_position is not a position, or is older than the feed keeps.';
