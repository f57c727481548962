-- vq.list_videos: newest first, keyset pages, filters by status and title prefix.
begin;
select no_plan();

-- Seven videos with distinct, known creation times (the oldest first); two share
-- a time, so the id decides between them.
insert into vq.videos (id, title, status, created_at) values
    ('00000000-0000-4000-8000-000000000001', 'Cats at home',     'published', '2026-01-01'),
    ('00000000-0000-4000-8000-000000000002', 'cats outside',     'draft',     '2026-01-02'),
    ('00000000-0000-4000-8000-000000000003', 'Dogs',             'published', '2026-01-03'),
    ('00000000-0000-4000-8000-000000000004', 'CATS_100%',        'processing','2026-01-04'),
    ('00000000-0000-4000-8000-000000000005', 'Catalonia',        'published', '2026-01-05'),
    ('00000000-0000-4000-8000-000000000006', 'Ca',               'published', '2026-01-06'),
    ('00000000-0000-4000-8000-000000000007', 'Cats again',       'published', '2026-01-06');

select results_eq(
    $$ select right(id::text, 1) from vq.list_videos() $$,
    $$ values ('7'), ('6'), ('5'), ('4'), ('3'), ('2'), ('1') $$,
    'every video, newest first; the same time ordered by id, descending');
select results_eq(
    $$ select right(id::text, 1) from vq.list_videos(p_limit => 3) $$,
    $$ values ('7'), ('6'), ('5') $$,
    'p_limit: the first page');
select results_eq(
    $$ select right(id::text, 1)
         from vq.list_videos(p_after => '00000000-0000-4000-8000-000000000005', p_limit => 3) $$,
    $$ values ('4'), ('3'), ('2') $$,
    'p_after: the next page starts after that video');
select results_eq(
    $$ select right(id::text, 1)
         from vq.list_videos(p_after => '00000000-0000-4000-8000-000000000007', p_limit => 1) $$,
    $$ values ('6') $$,
    'p_after between two videos of the same time: the other one next, none skipped');
select is_empty(
    $$ select * from vq.list_videos(p_after => '00000000-0000-4000-8000-000000000001') $$,
    'after the oldest: an empty page');

select results_eq(
    $$ select right(id::text, 1) from vq.list_videos(p_status => 'published') $$,
    $$ values ('7'), ('6'), ('5'), ('3'), ('1') $$,
    'p_status: only the videos of that status');
select results_eq(
    $$ select right(id::text, 1) from vq.list_videos(p_title_prefix => 'cats') $$,
    $$ values ('7'), ('4'), ('2'), ('1') $$,
    'p_title_prefix: titles that start with it, whatever the case');
select results_eq(
    $$ select right(id::text, 1) from vq.list_videos(p_title_prefix => 'cats_1') $$,
    $$ values ('4') $$,
    'p_title_prefix: _ and % are plain characters, not wildcards');
select results_eq(
    $$ select right(id::text, 1) from vq.list_videos(p_title_prefix => 'CA', p_status => 'published',
                                                      p_after => '00000000-0000-4000-8000-000000000006') $$,
    $$ values ('5'), ('1') $$,
    'the filters and p_after together');
select results_eq(
    $$ select right(id::text, 1) from vq.list_videos(p_title_prefix => '') $$,
    $$ values ('7'), ('6'), ('5'), ('4'), ('3'), ('2'), ('1') $$,
    'an empty prefix: every title');
select results_eq(
    $$ select * from vq.list_videos(p_limit => 1) $$,
    $$ select * from vq.videos where id = '00000000-0000-4000-8000-000000000007' $$,
    'every column of the stored row');

select throws_ok($$ select * from vq.list_videos(p_limit => 0) $$, '22003', null, 'p_limit 0');
select throws_ok($$ select * from vq.list_videos(p_limit => 1001) $$, '22003', null, 'p_limit 1001');
select throws_ok($$ select * from vq.list_videos(p_limit => null) $$, '22004', null, 'p_limit null');
select throws_like($$ select * from vq.list_videos(p_status => 'gone') $$, '%p_status%',
                   'p_status unknown: named');
select throws_ok($$ select * from vq.list_videos(p_status => 'gone') $$, '22023', null,
                 'p_status unknown: 22023');
select throws_ok($$ select * from vq.list_videos(p_after => gen_random_uuid()) $$, 'P0002', null,
                 'p_after of a video that does not exist (deleted since): P0002');
select throws_ok($$ select * from vq.list_videos(p_after => 'nope') $$, '22P02', null,
                 'p_after not a UUID');

-- At scale, each shape of call reads an index, never the whole table: the
-- transaction's own scan counters around the real calls (figures at a million
-- videos: docs/benchmarks.md).
insert into vq.videos (title, status, created_at)
select 'bulk ' || i, (array['draft', 'published', 'processing'])[1 + i % 3],
       '2025-01-01'::timestamptz + i * interval '1 minute'
  from generate_series(1, 20000) i;
analyze vq.videos;
create function pg_temp.seq_scans() returns bigint language sql as
$$ select seq_scan from pg_stat_xact_user_tables where relid = 'vq.videos'::regclass $$;
select id as deep from vq.videos where title = 'bulk 10000' \gset
select pg_temp.seq_scans() as before \gset
select count(*) from vq.list_videos(p_limit => 50);
select count(*) from vq.list_videos(p_status => 'processing', p_limit => 50);
select count(*) from vq.list_videos(p_title_prefix => 'BULK 1999', p_limit => 50);
select count(*) from vq.list_videos(p_after => :'deep');
select is(pg_temp.seq_scans(), :'before'::bigint,
          'a page, a status, a title prefix, a deep page: no call reads the whole table');

select * from finish();
rollback;
