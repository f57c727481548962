-- API: the default quality of a video.
create or replace function vq.get_default_quality(p_video_id uuid)
returns setof vq.video_qualities
language plpgsql
stable
as $$
begin
    if p_video_id is null then   -- the helper names it; a statement only when needed
        perform vq._require_not_null('p_video_id', p_video_id);
    end if;
    return query
        select * from vq.video_qualities where video_id = p_video_id and is_default;
end
$$;
comment on function vq.get_default_quality is
'Returns the default quality of the video p_video_id: one row, or no row when it has none or does not exist.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID.';
