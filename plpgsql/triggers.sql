-- The triggers: the status rules of vq._video_qualities_before_write hold for
-- every writer (API, DBAs, migrations), and every change of a video moves its
-- updated_at.
create trigger video_qualities_before_write
    before insert or update on vq.video_qualities
    for each row execute function vq._video_qualities_before_write();
create trigger videos_before_update
    before update on vq.videos
    for each row execute function vq._videos_before_update();
