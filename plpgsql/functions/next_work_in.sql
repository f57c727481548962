-- API: how long a worker with nothing to do may sleep: the seconds until the
-- next pending quality is due (a retry's backoff) or the next lease expires (a
-- worker that died), measured on the server's clock so that a worker's own
-- clock does not matter. A new quality wakes waiting workers by NOTIFY vq_work;
-- these two moments notify nobody, so a worker waits until the sooner of this
-- and its poll interval. Each is the head of a partial index of the queue.
create or replace function vq.next_work_in(p_qualities text[] default null)
returns double precision
language plpgsql
stable
as $$
declare
    v_next timestamptz;
begin
    select least(
             (select min(due_at) from vq.video_qualities
               where status = 'pending' and (p_qualities is null or quality = any (p_qualities))),
             (select min(lease_expires_at) from vq.video_qualities
               where status = 'processing'
                 and (p_qualities is null or quality = any (p_qualities))))
      into v_next;
    if v_next is null then
        return null;  -- (greatest would make it 0)
    end if;
    return greatest(extract(epoch from v_next - now()), 0);
end
$$;
comment on function vq.next_work_in is
'Seconds until a pending quality (of the labels p_qualities, default all) is due or a processing one''s lease expires, whichever is sooner; 0 when one is due or expired now; null when there is neither.
Errors: 22P02 p_qualities is not an array of text (an unknown label matches nothing).';
