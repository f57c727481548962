-- Internal: how the catalog is laid out when it is sharded by video with Citus
-- (docs/scaling.md): each table of vq, either distributed by the column that
-- holds its video's id (all of them co-located with vq.videos, so that one
-- video's rows are on one node) or a reference table (small, copied to every
-- node). The one place this is written: `vqdb distribute` applies it, and the
-- pgTAP rules (tests/pgtap/distribution_rules.sql) check every table against
-- it, on every build, without Citus.
create or replace function vq._distribution()
returns table (table_name regclass, video_column name)  -- video_column null: a reference table
language plpgsql
stable
as $$
begin
    return query values
        ('vq.quality_levels'::regclass, null::name),
        ('vq.video_statuses', null),
        ('vq.quality_statuses', null),
        ('vq.quality_status_transitions', null),
        ('vq.changes_pruned', null),
        ('vq.webhooks', null),                -- a few subscriptions
        ('vq.videos', 'id'),                  -- first: the others are co-located with it
        ('vq.video_qualities', 'video_id'),
        ('vq.quality_attempts', 'video_id'),
        ('vq.deleted_videos', 'id'),
        ('vq.changes', 'video_id'),
        ('vq.webhook_deliveries', 'video_id');
end
$$;
comment on function vq._distribution is
'Internal. The layout sharded by video: every table of vq with the column holding its video id (distributed, co-located with vq.videos) or null (a reference table), vq.videos first. Raises nothing.';
