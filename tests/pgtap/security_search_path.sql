-- Security: a caller cannot change what an API function does by putting its own
-- functions or operators ahead of pg_catalog on the search_path.
--
-- rel_attacker (a vq_worker) plants look-alikes of what the API uses -- now(),
-- btrim(), length(), gen_random_uuid(), jsonb_typeof(), array_position(), and
-- =, <>, <, > on uuid, text and numeric -- in its own schema and in public, then
-- calls every API function with `search_path = attacker, public, pg_catalog`.
-- Each look-alike logs its calls (and who ran it) into attacker.calls, so:
--   1. the bait is live: the attacker's own unqualified calls do hit it;
--   2. the API's answers are the real ones (the checks below would fail if any
--      look-alike were used, e.g. get_video of an unknown id would return every
--      row with an "always true" uuid =);
--   3. attacker.calls stays empty: no API call ran attacker code, as vq_owner
--      or anyone.
-- The outcomes are captured into temp tables under the attacker's search_path
-- and asserted afterwards with a clean one, because pgTAP's own functions do
-- not pin theirs and would themselves use the attacker's operators.
--
-- Also here: every function of vq (SECURITY DEFINER or not) has a pinned
-- search_path of pg_catalog first and pg_temp explicitly last.
begin;
select no_plan();

--------------------------------------------------------- pinned search_path --

select cmp_ok((select count(*)::int from pg_proc
                where pronamespace = 'vq'::regnamespace and prosecdef), '>=', 11,
              'the catalog lists the SECURITY DEFINER functions of vq');
select is_empty($$
    select p.oid::regprocedure::text
      from pg_proc p
     where p.pronamespace = 'vq'::regnamespace
       and not exists (
           select 1
             from unnest(p.proconfig) as c(setting),
                  lateral string_to_array(replace(substr(c.setting, 13), ' ', ''), ',') as s(path)
            where c.setting like 'search\_path=%'
              and s.path[1] = 'pg_catalog'                              -- before anything else
              and s.path[cardinality(s.path)] = 'pg_temp'               -- explicitly, and last
              and s.path <@ array['pg_catalog', 'vq', 'pg_temp'])       -- no public, no "$user"
$$, 'every function of vq pins search_path = pg_catalog, [vq,] pg_temp');
select is_empty($$
    select p.oid::regprocedure::text from pg_proc p
     where p.pronamespace = 'vq'::regnamespace and p.prosecdef
       and p.prolang not in (select oid from pg_language where lanname in ('plpgsql', 'sql'))
$$, 'every SECURITY DEFINER function of vq is plpgsql or sql');

------------------------------------------------------------------ fixture --

create role rel_attacker login in role vq_worker;
create schema attacker authorization rel_attacker;
grant create on schema public to rel_attacker;
create table attacker.calls (fn text not null, by_role text not null);
grant usage on schema attacker to public;
grant insert, select, delete on attacker.calls to public;

create temp table fx as
select a.id as a_id, b.id as b_id,
       (vq.create_video_quality(a.id, '720p', 's3://a/720', p_status => 'ready')).id as a_ready,
       (vq.create_video_quality(a.id, '480p', 's3://a/480')).id as a_pending,
       (vq.create_video_quality(b.id, '1080p', 's3://b/1080', p_status => 'ready',
                                p_is_default => true)).id as b_ready
  from vq.create_video('video A') a, vq.create_video('video B') b;
grant select on fx to public;

-- The helper that runs one statement and reports 'ok' or its SQLSTATE. Its
-- body uses no operator, so the attacker's cannot distort it.
create function pg_temp.outcome(p_sql text) returns text language plpgsql as $$
begin
    execute p_sql;
    return 'ok';
exception when others then
    return sqlstate;
end
$$;

---------------------------------------------------------------- the bait --

set local role rel_attacker;

create function attacker.log_call(p_fn text) returns void language plpgsql as $$
begin
    insert into attacker.calls (fn, by_role) values (p_fn, current_user);
end
$$;
-- look-alike functions, in the attacker's schema and in public
create function attacker.now() returns timestamptz language plpgsql as $$
begin perform attacker.log_call('attacker.now'); return '1999-01-01 00:00:00+00'; end $$;
create function public.now() returns timestamptz language plpgsql as $$
begin perform attacker.log_call('public.now'); return '1999-01-01 00:00:00+00'; end $$;
create function attacker.btrim(text) returns text language plpgsql as $$
begin perform attacker.log_call('attacker.btrim'); return 'x'; end $$;
create function public.btrim(text) returns text language plpgsql as $$
begin perform attacker.log_call('public.btrim'); return 'x'; end $$;
create function attacker.length(text) returns integer language plpgsql as $$
begin perform attacker.log_call('attacker.length'); return 1; end $$;
create function public.gen_random_uuid() returns uuid language plpgsql as $$
begin perform attacker.log_call('public.gen_random_uuid');
      return '00000000-0000-0000-0000-000000000001'; end $$;
