-- Internal: validates a numeric argument of the API against its allowed range.
create or replace function vq.require_range(
    p_argument text,
    p_value    numeric,
    p_min      numeric,
    p_max      numeric
) returns void
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_value < p_min or p_value > p_max then
        raise exception '% = % is out of range [%, %]', p_argument, p_value, p_min, p_max
            using errcode = 'numeric_value_out_of_range';           -- 22003
    end if;
end
$$;
alter function vq.require_range(text, numeric, numeric, numeric) owner to vq_owner;
revoke all on function vq.require_range(text, numeric, numeric, numeric) from public;
comment on function vq.require_range(text, numeric, numeric, numeric) is
'Internal. Raises 22003 when p_value is outside [p_min, p_max]; null passes.';
