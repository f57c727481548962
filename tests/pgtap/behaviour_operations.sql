-- What an operator reads and does: restart, retry by class, the running encodes,
-- the failures by label and code, the last hour per minute, a video's history.
begin;
select no_plan();
set constraints all immediate;   -- ladder_finished at each statement, not at commit

-- isolate from rows other files may leave: every quality here is this file's
delete from vq.videos;

select id as vid from vq.create_video('operations') \gset
select id as q1 from vq.create_video_quality(:'vid', '1080p', 'a', p_max_attempts => 1) \gset
select id as q2 from vq.create_video_quality(:'vid', '720p', 'b', p_max_attempts => 1) \gset
select id as q3 from vq.create_video_quality(:'vid', '480p', 'c', p_max_attempts => 1) \gset
select id as q4 from vq.create_video_quality(:'vid', '360p', 'd') \gset

-- three fail at once (one attempt each): two with ffmpeg_failed, one with ffmpeg_input
select lease_token as t1 from vq.claim_qualities('w1', p_qualities => '{1080p}') \gset
select lease_token as t2 from vq.claim_qualities('w1', p_qualities => '{720p}') \gset
select lease_token as t3 from vq.claim_qualities('w2', p_qualities => '{480p}') \gset
select (vq.fail_quality(:'q1', :'t1', 'ffmpeg_failed', 'exit 1')).status;
select (vq.fail_quality(:'q2', :'t2', 'ffmpeg_failed', 'exit 1')).status;
select (vq.fail_quality(:'q3', :'t3', 'ffmpeg_input', 'no video stream')).status;
select lease_token as t4 from vq.claim_qualities('w3', p_qualities => '{360p}') \gset
select vq.heartbeat_quality(:'q4', :'t4', 42.5) is not null;

select results_eq($$ select quality, error_code, count from vq.failed_quality_counts() $$,
                  $$ values ('1080p', 'ffmpeg_failed', 1::bigint),
                            ('720p', 'ffmpeg_failed', 1::bigint),
                            ('480p', 'ffmpeg_input', 1::bigint) $$,
                  'failed qualities per label and code, in ladder order');
select results_eq(format($$ select video_id, title, quality_id, quality, lease_owner, progress
                              from vq.list_running_qualities() $$),
                  format($$ values (%L::uuid, 'operations', %L::uuid, '360p', 'w3', 42.5::real) $$,
                         :'vid', :'q4'),
                  'the running encode with its title, owner and progress');
select results_eq($$ select error_code, count from vq.recent_failure_counts() $$,
                  $$ values ('ffmpeg_failed', 2::bigint), ('ffmpeg_input', 1::bigint) $$,
                  'the last hour''s failures per code, most first');

-- retry one class: only the matching rows move, each with a new series
select is(vq.retry_failed_qualities('720p', 'ffmpeg_failed'), 1::bigint,
          'retry 720p/ffmpeg_failed: one quality');
select results_eq(format($$ select status, attempts, due_at <= now() from vq.video_qualities
                             where id in (%L, %L, %L) order by array_position('{1080p,720p,480p}'::text[], quality) $$,
                         :'q1', :'q2', :'q3'),
                  $$ values ('failed', 1, true), ('pending', 0, true), ('failed', 1, true) $$,
                  'the 720p is pending and due with no attempt used; 1080p and 480p still failed');
select is(vq.retry_failed_qualities(p_error_code => 'ffmpeg_failed'), 1::bigint,
          'any label with ffmpeg_failed: the 1080p');
select is(vq.retry_failed_qualities(), 1::bigint, 'all the rest: the 480p');
select is(vq.retry_failed_qualities(), 0::bigint, 'nothing failed any more');
select throws_ok($$ select vq.retry_failed_qualities('721p') $$, '22023', null,
                 'an unknown label: 22023');
select throws_ok($$ select vq.retry_failed_qualities(repeat('x', 65)) $$, '22001', null,
                 'a label over its limit: 22001');

