-- The way back from 0060.delete_video.

drop function vq.delete_video(uuid);

drop table vq.deleted_videos;
