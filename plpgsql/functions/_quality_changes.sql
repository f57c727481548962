-- Trigger (after each row that may matter: see triggers.sql): the feed's events
-- of vq.video_qualities. A heartbeat changes nothing a reader waits for
-- (progress and the lease's expiry) and does not even call this. A restart that
-- keeps the status is told from a plain write by the attempts it resets; a
-- restart of a quality no worker has claimed yet, with its status unchanged,
-- changes nothing a reader waits for. One insert for the quality's event, one
-- for a new default. (ladder_finished: vq._ladder_finished, at commit.)
create or replace function vq._quality_changes()
returns trigger
language plpgsql
as $$
declare
    v_kind text;
begin
    if tg_op = 'INSERT' then
        v_kind := 'quality_created';
    elsif new.status is distinct from old.status then
        v_kind := 'quality_status';
    elsif new.attempts < old.attempts then
        v_kind := 'quality_restarted';
    elsif new.lease_token is distinct from old.lease_token and old.lease_expires_at < now() then
        v_kind := 'quality_reclaimed';  -- its lease expired and another worker took it
    elsif new.is_default = old.is_default      -- a default moving is default_changed
          -- the metadata, which a cached ladder shows
          and (new.url, new.file_size, new.bitrate, new.resolution_width,
               new.resolution_height, new.codec, new.container, new.duration, new.fps,
               new.pixel_format, new.color_space, new.audio_codec, new.audio_bitrate,
               new.audio_channels, new.audio_sample_rate, new.aspect_ratio, new.frame_count,
               new.encoding_time, new.error_message, new.codecs, new.color_primaries,
               new.color_transfer, new.color_range, new.rotation,
               new.peak_bitrate)
              is distinct from
              (old.url, old.file_size, old.bitrate, old.resolution_width,
               old.resolution_height, old.codec, old.container, old.duration, old.fps,
               old.pixel_format, old.color_space, old.audio_codec, old.audio_bitrate,
               old.audio_channels, old.audio_sample_rate, old.aspect_ratio, old.frame_count,
               old.encoding_time, old.error_message, old.codecs, old.color_primaries,
               old.color_transfer, old.color_range, old.rotation,
               old.peak_bitrate) then
        v_kind := 'quality_updated';
    end if;
    if v_kind is not null then
        insert into vq.changes (video_id, kind, quality, quality_id, value, error_code)
        values (new.video_id, v_kind, new.quality, new.id, new.status,
                case when v_kind = 'quality_status' and new.status in ('failed', 'pending')
                     then new.error_code      -- a failure, or a retry after one
                     when v_kind = 'quality_reclaimed' then 'lease_expired' end);
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
$$;
comment on function vq._quality_changes is
'Trigger of vq.video_qualities (after each row that matters): writes quality_created, quality_status (with error_code when failed, or pending again after a failure), quality_restarted, quality_reclaimed (an expired lease taken by another worker; error_code lease_expired), quality_updated (metadata) and default_changed events to vq.changes. Raises nothing.';
