-- The way back from 0310.citus-claim-candidates-lease-by-video.

drop function vq._leased_quality(uuid,uuid,text[],uuid);

drop function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[],uuid);

drop function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer,integer,uuid);

drop function vq.fail_quality(uuid,uuid,text,text,boolean,uuid);

drop function vq.heartbeat_quality(uuid,uuid,real,integer,uuid);

drop function vq.release_quality(uuid,uuid,uuid);

drop function vq._distribution();

drop table vq.claim_candidates;

CREATE OR REPLACE FUNCTION vq._claim_on_shards(p_worker text, p_limit integer, p_lease_seconds integer, p_qualities text[])
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_candidate record;
    v_row       vq.video_qualities;
    v_claimed   integer := 0;
    v_taken     boolean;
    v_token     uuid;
begin
    -- a few more candidates than wanted: concurrent claims find the same ones
    for v_candidate in
        select q.video_id, q.id
          from vq.video_qualities q
         where ((q.status = 'processing' and q.lease_expires_at < now())
                or (q.status = 'pending' and q.due_at <= now()))
           and (p_qualities is null or q.quality = any (p_qualities))
         order by q.status = 'pending', coalesce(q.lease_expires_at, q.due_at)
         limit p_limit * 2 + 8
    loop
        select * into v_row
          from vq.video_qualities q
         where q.video_id = v_candidate.video_id and q.id = v_candidate.id
           and ((q.status = 'processing' and q.lease_expires_at < now())
                or (q.status = 'pending' and q.due_at <= now()))
           for no key update skip locked;
        continue when not found;
        v_token := gen_random_uuid();
        -- the new values computed here, from the locked row: Citus takes no
        -- volatile function in an update, and no stable one inside a CASE. As
        -- claim_qualities: an expired lease with no attempt left becomes failed.
        v_taken := v_row.status = 'pending' or v_row.attempts < v_row.max_attempts;
        if not v_taken then
            v_row.error_code := 'lease_expired';
            v_row.error_message := format('the lease of %s expired at %s, on attempt %s of %s',
                                          v_row.lease_owner, v_row.lease_expires_at,
                                          v_row.attempts, v_row.max_attempts);
        elsif v_row.status = 'processing' then
            v_row.processing_started_at := now();   -- a pending one: the trigger starts it
        end if;
        update vq.video_qualities q
           set status = case when v_taken then 'processing' else 'failed' end,
               error_code = v_row.error_code, error_message = v_row.error_message,
               lease_owner = p_worker, lease_token = v_token,
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               lease_seconds = p_lease_seconds, attempts = least(q.attempts + 1, q.max_attempts),
               progress = null, processing_started_at = v_row.processing_started_at
         where q.video_id = v_row.video_id and q.id = v_row.id
        returning q.* into v_row;
        if v_row.status = 'processing' then
            return next v_row;
            v_claimed := v_claimed + 1;
            exit when v_claimed >= p_limit;
        end if;
    end loop;
end
$function$;
comment on function vq._claim_on_shards(text,integer,integer,text[]) is 'Internal: vq.claim_qualities for a catalog sharded by video (Citus), one candidate at a time on its own shard; the same work in the same order, each quality leased once. Raises nothing of its own.';

alter function vq._claim_on_shards(text,integer,integer,text[]) owner to vq_owner;

revoke all on function vq._claim_on_shards(text,integer,integer,text[]) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._distribution()
 RETURNS TABLE(table_name regclass, video_column name)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
begin
    return query values
        ('vq.quality_levels'::regclass, null::name),
        ('vq.video_statuses', null),
        ('vq.quality_statuses', null),
        ('vq.quality_status_transitions', null),
        ('vq.changes_pruned', null),
        ('vq.webhooks', null),                -- a few subscriptions
        ('vq.videos', 'id'),                  -- first: the others are co-located with it
        ('vq.video_qualities', 'video_id'),
        ('vq.quality_attempts', 'video_id'),
        ('vq.deleted_videos', 'id'),
        ('vq.changes', 'video_id'),
        ('vq.webhook_deliveries', 'video_id');
