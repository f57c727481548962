-- console-operator-functions: written by `./dev migration console-operator-functions`
-- from the difference between plpgsql/ and the migrations up to 0260.ladder_finished_at_commit.
-- depends: 0260.ladder_finished_at_commit

-- The limits of the API's arguments, by argument name: the one place they are
-- written. A text argument's range is that of its length, a number's that of its
-- value; null means the argument has no limit of its own. The checks
-- (_require_text, _require_range, _require_quality_metadata) and their error
-- messages read it, and a test compares the table of limits in docs/sql-api.md
-- with it. An immutable function called with a constant is evaluated once, when
-- its caller's statement is planned: the limits cost nothing at run time there.
-- PL/pgSQL, not SQL: a SQL function with a pinned search_path is never inlined,
-- and each transaction that calls it with a variable (the checks do) parsed and
-- planned its body again, about 40 µs per check (docs/benchmarks.md); PL/pgSQL
-- keeps its compiled body for the session.
create or replace function vq._limit(p_argument text)
returns numrange
language plpgsql
immutable
parallel safe
as $$
begin
return case p_argument
    -- texts: length
    when 'p_title'          then numrange(0, 500, '[]')
    when 'p_description'    then numrange(0, 10000, '[]')
    when 'p_url'            then numrange(0, 2048, '[]')
    when 'p_thumbnail_url'  then numrange(0, 2048, '[]')
    when 'p_quality'        then numrange(0, 64, '[]')
    when 'p_status'         then numrange(0, 64, '[]')
    when 'p_codec'          then numrange(0, 64, '[]')
    when 'p_container'      then numrange(0, 64, '[]')
    when 'p_pixel_format'   then numrange(0, 64, '[]')
    when 'p_color_space'    then numrange(0, 64, '[]')
    when 'p_audio_codec'    then numrange(0, 64, '[]')
    when 'p_aspect_ratio'   then numrange(0, 64, '[]')
    when 'p_error_message'  then numrange(0, 10000, '[]')
    when 'p_worker'         then numrange(0, 200, '[]')
    when 'p_error_code'     then numrange(0, 64, '[]')
    when 'p_codecs'         then numrange(0, 200, '[]')
    -- numbers: value
    when 'p_duration'          then numrange(0, 1e6, '[]')        -- seconds: 11.5 days
    when 'p_file_size'         then numrange(0, 1e13, '[]')       -- bytes: 10 TB
    when 'p_bitrate'           then numrange(0, 1000000, '[]')    -- kbps: 1 Gbit/s
    when 'p_resolution_width'  then numrange(1, 32768, '[]')
    when 'p_resolution_height' then numrange(1, 32768, '[]')
    when 'p_fps'               then numrange(0.001, 1000, '[]')   -- so fps > 0
    when 'p_audio_bitrate'     then numrange(0, 100000, '[]')     -- kbps
    when 'p_audio_channels'    then numrange(0, 64, '[]')
    when 'p_audio_sample_rate' then numrange(0, 768000, '[]')     -- Hz
    when 'p_frame_count'       then numrange(0, 1e10, '[]')
    when 'p_encoding_time'     then numrange(0, 1e7, '[]')        -- seconds
    when 'p_limit'             then numrange(1, 1000, '[]')       -- qualities per claim
    when 'p_lease_seconds'     then numrange(1, 86400, '[]')      -- a day
    when 'p_retry_seconds'     then numrange(1, 3600, '[]')       -- the first retry's wait
    when 'p_progress'          then numrange(0, 100, '[]')        -- percent
    when 'p_max_attempts'      then numrange(1, 100, '[]')
    when 'p_minutes'           then numrange(1, 10080, '[]')      -- a week, in minutes
end;
end
$$;
comment on function vq._limit is
'Internal. The allowed range of the argument p_argument (of its length for a text, of its value for a number), or null when it has none. Raises nothing.';

-- API: the encodes that ended in each of the last p_minutes minutes, ready or
-- failed (expired leases counted as failed), oldest minute first, every minute
-- listed: the console's chart. Reads the attempt history by its end time.
create or replace function vq.attempts_per_minute(p_minutes integer default 60)
returns table (
    minute timestamptz,
    ready  bigint,
    failed bigint
)
language plpgsql
stable
as $$
begin
    perform vq._require_not_null('p_minutes', p_minutes);
    perform vq._require_range('p_minutes', p_minutes);
    return query
    select m.minute,
           count(a.ended_at) filter (where a.outcome = 'ready'),
           count(a.ended_at) filter (where a.outcome in ('failed', 'expired'))
      from generate_series(date_trunc('minute', now()) - (p_minutes - 1) * interval '1 minute',
                           date_trunc('minute', now()), interval '1 minute') m(minute)
      left join vq.quality_attempts a
        on a.ended_at >= m.minute and a.ended_at < m.minute + interval '1 minute'
       and a.ended_at >= date_trunc('minute', now()) - (p_minutes - 1) * interval '1 minute'
     group by m.minute
     order by m.minute;
