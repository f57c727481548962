-- The change feed: which change writes which event (read from vq.changes, since
-- this test's own transaction is still running and changes_since holds it back),
-- and vq.changes_since's positions, paging, horizon and pruning on events of
-- transactions long finished (xids far below this one). Two transactions that
-- commit in the opposite order of their numbers: tests/python/sql/test_feed.py.
begin;
select no_plan();
-- ladder_finished is written at commit (a deferred trigger); this test never
-- commits, so it asks for it at the end of each statement instead
set constraints all immediate;

create temp view mine as
select kind, quality, value, error_code from vq.changes
 where xid = pg_current_xact_id() order by seq;
create temp table seen (n int);
create function pg_temp.mark() returns void language sql as
$$ delete from seen; insert into seen select count(*) from vq.changes where xid = pg_current_xact_id() $$;
create function pg_temp.since_mark() returns setof text language sql as $$
    select concat_ws(' ', kind, quality, value, error_code) from vq.changes
     where xid = pg_current_xact_id() order by seq offset (select n from seen) $$;

select id as vid from vq.create_video('feed') \gset
select results_eq('select kind, value from mine', $$ values ('video_created', 'draft') $$,
                  'create_video: video_created with its status');
select pg_temp.mark();
select count(*) from vq.create_video_qualities(:'vid', '[{"quality": "720p", "url": "a"},
                                                       {"quality": "480p", "url": "b"}]');
select results_eq('select * from pg_temp.since_mark()',
                  $$ values ('quality_created 720p pending'), ('quality_created 480p pending') $$,
                  'a ladder: quality_created for each quality');
select pg_temp.mark();
select id, lease_token from vq.claim_qualities('w', p_qualities => '{720p}') \gset
select vq.heartbeat_quality(:'id', :'lease_token', 50) is not null;
select vq.heartbeat_quality(:'id', :'lease_token', 60) is not null;
select (vq.complete_quality(:'id', :'lease_token', p_bitrate => 1)).status;
select vq.set_default_quality(:'vid', :'id');
select results_eq('select * from pg_temp.since_mark()',
                  $$ values ('quality_status 720p processing'), ('quality_status 720p ready'),
                            ('default_changed 720p 720p') $$,
                  'claim, two heartbeats, complete, default: no event for a heartbeat');
select pg_temp.mark();
select id as id2, lease_token as tok2 from vq.claim_qualities('w', p_qualities => '{480p}') \gset
select (vq.fail_quality(:'id2', :'tok2', 'ffmpeg_exit_1', p_retryable => false)).status;
select vq.update_video_status(:'vid', 'published');
select vq.update_video_status(:'vid', 'published');
select results_eq('select * from pg_temp.since_mark()',
                  $$ values ('quality_status 480p processing'),
                            ('quality_status 480p failed ffmpeg_exit_1'),
                            ('ladder_finished 480p failed'),
                            ('video_status published') $$,
                  'a failure carries its error code; the last rung to finish finishes the ladder (failed: not all ready); a status set to itself is no event');
select pg_temp.mark();
select vq.create_video_quality(:'vid', '480p', 'b2') is not null;
select count(*) from vq.delete_video(:'vid');
select results_eq('select * from pg_temp.since_mark()',
                  $$ values ('quality_status 480p pending'), ('video_deleted') $$,
                  'a restart of a failed quality, then the deletion of the video');

-- a retry carries the error that caused it; a lease that expired and is taken
-- again is an event; a ladder of all ready rungs finishes ready, once
select id as v2 from vq.create_video('feed 2') \gset
select count(*) from vq.create_video_qualities(:'v2', '[{"quality": "720p", "url": "a"},
                                                      {"quality": "480p", "url": "b"}]');
select pg_temp.mark();
select id as r1, lease_token as rt1 from vq.claim_qualities('w', p_qualities => '{720p}') \gset
select (vq.fail_quality(:'r1', :'rt1', 'ffmpeg_failed')).status;
update vq.video_qualities set due_at = now() - interval '1 second' where id = :'r1';
select id as r1, lease_token as rt1 from vq.claim_qualities('w', p_qualities => '{720p}') \gset
update vq.video_qualities set lease_expires_at = now() - interval '1 second' where id = :'r1';
select id as r1, lease_token as rt2 from vq.claim_qualities('w2', p_qualities => '{720p}') \gset
select results_eq('select * from pg_temp.since_mark()',
                  $$ values ('quality_status 720p processing'),
                            ('quality_status 720p pending ffmpeg_failed'),
                            ('quality_status 720p processing'),
                            ('quality_reclaimed 720p processing lease_expired') $$,
                  'a retry''s pending event carries the error; an expired lease taken again is quality_reclaimed');
select pg_temp.mark();
select id as r2, lease_token as rt3 from vq.claim_qualities('w', p_qualities => '{480p}') \gset
select (vq.complete_quality(:'r2', :'rt3')).status;
select (vq.complete_quality(:'r1', :'rt2')).status;
select results_eq('select * from pg_temp.since_mark()',
                  $$ values ('quality_status 480p processing'), ('quality_status 480p ready'),
                            ('quality_status 720p ready'), ('ladder_finished 720p ready') $$,
                  'the ladder finishes when its last rung is ready, not before');
select id as v3 from vq.create_video('feed 3') \gset
select count(*) from vq.create_video_qualities(:'v3', '[
    {"quality": "720p", "url": "a", "status": "processing"},
    {"quality": "480p", "url": "b", "status": "processing"}]');
select vq.update_qualities_status(
    array(select id from vq.video_qualities where video_id = :'v3'), 'ready');
select is((select count(*) from vq.changes where xid = pg_current_xact_id()
             and kind = 'ladder_finished' and video_id = :'v3'), 1::bigint,
          'two rungs finishing in one statement: one ladder_finished, not two');
select id as v3q from vq.video_qualities where video_id = :'v3' and quality = '720p' \gset
select vq.update_quality_status(:'v3q', 'processing');  -- encoded again
select vq.update_quality_status(:'v3q', 'ready');
select is((select count(*) from vq.changes where xid = pg_current_xact_id()
             and kind = 'ladder_finished' and video_id = :'v3'), 2::bigint,
          'a rung encoded again finishes the ladder again');

-- changes_since, on events of transactions long finished (the first normal xids)
delete from vq.changes;
insert into vq.changes (xid, video_id, kind, value)
select (2 + g)::text::xid8, :'vid', 'video_status', 'e' || g
  from generate_series(1, 5) g;
insert into vq.changes (video_id, kind, value) values (:'vid', 'video_status', 'running');
select results_eq($$ select value from vq.changes_since() $$,
                  $$ values ('e1'), ('e2'), ('e3'), ('e4'), ('e5') $$,
                  'from the start: every finished event in order, not those of a running transaction');
select results_eq($$ select value from vq.changes_since(p_limit => 2) $$,
                  $$ values ('e1'), ('e2') $$, 'p_limit');
select results_eq(format($$ select value from vq.changes_since(%L) $$,
                         (select "position" from vq.changes_since(p_limit => 2) offset 1)),
                  $$ values ('e3'), ('e4'), ('e5') $$,
                  'from the last position received: the rest, no repeat');
select is_empty(format($$ select * from vq.changes_since(%L) $$,
                       (select "position" from vq.changes_since() offset 4)),
                'from the last position: nothing new');

-- pruning
update vq.changes set at = now() - interval '8 days' where value in ('e1', 'e2');
select is(vq.prune_changes(), 2::bigint, 'prune_changes: the events older than 7 days');
select results_eq($$ select value from vq.changes_since() $$,
                  $$ values ('e3'), ('e4'), ('e5') $$, 'the feed starts after them');
select throws_matching($$ select * from vq.changes_since('3/1') $$, 'older than the feed keeps',
                       'a consumer behind the pruned events is told, not skipped ahead');
select is(vq.prune_changes(), 0::bigint, 'nothing else to prune');

select throws_ok(sql, state, null, what) from (values
    ($$ select * from vq.changes_since('abc') $$, '22023', 'p_position not a position'),
    ($$ select * from vq.changes_since('1/2/3') $$, '22023', 'p_position with three parts'),
    ($$ select * from vq.changes_since(p_limit => 0) $$, '22003', 'p_limit 0'),
    ($$ select * from vq.changes_since(p_limit => null) $$, '22004', 'p_limit null'),
    ($$ select vq.prune_changes(null) $$, '22004', 'p_keep null'),
    ($$ select vq.prune_changes('-1 day') $$, '22003', 'p_keep negative')
) v(sql, state, what);

set local role vq_reader;
select lives_ok($$ select * from vq.changes_since() $$, 'vq_reader may read the feed');
select throws_ok($$ select vq.prune_changes() $$, '42501', null, 'but not prune it');
reset role;

select * from finish();
rollback;
