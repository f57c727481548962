-- Internal: validates a text argument of the API (length, and presence when required).
create or replace function vq.require_text(
    p_argument   text,
    p_value      text,
    p_max_length integer,
    p_required   boolean default false
) returns void
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
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
    if length(p_value) > p_max_length then
        raise exception '% is % characters long, at most % allowed (value starts with %)',
            p_argument, length(p_value), p_max_length, quote_literal(left(p_value, 40))
            using errcode = 'string_data_right_truncation';         -- 22001
    end if;
end
$$;
alter function vq.require_text(text, text, integer, boolean) owner to vq_owner;
revoke all on function vq.require_text(text, text, integer, boolean) from public;
comment on function vq.require_text(text, text, integer, boolean) is
'Internal. Raises 22004 when a required argument is null, 22023 when it is blank, 22001 when it is longer than p_max_length.';