end
$$;
comment on function vq.attempts_per_minute is
'Returns one row per minute of the last p_minutes (default 60, the current minute last): how many attempts ended ready and how many failed (an expired lease included), 0 when none.
Errors: 22004 p_minutes is null; 22003 p_minutes out of its range (limits: vq._limit).';

-- API: the failed qualities per label and error code, most first within a label:
-- which classes of failure there are, each the argument pair of one
-- vq.retry_failed_qualities call. Reads the queue's index of failed qualities.
create or replace function vq.failed_quality_counts()
returns table (
    quality        text,
    error_code     text,
    count          bigint,
    last_failed_at timestamptz
)
language plpgsql
stable
as $$
begin
    return query
    select q.quality, q.error_code, count(*), max(q.processing_completed_at)
      from vq.video_qualities q
      join vq.quality_levels l on l.label = q.quality
     where q.status = 'failed'
     group by l.rank, q.quality, q.error_code
     order by l.rank, count(*) desc, q.error_code nulls last;
end
$$;
comment on function vq.failed_quality_counts is
'Returns one row per quality label and error code among the failed qualities (error_code null: failed without one), in ladder order then most first, with how many and the newest failure''s time.
Errors: none (no arguments).';

-- API: the encodes running now, the lease that expires first first (the stuck
-- ones lead), with their video's title: the console's queue page. Reads the
-- queue's index of running leases, never the whole table.
create or replace function vq.list_running_qualities(p_limit integer default 100)
returns table (
    video_id              uuid,
    title                 text,
    quality_id            uuid,
    quality               text,
    lease_owner           text,
    lease_expires_at      timestamptz,
    progress              real,
    attempts              integer,
    max_attempts          integer,
    processing_started_at timestamptz
)
language plpgsql
stable
as $$
begin
    perform vq._require_not_null('p_limit', p_limit);
    perform vq._require_range('p_limit', p_limit);
    return query
    select q.video_id, v.title, q.id, q.quality, q.lease_owner, q.lease_expires_at,
           q.progress, q.attempts, q.max_attempts, q.processing_started_at
      from (select * from vq.video_qualities r
             where r.status = 'processing'
             order by r.lease_expires_at nulls first, r.id
             limit p_limit) q
      join vq.videos v on v.id = q.video_id
     order by q.lease_expires_at nulls first, q.id;
end
$$;
comment on function vq.list_running_qualities is
'Returns up to p_limit (default 100) qualities being encoded now (status processing), the lease that expires first first, each with its video''s title, lease owner and expiry, progress and attempts. A read function.
Errors: 22004 p_limit is null; 22003 p_limit out of its range (limits: vq._limit).';

-- API: the change feed's events of one video, newest first: its history as the
-- console's video page shows it. Reads the feed's index by video.
create or replace function vq.list_video_changes(p_video_id uuid, p_limit integer default 50)
returns table (
    "position" text,
    at         timestamptz,
    video_id   uuid,
    kind       text,
    quality    text,
    quality_id uuid,
    value      text,
    error_code text
)
language plpgsql
stable
as $$
begin
    if p_video_id is null or p_limit is null then  -- the helpers name it
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_limit', p_limit);
    end if;
    perform vq._require_range('p_limit', p_limit);
    return query
    select c.xid::text || '/' || c.seq::text, c.at, c.video_id, c.kind, c.quality,
           c.quality_id, c.value, c.error_code
      from vq.changes c
     where c.video_id = p_video_id
     order by c.xid desc, c.seq desc
     limit p_limit;
end
$$;
comment on function vq.list_video_changes is
'Returns up to p_limit (default 50) change feed events of the video p_video_id, newest first, in vq.changes_since''s form (position, at, kind, quality, value, error_code). Events of a deleted video stay until pruned.
Errors: 22004 p_video_id or p_limit is null; 22003 p_limit out of its range (limits: vq._limit); 22P02 p_video_id is not a UUID.';

