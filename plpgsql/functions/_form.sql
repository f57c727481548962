-- Internal: the form of a metadata argument that has a vocabulary, in one place
-- for its check (vq._require_form, the fast path of vq._require_quality_metadata)
-- and its message: {regular expression, what a value must be}. A blank value
-- means nothing in any of them; ffprobe's words for "not known" are not values
-- (leave the field null instead).
create or replace function vq._form(p_argument text)
returns text[]
language plpgsql
immutable
as $$
begin
    return case p_argument
        when 'p_container' then
            array['^[a-z0-9_]+$', 'a container''s short name in lower case (mp4, mkv, webm, mov, mpegts)']
        when 'p_aspect_ratio' then
            array['^[1-9][0-9]*:[1-9][0-9]*$', 'a display aspect ratio W:H of whole numbers (16:9)']
        when 'p_color_space' then
            array['^(?!(unknown|unspecified|reserved)$)\S+$', 'a colour space (bt709, bt2020nc), not blank or unknown']
        when 'p_codec' then array['\S', 'a codec''s name, not blank']
        when 'p_audio_codec' then array['\S', 'a codec''s name, not blank']
        when 'p_pixel_format' then array['\S', 'a pixel format, not blank']
        when 'p_codecs' then
            array['^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$', 'an RFC 6381 codecs list (avc1.64001f,mp4a.40.2)']
        when 'p_color_primaries' then
            array['^(?!(unknown|unspecified|reserved)$)[a-z0-9_-]{1,64}$', 'colour primaries (bt709, bt2020), not blank or unknown']
        when 'p_color_transfer' then
            array['^(?!(unknown|unspecified|reserved)$)[a-z0-9_-]{1,64}$', 'a transfer characteristic (bt709, smpte2084, arib-std-b67), not blank or unknown']
        when 'p_color_range' then array['^(tv|pc)$', 'tv (limited) or pc (full)']
        when 'p_rotation' then array['^(0|90|180|270)$', 'a rotation of 0, 90, 180 or 270 degrees']
    end;
end
$$;
comment on function vq._form is
'Internal. {pattern, description} of a metadata argument with a vocabulary (p_container, p_aspect_ratio, p_color_space, p_codec, p_audio_codec, p_pixel_format, p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation); null for another. Raises nothing.';
