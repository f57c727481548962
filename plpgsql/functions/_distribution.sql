-- Internal: how the catalog is laid out when it is sharded by video with Citus
-- (docs/scaling.md): each table of vq, either distributed by the column that
-- holds its video's id (all of them co-located with vq.videos, so that one
-- video's rows are on one node), a reference table (small, copied to every
-- node), or left a plain table of the coordinator (a cache of its own). The one place this is written: `vqdb distribute` applies it, and the
-- pgTAP rules (tests/pgtap/distribution_rules.sql) check every table against
-- it, on every build, without Citus.
create or replace function vq._distribution()
returns table (table_name regclass, video_column name, kind text)
language plpgsql
stable
as $$
begin
    return query values
        ('vq.quality_levels'::regclass, null::name, 'reference'),
        ('vq.video_statuses', null, 'reference'),
        ('vq.quality_statuses', null, 'reference'),
        ('vq.quality_status_transitions', null, 'reference'),
        ('vq.changes_pruned', null, 'reference'),
        ('vq.webhooks', null, 'reference'),                 -- a few subscriptions
        ('vq.claim_candidates', null, 'coordinator'),       -- the claim's cache
        ('vq.videos', 'id', 'distributed'),                 -- first: the others are co-located with it
        ('vq.video_qualities', 'video_id', 'distributed'),
        ('vq.quality_attempts', 'video_id', 'distributed'),
        ('vq.deleted_videos', 'id', 'distributed'),
        ('vq.changes', 'video_id', 'distributed'),
        ('vq.webhook_deliveries', 'video_id', 'distributed');
end
$$;
comment on function vq._distribution is
'Internal. The layout sharded by video: every table of vq, its kind (distributed by the column holding its video id, co-located with vq.videos; reference; or coordinator: left a plain table there) and that column, vq.videos first. Raises nothing.';