-- API: the failed attempts of the last p_minutes per error code, most first: what
-- is going wrong now (an expired lease counts as lease_expired, a failure
-- without a code as unknown). Reads the attempt history by its end time.
create or replace function vq.recent_failure_counts(p_minutes integer default 60)
returns table (
    error_code text,
    count      bigint
)
language plpgsql
stable
as $$
begin
    perform vq._require_not_null('p_minutes', p_minutes);
    perform vq._require_range('p_minutes', p_minutes);
    return query
    select c.code, count(*)
      from (select case when a.outcome = 'expired' then 'lease_expired'
                        else coalesce(a.error_code, 'unknown') end as code
              from vq.quality_attempts a
             where a.ended_at >= now() - p_minutes * interval '1 minute'
               and a.outcome in ('failed', 'expired')) c
     group by c.code
     order by count(*) desc, c.code;
end
$$;
comment on function vq.recent_failure_counts is
'Returns the attempts that failed in the last p_minutes (default 60) per error code, most first; an expired lease counts as lease_expired, a failure without a code as unknown.
Errors: 22004 p_minutes is null; 22003 p_minutes out of its range (limits: vq._limit).';

-- API: an operator's "encode it again": the quality p_quality_id of the video
-- p_video_id becomes pending and due now with a new series of attempts, its
-- error cleared and any lease on it ended (the worker holding it loses it at its
-- next call: fencing). The row's url, settings and metadata stay: the worker
-- that encodes it again writes its own. A ready quality is not restarted: the
-- transition rules keep a file players may be using until a worker re-encodes it.
create or replace function vq.restart_video_quality(p_video_id uuid, p_quality_id uuid)
returns vq.video_qualities
language plpgsql
as $$
declare
    v_quality vq.video_qualities;
begin
    if p_video_id is null or p_quality_id is null then  -- the helpers name it
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
    end if;
    update vq.video_qualities
       set status = 'pending', attempts = 0, due_at = now(), error_code = null,
           error_message = null       -- the trigger ends the lease: a new token is needed
     where video_id = p_video_id and id = p_quality_id
    returning * into v_quality;
    if not found then
        raise exception 'p_quality_id = % is not a quality of the video p_video_id = %',
            p_quality_id, p_video_id
            using errcode = 'no_data_found';                        -- P0002
    end if;
    perform pg_notify('vq_work', '');   -- wakes workers waiting in LISTEN vq_work
    return v_quality;
end
$$;
comment on function vq.restart_video_quality is
'Restarts the quality p_quality_id of the video p_video_id: pending, due now, a new series of attempts, error cleared, any lease ended; returns the row. For a pending, processing or failed quality (a ready one is re-encoded by a worker, not restarted).
Errors: 22004 p_video_id or p_quality_id is null; 22023 the quality is ready (the message names both statuses); P0002 the video has no such quality; 22P02 an argument is not a UUID.';

-- API: retry every failed quality of the label p_quality whose last error code
-- is p_error_code (null: any label, any code), in one call: each becomes pending
-- and due now with a new series of attempts, as vq.update_video_quality_status
-- does for one. What an operator runs after fixing the cause of a class of
-- failures. The rows are taken in id order, as every other writer takes them.
create or replace function vq.retry_failed_qualities(
    p_quality    text default null,
    p_error_code text default null
) returns bigint
language plpgsql
as $$
declare
    v_count bigint;
begin
    perform vq._require_text('p_quality', p_quality);
    perform vq._require_text('p_error_code', p_error_code);
    if p_quality is not null
       and not exists (select 1 from vq.quality_levels where label = p_quality) then
        raise exception 'p_quality = % is not a known quality level (see vq.quality_levels)',
            quote_literal(p_quality)
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    with failed as (
        select q.id, q.video_id
          from vq.video_qualities q
         where q.status = 'failed'
           and (p_quality is null or q.quality = p_quality)
           and (p_error_code is null or q.error_code = p_error_code)
         order by q.id
           for no key update
    )
    update vq.video_qualities q set status = 'pending'
      from failed f
     where q.id = f.id and q.video_id = f.video_id;
    get diagnostics v_count = row_count;
    if v_count > 0 then
        perform pg_notify('vq_work', '');
    end if;
    return v_count;
end
$$;
comment on function vq.retry_failed_qualities is
'Retries every failed quality of the label p_quality whose error_code is p_error_code (null: any); each becomes pending, due now, with a new series of attempts. Returns how many.
Errors: 22001 p_quality or p_error_code too long; 22023 p_quality is not in vq.quality_levels.';

CREATE INDEX changes_video_id_idx ON vq.changes USING btree (video_id, xid, seq);

CREATE INDEX quality_attempts_ended_at_idx ON vq.quality_attempts USING btree (ended_at) WHERE (ended_at IS NOT NULL);

do $$ begin perform vq._apply_privileges(); end $$;
