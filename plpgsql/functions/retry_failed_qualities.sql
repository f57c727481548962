-- API: retry every failed quality of the label p_quality whose last error code
-- is p_error_code (null: any label, any code), in one call: each becomes pending
-- and due now with a new series of attempts, as vq.update_video_quality_status
-- does for one. What an operator runs after fixing the cause of a class of
-- failures. The rows are taken in id order, as every other writer takes them.
create or replace function vq.retry_failed_qualities(
    p_quality    text default null,
    p_error_code text default null
) returns bigint
language plpgsql
as $$
declare
    v_count bigint;
begin
    perform vq._require_text('p_quality', p_quality);
    perform vq._require_text('p_error_code', p_error_code);
    if p_quality is not null
       and not exists (select 1 from vq.quality_levels where label = p_quality) then
        raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
            quote_literal(p_quality)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    with failed as (
        select q.id, q.video_id
          from vq.video_qualities q
         where q.status = 'failed'
           and (p_quality is null or q.quality = p_quality)
           and (p_error_code is null or q.error_code = p_error_code)
         order by q.id
           for no key update
    )
    update vq.video_qualities q set status = 'pending'
      from failed f
     where q.id = f.id and q.video_id = f.video_id;
    get diagnostics v_count = row_count;
    if v_count > 0 then
        perform pg_notify('vq_work', '');
    end if;
    return v_count;
end
$$;
comment on function vq.retry_failed_qualities is
'Retries every failed quality of the label p_quality whose error_code is p_error_code (null: any); each becomes pending, due now, with a new series of attempts. Returns how many.
Errors: 22001 p_quality or p_error_code too long; 22023 p_quality is not in vq.quality_levels.';
