-- The way back from 0170.quality_status_length.

CREATE OR REPLACE FUNCTION vq._require_quality_status(p_argument text, p_status text)
 RETURNS void
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    if p_status is not null
       and not exists (select 1 from vq.quality_statuses where status = p_status) then
        raise exception '% = % is not a quality status (pending, processing, ready, failed)',
            p_argument, quote_literal(left(p_status, 100))
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
end
$function$;
comment on function vq._require_quality_status(text,text) is 'Internal. Raises 22023 when p_status is not null and not a known quality status.';

alter function vq._require_quality_status(text,text) owner to vq_owner;

revoke all on function vq._require_quality_status(text,text) from public, vq_worker, vq_reader;
