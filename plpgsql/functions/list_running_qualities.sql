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