create function attacker.gen_random_uuid() returns uuid language plpgsql as $$
begin perform attacker.log_call('attacker.gen_random_uuid');
      return '00000000-0000-0000-0000-000000000001'; end $$;
create function attacker.jsonb_typeof(jsonb) returns text language plpgsql as $$
begin perform attacker.log_call('attacker.jsonb_typeof'); return 'array'; end $$;
create function attacker.array_position(anycompatiblearray, anycompatible) returns integer
language plpgsql as $$
begin perform attacker.log_call('attacker.array_position'); return null; end $$;
-- look-alike operators: = always true, <> always false, < and > always false
create function attacker.always(uuid, uuid) returns boolean language plpgsql as $$
begin perform attacker.log_call('attacker.always(uuid)'); return true; end $$;
create function attacker.never(uuid, uuid) returns boolean language plpgsql as $$
begin perform attacker.log_call('attacker.never(uuid)'); return false; end $$;
create function attacker.always(text, text) returns boolean language plpgsql as $$
begin perform attacker.log_call('attacker.always(text)'); return true; end $$;
create function attacker.never(text, text) returns boolean language plpgsql as $$
begin perform attacker.log_call('attacker.never(text)'); return false; end $$;
create function attacker.never(numeric, numeric) returns boolean language plpgsql as $$
begin perform attacker.log_call('attacker.never(numeric)'); return false; end $$;
create operator attacker.=  (leftarg = uuid, rightarg = uuid, function = attacker.always);
create operator attacker.<> (leftarg = uuid, rightarg = uuid, function = attacker.never);
create operator attacker.=  (leftarg = text, rightarg = text, function = attacker.always);
create operator attacker.<> (leftarg = text, rightarg = text, function = attacker.never);
create operator public.=    (leftarg = text, rightarg = text, function = attacker.always);
create operator attacker.<  (leftarg = numeric, rightarg = numeric, function = attacker.never);
create operator attacker.>  (leftarg = numeric, rightarg = numeric, function = attacker.never);

set local search_path = attacker, public, pg_catalog;

-- 1. the bait is live for the attacker's own unqualified SQL
create temp table bait as select
    now() as now_,
    btrim('   ') as btrim_,
    length('abc') as length_,
    gen_random_uuid() as uuid_,
    jsonb_typeof('{}') as jsonb_typeof_,
    array_position(array[1, null], null) as array_position_,
    ('a'::text = 'b'::text) as text_eq,
    ('00000000-0000-0000-0000-00000000000a'::uuid = '00000000-0000-0000-0000-00000000000b'::uuid)
        as uuid_eq,
    ('a'::text <> 'b'::text) as text_ne,
    (5::numeric > 1000::numeric) as numeric_gt,
    (5::numeric < 0::numeric) as numeric_lt;
create temp table bait_calls as select count(*)::int as n from attacker.calls;
delete from attacker.calls;

-- 2. the API under the attacker's search_path: results...
create temp table made as
select * from vq.create_video('  made under attack  ', p_description => 'd');
insert into made select * from vq.create_video('made under attack, twice');
create temp table got_unknown as
select * from vq.get_video('00000000-0000-0000-0000-0000000000ff');
create temp table listed as
select l.* from fx, vq.list_qualities_ordered(fx.a_id) l;
create temp table default_b as
select d.* from fx, vq.get_default_quality(fx.b_id) d;
create temp table answers as select
    (select vq.update_video_status('00000000-0000-0000-0000-0000000000ff', 'published'))
        as status_of_unknown_video,
    (select vq.update_quality_status('00000000-0000-0000-0000-0000000000ff', 'failed'))
        as status_of_unknown_quality,
    (select vq.update_qualities_status(array['00000000-0000-0000-0000-0000000000ff'::uuid],
                                       'failed')) as bulk_status_of_unknown_quality,
    (select vq.update_quality_metadata('00000000-0000-0000-0000-0000000000ff',
                                       p_bitrate => 1)) as metadata_of_unknown_quality,
    (select vq.set_default_quality(a_id, a_ready) from fx) as set_default_a;
create temp table default_a as
select d.* from fx, vq.get_default_quality(fx.a_id) d;
create temp table ladder as
select q.* from fx, vq.create_video_qualities(fx.a_id,
    '[{"quality": "144p", "url": "s3://a/144"}, {"quality": "2160p", "url": "s3://a/2160"}]') q;