-- restart a running quality: its worker is fenced off
select is((vq.restart_video_quality(:'vid', :'q4')).status, 'pending', 'restart: pending');
select results_eq(format($$ select status, attempts, lease_token, lease_owner, progress
                              from vq.video_qualities where id = %L $$, :'q4'),
                  $$ values ('pending', 0, null::uuid, null::text, null::real) $$,
                  'a new series, the lease ended');
select throws_ok(format($$ select vq.heartbeat_quality(%L, %L, 50) $$, :'q4', :'t4'), '55000',
                 null, 'the old holder has lost it');
select results_eq(format($$ select outcome from vq.list_quality_attempts(%L) $$, :'q4'),
                  $$ values ('ended') $$, 'its attempt ended by another writer');
select lease_token as t5 from vq.claim_qualities('w4', p_qualities => '{360p}') \gset
select (vq.complete_quality(:'q4', :'t5')).status;
select throws_ok(format($$ select vq.restart_video_quality(%L, %L) $$, :'vid', :'q4'), '22023',
                 null, 'a ready quality is not restarted: 22023');
select throws_ok(format($$ select vq.restart_video_quality(%L, gen_random_uuid()) $$, :'vid'),
                 'P0002', null, 'not a quality of the video: P0002');
select throws_ok($$ select vq.restart_video_quality(null, gen_random_uuid()) $$, '22004', null,
                 'p_video_id null: 22004');

-- the last hour per minute: every minute listed, the attempts in theirs
update vq.quality_attempts set ended_at = date_trunc('minute', now()) - interval '3 minutes'
 where quality_id = :'q3';
select is((select count(*) from vq.attempts_per_minute()), 60::bigint, '60 minutes listed');
select results_eq($$ select ready, failed from vq.attempts_per_minute(5) order by minute $$,
                  $$ values (0::bigint, 0::bigint), (0, 1), (0, 0), (0, 0), (1, 2) $$,
                  'the moved failure 3 minutes ago; the rest in the current minute');
select throws_ok($$ select * from vq.attempts_per_minute(0) $$, '22003', null,
                 'p_minutes 0: 22003');
select throws_ok($$ select * from vq.recent_failure_counts(null) $$, '22004', null,
                 'p_minutes null: 22004');

-- a video's history, newest first, as the feed has it
select results_eq(format($$ select kind, quality, value from vq.list_video_changes(%L, 2) $$,
                         :'vid'),
                  $$ values ('quality_status', '360p', 'ready'),
                            ('quality_status', '360p', 'processing') $$,
                  'the newest two events of the video');
select results_eq(format($$ select position from vq.list_video_changes(%L, 1000)
                            order by position $$, :'vid'),
                  format($$ select xid::text || '/' || seq from vq.changes where video_id = %L
                            order by 1 $$, :'vid'),
                  'every event of the video in the feed');
select throws_ok($$ select * from vq.list_video_changes(null) $$, '22004', null,
                 'p_video_id null: 22004');
select throws_ok($$ select * from vq.list_running_qualities(0) $$, '22003', null,
                 'p_limit 0: 22003');

-- a stuck lease taken back on its last attempt: pending with one attempt left, so
-- that the next claim takes it instead of breaking the attempts' limit
select id as q5 from vq.create_video_quality(:'vid', '240p', 'e', p_max_attempts => 1) \gset
select lease_token as t6 from vq.claim_qualities('w5', p_qualities => '{240p}') \gset
select ok(vq.update_video_quality_status(:'vid', :'q5', 'pending'), 'the lease taken back');
select results_eq(format($$ select status, attempts, max_attempts from vq.video_qualities
                             where id = %L $$, :'q5'),
                  $$ values ('pending', 0, 1) $$, 'pending, its last attempt given back');
select id as claimed from vq.claim_qualities('w6', p_qualities => '{240p}') \gset
select is(:'claimed'::uuid, :'q5'::uuid, 'claimed again, without a check violation');

select * from finish();
rollback;
