-- Internal: a quality status argument must be one of vq.quality_statuses, and
-- first within its length (vq._limit), as every text argument: a status too long
-- is 22001 here as in vq.update_video_status.
create or replace function vq._require_quality_status(p_argument text, p_status text)
returns void
language plpgsql
stable
as $$
begin
    perform vq._require_text(p_argument, p_status);
    if p_status is not null
       and not exists (select 1 from vq.quality_statuses where status = p_status) then
        raise exception '% = % is not a quality status (pending, processing, ready, failed)',
            p_argument, quote_literal(left(p_status, 100))
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
end
$$;
comment on function vq._require_quality_status is
'Internal. Raises 22001 when p_status is longer than the limit of p_argument (vq._limit), 22023 when it is not null and not a known quality status.';
