-- API: the failed attempts of the last p_minutes per error code, most first: what
-- is going wrong now (an expired lease counts as lease_expired, a failure
-- without a code as unknown). Reads the attempt history by its end time.
create or replace function vq.recent_failure_counts(p_minutes integer default 60)
returns table (
    error_code text,
    count      bigint
)
language plpgsql
stable
as $$
begin
    perform vq._require_not_null('p_minutes', p_minutes);
    perform vq._require_range('p_minutes', p_minutes);
    return query
    select c.code, count(*)
      from (select case when a.outcome = 'expired' then 'lease_expired'
                        else coalesce(a.error_code, 'unknown') end as code
              from vq.quality_attempts a
             where a.ended_at >= now() - p_minutes * interval '1 minute'
               and a.outcome in ('failed', 'expired')) c
     group by c.code
     order by count(*) desc, c.code;
end
$$;
comment on function vq.recent_failure_counts is
'Returns the attempts that failed in the last p_minutes (default 60) per error code, most first; an expired lease counts as lease_expired, a failure without a code as unknown.
Errors: 22004 p_minutes is null; 22003 p_minutes out of its range (limits: vq._limit).';
