-- Internal: a required argument of the API must not be null.
create or replace function vq._require_not_null(p_argument text, p_value anyelement)
returns void
language plpgsql
immutable
as $$
begin
    if p_value is null then
        raise exception '% is required', p_argument
            using errcode = 'null_value_not_allowed';               -- 22004
    end if;
end
$$;
comment on function vq._require_not_null is
'Internal. Raises 22004 when p_value is null.';
