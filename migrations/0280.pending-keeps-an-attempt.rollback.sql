-- The way back from 0280.pending-keeps-an-attempt.

CREATE OR REPLACE FUNCTION vq._video_qualities_before_write()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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

    new.updated_at := now();
    return new;
end
$function$;
comment on function vq._video_qualities_before_write() is 'Trigger of vq.video_qualities. Raises 22023 for a status change not listed in vq.quality_status_transitions; keeps processing_started_at/processing_completed_at and is_default consistent with the status (processing: started, not completed; ready/failed: completed; back to pending: neither); ends the lease of a quality that leaves processing; makes a quality that returns to pending due now (unless due_at is set) and, from failed, resets its attempts; max_attempts defaults to 3; raises 22023 for a bitrate or audio_bitrate over twice (+ 64 kbps) what file_size and duration allow (bits per second given as kbps).';

alter function vq._video_qualities_before_write() owner to vq_owner;

revoke all on function vq._video_qualities_before_write() from public, vq_worker, vq_reader;
