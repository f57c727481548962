-- The rules that sharding by video with Citus imposes (docs/scaling.md), checked
-- on every build against the plain schema, so that the layout cannot drift
-- while no Citus is at hand. The layout itself is vq._distribution(); `vqdb
-- distribute` applies it on a Citus coordinator.
begin;
select no_plan();

create temporary table layout on commit drop as
select d.table_name, d.video_column,
       (select a.attnum from pg_attribute a
         where a.attrelid = d.table_name and a.attname = d.video_column) as video_attnum
  from vq._distribution() d;

-- ------------------------------------------------------------- tables --
select set_eq($$ select table_name::regclass from layout $$,
              $$ select c.oid::regclass from pg_class c
                  where c.relnamespace = 'vq'::regnamespace and c.relkind in ('r', 'p') $$,
              'every table of vq is in the layout once (distributed by its video, or reference)');
select is_empty($$ select table_name from layout where video_column is not null and video_attnum is null $$,
                'every distributed table has the video column the layout names');
select is_empty($$ select table_name from layout l
                    where video_column is not null
                      and (select atttypid from pg_attribute
                            where attrelid = l.table_name and attnum = l.video_attnum) <> 'uuid'::regtype $$,
                'every video column is a uuid, the type of vq.videos.id (co-location needs one type)');
select is((select table_name from vq._distribution() where video_column is not null limit 1),
          'vq.videos'::regclass, 'vq.videos comes first among the distributed tables');

-- "Primary keys and uniqueness constraints must include the distribution column"
select is_empty($$
    select i.indexrelid::regclass
      from pg_index i join layout l on l.table_name = i.indrelid
     where l.video_column is not null and i.indisunique
       and not (l.video_attnum = any (i.indkey::int2[]))
$$, 'every primary key and unique index of a distributed table includes its video column');

-- foreign keys: distributed -> reference, or between distributed tables on their
-- video columns; a reference table refers only to reference tables
select is_empty($$
    select c.conname
      from pg_constraint c
      join layout f on f.table_name = c.conrelid
      join layout t on t.table_name = c.confrelid
     where c.contype = 'f'
       and case
             when f.video_column is null then t.video_column is not null
             when t.video_column is null then false
             else c.conkey <> array[f.video_attnum] or c.confkey <> array[t.video_attnum]
           end
$$, 'every foreign key is one Citus allows between these tables');

-- -------------------------------------------------------------- functions --
-- The statements of each function, comments removed, one per element.
create temporary table statement on commit drop as
select p.oid::regprocedure as fn, p.proname, p.prosecdef,
       -- p_video_id required; where it is optional it only spares a look-up
       coalesce(array_position(p.proargnames, 'p_video_id') <= p.pronargs - p.pronargdefaults,
                false) as by_video, s.text
  from pg_proc p,
       regexp_split_to_table(regexp_replace(p.prosrc, '--[^\n]*', '', 'g'), ';') as s(text)
 where p.pronamespace = 'vq'::regnamespace;
create temporary table distributed_name on commit drop as
select table_name, video_column,
       '\m(from|join|update|into)\s+' || replace(table_name::text, '.', '\.') || '\M' as pattern
  from layout where video_column is not null;

-- A call keyed by the video goes to the node that holds the video: each of its
-- statements on a distributed table must filter by that video (an insert:
-- write it), or Citus runs it on every shard. "<> p_video_id" is the one look-up of another
-- video's row, on an error path (set_default_quality).
select is_empty($$
    select s.fn, d.table_name, left(btrim(s.text), 80)
      from statement s join distributed_name d on s.text ~ d.pattern
     where s.prosecdef and s.proname !~ '^_' and s.by_video
       and s.text !~* ('\m' || d.video_column || '\s*(=|<>)\s*p_video_id\M')
       and not (s.text ~* '\minsert\s+into\M' and s.text ~ '\mp_video_id\M')
$$, 'every statement of a by-video API function on a distributed table filters by p_video_id');

-- A lock on a distributed table must name its video (a row lock over many
-- shards at once is not possible). The exception is the queue's claim, which
-- locks due work wherever it is: docs/scaling.md, "The work queue".
select is_empty($$
    select s.fn, left(btrim(s.text), 80)
      from statement s join distributed_name d on s.text ~ d.pattern
     where s.text ~* '\mfor\s+(no\s+key\s+)?update\M|\mfor\s+(key\s+)?share\M'
       and s.text !~* ('\m' || d.video_column || '\s*=\s*[a-z_.]+\M')
       and s.proname <> 'claim_qualities'
$$, 'every row lock on a distributed table is by its video column (the claim aside)');

-- Citus cannot plan a statement of a distributed function under a forced generic plan
select is_empty($$
    select p.oid::regprocedure from pg_proc p
     where p.pronamespace = 'vq'::regnamespace
       and exists (select 1 from unnest(p.proconfig) c where c like 'plan_cache_mode=%')
$$, 'no function of vq sets plan_cache_mode');

-- A catalog call keyed by a quality alone has a by-video form of the same
-- arguments plus p_video_id first: update_quality_metadata -> update_video_quality_metadata,
-- list_quality_attempts -> list_video_quality_attempts.
-- The work queue's lease calls take the video as an optional last argument
-- instead (docs/scaling.md, "The work queue").
create temporary table by_quality on commit drop as
select p.proname, pg_get_function_identity_arguments(p.oid) as args
  from pg_proc p
 where p.pronamespace = 'vq'::regnamespace and p.prosecdef
   and p.proargnames[1] = 'p_quality_id' and not ('p_video_id' = any (p.proargnames));
select set_eq($$ select proname::text from by_quality $$,
              array['update_quality_metadata', 'update_quality_status', 'list_quality_attempts'],
              'the catalog calls keyed by a quality alone');
select ok(exists (select 1 from pg_proc v
                   where v.pronamespace = 'vq'::regnamespace
                     and v.proname = regexp_replace(b.proname, '_quality_', '_video_quality_')
                     and pg_get_function_identity_arguments(v.oid) = 'p_video_id uuid, ' || b.args),
          format('%s has its by-video form', b.proname))
  from by_quality b order by b.proname;

select * from finish();
rollback;
