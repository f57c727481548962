-- metadata_forms_units_fractional_duration: written by `./dev migration metadata_forms_units_fractional_duration`
-- from the difference between plpgsql/ and the migrations up to 0200.json_metadata_forms.
-- depends: 0200.json_metadata_forms

-- a video's duration in seconds, as fractional as its qualities'
alter table vq.videos drop constraint videos_duration_check;
alter table vq.videos alter column duration type double precision;
alter table vq.videos add constraint videos_duration_check check (duration >= 0);

drop function vq.create_video(text,text,text,text,integer,uuid,uuid);

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

-- Internal: validates a metadata argument against its form (vq._form).
create or replace function vq._require_form(p_argument text, p_value text)
returns void
language plpgsql
immutable
as $$
declare
    v_form text[] := vq._form(p_argument);
begin
    if p_value !~ v_form[1] then
        raise exception '% = % is not %', p_argument, quote_literal(p_value), v_form[2]
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
end
$$;
comment on function vq._require_form is
'Internal. Raises 22023 when p_value (not null) does not have the form vq._form gives for p_argument.';

-- Internal: the limits of an encoder's metadata, in one place for every function
-- that writes it (create_video_quality, update_quality_metadata and their batch
-- forms). Null means "not given" and passes. Each caller runs it on every call,
-- so the case where every limit is met costs one expression.
create or replace function vq._require_quality_metadata(
    p_url               text,
    p_file_size         bigint,
    p_bitrate           integer,
    p_resolution_width  integer,
    p_resolution_height integer,
    p_codec             text,
    p_container         text,
    p_duration          double precision,
    p_fps               double precision,
    p_pixel_format      text,
    p_color_space       text,
    p_audio_codec       text,
    p_audio_bitrate     integer,
    p_audio_channels    integer,
    p_audio_sample_rate integer,
    p_aspect_ratio      text,
    p_frame_count       bigint,
    p_encoding_time     double precision,
    p_error_message     text
) returns void
language plpgsql
immutable
as $$
begin
    -- the usual case (every limit met) in one expression; the helpers below name
    -- the argument that is out of its limit. The limits are constants here (vq._limit
    -- of a constant is evaluated when the statement is planned), and a value not
    -- given (null) makes its test null, never true.
    if (not length(p_url)::numeric <@ vq._limit('p_url')
           or not length(p_codec)::numeric <@ vq._limit('p_codec')
           or not length(p_container)::numeric <@ vq._limit('p_container')
           or not length(p_pixel_format)::numeric <@ vq._limit('p_pixel_format')
           or not length(p_color_space)::numeric <@ vq._limit('p_color_space')
           or not length(p_audio_codec)::numeric <@ vq._limit('p_audio_codec')
           or not length(p_aspect_ratio)::numeric <@ vq._limit('p_aspect_ratio')
           or not length(p_error_message)::numeric <@ vq._limit('p_error_message')
           or not p_file_size::numeric <@ vq._limit('p_file_size')
           or not p_bitrate::numeric <@ vq._limit('p_bitrate')
           or not p_resolution_width::numeric <@ vq._limit('p_resolution_width')
           or not p_resolution_height::numeric <@ vq._limit('p_resolution_height')
           or not p_duration::numeric <@ vq._limit('p_duration')
           or not p_fps::numeric <@ vq._limit('p_fps')
           or not p_audio_bitrate::numeric <@ vq._limit('p_audio_bitrate')
           or not p_audio_channels::numeric <@ vq._limit('p_audio_channels')
           or not p_audio_sample_rate::numeric <@ vq._limit('p_audio_sample_rate')
           or not p_frame_count::numeric <@ vq._limit('p_frame_count')
           or not p_encoding_time::numeric <@ vq._limit('p_encoding_time')
           or p_container !~ (vq._form('p_container'))[1]
           or p_aspect_ratio !~ (vq._form('p_aspect_ratio'))[1]
           or p_color_space !~ (vq._form('p_color_space'))[1]
           or p_codec !~ (vq._form('p_codec'))[1]
           or p_audio_codec !~ (vq._form('p_audio_codec'))[1]
           or p_pixel_format !~ (vq._form('p_pixel_format'))[1]) is not true then
        return;
    end if;

    perform vq._require_text('p_url', p_url);
    perform vq._require_range('p_file_size', p_file_size);
    perform vq._require_range('p_bitrate', p_bitrate);
    perform vq._require_range('p_resolution_width', p_resolution_width);
    perform vq._require_range('p_resolution_height', p_resolution_height);
    perform vq._require_text('p_codec', p_codec);
    perform vq._require_text('p_container', p_container);
    perform vq._require_range('p_duration', p_duration::numeric);
    perform vq._require_range('p_fps', p_fps::numeric);
    perform vq._require_text('p_pixel_format', p_pixel_format);
    perform vq._require_text('p_color_space', p_color_space);
    perform vq._require_text('p_audio_codec', p_audio_codec);
    perform vq._require_range('p_audio_bitrate', p_audio_bitrate);
    perform vq._require_range('p_audio_channels', p_audio_channels);
    perform vq._require_range('p_audio_sample_rate', p_audio_sample_rate);
    perform vq._require_text('p_aspect_ratio', p_aspect_ratio);
    perform vq._require_range('p_frame_count', p_frame_count);
    perform vq._require_range('p_encoding_time', p_encoding_time::numeric);
    perform vq._require_text('p_error_message', p_error_message);
    perform vq._require_form('p_container', p_container);
    perform vq._require_form('p_aspect_ratio', p_aspect_ratio);
    perform vq._require_form('p_color_space', p_color_space);
    perform vq._require_form('p_codec', p_codec);
    perform vq._require_form('p_audio_codec', p_audio_codec);
    perform vq._require_form('p_pixel_format', p_pixel_format);
