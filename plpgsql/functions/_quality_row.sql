-- Internal: a vq.video_qualities row from a JSON object of the batch calls
-- (create_video_qualities, update_qualities_metadata, complete_and_claim_quality),
-- accepting what an encoder's report gives: a whole number written with a
-- fraction (1200.0) in an integer field, and a frame rate as a fraction
-- ("30000/1001"). Anything else of the wrong type fails naming its key and value.
create or replace function vq._quality_row(p_object jsonb)
returns vq.video_qualities
language plpgsql
stable
as $$
declare
    v_key    text;
    v_value  jsonb;
    v_type   text;
    v_number numeric;
    v_fixed  jsonb := p_object;
    v_state  text;
begin
    begin
        return jsonb_populate_record(null::vq.video_qualities, p_object);  -- the usual case
    exception when data_exception then
        null;  -- below: the accepted forms, then the key that is wrong
    end;
    for v_key, v_value, v_type in
        select e.key, e.value, format_type(a.atttypid, null)
          from jsonb_each(p_object) e
          join pg_attribute a on a.attrelid = 'vq.video_qualities'::regclass
                             and a.attname = e.key and not a.attisdropped
    loop
        begin
            if v_type in ('integer', 'bigint') and jsonb_typeof(v_value) = 'number' then
                v_number := v_value::numeric;
                if v_number = trunc(v_number) then
                    v_fixed := jsonb_set(v_fixed, array[v_key], to_jsonb(trunc(v_number)));
                end if;
            elsif v_type = 'double precision' and v_value #>> '{}' ~ '^\s*\d+\s*/\s*\d+\s*$' then
                v_number := split_part(v_value #>> '{}', '/', 1)::numeric
                            / split_part(v_value #>> '{}', '/', 2)::numeric;  -- 22012 for N/0
                v_fixed := jsonb_set(v_fixed, array[v_key], to_jsonb(v_number));
            end if;
            perform jsonb_populate_record(null::vq.video_qualities,
                                          jsonb_build_object(v_key, v_fixed -> v_key));
        exception when data_exception then  -- 22P02 not a number, 22003 too big, 22012 N/0...
            get stacked diagnostics v_state = returned_sqlstate;
            raise exception '% = % is not a valid %', v_key, v_value, v_type
                using errcode = v_state;
        end;
    end loop;
    return jsonb_populate_record(null::vq.video_qualities, v_fixed);
end
$$;
comment on function vq._quality_row is
'Internal. The vq.video_qualities row of a JSON object whose keys are its columns; a whole number with a fraction is taken for an integer column, "N/D" for a double precision one. Errors, naming the key and its value: 22P02 a value of the wrong type; 22003 a number too big for its column; 22012 a fraction over zero.';