-- ... and refusals (each would pass with one of the look-alikes)
create temp table refused as
select t.what, pg_temp.outcome(t.stmt) as got, t.want
  from fx, lateral (values
    ('blank title (btrim)', '22023', $q$select vq.create_video('   ')$q$),
    ('title of 600 characters (length)', '22001',
        $q$select vq.create_video(repeat('x', 600))$q$),
    ('unknown video status (= on text)', '22023',
        format($q$select vq.update_video_status(%L, 'bogus')$q$, fx.a_id)),
    ('unknown quality label (= on text)', '22023',
        format($q$select vq.create_video_quality(%L, '720P', 's3://x')$q$, fx.a_id)),
    ('unknown quality status (= on text)', '22023',
        format($q$select vq.update_quality_status(%L, 'done')$q$, fx.a_pending)),
    ('forbidden transition pending -> ready (= on text, in the trigger)', '22023',
        format($q$select vq.update_quality_status(%L, 'ready')$q$, fx.a_pending)),
    ('negative bitrate (< on numeric)', '22003',
        format($q$select vq.update_quality_metadata(%L, p_bitrate => -1)$q$, fx.a_pending)),
    ('absurd width (> on numeric)', '22003',
        format($q$select vq.update_quality_metadata(%L, p_resolution_width => 99999)$q$,
               fx.a_pending)),
    ('default from another video (<> on uuid)', '22023',
        format($q$select vq.set_default_quality(%L, %L)$q$, fx.a_id, fx.b_ready)),
    ('default that is not ready (<> on text)', '22023',
        format($q$select vq.set_default_quality(%L, %L)$q$, fx.a_id, fx.a_pending)),
    ('null inside the id array (array_position)', '22004',
        format($q$select vq.update_qualities_status(array[%L::uuid, null], 'failed')$q$,
               fx.a_pending)),
    ('ladder that is not an array (jsonb_typeof)', '22023',
        format($q$select vq.create_video_qualities(%L, '{}')$q$, fx.a_id)),
    ('quality of an unknown video (= on uuid)', 'P0002',
        $q$select vq.create_video_quality('00000000-0000-0000-0000-0000000000ff', '720p', 's3://x')$q$)
  ) as t(what, want, stmt);

create temp table calls_seen as select * from attacker.calls;

-- Assertions, with a clean search_path (pgTAP lives in public).
set local search_path = pg_catalog, public;
reset role;

select is(b.now_, '1999-01-01 00:00:00+00'::timestamptz, 'bait: now() is the attacker''s')
  from bait b;
select is(b.btrim_ || b.length_ || b.uuid_ || b.jsonb_typeof_ || coalesce(b.array_position_, -1),
          'x100000000-0000-0000-0000-000000000001array-1',
          'bait: btrim, length, gen_random_uuid, jsonb_typeof, array_position are the attacker''s')
  from bait b;
select ok(b.text_eq and b.uuid_eq and not b.text_ne and not b.numeric_gt and not b.numeric_lt,
          'bait: =, <> on text and uuid and <, > on numeric are the attacker''s')
  from bait b;
select cmp_ok(n, '>=', 11, 'bait: the look-alikes logged their calls') from bait_calls;

select is_empty('select * from calls_seen',
                'no API call ran any attacker function or operator');

select is((select count(distinct id)::int from made), 2, 'create_video: two distinct ids');
select is((select count(*)::int from made where id = '00000000-0000-0000-0000-000000000001'), 0,
          'create_video: not the attacker''s uuid');
select is((select count(*)::int from made where created_at = now() and updated_at = now()), 2,
          'create_video: created_at and updated_at are the real now()');
select is((select title from made order by title limit 1), '  made under attack  ',
          'create_video: the title is stored verbatim');
select is_empty('select * from got_unknown', 'get_video of an unknown id: no row');
select results_eq('select quality from listed',
                  $$values ('720p'), ('480p')$$,
                  'list_qualities_ordered: video A''s two qualities, in ladder order');
select results_eq('select id from default_b', 'select b_ready from fx',
                  'get_default_quality: video B''s own default');
select results_eq('select quality from ladder', $$values ('2160p'), ('144p')$$,
                  'create_video_qualities: the ladder, in order');
select is(a.status_of_unknown_video, false, 'update_video_status of an unknown video: false')
  from answers a;
select is(a.status_of_unknown_quality, false, 'update_quality_status of an unknown quality: false')
  from answers a;
select is(a.bulk_status_of_unknown_quality, 0, 'update_qualities_status of unknown ids: 0')
  from answers a;
select is(a.metadata_of_unknown_quality, false,
          'update_quality_metadata of an unknown quality: false') from answers a;
select is(a.set_default_a, true, 'set_default_quality of A''s ready quality: true') from answers a;
select results_eq('select id from default_a', 'select a_ready from fx',
                  'get_default_quality of A: the quality just made default');

select is(r.got, r.want, 'still refused under attack: ' || r.what) from refused r order by r.what;

select is((select count(*)::int from vq.videos where status <> 'draft'), 0,
          'no video status changed');
select results_eq(
    $$select quality, status, is_default from vq.video_qualities q join fx on q.video_id = fx.a_id
       order by quality$$,
    $$values ('144p', 'pending', false), ('2160p', 'pending', false),
             ('480p', 'pending', false), ('720p', 'ready', true)$$,
    'video A''s qualities are exactly what the accepted calls made');
select results_eq(
    $$select quality, status, is_default from vq.video_qualities q join fx on q.video_id = fx.b_id$$,
    $$values ('1080p', 'ready', true)$$,
    'video B is untouched');

select * from finish();
rollback;
