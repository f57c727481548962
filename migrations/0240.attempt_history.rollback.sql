-- The way back from 0240.attempt_history.

drop trigger video_qualities_attempts on vq.video_qualities;

drop function vq._quality_attempts();

drop function vq.list_quality_attempts(uuid);

drop function vq.list_video_quality_attempts(uuid,uuid);

drop table vq.quality_attempts;

CREATE OR REPLACE FUNCTION vq._distribution()
 RETURNS TABLE(table_name regclass, video_column name)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    return query values
        ('vq.quality_levels'::regclass, null::name),
        ('vq.video_statuses', null),
        ('vq.quality_statuses', null),
        ('vq.quality_status_transitions', null),
        ('vq.changes_pruned', null),
        ('vq.videos', 'id'),                  -- first: the others are co-located with it
        ('vq.video_qualities', 'video_id'),
        ('vq.deleted_videos', 'id'),
        ('vq.changes', 'video_id');
end
$function$;
comment on function vq._distribution() is 'Internal. The layout sharded by video: every table of vq with the column holding its video id (distributed, co-located with vq.videos) or null (a reference table), vq.videos first. Raises nothing.';

alter function vq._distribution() owner to vq_owner;

revoke all on function vq._distribution() from public, vq_worker, vq_reader;
