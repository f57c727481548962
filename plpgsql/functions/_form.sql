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
    end;
end
$$;
comment on function vq._form is
'Internal. {pattern, description} of a metadata argument with a vocabulary (p_container, p_aspect_ratio, p_color_space, p_codec, p_audio_codec, p_pixel_format); null for another. Raises nothing.';
