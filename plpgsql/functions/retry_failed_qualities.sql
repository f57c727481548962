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
    v_count bigint := 0;
    v_row   record;
begin
    perform vq._require_text('p_quality', p_quality);
    perform vq._require_text('p_error_code', p_error_code);
    if p_quality is not null
       and not exists (select 1 from vq.quality_levels where label = p_quality) then
        raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
            quote_literal(p_quality)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    -- one row per statement, by its video: sharded with Citus, a row lock must
    -- name the shard (docs/scaling.md)
    for v_row in select q.video_id, q.id from vq.video_qualities q
                  where q.status = 'failed'
                    and (p_quality is null or q.quality = p_quality)
                    and (p_error_code is null or q.error_code = p_error_code)
                  order by q.id loop
        update vq.video_qualities q set status = 'pending'
         where q.video_id = v_row.video_id and q.id = v_row.id and q.status = 'failed'
           and (p_quality is null or q.quality = p_quality)
           and (p_error_code is null or q.error_code = p_error_code);
        if found then
            v_count := v_count + 1;
        end if;
    end loop;
    if v_count > 0 then
        perform pg_notify('vq_work', '');
    end if;
    return v_count;
end
$$;
comment on function vq.retry_failed_qualities is
'Retries every failed quality of the label p_quality whose error_code is p_error_code (null: any); each becomes pending, due now, with a new series of attempts. Returns how many.
Errors: 22001 p_quality or p_error_code too long; 22023 p_quality is not in vq.quality_levels.';
