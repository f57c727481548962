-- Security: who may do what.
--
--   * a login role in vq_worker calls every API function and touches no table;
--   * a login role in vq_reader calls the read functions only;
--   * a login role with nothing but PUBLIC's rights can do nothing at all;
--   * the catalog agrees: no PUBLIC grant anywhere in vq, every function owned
--     by vq_owner, the group roles cannot log in nor create in vq.
--
-- Table and function lists come from the catalog, so a table or function added
-- by a later migration is covered without editing this file. The roles are
-- created inside the test's transaction and vanish with its rollback.
begin;
select no_plan();

create role rel_worker login in role vq_worker;
create role rel_reader login in role vq_reader;
create role rel_nobody login;

-- Fixture, as superuser: one video with a ready and a pending quality.
create temp table fx as
select v.id as video_id,
       (vq.create_video_quality(v.id, '720p', 's3://b/720.mp4', p_status => 'ready')).id as ready_id,
       (vq.create_video_quality(v.id, '480p', 's3://b/480.mp4')).id as pending_id
  from vq.create_video('privileges fixture') v;
grant select on fx to public;

-- Every relation of vq x every way to touch it x every application role.
create temp table table_attempts as
select r.rolname, c.oid::regclass::text as rel, op.name as op,
       case op.name
           when 'select'   then format('select * from %s', c.oid::regclass)
           when 'insert'   then format('insert into %s default values', c.oid::regclass)
           when 'update'   then format('update %s set %I = %I', c.oid::regclass, a.attname, a.attname)
           when 'delete'   then format('delete from %s', c.oid::regclass)
           when 'truncate' then format('truncate %s', c.oid::regclass)
       end as stmt
  from pg_class c
  join pg_attribute a on a.attrelid = c.oid
       and a.attnum = (select min(f.attnum) from pg_attribute f where f.attrelid = c.oid and f.attnum > 0 and not f.attisdropped)
  cross join (values ('select'), ('insert'), ('update'), ('delete'), ('truncate')) op(name)
  cross join (values ('rel_worker'), ('rel_reader'), ('rel_nobody')) r(rolname)
 where c.relnamespace = 'vq'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
 order by 1, 2, 3;
grant select on table_attempts to public;

select cmp_ok((select count(distinct rel)::int from table_attempts), '>=', 6,
              'the catalog lists the 6 tables of vq (the test below is not vacuous)');

-- Every function of vq with null arguments: enough for the privilege check,
-- which comes before the body runs.
create temp table fn_calls as
select p.oid, p.proname, p.prosecdef, p.provolatile,
       format('select * from vq.%I(%s)', p.proname,
              (select string_agg(format('null::%s', case when t = 'anyelement'::regtype then 'text'
                                                          else format_type(t, null) end),
                                 ', ' order by i)
                 from unnest(p.proargtypes) with ordinality u(t, i))) as stmt
  from pg_proc p
 where p.pronamespace = 'vq'::regnamespace and p.prorettype <> 'trigger'::regtype;
grant select on fn_calls to public;

select cmp_ok((select count(*)::int from fn_calls where prosecdef), '>=', 11,
              'the catalog lists the 11 API functions');

------------------------------------------------------------------ tables --

set local role rel_worker;
select throws_ok(stmt, '42501', null, format('vq_worker cannot %s %s', op, rel))
  from table_attempts where rolname = 'rel_worker' order by rel, op;
select throws_ok('create table vq.intruder (x int)', '42501', null,
                 'vq_worker cannot create a table in schema vq');
select throws_ok('create function vq.intruder() returns int language sql as $$ select 1 $$',
                 '42501', null, 'vq_worker cannot create a function in schema vq');
reset role;

set local role rel_reader;
select throws_ok(stmt, '42501', null, format('vq_reader cannot %s %s', op, rel))
  from table_attempts where rolname = 'rel_reader' order by rel, op;
reset role;

set local role rel_nobody;
select throws_ok(stmt, '42501', null, format('PUBLIC cannot %s %s', op, rel))
  from table_attempts where rolname = 'rel_nobody' order by rel, op;
reset role;

--------------------------------------------------------------- functions --

-- vq_worker: each API function, called for real, works.
set local role rel_worker;
select isnt((select id from vq.create_video('by worker', p_duration => 10)), null,
            'vq_worker calls create_video');
select is((select count(*)::int from fx, vq.get_video(fx.video_id)), 1,
          'vq_worker calls get_video');
select is((select vq.update_video_status(video_id, 'processing') from fx), true,
          'vq_worker calls update_video_status');
select is((select (vq.create_video_quality(video_id, '360p', 's3://b/360.mp4')).quality from fx),
          '360p', 'vq_worker calls create_video_quality');
