-- Trigger (after an update that begins or ends a lease: see triggers.sql): the
-- attempt history. The attempt of the old lease, when one was running, ends
-- with what became of it; a new lease (a claim) begins an attempt.
create or replace function vq._quality_attempts()
returns trigger
language plpgsql
as $$
declare
    v_outcome  text;
    v_ended_at timestamptz := clock_timestamp();   -- Citus takes no volatile function in an update
begin
    if old.lease_token is not null then
        v_outcome := case
            when old.lease_expires_at < now() then 'expired'   -- its worker died or stalled
            when new.lease_token is distinct from old.lease_token then 'ended'
            when new.status = 'ready' then 'ready'
            when new.attempts < old.attempts and new.lease_token is not null then 'released'
            when new.status in ('pending', 'failed') and new.error_code is not null
                 and new.lease_token is not null then 'failed'
            else 'ended' end;                                  -- a restart, an operator
        update vq.quality_attempts
           set ended_at = v_ended_at, outcome = v_outcome, progress = old.progress,
               error_code = case when v_outcome = 'failed' then new.error_code end,
               error_message = case when v_outcome = 'failed' then new.error_message end
         where quality_id = old.id and lease_token = old.lease_token
           and video_id = old.video_id and ended_at is null;
    end if;
    if new.status = 'processing' and new.lease_token is distinct from old.lease_token
       and new.lease_token is not null then
        insert into vq.quality_attempts (video_id, quality_id, lease_token, attempt, worker)
        values (new.video_id, new.id, new.lease_token, new.attempts, new.lease_owner);
    end if;
    return null;
end
$$;
comment on function vq._quality_attempts is
'Trigger of vq.video_qualities (after an update that begins or ends a lease): ends the running attempt of the old lease in vq.quality_attempts with its outcome (ready, failed with its error, released, expired, ended) and last progress, and begins one for a new lease. Raises nothing.';
