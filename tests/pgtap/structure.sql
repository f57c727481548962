-- Structure of the vq schema: tables, columns, constraints, indexes, triggers,
-- functions (names, signatures, owners, SECURITY DEFINER, pinned search_path)
-- and the COMMENT ON FUNCTION that documents each API function's errors.
begin;
select no_plan();

-- The API (api_function: the registry) and every other function (internal_function).
\ir api.psql

-- ---------------------------------------------------------------- schema --
select has_schema('vq');
select schema_owner_is('vq', 'vq_owner');
select has_role(r) from unnest(array['vq_owner', 'vq_worker', 'vq_reader']::name[]) r;          -- 3
select is((select rolcanlogin from pg_roles where rolname = 'vq_owner'), false,
          'vq_owner cannot log in');

-- ---------------------------------------------------------------- tables --
-- The tables callers' data lives in; a table added later is pinned by the catalog
-- comparison of plpgsql/ with the migrations (test_plpgsql_source.py), not here.
select has_table('vq'::name, t, format('vq.%s exists', t))
  from unnest(array['videos', 'video_qualities', 'quality_levels', 'video_statuses',
                    'quality_statuses', 'quality_status_transitions']::name[]) t;
select table_owner_is('vq'::name, c.relname, 'vq_owner'::name,
                      format('vq.%s is owned by vq_owner', c.relname))
  from pg_class c where c.relnamespace = 'vq'::regnamespace and c.relkind = 'r';
select views_are('vq', array[]::name[]);
select sequences_are('vq', array['changes_seq_seq']::name[]);  -- the feed's identity column

select columns_are('vq', 'videos', array['id', 'title', 'description', 'url', 'thumbnail_url',
    'duration', 'user_id', 'views', 'likes', 'status', 'created_at', 'updated_at']);
select col_type_is('vq'::name, 'videos'::name, c::name, t::text, format('vq.videos.%s is %s', c, t))
  from (values ('id', 'uuid'), ('title', 'text'), ('duration', 'double precision'), ('user_id', 'uuid'),
               ('views', 'bigint'), ('likes', 'bigint'), ('status', 'text'),
               ('created_at', 'timestamp with time zone'),
               ('updated_at', 'timestamp with time zone')) v(c, t);                    -- 9
select col_not_null('vq'::name, 'videos'::name, c::name, format('vq.videos.%s is not null', c))
  from unnest(array['id', 'title', 'views', 'likes', 'status', 'created_at',
                    'updated_at']::name[]) c;                                                  -- 7
select col_default_is('vq'::name, 'videos'::name, 'status'::name, 'draft'::text,
                      'a new video is a draft');
select col_is_pk('vq'::name, 'videos'::name, 'id'::name, 'videos.id is the primary key');
select fk_ok('vq', 'videos', 'status', 'vq', 'video_statuses', 'status',
             'a video status is one of vq.video_statuses');

select columns_are('vq', 'video_qualities', array['id', 'video_id', 'quality', 'url',
    'file_size', 'bitrate', 'resolution_width', 'resolution_height', 'codec', 'container',
    'duration', 'fps', 'pixel_format', 'color_space', 'audio_codec', 'audio_bitrate',
    'audio_channels', 'audio_sample_rate', 'aspect_ratio', 'frame_count', 'encoding_time',
    'is_default', 'status', 'error_message', 'processing_started_at',
    'processing_completed_at', 'created_at', 'updated_at', 'attempts', 'max_attempts',
    'due_at', 'lease_owner', 'lease_token', 'lease_expires_at', 'lease_seconds', 'progress',
    'error_code', 'settings', 'retry_seconds', 'codecs', 'color_primaries', 'color_transfer',
    'color_range', 'rotation', 'peak_bitrate']);
select col_type_is('vq'::name, 'video_qualities'::name, c::name, t::text,
                   format('vq.video_qualities.%s is %s', c, t))
  from (values ('id', 'uuid'), ('video_id', 'uuid'), ('quality', 'text'), ('url', 'text'),
               ('file_size', 'bigint'), ('bitrate', 'integer'),
               ('resolution_width', 'integer'), ('resolution_height', 'integer'),
               ('duration', 'double precision'), ('fps', 'double precision'),
               ('audio_bitrate', 'integer'), ('audio_channels', 'integer'),
               ('audio_sample_rate', 'integer'), ('frame_count', 'bigint'),
               ('encoding_time', 'double precision'), ('is_default', 'boolean'),
               ('status', 'text'), ('error_message', 'text'),
               ('processing_started_at', 'timestamp with time zone'),
               ('processing_completed_at', 'timestamp with time zone'),
               ('created_at', 'timestamp with time zone'),
               ('updated_at', 'timestamp with time zone'), ('attempts', 'integer'),
               ('max_attempts', 'integer'), ('due_at', 'timestamp with time zone'),
               ('lease_owner', 'text'), ('lease_token', 'uuid'),
               ('lease_expires_at', 'timestamp with time zone'), ('lease_seconds', 'integer'),
               ('progress', 'real'), ('error_code', 'text'), ('settings', 'jsonb'),
               ('retry_seconds', 'integer'), ('codecs', 'text'), ('color_primaries', 'text'),
               ('color_transfer', 'text'), ('color_range', 'text'), ('rotation', 'integer'),
               ('peak_bitrate', 'integer')) v(c, t);
