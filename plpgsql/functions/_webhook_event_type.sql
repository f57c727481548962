-- Internal: the webhook type of a change feed event: quality.ready,
-- quality.failed, video.ladder_finished, video.deleted, ... (the one place
-- the names are written; vq.create_webhook checks p_events against it).
create or replace function vq._webhook_event_type(p_kind text, p_value text)
returns text
language plpgsql
immutable
as $$
begin
    return case p_kind
        when 'video_created'     then 'video.created'
        when 'video_status'      then 'video.status'
        when 'video_deleted'     then 'video.deleted'
        when 'ladder_finished'   then 'video.ladder_finished'
        when 'default_changed'   then 'video.default_changed'
        when 'quality_created'   then 'quality.created'
        when 'quality_status'    then 'quality.' || p_value     -- quality.ready, quality.failed...
        when 'quality_restarted' then 'quality.restarted'
        when 'quality_reclaimed' then 'quality.reclaimed'
        when 'quality_updated'   then 'quality.updated'
    end;
end
$$;
comment on function vq._webhook_event_type is
'Internal. The webhook type (video.created, video.status, video.deleted, video.ladder_finished, video.default_changed, quality.created, quality.pending/processing/ready/failed, quality.restarted, quality.reclaimed, quality.updated) of a feed event of kind p_kind and value p_value. Raises nothing.';
