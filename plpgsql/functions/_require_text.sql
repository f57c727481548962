-- Internal: validates a text argument of the API: its length (vq._limit), and
-- its presence when required.
create or replace function vq._require_text(
    p_argument text,
    p_value    text,
    p_required boolean default false
) returns void
language plpgsql
immutable
as $$
declare
    v_limit numrange;
begin
    if p_value is null then
        if p_required then
            raise exception '% is required', p_argument
                using errcode = 'null_value_not_allowed';           -- 22004
        end if;
        return;
    end if;
    if p_required and btrim(p_value) = '' then
        raise exception '% must not be empty', p_argument
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    v_limit := vq._limit(p_argument);
    if not length(p_value)::numeric <@ v_limit then
        raise exception '% is % characters long, at most % allowed (value starts with %)',
            p_argument, length(p_value), upper(v_limit), quote_literal(left(p_value, 40))
            using errcode = 'string_data_right_truncation';         -- 22001
    end if;
end
$$;
comment on function vq._require_text is
'Internal. Raises 22004 when a required argument is null, 22023 when it is blank, 22001 when it is longer than its limit (vq._limit).';
