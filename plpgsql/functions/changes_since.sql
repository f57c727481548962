-- API: the change feed after a position, in order, with no gap and no repeat
-- (vq._feed says how: a position per node, each read below its oldest running
-- transaction).
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
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    return query
    select f."position", f.at, f.video_id, f.kind, f.quality, f.quality_id, f.value, f.error_code
      from vq._feed(p_position, p_limit) f;
end
$$;
comment on function vq.changes_since is
'The change feed: up to p_limit (default 1000) events after p_position (null: from the oldest kept), in order, each with its position; call again with the last position received to continue, with no gap and no repeat. A position is opaque text (one server: xid/seq; sharded: one xid/seq per node). Events: video_created, video_status, video_deleted, quality_created, quality_status (error_code when failed), quality_restarted, quality_updated (metadata), default_changed; value is the new status or the default''s label. Events are kept 7 days unless vq.prune_changes says otherwise.
Errors: 22004 p_limit is null; 22003 p_limit not in [1, 1000]; 22023 p_position is not a position, or is older than the feed keeps.';
