-- The way back from 0300.webhooks.

drop function vq._webhook_event_type(text,text);

drop function vq.claim_webhook_deliveries(text,integer,integer,integer);

drop function vq.complete_webhook_delivery(uuid,uuid,uuid,integer,text);

drop function vq.create_webhook(text,text,text[],integer);

drop function vq.list_webhook_deliveries(uuid,text,integer);

drop function vq.list_webhooks();

drop function vq.queue_webhook_deliveries(integer);

drop function vq.replay_webhook_delivery(uuid);

drop function vq.set_webhook_active(uuid,boolean);

drop table vq.webhook_deliveries;

drop table vq.webhooks;

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
        ('vq.quality_attempts', 'video_id'),
        ('vq.deleted_videos', 'id'),
        ('vq.changes', 'video_id');
end
$function$;
comment on function vq._distribution() is 'Internal. The layout sharded by video: every table of vq with the column holding its video id (distributed, co-located with vq.videos) or null (a reference table), vq.videos first. Raises nothing.';

alter function vq._distribution() owner to vq_owner;

revoke all on function vq._distribution() from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._limit(p_argument text)
 RETURNS numrange
 LANGUAGE plpgsql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
return case p_argument
    -- texts: length
    when 'p_title'          then numrange(0, 500, '[]')
    when 'p_description'    then numrange(0, 10000, '[]')
    when 'p_url'            then numrange(0, 2048, '[]')
    when 'p_thumbnail_url'  then numrange(0, 2048, '[]')
    when 'p_quality'        then numrange(0, 64, '[]')
    when 'p_status'         then numrange(0, 64, '[]')
    when 'p_codec'          then numrange(0, 64, '[]')
    when 'p_container'      then numrange(0, 64, '[]')
    when 'p_pixel_format'   then numrange(0, 64, '[]')
    when 'p_color_space'    then numrange(0, 64, '[]')
    when 'p_audio_codec'    then numrange(0, 64, '[]')
    when 'p_aspect_ratio'   then numrange(0, 64, '[]')
    when 'p_error_message'  then numrange(0, 10000, '[]')
    when 'p_worker'         then numrange(0, 200, '[]')
    when 'p_error_code'     then numrange(0, 64, '[]')
    when 'p_codecs'         then numrange(0, 200, '[]')
    -- numbers: value
    when 'p_duration'          then numrange(0, 1e6, '[]')        -- seconds: 11.5 days
    when 'p_file_size'         then numrange(0, 1e13, '[]')       -- bytes: 10 TB
    when 'p_bitrate'           then numrange(0, 1000000, '[]')    -- kbps: 1 Gbit/s
    when 'p_peak_bitrate'      then numrange(0, 1000000, '[]')    -- kbps
    when 'p_resolution_width'  then numrange(1, 32768, '[]')
    when 'p_resolution_height' then numrange(1, 32768, '[]')
    when 'p_fps'               then numrange(0.001, 1000, '[]')   -- so fps > 0
    when 'p_audio_bitrate'     then numrange(0, 100000, '[]')     -- kbps
    when 'p_audio_channels'    then numrange(0, 64, '[]')
    when 'p_audio_sample_rate' then numrange(0, 768000, '[]')     -- Hz
    when 'p_frame_count'       then numrange(0, 1e10, '[]')
    when 'p_encoding_time'     then numrange(0, 1e7, '[]')        -- seconds
    when 'p_limit'             then numrange(1, 1000, '[]')       -- qualities per claim
    when 'p_lease_seconds'     then numrange(1, 86400, '[]')      -- a day
    when 'p_retry_seconds'     then numrange(1, 3600, '[]')       -- the first retry's wait
    when 'p_progress'          then numrange(0, 100, '[]')        -- percent
    when 'p_max_attempts'      then numrange(1, 100, '[]')
    when 'p_minutes'           then numrange(1, 10080, '[]')      -- a week, in minutes
end;
end
$function$;
comment on function vq._limit(text) is 'Internal. The allowed range of the argument p_argument (of its length for a text, of its value for a number), or null when it has none. Raises nothing.';

alter function vq._limit(text) owner to vq_owner;

revoke all on function vq._limit(text) from public, vq_worker, vq_reader;
