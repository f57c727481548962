-- Internal: validates a metadata argument against its form (vq._form).
create or replace function vq._require_form(p_argument text, p_value text)
returns void
language plpgsql
immutable
as $$
declare
    v_form text[] := vq._form(p_argument);
begin
    if p_value !~ v_form[1] then
        raise exception '% = % is not %', p_argument, quote_literal(p_value), v_form[2]
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
end
$$;
comment on function vq._require_form is
'Internal. Raises 22023 when p_value (not null) does not have the form vq._form gives for p_argument.';
