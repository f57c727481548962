-- errors_in_comments: written by `./dev migration errors_in_comments`
-- from the difference between plpgsql/ and the migrations up to 0060.delete_video.
-- depends: 0060.delete_video

comment on function vq.create_video(text,text,text,text,integer,uuid,uuid) is 'Creates a video in status draft and returns its row. With p_id the new video gets that id, and repeating the same call returns the video it created (safe to retry).
Errors: 22004 p_title is null; 22023 p_title is blank; 22001 p_title, p_description, p_url or p_thumbnail_url longer than its limit; 22003 p_duration out of its range (limits: vq._limit, docs/sql-api.md#limits); 22P02 p_user_id or p_id is not a UUID; 23505 p_id already names a video with other values.';

comment on function vq.create_video_qualities(uuid,jsonb) is 'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending). All or nothing. A quality given twice is written as the later element says.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key; P0002 p_video_id does not exist; 22P02 a value of the wrong type; 22007 a start time that is not a time; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';

comment on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone) is 'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, or a restart whose status change is not allowed; 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); P0002 p_video_id does not exist; 22P02 p_video_id is not a UUID; 22007 p_processing_started_at is not a time.';

comment on function vq.update_qualities_status(uuid[],text) is 'Sets the status of every quality in p_quality_ids, all or nothing; returns how many exist (ids that do not exist are skipped). Same rules as update_quality_status.
Errors: 22004 p_quality_ids or p_status is null, or p_quality_ids contains a null; 22023 p_status is not pending/processing/ready/failed, or one of the changes is not allowed (then none is made); 22P02 an element of p_quality_ids is not a UUID.';

comment on function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) is 'Changes only the given (non-null) fields of the quality p_quality_id; true when it exists, false when it does not. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed; 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_quality_id is not a UUID.';

comment on function vq.update_quality_status(uuid,text) is 'Sets the status of the quality p_quality_id; true when it exists, false when it does not. Allowed: pending->processing|failed, processing->ready|failed, failed->pending|processing, ready->processing, and any status to itself (a no-op). Reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id or p_status is null; 22023 p_status is not pending/processing/ready/failed, or the change is not allowed (the message names both statuses); 22P02 p_quality_id is not a UUID.';

do $$ begin perform vq._apply_privileges(); end $$;
