-- Privileges: vq_worker may EXECUTE every API function, vq_reader only the read
-- functions, PUBLIC nothing; nobody but the owner has any privilege on a table,
-- and the internal helpers and trigger functions are callable by no one else.
begin;
select no_plan();

\ir api.psql
-- what each function is, as the registry says: read, write, or internal (a helper)
create temporary table fn on commit drop as
select name, args, case when reads then 'read' else 'write' end as kind from api_function
union all
select name, args, 'internal' from internal_function;

-- the list above is every function of vq, so that no function escapes the checks below
select set_eq($$ select proname::text from pg_proc where pronamespace = 'vq'::regnamespace $$,
              $$ select name::text from fn $$,
              'the privilege checks cover every function in vq');

-- ------------------------------------------------------------- functions --
select function_privs_are('vq', name, args, 'vq_worker',
    case when kind = 'internal' then array[]::text[] else array['EXECUTE'] end,
    format('vq_worker: %s on vq.%s', case when kind = 'internal' then 'nothing'
                                         else 'EXECUTE' end, name))
  from fn;
select function_privs_are('vq', name, args, 'vq_reader',
    case when kind = 'read' then array['EXECUTE'] else array[]::text[] end,
    format('vq_reader: %s on vq.%s', case when kind = 'read' then 'EXECUTE'
                                         else 'nothing' end, name))
  from fn;
-- PUBLIC: pgTAP's function_privs_are accepts the pseudo-role 'public'.
select function_privs_are('vq', name, args, 'public', array[]::text[],
                          format('PUBLIC: nothing on vq.%s', name))
  from fn;

-- The ACLs themselves hold nothing but the owner and the two groups: no grant
-- to another role (or to PUBLIC, grantee 0) slips in.
select is_empty($$
    select p.oid::regprocedure::text, a.grantee::regrole::text
      from pg_proc p cross join lateral aclexplode(p.proacl) a
     where p.pronamespace = 'vq'::regnamespace
       and a.grantee not in ('vq_owner'::regrole, 'vq_worker'::regrole, 'vq_reader'::regrole)
$$, 'function ACLs in vq name only vq_owner, vq_worker and vq_reader');
-- A NULL proacl means the default, which includes EXECUTE for PUBLIC.
select is_empty($$
    select oid::regprocedure::text from pg_proc
     where pronamespace = 'vq'::regnamespace and proacl is null
$$, 'no function in vq keeps the default ACL (EXECUTE to PUBLIC)');

-- ---------------------------------------------------------------- tables --
-- every table of vq (structure.sql pins which tables there are)
create temporary table tbl on commit drop as
select relname as name from pg_class where relnamespace = 'vq'::regnamespace and relkind = 'r';

select table_privs_are('vq', name, r, array[]::text[],
                       format('%s: no privilege on table vq.%s', r, name))
  from tbl cross join unnest(array['vq_worker', 'vq_reader', 'public']::name[]) r;     -- 18
select table_privs_are('vq', name, 'vq_owner',
    array['DELETE', 'INSERT', 'REFERENCES', 'SELECT', 'TRIGGER', 'TRUNCATE', 'UPDATE'],
    format('vq_owner owns vq.%s', name))
  from tbl;
-- table_privs_are does not see column grants
select is_empty($$
    select attrelid::regclass::text, attname from pg_attribute
     where attrelid in (select oid from pg_class where relnamespace = 'vq'::regnamespace)
       and attacl is not null
$$, 'no column-level grant in vq');
select is_empty($$
    select c.oid::regclass::text, a.grantee::regrole::text
      from pg_class c cross join lateral aclexplode(c.relacl) a
     where c.relnamespace = 'vq'::regnamespace and a.grantee <> 'vq_owner'::regrole
$$, 'table, index and sequence ACLs in vq name only vq_owner');

-- Every privilege of a member of the groups, per function and table: a login
-- role granted into vq_worker / vq_reader (as a DBA does) gets exactly the above.
create role vq_test_worker_login login in role vq_worker;
create role vq_test_reader_login login in role vq_reader;
select is(has_function_privilege('vq_test_worker_login',
              format('vq.%I(%s)', name, array_to_string(args, ',')), 'execute'),
          kind <> 'internal',
          format('a member of vq_worker %s execute vq.%s',
                 case when kind <> 'internal' then 'can' else 'cannot' end, name))
  from fn;
select is(has_function_privilege('vq_test_reader_login',
              format('vq.%I(%s)', name, array_to_string(args, ',')), 'execute'),
          kind = 'read',
          format('a member of vq_reader %s execute vq.%s',
                 case when kind = 'read' then 'can' else 'cannot' end, name))
  from fn;
select is(has_table_privilege(r, format('vq.%I', name), p), false,
          format('%s has no %s on vq.%s', r, p, name))
  from tbl
  cross join unnest(array['vq_test_worker_login', 'vq_test_reader_login']) r
  cross join unnest(array['select', 'insert', 'update', 'delete']) p;

-- ---------------------------------------------------------------- schema --
select schema_privs_are('vq', 'vq_worker', array['USAGE'], 'vq_worker: USAGE on schema vq');
select schema_privs_are('vq', 'vq_reader', array['USAGE'], 'vq_reader: USAGE on schema vq');
select schema_privs_are('vq', 'public', array[]::text[], 'PUBLIC: nothing on schema vq');
select is(has_schema_privilege('vq_worker', 'vq', 'create'), false,
          'vq_worker cannot create objects in vq');
select is(has_schema_privilege('vq_reader', 'vq', 'create'), false,
          'vq_reader cannot create objects in vq');

-- ------------------------------------------------------------------ roles --
select is((select rolcanlogin from pg_roles where rolname = r), false,
          format('%s is a group (NOLOGIN)', r))
  from unnest(array['vq_owner', 'vq_worker', 'vq_reader']) r;                           -- 3
select is((select rolsuper or rolcreaterole or rolcreatedb or rolbypassrls
             from pg_roles where rolname = r), false,
          format('%s has no superuser, createrole, createdb or bypassrls', r))
  from unnest(array['vq_owner', 'vq_worker', 'vq_reader']) r;                           -- 3
select isnt_member_of('vq_owner', array['vq_worker', 'vq_reader']::name[],
                      'vq_worker and vq_reader are not members of vq_owner');

select * from finish();
rollback;