select is((select count(*)::int
             from fx, vq.create_video_qualities(fx.video_id,
                      '[{"quality": "240p", "url": "s3://b/240.mp4"},
                        {"quality": "144p", "url": "s3://b/144.mp4"}]')),
          2, 'vq_worker calls create_video_qualities');
select is((select vq.update_quality_metadata(pending_id, p_bitrate => 900) from fx), true,
          'vq_worker calls update_quality_metadata');
select is((select vq.update_quality_status(pending_id, 'processing') from fx), true,
          'vq_worker calls update_quality_status');
select is((select vq.update_qualities_status(array[pending_id], 'ready') from fx), 1,
          'vq_worker calls update_qualities_status');
select is((select count(*)::int from fx, vq.list_qualities_ordered(fx.video_id)), 5,
          'vq_worker calls list_qualities_ordered');
select is((select vq.set_default_quality(video_id, ready_id) from fx), true,
          'vq_worker calls set_default_quality');
select is((select d.id from fx, vq.get_default_quality(fx.video_id) d), (select ready_id from fx),
          'vq_worker calls get_default_quality');
-- ... and may execute exactly the SECURITY DEFINER ones, not the internal helpers.
select is_empty($$select proname from fn_calls
                   where prosecdef <> has_function_privilege('rel_worker', oid, 'execute')$$,
                'vq_worker may execute every SECURITY DEFINER function of vq and nothing else');
select throws_ok(stmt, '42501', null, format('vq_worker cannot call internal vq.%s', proname))
  from fn_calls where not prosecdef order by proname;
reset role;

-- vq_reader: the three read functions work; every other function is refused.
set local role rel_reader;
select is((select count(*)::int from fx, vq.get_video(fx.video_id)), 1,
          'vq_reader calls get_video');
select is((select count(*)::int from fx, vq.list_qualities_ordered(fx.video_id)), 5,
          'vq_reader calls list_qualities_ordered');
select is((select count(*)::int from fx, vq.get_default_quality(fx.video_id)), 1,
          'vq_reader calls get_default_quality');
-- A read function is a SECURITY DEFINER one that is not volatile (it cannot write).
select is_empty($$select proname from fn_calls
                   where (prosecdef and provolatile <> 'v')
                         <> has_function_privilege('rel_reader', oid, 'execute')$$,
                'vq_reader may execute every read function of vq and nothing else');
select throws_ok(stmt, '42501', null, format('vq_reader cannot call vq.%s', proname))
  from fn_calls where not (prosecdef and provolatile <> 'v') order by proname;
select cmp_ok((select count(*)::int from fn_calls where prosecdef and provolatile = 'v'),
              '>=', 8, 'the 8 writing API functions were among those refused to vq_reader');
reset role;

-- PUBLIC: nothing at all.
set local role rel_nobody;
select throws_ok(stmt, '42501', null, format('PUBLIC cannot call vq.%s', proname))
  from fn_calls order by proname;
reset role;

-- Nothing the refused calls attempted happened.
select is((select count(*)::int from vq.videos), 2, 'only the fixture and the worker''s video exist');

----------------------------------------------------------------- catalog --

select is_empty($$
    select p.oid::regprocedure::text from pg_proc p
     where p.pronamespace = 'vq'::regnamespace
       and (p.proacl is null  -- null = the default ACL, which grants EXECUTE to PUBLIC
            or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0))
$$, 'no function of vq is executable by PUBLIC');
select is_empty($$
    select c.oid::regclass::text from pg_class c, aclexplode(c.relacl) a
     where c.relnamespace = 'vq'::regnamespace and a.grantee <> c.relowner
$$, 'no relation of vq grants anything to anyone but its owner');
select is_empty($$
    select c.oid::regclass::text from pg_class c
     where c.relnamespace = 'vq'::regnamespace and c.relowner <> 'vq_owner'::regrole
$$, 'every relation of vq is owned by vq_owner');
select is_empty($$
    select p.oid::regprocedure::text from pg_proc p
     where p.pronamespace = 'vq'::regnamespace and p.proowner <> 'vq_owner'::regrole
$$, 'every function of vq is owned by vq_owner');
select is_empty($$
    select a.privilege_type || ' to ' || coalesce(nullif(a.grantee, 0)::regrole::text, 'PUBLIC')
      from pg_namespace n, aclexplode(n.nspacl) a
     where n.nspname = 'vq' and a.grantee <> n.nspowner and a.privilege_type <> 'USAGE'
$$, 'schema vq grants nothing but USAGE');
select is_empty($$
    select a.grantee::regrole::text from pg_namespace n, aclexplode(n.nspacl) a
     where n.nspname = 'vq' and a.grantee = 0
$$, 'schema vq grants nothing to PUBLIC');
select is_empty($$
    select rolname from pg_roles
     where rolname in ('vq_owner', 'vq_worker', 'vq_reader')
       and (rolcanlogin or rolsuper or rolcreaterole or rolcreatedb or rolbypassrls
            or rolreplication)
$$, 'vq_owner, vq_worker and vq_reader are plain NOLOGIN roles');
select is_empty($$
    select m.roleid::regrole::text || ' in ' || m.member::regrole::text
      from pg_auth_members m
     where m.member in ('vq_worker'::regrole, 'vq_reader'::regrole)
        or m.roleid = 'vq_owner'::regrole
$$, 'vq_worker and vq_reader inherit no role, and nobody is a member of vq_owner');

select * from finish();
rollback;
