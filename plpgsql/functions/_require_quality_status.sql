-- Internal: a quality status argument must be one of vq.quality_statuses.
create or replace function vq._require_quality_status(p_argument text, p_status text)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_status is not null
       and not exists (select 1 from vq.quality_statuses where status = p_status) then
        raise exception '% = % is not a quality status (pending, processing, ready, failed)',
            p_argument, quote_literal(left(p_status, 100))
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
end
$$;
comment on function vq._require_quality_status is
'Internal. Raises 22023 when p_status is not null and not a known quality status.';
