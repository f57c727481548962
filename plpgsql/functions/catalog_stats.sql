-- API: the catalog's size as an operator's dashboard shows it: how many videos
-- and qualities there are in each status (vqdb exporter serves it to
-- Prometheus). Every status is listed, with 0 when none has it, so a series
-- never disappears. It counts rows: on a big catalog, a scrape a minute is
-- plenty.
create or replace function vq.catalog_stats()
returns table (
    kind   text,
    status text,
    count  bigint
)
language plpgsql
stable
as $$
begin
    return query
    select 'video'::text, s.status, coalesce(v.n, 0)
      from vq.video_statuses s
      left join (select x.status, count(*) as n from vq.videos x group by x.status) v
        on v.status = s.status
    union all
    select 'quality'::text, s.status, coalesce(q.n, 0)
      from vq.quality_statuses s
      left join (select x.status, count(*) as n from vq.video_qualities x group by x.status) q
        on q.status = s.status
     order by 1 desc, 2;
end
$$;
comment on function vq.catalog_stats is
'How many videos (kind video) and qualities (kind quality) are in each status; every status is listed, 0 when none has it.
Errors: none.';
