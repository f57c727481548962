-- list_qualities_ordered: the ladder comes back highest first, 'original'
-- last, whatever the order of insertion; the order is that of
-- vq.quality_levels.rank (one place), so a new level slots in by its rank.
begin;
select no_plan();

select id as full_id from vq.create_video(p_title => 'full ladder') \gset
select id as some_id from vq.create_video(p_title => 'some levels') \gset
select id as empty_id from vq.create_video(p_title => 'no qualities') \gset

-- the full ladder, inserted in a shuffled order
select is(count(*)::int, 9, 'the full ladder is created') from (
    select vq.create_video_quality(p_video_id => :'full_id', p_quality => q,
                                   p_url => 'https://cdn.example/full/' || q)
      from unnest(array['480p', 'original', '2160p', '144p', '1080p', '360p', '720p', '240p',
                        '1440p']) with ordinality u(q, n)
     order by n
) s;
-- some levels only, original inserted first
select is(count(*)::int, 4, 'four levels are created') from (
    select vq.create_video_quality(p_video_id => :'some_id', p_quality => q,
                                   p_url => 'https://cdn.example/some/' || q)
      from unnest(array['original', '144p', '720p', '1440p']) with ordinality u(q, n)
     order by n
) s;

select results_eq(
    format('select quality from vq.list_qualities_ordered(p_video_id => %L)', :'full_id'),
    $$ values ('2160p'), ('1440p'), ('1080p'), ('720p'), ('480p'), ('360p'), ('240p'),
              ('144p'), ('original') $$,
    'the full ladder comes back 2160p .. 144p, original last');

select results_eq(
    format('select quality from vq.list_qualities_ordered(p_video_id => %L)', :'some_id'),
    $$ values ('1440p'), ('720p'), ('144p'), ('original') $$,
    'a video with some levels: those levels in ladder order, original last');

select is_empty(
    format('select * from vq.list_qualities_ordered(p_video_id => %L)', :'empty_id'),
    'a video without qualities: no row');

select is_empty(
    $$ select * from vq.list_qualities_ordered(p_video_id => gen_random_uuid()) $$,
    'an unknown video: no row');

select is((select count(distinct video_id)::int
             from vq.list_qualities_ordered(p_video_id => :'some_id')),
          1, 'only the qualities of the video asked for');

-- every column of the table comes back, with the row's values
select results_eq(
    format('select * from vq.list_qualities_ordered(p_video_id => %L) where quality = %L',
           :'some_id', '720p'),
    format('select * from vq.video_qualities where video_id = %L and quality = %L',
           :'some_id', '720p'),
    'rows are the stored rows, all columns');

-- the order is the rank of vq.quality_levels: reorder it and the list follows
update vq.quality_levels set rank = -rank where label <> 'original';
select results_eq(
    format('select quality from vq.list_qualities_ordered(p_video_id => %L)', :'some_id'),
    $$ values ('144p'), ('720p'), ('1440p'), ('original') $$,
    'the order follows vq.quality_levels.rank and nothing else');
update vq.quality_levels set rank = -rank where label <> 'original';

-- a new level is one insert into vq.quality_levels
insert into vq.quality_levels (label, rank, height) values ('4320p', 5, 4320);
select lives_ok(
    format('select vq.create_video_quality(p_video_id => %L, p_quality => %L, p_url => %L)',
           :'some_id', '4320p', 'https://cdn.example/some/4320p'),
    'a level added to vq.quality_levels is accepted at once');
select results_eq(
    format('select quality from vq.list_qualities_ordered(p_video_id => %L)', :'some_id'),
    $$ values ('4320p'), ('1440p'), ('720p'), ('144p'), ('original') $$,
    'a new level takes its place by rank');

select * from finish();
rollback;
