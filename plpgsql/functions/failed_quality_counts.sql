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
