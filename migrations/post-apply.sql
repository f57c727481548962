-- After every apply: the one rule of ownership and privileges of vq
-- (plpgsql/functions/_apply_privileges.sql), for whatever the migrations did.
-- Databases migrated only part of the way may not have the rule yet.
do $$
begin
    if to_regprocedure('vq._apply_privileges()') is not null then
        perform vq._apply_privileges();
    end if;
end
$$;
