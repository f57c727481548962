-- attempt_history: written by `./dev migration attempt_history`
-- from the difference between plpgsql/ and the migrations up to 0230.queue_for_real_encodes.
-- depends: 0230.queue_for_real_encodes

CREATE TABLE vq.quality_attempts (
    video_id uuid NOT NULL,
    quality_id uuid NOT NULL,
    lease_token uuid NOT NULL,
    attempt integer NOT NULL,
    worker text NOT NULL,
    started_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    ended_at timestamp with time zone,
    outcome text,
    error_code text,
    error_message text,
    progress real
);

ALTER TABLE ONLY vq.quality_attempts
    ADD CONSTRAINT quality_attempts_pkey PRIMARY KEY (quality_id, lease_token, video_id);

ALTER TABLE ONLY vq.quality_attempts
    ADD CONSTRAINT quality_attempts_video_id_fkey FOREIGN KEY (video_id) REFERENCES vq.videos(id) ON DELETE CASCADE;

-- Internal: how the catalog is laid out when it is sharded by video with Citus
-- (docs/scaling.md): each table of vq, either distributed by the column that
-- holds its video's id (all of them co-located with vq.videos, so that one
-- video's rows are on one node) or a reference table (small, copied to every
-- node). The one place this is written: `vqdb distribute` applies it, and the
-- pgTAP rules (tests/pgtap/distribution_rules.sql) check every table against
-- it, on every build, without Citus.
create or replace function vq._distribution()
returns table (table_name regclass, video_column name)  -- video_column null: a reference table
language plpgsql
stable
as $$
begin
    return query values
        ('vq.quality_levels'::regclass, null::name),
        ('vq.video_statuses', null),
        ('vq.quality_statuses', null),
        ('vq.quality_status_transitions', null),
        ('vq.changes_pruned', null),
        ('vq.videos', 'id'),                  -- first: the others are co-located with it
        ('vq.video_qualities', 'video_id'),
        ('vq.quality_attempts', 'video_id'),
        ('vq.deleted_videos', 'id'),
        ('vq.changes', 'video_id');
end
$$;
comment on function vq._distribution is
'Internal. The layout sharded by video: every table of vq with the column holding its video id (distributed, co-located with vq.videos) or null (a reference table), vq.videos first. Raises nothing.';

-- Trigger (after an update that begins or ends a lease: see triggers.sql): the
-- attempt history. The attempt of the old lease, when one was running, ends
-- with what became of it; a new lease (a claim) begins an attempt.
create or replace function vq._quality_attempts()
returns trigger
language plpgsql
as $$
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
$$;
comment on function vq._quality_attempts is
'Trigger of vq.video_qualities (after an update that begins or ends a lease): ends the running attempt of the old lease in vq.quality_attempts with its outcome (ready, failed with its error, released, expired, ended) and last progress, and begins one for a new lease. Raises nothing.';

-- API: vq.list_video_quality_attempts for a caller that knows only the quality:
-- it finds the quality's video, then makes that call. Sharded by video, the
-- look-up reads every shard; a caller that knows the video calls the by-video
-- form instead (the Python client does, docs/scaling.md).
create or replace function vq.list_quality_attempts(p_quality_id uuid)
returns setof vq.quality_attempts
language plpgsql
stable
as $$
declare
    v_video_id uuid;
begin
    select q.video_id into v_video_id from vq.video_qualities q where q.id = p_quality_id;
    return query select * from vq.list_video_quality_attempts(
        coalesce(v_video_id, '00000000-0000-0000-0000-000000000000'), p_quality_id);
end
$$;
comment on function vq.list_quality_attempts is
'Returns the attempt history of the quality p_quality_id, oldest first (vq.list_video_quality_attempts without the video): one row per claim with its worker, times, outcome, error and last progress. No row for a quality never claimed or that does not exist.
Errors: 22004 p_quality_id is null; 22P02 p_quality_id is not a UUID.';

-- API: the attempt history of a quality of the video p_video_id, oldest first:
-- who claimed it, when, how it ended, with the error and the last progress.
-- What an operator reads to see why a rung failed, and what a worker reads to
-- find the partial files of a dead predecessor (its worker and lease token).
create or replace function vq.list_video_quality_attempts(p_video_id uuid, p_quality_id uuid)
returns setof vq.quality_attempts
language plpgsql
stable
as $$
begin
    if p_video_id is null or p_quality_id is null then  -- the helpers name it
        perform vq._require_not_null('p_video_id', p_video_id);
        perform vq._require_not_null('p_quality_id', p_quality_id);
    end if;
    return query select * from vq.quality_attempts
                  where video_id = p_video_id and quality_id = p_quality_id
                  order by started_at, attempt;
end
$$;
comment on function vq.list_video_quality_attempts is
'Returns one row per claim of the quality p_quality_id of the video p_video_id, oldest first: attempt, worker, lease_token, started_at, ended_at (null while it runs), outcome (ready, failed, released, expired, ended), error_code, error_message, progress. No row for a quality never claimed or that does not exist.
Errors: 22004 p_video_id or p_quality_id is null; 22P02 an argument is not a UUID.';

CREATE TRIGGER video_qualities_attempts AFTER UPDATE ON vq.video_qualities FOR EACH ROW WHEN (((old.lease_token IS DISTINCT FROM new.lease_token) OR ((old.lease_expires_at IS NOT NULL) AND (new.lease_expires_at IS NULL)))) EXECUTE FUNCTION vq._quality_attempts();

do $$ begin perform vq._apply_privileges(); end $$;