end
$function$;
comment on function vq._distribution() is 'Internal. The layout sharded by video: every table of vq with the column holding its video id (distributed, co-located with vq.videos) or null (a reference table), vq.videos first. Raises nothing.';

alter function vq._distribution() owner to vq_owner;

revoke all on function vq._distribution() from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._ladder_finished()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_finished boolean;
begin
    -- Sharded by video with Citus, this runs on the video's node and reads nothing
    -- of another video's (a query over every shard from a shard's trigger is not
    -- possible): only this video is locked there. Two claims that both fail the
    -- expired last attempts of the same two videos, in opposite orders, may then
    -- deadlock at commit; PostgreSQL aborts one (40P01) and its worker claims again.
    if current_setting('citus.version', true) is null then
        perform pg_advisory_xact_lock(hashtextextended('vq.ladder:' || c.video_id, 0))
           from (select distinct video_id from vq.changes
                  where xid = pg_current_xact_id() and value in ('ready', 'failed')
                    and kind in ('quality_status', 'quality_created')
                  order by video_id) c;
    end if;
    perform pg_advisory_xact_lock(hashtextextended('vq.ladder:' || new.video_id, 0));
    select not exists (select 1 from vq.video_qualities
                        where video_id = new.video_id and status in ('pending', 'processing'))
           -- once: not when this transaction has told it already and no rung of the
           -- video went back to work since (a statement finishing two rungs)
           and not exists (select 1 from vq.changes f
                            where f.xid = pg_current_xact_id() and f.video_id = new.video_id
                              and f.kind = 'ladder_finished'
                              and not exists (select 1 from vq.changes r
                                               where r.xid = f.xid and r.seq > f.seq
                                                 and r.video_id = f.video_id
                                                 and r.value in ('pending', 'processing')))
      into v_finished;
    if v_finished then
        insert into vq.changes (video_id, kind, quality, quality_id, value)
        select new.video_id, 'ladder_finished', new.quality, new.id,
               case when bool_and(status = 'ready') then 'ready' else 'failed' end
          from vq.video_qualities where video_id = new.video_id;
    end if;
    return null;
end
$function$;
comment on function vq._ladder_finished() is 'Trigger of vq.video_qualities (deferred to the commit of a transaction that made a quality ready or failed): writes ladder_finished to vq.changes when every quality of the video is ready or failed (value ready when all are ready, else failed), once until a rung goes back to work. Raises nothing.';

alter function vq._ladder_finished() owner to vq_owner;

revoke all on function vq._ladder_finished() from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._leased_quality(p_quality_id uuid, p_lease_token uuid, p_repeat_statuses text[])
 RETURNS vq.video_qualities
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
begin
    perform vq._require_not_null('p_quality_id', p_quality_id);
    perform vq._require_not_null('p_lease_token', p_lease_token);
    -- the video first, then the row locked by its whole key: a lock has to name
    -- the shard when the catalog is sharded by video (docs/scaling.md)
    select * into v_quality from vq.video_qualities where id = p_quality_id;
    if found then
        select * into v_quality from vq.video_qualities
         where id = p_quality_id and video_id = v_quality.video_id
           for no key update;
    end if;
    if not found then
        raise exception 'lease lost: quality % does not exist (deleted)', p_quality_id
            using errcode = 'object_not_in_prerequisite_state',     -- 55000
                  hint = 'stop working on it';
    end if;
    if v_quality.lease_token is distinct from p_lease_token
       or (v_quality.lease_expires_at is null
           and v_quality.status <> all (p_repeat_statuses)) then
        raise exception 'lease lost: quality % is %', p_quality_id,
            case when v_quality.lease_expires_at is not null
                 then format('leased to %s under another token', v_quality.lease_owner)
                 else format('%s and not leased', v_quality.status) end
            using errcode = 'object_not_in_prerequisite_state',     -- 55000
                  hint = 'stop working on it: another worker took it, or it was released, '
                      || 'restarted, completed or changed by another writer';
    end if;
    return v_quality;
