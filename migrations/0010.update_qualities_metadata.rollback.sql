-- Removes vq.update_qualities_metadata.
drop function vq.update_qualities_metadata(jsonb);
