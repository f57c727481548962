-- API: a worker's sign of life. Extends the lease by p_lease_seconds (by the
-- claim's length when null) from now, records p_progress; returns the new expiry.
-- A heartbeat after the expiry still counts while nobody has claimed the
-- quality again.
create or replace function vq.heartbeat_quality(
    p_quality_id    uuid,
    p_lease_token   uuid,
    p_progress      real default null,
    p_lease_seconds integer default null,
    p_video_id      uuid default null
) returns timestamptz
language plpgsql
as $$
declare
    v_expires timestamptz;
    v_video   uuid := p_video_id;
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_quality_id is null or p_lease_token is null
       or not coalesce(p_progress::numeric <@ vq._limit('p_progress'), true)
       or not coalesce(p_lease_seconds::numeric <@ vq._limit('p_lease_seconds'), true) then
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_lease_token', p_lease_token);
        perform vq._require_range('p_progress', p_progress::numeric);
        perform vq._require_range('p_lease_seconds', p_lease_seconds);
    end if;
    if v_video is null then     -- the write names the video: one shard when sharded
        select video_id into v_video from vq.video_qualities where id = p_quality_id;
    end if;
    update vq.video_qualities
       set lease_expires_at = now() + make_interval(secs => coalesce(p_lease_seconds, lease_seconds)),
           lease_seconds = coalesce(p_lease_seconds, lease_seconds),
           progress = coalesce(p_progress, progress)
     where id = p_quality_id and video_id = v_video and lease_token = p_lease_token
       and lease_expires_at is not null         -- the fencing, in the write itself
    returning lease_expires_at into v_expires;
    if not found then
        perform vq._leased_quality(p_quality_id, p_lease_token, '{}', p_video_id);   -- raises: lease lost
    end if;
    return v_expires;
end
$$;
comment on function vq.heartbeat_quality is
'Extends the lease p_lease_token of the quality p_quality_id by p_lease_seconds from now (null: the length it was claimed for), records p_progress (percent) when given, and returns the new lease_expires_at. p_video_id (optional: the quality''s video) spares a look-up on a sharded catalog. Accepted after the expiry as long as no other worker has claimed the quality.
Errors: 22004 p_quality_id or p_lease_token is null; 22003 p_progress not in [0, 100] or p_lease_seconds not in [1, 86400]; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';