end
$function$;
comment on function vq._leased_quality(uuid,uuid,text[]) is 'Internal. Locks and returns the quality p_quality_id when p_lease_token is its live lease (or the lease whose call left it in one of p_repeat_statuses). Raises 22004 for a null argument, 55000 (lease lost) otherwise.';

alter function vq._leased_quality(uuid,uuid,text[]) owner to vq_owner;

revoke all on function vq._leased_quality(uuid,uuid,text[]) from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq._quality_attempts()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_outcome text;
begin
    if old.lease_token is not null then
        v_outcome := case
            when old.lease_expires_at < now() then 'expired'   -- its worker died or stalled
            when new.lease_token is distinct from old.lease_token then 'ended'
            when new.status = 'ready' then 'ready'
            when new.attempts < old.attempts and new.lease_token is not null then 'released'
            when new.status in ('pending', 'failed') and new.error_code is not null
                 and new.lease_token is not null then 'failed'
            else 'ended' end;                                  -- a restart, an operator
        update vq.quality_attempts
           set ended_at = clock_timestamp(), outcome = v_outcome, progress = old.progress,
               error_code = case when v_outcome = 'failed' then new.error_code end,
               error_message = case when v_outcome = 'failed' then new.error_message end
         where quality_id = old.id and lease_token = old.lease_token
           and video_id = old.video_id and ended_at is null;
    end if;
    if new.status = 'processing' and new.lease_token is distinct from old.lease_token
       and new.lease_token is not null then
        insert into vq.quality_attempts (video_id, quality_id, lease_token, attempt, worker)
        values (new.video_id, new.id, new.lease_token, new.attempts, new.lease_owner);
    end if;
    return null;
end
$function$;
comment on function vq._quality_attempts() is 'Trigger of vq.video_qualities (after an update that begins or ends a lease): ends the running attempt of the old lease in vq.quality_attempts with its outcome (ready, failed with its error, released, expired, ended) and last progress, and begins one for a new lease. Raises nothing.';

alter function vq._quality_attempts() owner to vq_owner;

revoke all on function vq._quality_attempts() from public, vq_worker, vq_reader;

CREATE OR REPLACE FUNCTION vq.complete_and_claim_quality(p_quality_id uuid, p_lease_token uuid, p_worker text, p_metadata jsonb DEFAULT NULL::jsonb, p_lease_seconds integer DEFAULT 300, p_qualities text[] DEFAULT NULL::text[])
 RETURNS SETOF vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    c_keys constant text[] := array['url', 'file_size', 'bitrate', 'resolution_width',
        'resolution_height', 'codec', 'container', 'duration', 'fps', 'pixel_format',
        'color_space', 'audio_codec', 'audio_bitrate', 'audio_channels', 'audio_sample_rate',
        'aspect_ratio', 'frame_count', 'encoding_time', 'codecs', 'color_primaries', 'color_transfer', 'color_range', 'rotation',
        'peak_bitrate'];
    r vq.video_qualities;
begin
    if p_metadata is not null and (jsonb_typeof(p_metadata) <> 'object'
                                   or p_metadata - c_keys <> '{}'::jsonb) then
        raise exception 'p_metadata must be a JSON object with keys among %', c_keys
            using errcode = 'invalid_parameter_value';              -- 22023
    end if;
    r := vq._quality_row(p_metadata);
    perform vq.complete_quality(p_quality_id, p_lease_token, r.url, r.file_size, r.bitrate,
        r.resolution_width, r.resolution_height, r.codec, r.container, r.duration, r.fps,
        r.pixel_format, r.color_space, r.audio_codec, r.audio_bitrate, r.audio_channels,
        r.audio_sample_rate, r.aspect_ratio, r.frame_count, r.encoding_time,
        r.codecs, r.color_primaries, r.color_transfer, r.color_range, r.rotation,
        r.peak_bitrate);
    return query select * from vq.claim_qualities(p_worker, 1, p_lease_seconds, p_qualities);
