-- API: the videos, newest first, a page at a time: keyset pagination, so that a
-- page deep in a million videos costs what the first one does (an index range,
-- never an OFFSET that reads every row before it). p_after is the id of the last
-- video of the previous page. Filters: a status, and a title prefix, without
-- regard to case (the console's search box).
create or replace function vq.list_videos(
    p_status       text default null,
    p_title_prefix text default null,
    p_after        uuid default null,
    p_limit        integer default 50
) returns setof vq.videos
language plpgsql
stable
as $$
declare
    v_after  vq.videos;
    v_filter text := '';
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    perform vq._require_text('p_status', p_status);
    if p_status is not null
       and not exists (select 1 from vq.video_statuses where status = p_status) then
        raise exception 'p_status = % is not a video status (draft, published, processing)',
            quote_literal(p_status)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    if p_after is not null then
        select * into v_after from vq.videos where id = p_after;
        if not found then
            raise exception 'p_after = % is not a video (deleted since the page was read?): '
                            'start again from the first page', p_after
                using errcode = 'no_data_found';                    -- P0002
        end if;
    end if;

    -- Only the filters given, so that each shape of call is planned for its own
    -- index: (status, created_at, id), (lower(title) text_pattern_ops), (created_at, id).
    -- The prefix is a range of the pattern operators: a LIKE would need its
    -- wildcards escaped, and the range uses the index whatever the plan.
    if p_status is not null then
        v_filter := v_filter || ' and v.status = $1';
    end if;
    if p_title_prefix is not null then
        v_filter := v_filter || ' and lower(v.title) ~>=~ lower($2)'
                             || ' and lower(v.title) ~<~ (lower($2) || chr(1114111))';
    end if;
    if p_after is not null then
        v_filter := v_filter || ' and (v.created_at, v.id) < ($3, $4)';
    end if;
    return query execute
        'select * from vq.videos v where true' || v_filter
        || ' order by v.created_at desc, v.id desc limit $5'
        using p_status, p_title_prefix, v_after.created_at, v_after.id, p_limit;
end
$$;
comment on function vq.list_videos is
'Returns up to p_limit videos, newest first (by created_at, then id), of status p_status and whose title starts with p_title_prefix (case-insensitive) when given; the next page is the call with p_after = the id of the last video returned. A read function.
Errors: 22004 p_limit is null; 22003 p_limit out of its range (limits: vq._limit); 22001 p_status too long; 22023 p_status is not draft, published or processing; P0002 p_after is not a video; 22P02 p_after is not a UUID.';
