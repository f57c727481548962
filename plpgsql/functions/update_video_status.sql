-- API: the status of a video (draft, published, processing).
create or replace function vq.update_video_status(p_video_id uuid, p_status text)
returns boolean
language plpgsql
as $$
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_video_id is null
       or not exists (select 1 from vq.video_statuses where status = p_status) then
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_text('p_status', p_status, true);
        if not exists (select 1 from vq.video_statuses where status = p_status) then
            raise exception 'p_status = % is not a video status (draft, published, processing)',
                quote_literal(p_status)
                using errcode = 'invalid_parameter_value';              -- 22023
        end if;
    end if;

    update vq.videos set status = p_status where id = p_video_id;
    return found;
end
$$;
comment on function vq.update_video_status is
'Sets the status of the video p_video_id; true when it exists, false when it does not. Setting the status it already has is allowed.
Errors: 22004 p_video_id or p_status is null; 22023 p_status is not draft, published or processing; 22P02 p_video_id is not a UUID.';