end
$function$;
comment on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) is 'Completes the quality p_quality_id under lease p_lease_token with the metadata of p_metadata (an object whose keys are complete_quality''s metadata arguments without p_), then claims the next quality for p_worker as claim_qualities(p_worker, 1, p_lease_seconds, p_qualities) does; returns that row, or none when there is no work. One transaction: when the completion is refused, nothing is claimed.
Errors: 22004 p_quality_id, p_lease_token, p_worker or p_lease_seconds is null; 22023 p_metadata is not an object or has an unknown key, p_worker blank, an unknown label in p_qualities; 22P02 a metadata value of the wrong type (naming its key and value; a whole number with a fraction is taken for an integer, "N/D" for fps), an id not a UUID; 22001, 22003 as complete_quality and claim_qualities; 55000 lease lost.';

alter function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) owner to vq_owner;

revoke all on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.complete_and_claim_quality(uuid,uuid,text,jsonb,integer,text[]) to vq_worker;

CREATE OR REPLACE FUNCTION vq.complete_quality(p_quality_id uuid, p_lease_token uuid, p_url text DEFAULT NULL::text, p_file_size bigint DEFAULT NULL::bigint, p_bitrate integer DEFAULT NULL::integer, p_resolution_width integer DEFAULT NULL::integer, p_resolution_height integer DEFAULT NULL::integer, p_codec text DEFAULT NULL::text, p_container text DEFAULT NULL::text, p_duration double precision DEFAULT NULL::double precision, p_fps double precision DEFAULT NULL::double precision, p_pixel_format text DEFAULT NULL::text, p_color_space text DEFAULT NULL::text, p_audio_codec text DEFAULT NULL::text, p_audio_bitrate integer DEFAULT NULL::integer, p_audio_channels integer DEFAULT NULL::integer, p_audio_sample_rate integer DEFAULT NULL::integer, p_aspect_ratio text DEFAULT NULL::text, p_frame_count bigint DEFAULT NULL::bigint, p_encoding_time double precision DEFAULT NULL::double precision, p_codecs text DEFAULT NULL::text, p_color_primaries text DEFAULT NULL::text, p_color_transfer text DEFAULT NULL::text, p_color_range text DEFAULT NULL::text, p_rotation integer DEFAULT NULL::integer, p_peak_bitrate integer DEFAULT NULL::integer)
 RETURNS vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_quality_id is null or p_lease_token is null or btrim(p_url) = '' then
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_lease_token', p_lease_token);
        perform vq._require_text('p_url', p_url);
        if btrim(p_url) = '' then
            raise exception 'p_url must not be empty' using errcode = 'invalid_parameter_value';
        end if;
    end if;
    perform vq._require_quality_metadata(p_url, p_file_size, p_bitrate, p_resolution_width,
        p_resolution_height, p_codec, p_container, p_duration, p_fps, p_pixel_format,
        p_color_space, p_audio_codec, p_audio_bitrate, p_audio_channels, p_audio_sample_rate,
        p_aspect_ratio, p_frame_count, p_encoding_time, null,
        p_codecs, p_color_primaries, p_color_transfer, p_color_range, p_rotation,
        p_peak_bitrate);
    update vq.video_qualities q set
        url = coalesce(p_url, q.url),
        file_size = coalesce(p_file_size, q.file_size),
        bitrate = coalesce(p_bitrate, q.bitrate),
        resolution_width = coalesce(p_resolution_width, q.resolution_width),
        resolution_height = coalesce(p_resolution_height, q.resolution_height),
        codec = coalesce(p_codec, q.codec),
        container = coalesce(p_container, q.container),
        duration = coalesce(p_duration, q.duration),
        fps = coalesce(p_fps, q.fps),
        pixel_format = coalesce(p_pixel_format, q.pixel_format),
        color_space = coalesce(p_color_space, q.color_space),
        audio_codec = coalesce(p_audio_codec, q.audio_codec),
        audio_bitrate = coalesce(p_audio_bitrate, q.audio_bitrate),
        audio_channels = coalesce(p_audio_channels, q.audio_channels),
        audio_sample_rate = coalesce(p_audio_sample_rate, q.audio_sample_rate),
        aspect_ratio = coalesce(p_aspect_ratio, q.aspect_ratio),
        frame_count = coalesce(p_frame_count, q.frame_count),
        encoding_time = coalesce(p_encoding_time, q.encoding_time),
        codecs = coalesce(p_codecs, q.codecs),
        color_primaries = coalesce(p_color_primaries, q.color_primaries),
        color_transfer = coalesce(p_color_transfer, q.color_transfer),
        color_range = coalesce(p_color_range, q.color_range),
        rotation = coalesce(p_rotation, q.rotation),
        peak_bitrate = coalesce(p_peak_bitrate, q.peak_bitrate),
        status = 'ready',
        lease_expires_at = null                 -- ended by its holder: keep owner and token
     where q.id = p_quality_id and q.lease_token = p_lease_token
       and q.lease_expires_at is not null       -- the fencing, in the write itself
    returning q.* into v_quality;
    if found then
        return v_quality;
    end if;
    -- not written: a repeat of this call (the row as it left it), or lease lost (raises)
    return vq._leased_quality(p_quality_id, p_lease_token, '{ready}');
