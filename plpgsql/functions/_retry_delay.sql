-- Internal: how long a failed attempt waits before the quality is due again:
-- p_first_seconds (the quality's retry_seconds; 30 s when it has none) after the
-- first, doubling with each attempt, at most an hour. The one place the backoff
-- is written; docs/sql-api.md states it and a test reads it.
-- PL/pgSQL for the reason vq._limit is.
create or replace function vq._retry_delay(p_attempts integer, p_first_seconds integer default null)
returns interval
language plpgsql
immutable
parallel safe
as $$
begin
    return least(make_interval(secs => coalesce(p_first_seconds, 30))
                 * power(2, greatest(p_attempts, 1) - 1),
                 interval '1 hour');
end
$$;
comment on function vq._retry_delay is
'Internal. The backoff after the p_attempts-th failed attempt: p_first_seconds (default 30 s), doubling, at most 1 hour. Raises nothing.';
