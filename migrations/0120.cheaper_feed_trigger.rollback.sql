-- The way back from 0120.cheaper_feed_trigger.

drop trigger video_qualities_changes_update on vq.video_qualities;

CREATE OR REPLACE FUNCTION vq._quality_changes()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    if tg_op = 'INSERT' then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'quality_created', new.quality, new.id, new.status);
    elsif new.status is distinct from old.status then
        insert into vq.changes (video_id, kind, quality, quality_id, value, error_code)
        values (new.video_id, 'quality_status', new.quality, new.id, new.status,
                case when new.status = 'failed' then new.error_code end);
    elsif new.attempts < old.attempts then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'quality_restarted', new.quality, new.id, new.status);
    elsif new.is_default = old.is_default then
        -- the metadata (a cached ladder shows it); a default moving is default_changed
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'quality_updated', new.quality, new.id, new.status);
    end if;
    if new.is_default and (tg_op = 'INSERT' or not old.is_default) then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        values (new.video_id, 'default_changed', new.quality, new.id, new.quality);
    end if;
    -- wakes LISTEN vq_changes (followers of the feed) within milliseconds, one per
    -- transaction (PostgreSQL folds repeats). Off unless vq.notify_changes = on: a
    -- notifying commit takes a cluster-wide lock, measured at -26% of the worker
    -- flow's throughput at 8 threads (docs/benchmarks.md); followers poll anyway.
    if current_setting('vq.notify_changes', true) = 'on' then
        perform pg_notify('vq_changes', '');
    end if;
    return null;
end
$function$;
comment on function vq._quality_changes() is 'Trigger of vq.video_qualities (after each row that matters): writes quality_created, quality_status (with error_code when failed), quality_restarted, quality_updated (metadata) and default_changed events to vq.changes. Raises nothing.';

alter function vq._quality_changes() owner to vq_owner;

revoke all on function vq._quality_changes() from public, vq_worker, vq_reader;

CREATE TRIGGER video_qualities_changes_update AFTER UPDATE ON vq.video_qualities FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) OR (new.attempts < old.attempts) OR (old.is_default IS DISTINCT FROM new.is_default) OR (old.url IS DISTINCT FROM new.url) OR (old.file_size IS DISTINCT FROM new.file_size) OR (old.bitrate IS DISTINCT FROM new.bitrate) OR (old.resolution_width IS DISTINCT FROM new.resolution_width) OR (old.resolution_height IS DISTINCT FROM new.resolution_height) OR (old.codec IS DISTINCT FROM new.codec) OR (old.container IS DISTINCT FROM new.container) OR (old.duration IS DISTINCT FROM new.duration) OR (old.fps IS DISTINCT FROM new.fps) OR (old.pixel_format IS DISTINCT FROM new.pixel_format) OR (old.color_space IS DISTINCT FROM new.color_space) OR (old.audio_codec IS DISTINCT FROM new.audio_codec) OR (old.audio_bitrate IS DISTINCT FROM new.audio_bitrate) OR (old.audio_channels IS DISTINCT FROM new.audio_channels) OR (old.audio_sample_rate IS DISTINCT FROM new.audio_sample_rate) OR (old.aspect_ratio IS DISTINCT FROM new.aspect_ratio) OR (old.frame_count IS DISTINCT FROM new.frame_count) OR (old.encoding_time IS DISTINCT FROM new.encoding_time) OR (old.error_message IS DISTINCT FROM new.error_message))) EXECUTE FUNCTION vq._quality_changes();