end
$function$;
comment on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer,integer) is 'Marks the quality p_quality_id ready with the metadata given (the others keep their values), if p_lease_token is its lease; returns the row. The lease ends; lease_owner and lease_token stay as a record of who completed it, and a repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id or p_lease_token is null; 22023 p_url is blank, a metadata text without its form or a bit rate its file_size and duration cannot hold (docs/sql-api.md#limits); 22001 a text longer than its limit; 22003 a number out of its range (limits: vq._limit); 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed by another writer or deleted).';

alter function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer,integer) owner to vq_owner;

revoke all on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.complete_quality(uuid,uuid,text,bigint,integer,integer,integer,text,text,double precision,double precision,text,text,text,integer,integer,integer,text,bigint,double precision,text,text,text,text,integer,integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.fail_quality(p_quality_id uuid, p_lease_token uuid, p_error_code text, p_error_message text DEFAULT NULL::text, p_retryable boolean DEFAULT true)
 RETURNS vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
    v_retry   boolean;
begin
    perform vq._require_text('p_error_code', p_error_code, true);
    perform vq._require_text('p_error_message', p_error_message);
    perform vq._require_not_null('p_retryable', p_retryable);
    v_quality := vq._leased_quality(p_quality_id, p_lease_token, '{pending,failed}');
    if v_quality.lease_expires_at is null then
        return v_quality;                                   -- a repeat: already done
    end if;
    v_retry := p_retryable and v_quality.attempts < v_quality.max_attempts;
    if v_retry then
        v_quality.due_at := now() + vq._retry_delay(v_quality.attempts, v_quality.retry_seconds);
    end if;
    -- the new due time computed above, from the locked row: sharded by video,
    -- Citus takes no now() inside a CASE of an update
    update vq.video_qualities
       set status = case when v_retry then 'pending' else 'failed' end,
           due_at = v_quality.due_at,
           error_code = p_error_code, error_message = p_error_message,
           lease_expires_at = null              -- ended by its holder: keep owner and token
     where id = p_quality_id and video_id = v_quality.video_id
    returning * into v_quality;
    return v_quality;
end
$function$;
comment on function vq.fail_quality(uuid,uuid,text,text,boolean) is 'Records the error p_error_code (and p_error_message) of the attempt under lease p_lease_token on the quality p_quality_id and returns the row: pending again, due after 30 s doubling per attempt (at most 1 h), while attempts < max_attempts and p_retryable; otherwise failed. A repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id, p_lease_token, p_error_code or p_retryable is null; 22023 p_error_code is blank; 22001 p_error_code longer than 64 or p_error_message longer than 10000; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

alter function vq.fail_quality(uuid,uuid,text,text,boolean) owner to vq_owner;

revoke all on function vq.fail_quality(uuid,uuid,text,text,boolean) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.fail_quality(uuid,uuid,text,text,boolean) to vq_worker;

CREATE OR REPLACE FUNCTION vq.heartbeat_quality(p_quality_id uuid, p_lease_token uuid, p_progress real DEFAULT NULL::real, p_lease_seconds integer DEFAULT NULL::integer)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_expires timestamptz;
begin
    -- the checks in one expression where they pass (nearly every call): each helper
    -- call is a statement of its own, run only to name the argument that fails
    if p_quality_id is null or p_lease_token is null
       or not coalesce(p_progress::numeric <@ vq._limit('p_progress'), true)
       or not coalesce(p_lease_seconds::numeric <@ vq._limit('p_lease_seconds'), true) then
        perform vq._require_not_null('p_quality_id', p_quality_id);
        perform vq._require_not_null('p_lease_token', p_lease_token);
        perform vq._require_range('p_progress', p_progress::numeric);
        perform vq._require_range('p_lease_seconds', p_lease_seconds);
    end if;
    update vq.video_qualities
       set lease_expires_at = now() + make_interval(secs => coalesce(p_lease_seconds, lease_seconds)),
           lease_seconds = coalesce(p_lease_seconds, lease_seconds),
           progress = coalesce(p_progress, progress)
     where id = p_quality_id and lease_token = p_lease_token
       and lease_expires_at is not null         -- the fencing, in the write itself
    returning lease_expires_at into v_expires;
    if not found then
        perform vq._leased_quality(p_quality_id, p_lease_token, '{}');   -- raises: lease lost
    end if;
    return v_expires;
end
$function$;
comment on function vq.heartbeat_quality(uuid,uuid,real,integer) is 'Extends the lease p_lease_token of the quality p_quality_id by p_lease_seconds from now (null: the length it was claimed for), records p_progress (percent) when given, and returns the new lease_expires_at. Accepted after the expiry as long as no other worker has claimed the quality.
Errors: 22004 p_quality_id or p_lease_token is null; 22003 p_progress not in [0, 100] or p_lease_seconds not in [1, 86400]; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

alter function vq.heartbeat_quality(uuid,uuid,real,integer) owner to vq_owner;

revoke all on function vq.heartbeat_quality(uuid,uuid,real,integer) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.heartbeat_quality(uuid,uuid,real,integer) to vq_worker;

CREATE OR REPLACE FUNCTION vq.release_quality(p_quality_id uuid, p_lease_token uuid)
 RETURNS vq.video_qualities
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
declare
    v_quality vq.video_qualities;
begin
    v_quality := vq._leased_quality(p_quality_id, p_lease_token, '{pending}');
    if v_quality.lease_expires_at is null then
        return v_quality;                                   -- a repeat: already done
    end if;
    update vq.video_qualities
       set status = 'pending', due_at = now(), attempts = attempts - 1,
           lease_expires_at = null              -- ended by its holder: keep owner and token
     where id = p_quality_id and video_id = v_quality.video_id
    returning * into v_quality;
    perform pg_notify('vq_work', '');
    return v_quality;
end
$function$;
comment on function vq.release_quality(uuid,uuid) is 'Gives the quality p_quality_id back: pending, due now, its attempt not counted, if p_lease_token is its lease; returns the row. A repeat of the call returns the row unchanged.
Errors: 22004 p_quality_id or p_lease_token is null; 22P02 an argument is not a UUID; 55000 lease lost (another worker has the quality, or it was released, restarted, completed or deleted).';

alter function vq.release_quality(uuid,uuid) owner to vq_owner;

revoke all on function vq.release_quality(uuid,uuid) from public, vq_worker, vq_reader;

grant EXECUTE on function vq.release_quality(uuid,uuid) to vq_worker;
