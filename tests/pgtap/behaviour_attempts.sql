-- The attempt history: one row per claim, ended with what became of it.
begin;
select no_plan();

select id as vid from vq.create_video('attempts') \gset
select id as q from vq.create_video_quality(:'vid', '720p', 'a', p_max_attempts => 5) \gset
select is_empty(format('select * from vq.list_quality_attempts(%L)', :'q'),
                'never claimed: no attempt');

select lease_token as t1 from vq.claim_qualities('w1') \gset
select results_eq(format($$ select attempt, worker, lease_token, ended_at, outcome
                              from vq.list_quality_attempts(%L) $$, :'q'),
                  format($$ values (1, 'w1', %L::uuid, null::timestamptz, null::text) $$, :'t1'),
                  'a claim begins an attempt: running, with its worker and token');
select vq.heartbeat_quality(:'q', :'t1', 40) is not null;
select (vq.fail_quality(:'q', :'t1', 'ffmpeg_failed', 'exit 1')).status;
update vq.video_qualities set due_at = now() where id = :'q';
select lease_token as t2 from vq.claim_qualities('w2') \gset
update vq.video_qualities set lease_expires_at = now() - interval '1 second' where id = :'q';
select lease_token as t3 from vq.claim_qualities('w3') \gset
select vq.heartbeat_quality(:'q', :'t3', 90) is not null;
select (vq.complete_quality(:'q', :'t3')).status;
select results_eq(format($$ select attempt, worker, outcome, error_code, error_message, progress,
                                   ended_at is not null
                              from vq.list_quality_attempts(%L) $$, :'q'),
                  $$ values (1, 'w1', 'failed', 'ffmpeg_failed', 'exit 1', 40::real, true),
                            (2, 'w2', 'expired', null, null, null, true),
                            (3, 'w3', 'ready', null, null, 90::real, true) $$,
                  'failed with its error and last progress, expired, ready: oldest first');
select results_eq(format('select * from vq.list_video_quality_attempts(%L, %L)', :'vid', :'q'),
                  format('select * from vq.list_quality_attempts(%L)', :'q'),
                  'the by-video form returns the same');

select id as r from vq.create_video_quality(:'vid', '480p', 'b') \gset
select lease_token as t4 from vq.claim_qualities('w4', p_qualities => '{480p}') \gset
select (vq.release_quality(:'r', :'t4')).status;
select lease_token as t5 from vq.claim_qualities('w5', p_qualities => '{480p}') \gset
select (vq.create_video_quality(:'vid', '480p', 'b')).status;   -- a restart ends it
select results_eq(format($$ select attempt, worker, outcome from vq.list_quality_attempts(%L) $$, :'r'),
                  $$ values (1, 'w4', 'released'), (1, 'w5', 'ended') $$,
                  'released by its worker; ended by a restart (the new series counts from 1 again)');

select throws_ok($$ select * from vq.list_quality_attempts(null) $$, '22004', null,
                 'p_quality_id null: 22004');
select throws_ok($$ select * from vq.list_video_quality_attempts(null, gen_random_uuid()) $$,
                 '22004', null, 'p_video_id null: 22004');
select is_empty($$ select * from vq.list_quality_attempts(gen_random_uuid()) $$,
                'a quality that does not exist: no row');

select count(*) from vq.delete_video(:'vid');
select is((select count(*) from vq.quality_attempts where video_id = :'vid'), 0::bigint,
          'removed with its video');

select * from finish();
rollback;
