-- The triggers: the status rules of vq._video_qualities_before_write hold for
-- every writer (API, DBAs, migrations), every change of a video moves its
-- updated_at, and every change a reader cares about goes to the feed
-- (vq.changes), once per statement.
create trigger video_qualities_before_write
    before insert or update on vq.video_qualities
    for each row execute function vq._video_qualities_before_write();
create trigger videos_before_update
    before update on vq.videos
    for each row execute function vq._videos_before_update();
-- The feed: row triggers whose WHEN clause (evaluated without calling PL/pgSQL)
-- skips the writes no reader waits for, heartbeats above all.
create trigger video_qualities_changes_insert
    after insert on vq.video_qualities
    for each row execute function vq._quality_changes();
create trigger video_qualities_changes_update
    after update on vq.video_qualities
    for each row
    -- what a reader sees changed: not a heartbeat (progress, the lease's expiry)
    when (old.status is distinct from new.status
          or new.attempts < old.attempts
          or old.is_default is distinct from new.is_default
          or old.url is distinct from new.url
          or old.file_size is distinct from new.file_size
          or old.bitrate is distinct from new.bitrate
          or old.resolution_width is distinct from new.resolution_width
          or old.resolution_height is distinct from new.resolution_height
          or old.codec is distinct from new.codec
          or old.container is distinct from new.container
          or old.duration is distinct from new.duration
          or old.fps is distinct from new.fps
          or old.pixel_format is distinct from new.pixel_format
          or old.color_space is distinct from new.color_space
          or old.audio_codec is distinct from new.audio_codec
          or old.audio_bitrate is distinct from new.audio_bitrate
          or old.audio_channels is distinct from new.audio_channels
          or old.audio_sample_rate is distinct from new.audio_sample_rate
          or old.aspect_ratio is distinct from new.aspect_ratio
          or old.frame_count is distinct from new.frame_count
          or old.encoding_time is distinct from new.encoding_time
          or old.error_message is distinct from new.error_message)
    execute function vq._quality_changes();
create trigger videos_changes_insert
    after insert on vq.videos
    for each row execute function vq._video_changes();
create trigger videos_changes_update
    after update of status on vq.videos
    for each row when (old.status is distinct from new.status)
    execute function vq._video_changes();
create trigger videos_changes_delete
    after delete on vq.videos
    for each row execute function vq._video_changes();