end
$$;
comment on function vq._require_quality_metadata is
'Internal. Checks the metadata arguments of the quality functions against their limits (vq._limit) and forms (vq._form): 22001 for a text too long, 22003 for a number out of its range, 22023 for a text without its form (a blank codec, a container that is not a short name, an aspect ratio not W:H, an unknown colour space).';

-- Trigger: the rules of a quality's status, enforced for every writer (API
-- functions, DBAs, future migrations), not only for the API:
--   * a change of status must be listed in vq.quality_status_transitions
--     (a change to the same status is a no-op and always allowed);
--   * entering 'processing' starts the clock, entering 'ready' or 'failed' stops it;
--   * going back to 'pending' (failed -> pending: queued again) clears both clocks,
--     as a restart by create_video_quality does: a pending quality has not started
--     and has not completed;
--   * a default that leaves 'ready' stops being the default in the same statement;
--   * only a processing quality has a live lease: leaving 'processing' ends it.
--     A lease call that ends it (complete, fail, release) clears the expiry
--     itself and keeps the owner and token, so that its repeat is recognised;
--     any other writer leaves no trace of the lease, so the worker that held
--     it is refused from then on. Entering 'processing' without a lease (a
--     writer that is not claim_qualities) drops an old lease's trace too.
--     Progress is 100 when ready, unknown when pending or failed;
--   * entering 'pending' makes the quality due now unless the writer set due_at
--     (fail_quality's backoff); failed -> pending (queued again by hand) begins
--     a new series of attempts;
--   * max_attempts given as null is the column's default;
--   * a bit rate in bits per second given as kbps is refused: a stream cannot
--     average more than the whole file (size x 8 / duration); a bit rate over
--     twice that plus 64 kbps (room for a container whose duration differs from
--     its streams') fails naming the three values. A mix-up is 1000 times.
create or replace function vq._video_qualities_before_write()
returns trigger
language plpgsql
as $$
declare
    v_status_changed boolean := tg_op = 'INSERT' or new.status is distinct from old.status;
    v_file_kbps      double precision;
begin
    if new.file_size is not null and new.duration > 0
       and (tg_op = 'INSERT' or (new.bitrate, new.audio_bitrate, new.file_size, new.duration)
                                is distinct from
                                (old.bitrate, old.audio_bitrate, old.file_size, old.duration)) then
        v_file_kbps := new.file_size * 8 / new.duration / 1000;
        if greatest(new.bitrate, new.audio_bitrate) > 2 * v_file_kbps + 64 then
            raise exception 'bitrate = % kbps, audio_bitrate = % kbps: more than the whole file''s % kbps (file_size = % bytes over duration = % s) can hold; bits per second given as kbps?',
                new.bitrate, new.audio_bitrate, round(v_file_kbps::numeric, 1), new.file_size,
                new.duration
                using errcode = 'invalid_parameter_value';          -- 22023
        end if;
    end if;

    if tg_op = 'UPDATE' and v_status_changed then
        if not exists (select 1 from vq.quality_status_transitions
                        where from_status = old.status and to_status = new.status) then
            raise exception 'quality % cannot change status from % to %', old.id, old.status, new.status
                using errcode = 'invalid_parameter_value',          -- 22023
                      hint = vq._allowed_transitions();
        end if;
        if old.status = 'ready' then
            new.is_default := false;
        end if;
    end if;

    if new.status = 'processing' then
        new.processing_completed_at := null;
        -- entering 'processing' restarts the clock unless the writer gave a start time
        if new.processing_started_at is null
           or (tg_op = 'UPDATE' and v_status_changed
               and new.processing_started_at = old.processing_started_at) then
            new.processing_started_at := now();
        end if;
    elsif new.status = 'pending' and tg_op = 'UPDATE' and v_status_changed then
        new.processing_completed_at := null;
        -- keep a start time the writer gave; drop the one of the attempt that ended
        if new.processing_started_at = old.processing_started_at then
            new.processing_started_at := null;
        end if;
    elsif new.status in ('ready', 'failed')
          and (v_status_changed or new.processing_completed_at is null) then
        -- a worker's clock may run ahead of the server's: never finish before the start
        new.processing_completed_at := greatest(now(), new.processing_started_at);
    end if;

    if new.status <> 'processing' or new.lease_expires_at is null then
        if new.lease_expires_at is not null
           or (new.status = 'processing' and v_status_changed) then
            new.lease_owner := null;
            new.lease_token := null;
        end if;
        new.lease_expires_at := null;
        new.lease_seconds := null;
    end if;
    if new.status <> 'processing' then
        new.progress := case when new.status = 'ready' then 100 end;
    end if;
    if new.status = 'pending' and tg_op = 'UPDATE' and v_status_changed then
        if new.due_at = old.due_at then
            new.due_at := now();
        end if;
        if old.status = 'failed' then
            new.attempts := 0;
        end if;
    end if;
    -- the column's default (3) for an API call that gave none; a test pins the two together
    new.max_attempts := coalesce(new.max_attempts,
                                 case when tg_op = 'UPDATE' then old.max_attempts end, 3);

    new.updated_at := now();
    return new;
end
$$;
comment on function vq._video_qualities_before_write is
'Trigger of vq.video_qualities. Raises 22023 for a status change not listed in vq.quality_status_transitions; keeps processing_started_at/processing_completed_at and is_default consistent with the status (processing: started, not completed; ready/failed: completed; back to pending: neither); ends the lease of a quality that leaves processing; makes a quality that returns to pending due now (unless due_at is set) and, from failed, resets its attempts; max_attempts defaults to 3; raises 22023 for a bitrate or audio_bitrate over twice (+ 64 kbps) what file_size and duration allow (bits per second given as kbps).';

-- API: a new video, in status 'draft'.
-- p_id makes the call safe to repeat: a caller (the Python client always does)
-- picks the new video's id, and a repeat of the same call, after a lost
-- connection say, returns the video the first one created instead of a second
-- video. Reusing an id for different content is refused.
create or replace function vq.create_video(
    p_title         text,
    p_description   text default null,
    p_url           text default null,
    p_thumbnail_url text default null,
    p_duration      double precision default null,
    p_user_id       uuid default null,
    p_id            uuid default null
) returns vq.videos
language plpgsql
as $$
declare
    v_video vq.videos;
begin
    perform vq._require_text('p_title', p_title, true);
    perform vq._require_text('p_description', p_description);
    perform vq._require_text('p_url', p_url);
    perform vq._require_text('p_thumbnail_url', p_thumbnail_url);
    perform vq._require_range('p_duration', p_duration::numeric);

    insert into vq.videos (id, title, description, url, thumbnail_url, duration, user_id)
    values (coalesce(p_id, gen_random_uuid()), p_title, p_description, p_url, p_thumbnail_url,
            p_duration, p_user_id)
    on conflict (id) do nothing
    returning * into v_video;
    if found then
        return v_video;
    end if;

    -- p_id exists: the same call again (return what it created), or a reused id
    select * into v_video from vq.videos where id = p_id;
    if (v_video.title, v_video.description, v_video.url, v_video.thumbnail_url,
        v_video.duration, v_video.user_id)
       is distinct from (p_title, p_description, p_url, p_thumbnail_url, p_duration, p_user_id) then
        raise exception 'p_id = % already names another video', p_id
            using errcode = 'unique_violation';                      -- 23505
    end if;
    return v_video;
end
$$;
comment on function vq.create_video is
'Creates a video in status draft and returns its row. With p_id the new video gets that id, and repeating the same call returns the video it created (safe to retry).
Errors: 22004 p_title is null; 22023 p_title is blank; 22001 p_title, p_description, p_url or p_thumbnail_url longer than its limit; 22003 p_duration out of its range (limits: vq._limit, docs/sql-api.md#limits); 22P02 p_user_id or p_id is not a UUID; 23505 p_id already names a video with other values.';

comment on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) is 'Completes the quality p_quality_id under lease p_lease_token with the metadata of p_metadata (an object whose keys are complete_quality''s metadata arguments without p_), then claims the next quality for p_worker as claim_qualities(p_worker, 1, p_lease_seconds, p_qualities) does; returns that row, or none when there is no work. One transaction: when the completion is refused, nothing is claimed.
Errors: 22004 p_quality_id, p_lease_token, p_worker or p_lease_seconds is null; 22023 p_metadata is not an object or has an unknown key, p_worker blank, an unknown label in p_qualities; 22P02 a metadata value of the wrong type (naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps), an id not a UUID; 22001, 22003 as complete_quality and claim_qualities; 55000 lease lost.';

comment on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision) is 'Marks the quality p_quality_id ready with the metadata given (the others keep their values), if p_lease_token is its lease; returns the row. The lease ends; lease_owner and lease_token stay as a record of who completed it, and a repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id or p_lease_token is null; 22023 p_url is blank, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed by another writer or deleted).';

comment on function vq.create_video_qualities(uuid,jsonb) is 'Creates (or restarts) every quality of p_qualities for the video p_video_id in one transaction and returns their rows in ladder order. p_qualities is a JSON array of objects whose keys are create_video_quality''s arguments without p_ (quality and url required; status defaults to pending; max_attempts, the attempts a worker gets at it, to 3). All or nothing. A quality given twice is written as the later element says.
Errors: 22004 p_video_id or p_qualities is null; 22023 p_qualities is not an array of objects or has an unknown key; P0002 p_video_id does not exist; 22P02 a value of the wrong type (naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps); 22007 a start time that is not a time; and every error of create_video_quality, with the message prefixed by p_qualities[N] (1-based).';

comment on function vq.create_video_quality(uuid,text,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,boolean,text,timestamp with time zone,integer) is 'Creates the quality p_quality of the video p_video_id and returns its row; when that quality exists, restarts it (same id) with this call''s values, so a repeated call is safe. With p_is_default the quality becomes the only default of its video. As work, the quality is claimable by vq.claim_qualities while pending; p_max_attempts (default 3) is how many claims it gets; a restart begins a new series of attempts, due now, and ends any lease on it.
Errors: 22004 p_video_id, p_quality, p_url, p_is_default or p_status is null; 22023 p_quality is not in vq.quality_levels, p_status is not pending/processing/ready/failed, p_is_default with a status other than ready, or a restart whose status change is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number (p_max_attempts included) out of its range (limits: vq._limit); P0002 p_video_id does not exist; 22P02 p_video_id is not a UUID; 22007 p_processing_started_at is not a time.';

comment on function vq.update_qualities_metadata(jsonb) is 'Changes the metadata of many qualities in one transaction, all or nothing, and returns how many of them exist (a quality_id that does not exist is skipped, as update_quality_metadata returns false). p_updates is a JSON array of objects whose keys are update_quality_metadata''s arguments without p_ (quality_id required; the others optional, null or absent meaning unchanged). Same rules as update_quality_metadata for each element; the videos of the rows are locked in id order, so overlapping batches do not deadlock.
Errors: 22004 p_updates is null; 22023 p_updates is not an array of objects; with the message prefixed by p_updates[N] (1-based): 22004 quality_id missing or null; 22023 an unknown key, a quality_id given twice, a blank url, a status that is not pending/processing/ready/failed, or a status change that is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22P02 a value of the wrong type (quality_id not a UUID, text for a number; naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit).';

comment on function vq.update_quality_metadata(uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) is 'Changes only the given (non-null) fields of the quality p_quality_id; true when it exists, false when it does not. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_quality_id is not a UUID.';

comment on function vq.update_video_quality_metadata(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text) is 'Changes only the given (non-null) fields of the quality p_quality_id of the video p_video_id; true when that video has that quality, false otherwise. A p_status follows the transition rules; reaching ready or failed sets processing_completed_at; a default that leaves ready stops being the default.
Errors: 22004 p_video_id or p_quality_id is null; 22023 p_url is blank, p_status is not pending/processing/ready/failed, or the status change is not allowed, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 p_video_id or p_quality_id is not a UUID.';

do $$ begin perform vq._apply_privileges(); end $$;