select col_not_null('vq'::name, 'video_qualities'::name, c::name,
                    format('vq.video_qualities.%s is not null', c))
  from unnest(array['id', 'video_id', 'quality', 'url', 'is_default', 'status',
                    'created_at', 'updated_at', 'attempts', 'max_attempts',
                    'due_at']::name[]) c;                                                      -- 11
select col_default_is('vq'::name, 'video_qualities'::name, 'is_default'::name, 'false'::text,
                      'a new quality is not the default');
select col_default_is('vq'::name, 'video_qualities'::name, 'status'::name, 'pending'::text,
                      'a new quality is pending');
select col_is_pk('vq'::name, 'video_qualities'::name, array['id', 'video_id']::name[],
                 'video_qualities: primary key (id, video_id), the video in every key');
select fk_ok('vq', 'video_qualities', 'video_id', 'vq', 'videos', 'id',
             'a quality belongs to an existing video');
select fk_ok('vq', 'video_qualities', 'quality', 'vq', 'quality_levels', 'label',
             'a quality label is one of vq.quality_levels');
select fk_ok('vq', 'video_qualities', 'status', 'vq', 'quality_statuses', 'status',
             'a quality status is one of vq.quality_statuses');
select col_is_unique('vq'::name, 'video_qualities'::name, array['video_id', 'quality']::name[],
                     'one row per (video, quality)');
select has_check('vq'::name, 'video_qualities'::name, 'video_qualities has check constraints');
select is((select confdeltype from pg_constraint
            where conrelid = 'vq.video_qualities'::regclass and contype = 'f'
              and confrelid = 'vq.videos'::regclass), 'c',
          'deleting a video deletes its qualities (on delete cascade)');

select col_is_pk('vq'::name, 'quality_levels'::name, 'label'::name,
                 'quality_levels.label is the primary key');
select col_is_unique('vq'::name, 'quality_levels'::name, 'rank'::name,
                     'quality_levels.rank is unique: the order is total');
select col_type_is('vq'::name, 'quality_levels'::name, 'rank'::name, 'integer'::text,
                   'quality_levels.rank is integer');
select col_is_pk('vq'::name, 'quality_status_transitions'::name,
                 array['from_status', 'to_status']::name[],
                 'quality_status_transitions: primary key (from_status, to_status)');

-- --------------------------------------------------------------- indexes --
-- Every index plpgsql/schema.sql declares, and no other (the registry api.psql).
select indexes_are('vq'::name, tbl, array_agg(idx order by idx),
                   format('vq.%s has exactly the indexes of plpgsql/', tbl))
  from index_registry group by tbl;
select index_is_unique('vq'::name, 'video_qualities'::name,
                       'video_qualities_one_default_idx'::name,
                       'video_qualities_one_default_idx is unique');
select is_indexed('vq'::name, 'video_qualities'::name, array['video_id', 'quality']::name[],
                  'qualities are indexed by (video_id, quality): lists by video use it');
select is_indexed('vq'::name, 'videos'::name, 'user_id'::name, 'videos are indexed by user_id');
-- pgTAP has no "is partial": read the predicate from the catalog.
select is((select pg_get_expr(indpred, indrelid) from pg_index
            where indexrelid = 'vq.video_qualities_one_default_idx'::regclass),
          'is_default',
          'video_qualities_one_default_idx is partial: WHERE is_default');
select is((select array_agg(a.attname order by k.ord)
             from pg_index i
             cross join unnest(i.indkey) with ordinality k(attnum, ord)
             join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
            where i.indexrelid = 'vq.video_qualities_one_default_idx'::regclass),
          array['video_id']::name[],
          'video_qualities_one_default_idx is on (video_id): one default per video');

-- -------------------------------------------------------------- triggers --
select triggers_are('vq'::name, 'video_qualities'::name,
    array['video_qualities_before_write', 'video_qualities_changes_insert',
          'video_qualities_changes_update', 'video_qualities_attempts',
          'video_qualities_ladder_finished_insert',
          'video_qualities_ladder_finished_update']::name[]);
select triggers_are('vq'::name, 'videos'::name,
    array['videos_before_update', 'videos_changes_insert', 'videos_changes_update',
          'videos_changes_delete']::name[]);
