-- API: every quality of a video, in the order of vq.quality_levels.rank
-- (2160p, 1440p, 1080p, 720p, 480p, 360p, 240p, 144p, original).
create or replace function vq.list_qualities_ordered(p_video_id uuid)
returns setof vq.video_qualities
language plpgsql
stable
as $$
begin
    if p_video_id is null then   -- the helper names it; a statement only when needed
        perform vq._require_not_null('p_video_id', p_video_id);
    end if;
    return query
        select q.*
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.video_id = p_video_id
         order by l.rank;
end
$$;
comment on function vq.list_qualities_ordered is
'Returns every quality of the video p_video_id, highest first: 2160p, 1440p, 1080p, 720p, 480p, 360p, 240p, 144p, original (the order of vq.quality_levels.rank). No row when the video has none or does not exist.
Errors: 22004 p_video_id is null; 22P02 p_video_id is not a UUID.';
