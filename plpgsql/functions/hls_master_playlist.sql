-- API: the HLS master (multivariant) playlist of a video, rendered from its
-- committed rows in one snapshot, so that the playlist, the default and the feed
-- never disagree. A variant is a ready quality whose url is a media playlist
-- (.m3u8) and that has what a player needs of it: peak and average bit rate,
-- resolution, frame rate and codecs (RFC 6381). The default comes first (players
-- start with the first variant), then the ladder from the top. A quality left out
-- is named in a comment line with the reason, so that a missing rung is visible.
create or replace function vq.hls_master_playlist(p_video_id uuid)
returns text
language plpgsql
stable
as $$
declare
    v_lines text[] := array['#EXTM3U', '#EXT-X-VERSION:3'];
    v_quality record;
    v_average bigint;   -- bits per second
begin
    if p_video_id is null then   -- the helper names it; a statement only when needed
        perform vq._require_not_null('p_video_id', p_video_id);
    end if;
    perform 1 from vq.videos where id = p_video_id;
    if not found then
        raise exception 'p_video_id = % does not exist', p_video_id
            using errcode = 'no_data_found';                        -- P0002
    end if;
    for v_quality in
        select q.*,
               case
                   when q.status <> 'ready' then 'not ready (' || q.status || ')'
                   when q.url !~* '^[^\s#][^\r\n]*\.m3u8(\?[^\r\n]*)?$'
                       then 'its url is not a media playlist (.m3u8)'
                   when q.peak_bitrate is null then 'no peak_bitrate'
                   when q.bitrate is null then 'no bitrate'
                   when q.resolution_width is null or q.resolution_height is null
                       then 'no resolution'
                   when q.fps is null then 'no fps'
                   when q.codecs is null then 'no codecs'
               end as left_out
          from vq.video_qualities q
          join vq.quality_levels l on l.label = q.quality
         where q.video_id = p_video_id
         order by q.is_default desc, l.rank
    loop
        if v_quality.left_out is not null then
            v_lines := v_lines || format('# vqdb: %s left out: %s', v_quality.quality,
                                         v_quality.left_out);
            continue;
        end if;
        -- the whole rendition's bytes over its time, container included, where the
        -- catalog has them (what AVERAGE-BANDWIDTH means); else its streams' rates
        v_average := coalesce(round(v_quality.file_size * 8 / nullif(v_quality.duration, 0)),
                              (v_quality.bitrate + coalesce(v_quality.audio_bitrate, 0))::bigint
                                  * 1000);
        v_lines := v_lines
            || format('#EXT-X-STREAM-INF:BANDWIDTH=%s,AVERAGE-BANDWIDTH=%s,RESOLUTION=%sx%s,'
                      'FRAME-RATE=%s,CODECS="%s"',
                      greatest(v_quality.peak_bitrate::bigint * 1000, v_average), v_average,
                      v_quality.resolution_width, v_quality.resolution_height,
                      to_char(v_quality.fps, 'FM99990.000'), v_quality.codecs)
            || v_quality.url;
    end loop;
    return array_to_string(v_lines, E'\n') || E'\n';
end
$$;
comment on function vq.hls_master_playlist is
'Returns the HLS master playlist of the video p_video_id: one #EXT-X-STREAM-INF variant (BANDWIDTH from peak_bitrate, AVERAGE-BANDWIDTH from file_size over duration, else bitrate plus audio_bitrate, RESOLUTION, FRAME-RATE, CODECS) per ready quality whose url is a .m3u8 media playlist and that has that metadata, the default first, then in ladder order; every other quality is a "# vqdb: <label> left out: <reason>" comment line. A read function.
Errors: 22004 p_video_id is null; P0002 the video does not exist; 22P02 p_video_id is not a UUID.';