select trigger_is('vq', 'video_qualities', 'video_qualities_before_write',
                  'vq', '_video_qualities_before_write',
                  'video_qualities_before_write runs vq._video_qualities_before_write()');
select trigger_is('vq', 'videos', 'videos_before_update', 'vq', '_videos_before_update',
                  'videos_before_update runs vq._videos_before_update()');

-- ------------------------------------------------------------- functions --
select functions_are('vq', array(
    select name from api_function union all select name from internal_function));
select is((select count(*)::int from pg_proc where pronamespace = 'vq'::regnamespace),
          (select count(distinct proname)::int from pg_proc
            where pronamespace = 'vq'::regnamespace),
          'no overloads: one function per name in vq (COMMENT ON FUNCTION vq.name needs it)');
select is_empty($$ select name from internal_function where name !~ '^_' $$,
                'every function of vq that is not in the API is a helper named _...');
select is_empty($$ select name from api_function where name ~ '^_' $$,
                'no API function is named _...');

select has_function('vq'::name, name, args) from api_function;
select is_definer('vq'::name, name, args) from api_function;
select function_lang_is('vq'::name, name, args, 'plpgsql'::name) from api_function;
select function_owner_is('vq'::name, name, args, 'vq_owner'::name) from api_function;

select has_function('vq'::name, name, args) from internal_function;
select isnt_definer('vq'::name, name, args) from internal_function
 where name <> all (select distinct p.proname from pg_trigger t
                      join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
                     where c.relnamespace = 'vq'::regnamespace and t.tgdeferrable);
select function_returns('vq'::name, name, args, returns) from internal_function;
select function_owner_is('vq'::name, name, args, 'vq_owner'::name) from internal_function;

select volatility_is('vq'::name, name, args, case when reads then 'stable' else 'volatile' end,
                     format('vq.%s is %s', name, case when reads then 'stable (a read function)'
                                                      else 'volatile (it writes)' end))
  from api_function;

-- Every SECURITY DEFINER function pins its search_path, otherwise a caller
-- could shadow pg_catalog objects with its own (CVE-2007-2138 style).
select is_empty($$
    select p.oid::regprocedure::text
      from pg_proc p
     where p.pronamespace = 'vq'::regnamespace and p.prosecdef
       and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=%')
$$, 'every SECURITY DEFINER function in vq has a pinned search_path');
-- ... and the pinned path is exactly pg_catalog, pg_temp for every function.
select is_empty($$
    select p.oid::regprocedure::text
      from pg_proc p
     where p.pronamespace = 'vq'::regnamespace
       and not coalesce(p.proconfig @> array['search_path=pg_catalog, pg_temp'], false)
$$, 'every function in vq runs with search_path = pg_catalog, pg_temp');
-- The API's privileges must not depend on anything but EXECUTE: no function
-- in vq is SECURITY DEFINER without being an API function, but the functions of
-- deferred triggers, which run at commit as the session's role and which nobody
-- can call.
select set_eq($$ select proname::text from pg_proc
                 where pronamespace = 'vq'::regnamespace and prosecdef
                   and prorettype <> 'trigger'::regtype $$,
              $$ select name from api_function $$,
              'the SECURITY DEFINER functions that can be called are exactly the API functions');
select set_eq($$ select proname::text from pg_proc
                 where pronamespace = 'vq'::regnamespace and prosecdef
                   and prorettype = 'trigger'::regtype $$,
              $$ select distinct p.proname::text from pg_trigger t
                   join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
                  where c.relnamespace = 'vq'::regnamespace and t.tgdeferrable $$,
              'the SECURITY DEFINER trigger functions are exactly those of deferred triggers');

-- Every API function documents its errors: a comment with "Errors:" and SQLSTATEs.
select matches(obj_description(format('vq.%I(%s)', name, array_to_string(args, ','))
                                   ::regprocedure, 'pg_proc'),
               case when cardinality(args) = 0 then 'Errors: ' else 'Errors: .*\m(22[0-9A-Z]{3}|P0002)\M' end,
               format('vq.%s has a COMMENT listing its SQLSTATEs', name))
  from api_function;
-- A function that checks a required argument says so (22004) in its comment.
select is_empty($$
    select p.proname from pg_proc p
     where p.pronamespace = 'vq'::regnamespace and p.prosecdef
       and (p.prosrc ~ 'require_not_null' or p.prosrc ~ 'require_text\([^)]*true\)')
       and obj_description(p.oid, 'pg_proc') !~ '\m22004\M'
$$, 'every API function with a required argument documents 22004');
select is_empty($$
    select p.proname from pg_proc p
     where p.pronamespace = 'vq'::regnamespace
       and coalesce(obj_description(p.oid, 'pg_proc'), '') = ''
$$, 'every function in vq, internal ones included, has a comment');

select * from finish();
rollback;
