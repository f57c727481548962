-- API: one video by id.
create or replace function vq.get_video(p_video_id uuid)
returns setof vq.videos
language plpgsql
stable
as $$
begin
    if p_video_id is null then   -- the helper names it; a statement only when needed
        perform vq._require_not_null('p_video_id', p_video_id);
    end if;
    return query select * from vq.videos where id = p_video_id;
end
$$;
comment on function vq.get_video is
'Returns the video p_video_id: one row, or no row when there is no such video.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID (raised by the cast of the argument).';
