-- API: the end of a failed encode. The error is recorded; the quality goes back
-- to pending, due after a backoff that grows with its attempts (vq._retry_delay),
-- while it has attempts left and the error is retryable; otherwise it is failed.
create or replace function vq.fail_quality(
    p_quality_id    uuid,
    p_lease_token   uuid,
    p_error_code    text,
    p_error_message text default null,
    p_retryable     boolean default true,
    p_video_id      uuid default null
) returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
    v_retry   boolean;
begin
    perform vq._require_text('p_error_code', p_error_code, true);
    perform vq._require_text('p_error_message', p_error_message);
    perform vq._require_not_null('p_retryable', p_retryable);
    v_quality := vq._leased_quality(p_quality_id, p_lease_token, '{pending,failed}', p_video_id);
    if v_quality.lease_expires_at is null then
        return v_quality;                                   -- a repeat: already done
    end if;
    v_retry := p_retryable and v_quality.attempts < v_quality.max_attempts;
    if v_retry then
        v_quality.due_at := now() + vq._retry_delay(v_quality.attempts, v_quality.retry_seconds);
    end if;
    -- the new due time computed above, from the locked row: sharded by video,
    -- Citus takes no now() inside a CASE of an update
    update vq.video_qualities
       set status = case when v_retry then 'pending' else 'failed' end,
           due_at = v_quality.due_at,
           error_code = p_error_code, error_message = p_error_message,
           lease_expires_at = null              -- ended by its holder: keep owner and token
     where id = p_quality_id and video_id = v_quality.video_id
    returning * into v_quality;
    return v_quality;
end
$$;
comment on function vq.fail_quality is
'Records the error p_error_code (and p_error_message) of the attempt under lease p_lease_token on the quality p_quality_id and returns the row: pending again, due after 30 s doubling per attempt (at most 1 h), while attempts < max_attempts and p_retryable; otherwise failed. A repeat of the call returns the row unchanged. p_video_id (optional: the quality''s video) spares a look-up on a sharded catalog.
Errors: 22004 p_quality_id, p_lease_token, p_error_code or p_retryable is null; 22023 p_error_code is blank; 22001 p_error_code longer than 64 or p_error_message longer than 10000; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';
