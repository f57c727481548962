-- Trigger: every change of a video moves its updated_at.
create or replace function vq._videos_before_update()
returns trigger
language plpgsql
as $$
begin
    new.updated_at := now();
    return new;
end
$$;
comment on function vq._videos_before_update is
'Trigger of vq.videos: sets updated_at. Raises nothing.';
