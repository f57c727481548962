-- API: the encodes that ended in each of the last p_minutes minutes, ready or
-- failed (expired leases counted as failed), oldest minute first, every minute
-- listed: the console's chart. Reads the attempt history by its end time.
create or replace function vq.attempts_per_minute(p_minutes integer default 60)
returns table (
    minute timestamptz,
    ready  bigint,
    failed bigint
)
language plpgsql
stable
as $$
begin
    perform vq._require_not_null('p_minutes', p_minutes);
    perform vq._require_range('p_minutes', p_minutes);
    return query
    select m.minute,
           count(a.ended_at) filter (where a.outcome = 'ready'),
           count(a.ended_at) filter (where a.outcome in ('failed', 'expired'))
      from generate_series(date_trunc('minute', now()) - (p_minutes - 1) * interval '1 minute',
                           date_trunc('minute', now()), interval '1 minute') m(minute)
      left join vq.quality_attempts a
        on a.ended_at >= m.minute and a.ended_at < m.minute + interval '1 minute'
       and a.ended_at >= date_trunc('minute', now()) - (p_minutes - 1) * interval '1 minute'
     group by m.minute
     order by m.minute;
end
$$;
comment on function vq.attempts_per_minute is
'Returns one row per minute of the last p_minutes (default 60, the current minute last): how many attempts ended ready and how many failed (an expired lease included), 0 when none.
Errors: 22004 p_minutes is null; 22003 p_minutes out of its range (limits: vq._limit).';
