-- plpgsql_check over every PL/pgSQL function of vq reports nothing: no error,
-- no warning (other_warnings and extra_warnings on), no security warning.
-- Trigger functions are checked against the table their trigger is on.
-- A finding is fixed in a new migration, never by loosening this file.
begin;
select no_plan();

create temporary table checked on commit drop as
select p.oid::regprocedure as fn,
       -- the relation of the function's trigger (0 for a plain function)
       coalesce((select t.tgrelid from pg_trigger t where t.tgfoid = p.oid limit 1), 0)::oid
           as relid,
       p.prorettype = 'trigger'::regtype as is_trigger
  from pg_proc p
 where p.pronamespace = 'vq'::regnamespace
   and p.prolang = (select oid from pg_language where lanname = 'plpgsql');

-- Not a fixed count: a function added by a later migration is checked too.
select cmp_ok((select count(*)::int from checked), '>=', 18,
              'the PL/pgSQL functions of vq (at least the 18 of the first API) are checked');
select is_empty($$ select p.oid::regprocedure::text from pg_proc p
                    where p.pronamespace = 'vq'::regnamespace
                      and p.prolang not in (select oid from pg_language
                                             where lanname in ('plpgsql', 'sql')) $$,
                'every function of vq is PL/pgSQL or SQL (nothing unchecked in C or another language)');
select is_empty('select fn from checked where is_trigger and relid = 0',
                'every trigger function is attached to a table (so it can be checked)');

-- One test over every function; a finding shows the function, line and message.
select is_empty($$
    select c.fn::text, r.lineno, r.statement, r.sqlstate, r.message, r.detail
      from checked c
      cross join lateral plpgsql_check_function_tb(c.fn::oid, c.relid,
                                                   fatal_errors => false,
                                                   other_warnings => true,
                                                   extra_warnings => true,
                                                   security_warnings => true) r
$$, 'plpgsql_check reports nothing for any PL/pgSQL function of vq');

select * from finish();
rollback;
