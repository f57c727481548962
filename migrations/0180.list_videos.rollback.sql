-- The way back from 0180.list_videos.

drop index vq.videos_created_at_idx;

drop index vq.videos_status_created_at_idx;

drop index vq.videos_title_idx;

drop function vq.list_videos(text,text,uuid,integer);
