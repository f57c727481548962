-- Internal: validates a numeric argument of the API against its range (vq._limit).
create or replace function vq._require_range(
    p_argument text,
    p_value    numeric
) returns void
language plpgsql
immutable
as $$
declare
    v_limit numrange;
begin
    if p_value is null then
        return;
    end if;
    v_limit := vq._limit(p_argument);
    if not p_value <@ v_limit then
        raise exception '% = % is out of range [%, %]',
            p_argument, p_value, lower(v_limit), upper(v_limit)
            using errcode = 'numeric_value_out_of_range';           -- 22003
    end if;
end
$$;
comment on function vq._require_range is
'Internal. Raises 22003 when p_value is outside the range of its argument (vq._limit); null passes.';
