-- plpgsql_check over every PL/pgSQL function of vq reports nothing: no error,
-- no warning (other_warnings and extra_warnings on), no security warning.
-- Trigger functions are checked against the table their trigger is on.
-- A finding is fixed in a new migration, never by loosening this file.
begin;
select plan(20);

create temporary table checked on commit drop as
select p.oid::regprocedure as fn,
       -- the relation of the function's trigger (0 for a plain function)
       coalesce((select t.tgrelid from pg_trigger t where t.tgfoid = p.oid limit 1), 0)::oid
           as relid,
       p.prorettype = 'trigger'::regtype as is_trigger
  from pg_proc p
 where p.pronamespace = 'vq'::regnamespace
   and p.prolang = (select oid from pg_language where lanname = 'plpgsql');

select is((select count(*)::int from checked), 18,
          'the 18 functions of vq are PL/pgSQL and all are checked');
select is_empty('select fn from checked where is_trigger and relid = 0',
                'every trigger function is attached to a table (so it can be checked)');

select is_empty(
    format($$select lineno, statement, sqlstate, message, detail
               from plpgsql_check_function_tb(%s::oid, %s::oid, fatal_errors => false,
                                              other_warnings => true, extra_warnings => true,
                                              security_warnings => true)$$,
           c.fn::oid, c.relid),
    format('plpgsql_check: %s reports nothing', c.fn))
  from checked c order by c.fn::text;                                                   -- 18

select * from finish();
rollback;
