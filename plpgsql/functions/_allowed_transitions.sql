-- Internal: the allowed status changes as a hint for an error message, read from
-- vq.quality_status_transitions (the one place they are written).
create or replace function vq._allowed_transitions()
returns text
language sql
stable
as $$
select 'allowed: ' || string_agg(from_status || '->' || to_status, ', '
                                 order by from_status, to_status)
  from vq.quality_status_transitions
$$;
comment on function vq._allowed_transitions is
'Internal. The allowed status changes of a quality, as text for an error''s hint. Raises nothing.';
