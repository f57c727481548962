-- Trigger: the rules of a quality's status, enforced for every writer (API
-- functions, DBAs, future migrations), not only for the API:
--   * a change of status must be listed in vq.quality_status_transitions
--     (a change to the same status is a no-op and always allowed);
--   * entering 'processing' starts the clock, entering 'ready' or 'failed' stops it;
--   * going back to 'pending' (failed -> pending: queued again) clears both clocks,
--     as a restart by create_video_quality does: a pending quality has not started
--     and has not completed;
--   * a default that leaves 'ready' stops being the default in the same statement;
--   * only a processing quality has a live lease: leaving 'processing' ends it.
--     A lease call that ends it (complete, fail, release) clears the expiry
--     itself and keeps the owner and token, so that its repeat is recognised;
--     any other writer leaves no trace of the lease, so the worker that held
--     it is refused from then on. Entering 'processing' without a lease (a
--     writer that is not claim_qualities) drops an old lease's trace too.
--     Progress is 100 when ready, unknown when pending or failed;
--   * entering 'pending' makes the quality due now unless the writer set due_at
--     (fail_quality's backoff); failed -> pending (queued again by hand) begins
--     a new series of attempts;
--   * max_attempts given as null is the column's default;
--   * a bit rate in bits per second given as kbps is refused: a stream cannot
--     average more than the whole file (size x 8 / duration); a bit rate over
--     twice that plus 64 kbps (room for a container whose duration differs from
--     its streams') fails naming the three values. A mix-up is 1000 times;
--   * a peak bit rate below the average bit rate is refused (the two swapped).
create or replace function vq._video_qualities_before_write()
returns trigger
language plpgsql
as $$
declare
    v_status_changed boolean := tg_op = 'INSERT' or new.status is distinct from old.status;
    v_file_kbps      double precision;
begin
    if new.file_size is not null and new.duration > 0
       and (tg_op = 'INSERT' or (new.bitrate, new.audio_bitrate, new.file_size, new.duration)
                                is distinct from
                                (old.bitrate, old.audio_bitrate, old.file_size, old.duration)) then
        v_file_kbps := new.file_size * 8 / new.duration / 1000;
        if greatest(new.bitrate, new.audio_bitrate) > 2 * v_file_kbps + 64 then
            raise exception 'bitrate = % kbps, audio_bitrate = % kbps: more than the whole file''s % kbps (file_size = % bytes over duration = % s) can hold; bits per second given as kbps?',
                new.bitrate, new.audio_bitrate, round(v_file_kbps::numeric, 1), new.file_size,
                new.duration
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
    end if;

    -- a peak below the video's own average is two values swapped
    if new.peak_bitrate < new.bitrate
       and (tg_op = 'INSERT' or (new.peak_bitrate, new.bitrate)
                                is distinct from (old.peak_bitrate, old.bitrate)) then
        raise exception 'peak_bitrate = % kbps is below bitrate = % kbps, the average: swapped?',
            new.peak_bitrate, new.bitrate
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;

    if tg_op = 'UPDATE' and v_status_changed then
        if not exists (select 1 from vq.quality_status_transitions
                        where from_status = old.status and to_status = new.status) then
            raise exception 'quality % cannot change status from % to %', old.id, old.status, new.status
                using errcode = 'invalid_parameter_value',          -- 22023
                      hint = vq._allowed_transitions();
        end if;
        if old.status = 'ready' then
            new.is_default := false;
        end if;
    end if;

    if new.status = 'processing' then
        new.processing_completed_at := null;
        -- entering 'processing' restarts the clock unless the writer gave a start time
        if new.processing_started_at is null
           or (tg_op = 'UPDATE' and v_status_changed
               and new.processing_started_at = old.processing_started_at) then
            new.processing_started_at := now();
        end if;
    elsif new.status = 'pending' and tg_op = 'UPDATE' and v_status_changed then
        new.processing_completed_at := null;
        -- keep a start time the writer gave; drop the one of the attempt that ended
        if new.processing_started_at = old.processing_started_at then
            new.processing_started_at := null;
        end if;
    elsif new.status in ('ready', 'failed')
          and (v_status_changed or new.processing_completed_at is null) then
        -- a worker's clock may run ahead of the server's: never finish before the start
        new.processing_completed_at := greatest(now(), new.processing_started_at);
    end if;

    if new.status <> 'processing' or new.lease_expires_at is null then
        if new.lease_expires_at is not null
           or (new.status = 'processing' and v_status_changed) then
            new.lease_owner := null;
            new.lease_token := null;
        end if;
        new.lease_expires_at := null;
        new.lease_seconds := null;
    end if;
    if new.status <> 'processing' then
        new.progress := case when new.status = 'ready' then 100 end;
    end if;
    if new.status = 'pending' and tg_op = 'UPDATE' and v_status_changed then
        if new.due_at = old.due_at then
            new.due_at := now();
        end if;
        if old.status = 'failed' then
            new.attempts := 0;
        end if;
    end if;
    -- the column's default (3) for an API call that gave none; a test pins the two together
    new.max_attempts := coalesce(new.max_attempts,
                                 case when tg_op = 'UPDATE' then old.max_attempts end, 3);
    -- pending with no attempt left (an operator took the last one back from its
    -- worker): one more, or its claim would break the limit and fail every
    -- worker's claim behind it
    if new.status = 'pending' and new.attempts >= new.max_attempts then
        new.attempts := new.max_attempts - 1;
    end if;

    new.updated_at := now();
    return new;
end
$$;
comment on function vq._video_qualities_before_write is
'Trigger of vq.video_qualities. Raises 22023 for a status change not listed in vq.quality_status_transitions; keeps processing_started_at/processing_completed_at and is_default consistent with the status (processing: started, not completed; ready/failed: completed; back to pending: neither); ends the lease of a quality that leaves processing; makes a quality that returns to pending due now (unless due_at is set) and, from failed, resets its attempts, and gives a pending quality with no attempt left one more; max_attempts defaults to 3; raises 22023 for a bitrate or audio_bitrate over twice (+ 64 kbps) what file_size and duration allow (bits per second given as kbps), and for a peak_bitrate below bitrate.';
