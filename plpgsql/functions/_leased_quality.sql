-- Internal: fencing. The row of the quality p_quality_id, locked, when the caller
-- holds its lease under p_lease_token: the lease is live (processing, with an
-- expiry; a lease past its expiry that nobody has claimed again is still the
-- caller's), or a lease call under this token ended it and left the quality in
-- one of p_repeat_statuses (the caller's own earlier call, repeated after its
-- answer was lost; the caller sees lease_expires_at null and answers the same).
-- Anything else -- another worker's lease, a release, a restart, a completion by
-- another writer, a deleted quality -- raises 55000, and the caller changes nothing.
-- p_video_id, when the caller knows it, spares the look-up of the video (on
-- every shard when the catalog is sharded by video).
create or replace function vq._leased_quality(
    p_quality_id       uuid,
    p_lease_token      uuid,
    p_repeat_statuses  text[],
    p_video_id         uuid default null
) returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
    v_video   uuid := p_video_id;
begin
    perform vq._require_not_null('p_quality_id', p_quality_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    -- the video first, then the row locked by its whole key: a lock has to name
    -- the shard when the catalog is sharded by video (docs/scaling.md)
    if v_video is null then
        select video_id into v_video from vq.video_qualities where id = p_quality_id;
    end if;
    select * into v_quality from vq.video_qualities
     where id = p_quality_id and video_id = v_video
       for no key update;
    if not found then
        raise exception 'lease lost: quality % does not exist (deleted)%', p_quality_id,
            case when p_video_id is not null then format(' or is not of video %s', p_video_id) else '' end
            using errcode = 'object_not_in_prerequisite_state',     -- 55000
                  hint = 'stop working on it';
    end if;
    if v_quality.lease_token is distinct from p_lease_token
       or (v_quality.lease_expires_at is null
           and v_quality.status <> all (p_repeat_statuses)) then
        raise exception 'lease lost: quality % is %', p_quality_id,
            case when v_quality.lease_expires_at is not null
                 then format('leased to %s under another token', v_quality.lease_owner)
                 else format('%s and not leased', v_quality.status) end
            using errcode = 'object_not_in_prerequisite_state',     -- 55000
                  hint = 'stop working on it: another worker took it, or it was released, '
                      || 'restarted, completed or changed by another writer';
    end if;
    return v_quality;
end
$$;
comment on function vq._leased_quality is
'Internal. Locks and returns the quality p_quality_id (of the video p_video_id when given) when p_lease_token is its live lease (or the lease whose call left it in one of p_repeat_statuses). Raises 22004 for a null argument, 55000 (lease lost) otherwise.';
