-- API: the ladder's rungs, in ladder order (rank ascending: 2160p first,
-- original last): what a worker needs to know of the rung it encodes (its
-- height) and what a console lists.
create or replace function vq.list_quality_levels()
returns setof vq.quality_levels
language plpgsql
stable
as $$
begin
    return query select * from vq.quality_levels order by rank;
end
$$;
comment on function vq.list_quality_levels is
'Returns every quality level (label, rank, height; height is null for original) in ladder order, rank ascending.
Errors: none.';
