-- The work queue: claim_qualities, heartbeat_quality, complete_quality,
-- fail_quality, release_quality, queue_stats. Leases, fencing (55000 for a
-- stale token, and nothing changes), expiry and re-claim, backoff and the
-- attempt limit, repeats after a lost answer. now() is fixed inside this
-- transaction, so time passes by moving lease_expires_at and due_at back.
-- Concurrency (SKIP LOCKED across sessions) is tested from Python with real
-- connections: tests/python/client/test_queue.py.
begin;
select no_plan();

select id as vid from vq.create_video('queue') \gset
select count(*) from vq.create_video_qualities(:'vid', '[
    {"quality": "1080p", "url": "s3://q/1080"},
    {"quality": "720p", "url": "s3://q/720", "max_attempts": 2},
    {"quality": "480p", "url": "s3://q/480"}]');
-- the ladder's order of creation is one statement: give them distinct ages
update vq.video_qualities set due_at = now() - interval '3 minutes' where quality = '720p';
update vq.video_qualities set due_at = now() - interval '2 minutes' where quality = '1080p';
update vq.video_qualities set due_at = now() - interval '1 minute' where quality = '480p';
select id as q1080 from vq.video_qualities where video_id = :'vid' and quality = '1080p' \gset
select id as q720 from vq.video_qualities where video_id = :'vid' and quality = '720p' \gset
select id as q480 from vq.video_qualities where video_id = :'vid' and quality = '480p' \gset

select results_eq($$ select quality, attempts, max_attempts, status from vq.video_qualities
                      where video_id = '$$ || :'vid' || $$' order by quality $$,
                  $$ values ('1080p', 0, 3, 'pending'), ('480p', 0, 3, 'pending'),
                            ('720p', 0, 2, 'pending') $$,
                  'a new quality: pending, no attempt, 3 attempts unless the ladder says');
select col_default_is('vq', 'video_qualities', 'max_attempts', '3',
                      'the column''s default max_attempts is the one API calls get (the trigger''s)');

-- ------------------------------------------------------------------ claim --
create temp table c1 as select * from vq.claim_qualities('w1', p_lease_seconds => 60);
select results_eq('select id, status, lease_owner, attempts, lease_seconds from c1',
                  format($$ values (%L::uuid, 'processing', 'w1', 1, 60) $$, :'q720'),
                  'claim: the oldest due quality, processing, leased to w1, attempt 1');
select ok((select lease_token is not null and lease_expires_at = now() + interval '60 s'
             and processing_started_at = now() from c1),
          'claim: a lease token, an expiry p_lease_seconds away, the clock started');
select is((select count(*)::int from vq.claim_qualities('w2', p_qualities => '{720p}')), 0,
          'claim: a leased quality is not handed out again');
create temp table c2 as select * from vq.claim_qualities('w2', 5, p_qualities => '{480p,2160p}');
select results_eq('select id from c2', format('values (%L::uuid)', :'q480'),
                  'claim: p_qualities takes only those labels');
update vq.video_qualities set due_at = now() + interval '1 minute' where id = :'q1080';
select is((select count(*)::int from vq.claim_qualities('w3', 5)), 0,
          'claim: a quality not yet due is not handed out');
update vq.video_qualities set due_at = now() where id = :'q1080';

-- -------------------------------------------------------------- heartbeat --
select is(vq.heartbeat_quality(:'q720', (select lease_token from c1), 42),
          now() + interval '60 s', 'heartbeat: the lease extended by the claim''s length');
select is(vq.heartbeat_quality(:'q720', (select lease_token from c1), null, 600),
          now() + interval '600 s', 'heartbeat: or by p_lease_seconds');
select results_eq(format('select progress, lease_seconds from vq.video_qualities where id = %L',
                         :'q720'),
                  $$ values (42::real, 600) $$, 'heartbeat: progress kept when not given');
select throws_ok(format('select vq.heartbeat_quality(%L, %L)', :'q720', gen_random_uuid()),
                 '55000', null, 'heartbeat with another token: 55000');
select throws_ok(format('select vq.heartbeat_quality(%L, %L, 101)', :'q720',
                        (select lease_token from c1)),
                 '22003', null, 'heartbeat: p_progress 101 is out of range');
-- the video given (what spares a look-up on every shard when sharded)
select is(vq.heartbeat_quality(:'q720', (select lease_token from c1), 50, 600,
                               (select video_id from c1)),
          now() + interval '600 s', 'heartbeat: with the quality''s video');
select is((select progress from vq.video_qualities where id = :'q720'), 50::real,
          'heartbeat: with the video, progress recorded');
select throws_like(format('select vq.heartbeat_quality(%L, %L, p_video_id => %L)', :'q720',
                          (select lease_token from c1), gen_random_uuid()),
                   '%is not of video%', 'heartbeat with another video: lease lost, naming the video');
select throws_ok(format('select vq.release_quality(%L, %L, %L)', :'q720',
                        (select lease_token from c1), gen_random_uuid()),
                 '55000', null, 'release with another video: 55000, nothing released');
select is((select status from vq.video_qualities where id = :'q720'), 'processing',
          'the lease is still held after the calls with another video');

-- ---------------------------------------------------- expiry and re-claim --
update vq.video_qualities set lease_expires_at = now() - interval '1 s' where id = :'q720';
select is(vq.heartbeat_quality(:'q720', (select lease_token from c1)),
          now() + interval '600 s',
          'expired but not claimed again: the holder''s heartbeat still counts');
update vq.video_qualities set lease_expires_at = now() - interval '1 s' where id = :'q720';
create temp table c3 as select * from vq.claim_qualities('w3', 1);
select results_eq('select id, lease_owner, attempts from c3',
                  format($$ values (%L::uuid, 'w3', 2) $$, :'q720'),
                  'an expired lease is claimed again first, attempt 2');
select isnt((select lease_token from c3), (select lease_token from c1), 'with a new token');

create temp table stale (fn text, sql text) on commit drop;
insert into stale values
    ('heartbeat', format('select vq.heartbeat_quality(%L, %L)', :'q720', (select lease_token from c1))),
    ('complete', format('select vq.complete_quality(%L, %L, p_bitrate => 1)', :'q720',
                        (select lease_token from c1))),
    ('fail', format('select vq.fail_quality(%L, %L, %L)', :'q720', (select lease_token from c1),
                    'late')),
    ('release', format('select vq.release_quality(%L, %L)', :'q720', (select lease_token from c1)));
create temp table before_stale as select * from vq.video_qualities where id = :'q720';
select throws_matching(sql, 'lease lost: .* leased to w3',
                       format('a zombie''s %s after the re-claim: lease lost', fn)) from stale;
select throws_ok(sql, '55000', null, format('a zombie''s %s: SQLSTATE 55000', fn)) from stale;
select results_eq(format('select * from vq.video_qualities where id = %L', :'q720'),
                  'select * from before_stale', 'the zombie''s calls changed nothing');

-- the last attempt's lease expires: failed, not handed out again
update vq.video_qualities set lease_expires_at = now() - interval '1 s' where id = :'q720';
select is((select count(*)::int from vq.claim_qualities('w4', 5, p_qualities => '{720p}')), 0,
          'an expired lease on the last attempt is not claimed again');
select results_eq(format('select status, error_code, attempts, lease_token is null from vq.video_qualities where id = %L', :'q720'),
                  $$ values ('failed', 'lease_expired', 2, true) $$,
                  'it is failed, error_code lease_expired, attempts at the limit');

-- --------------------------------------------------------------- complete --
create temp table done as
select * from vq.complete_quality(:'q480', (select lease_token from c2), p_bitrate => 2500,
                                  p_codec => 'h264', p_resolution_width => 854,
                                  p_resolution_height => 480);
select results_eq('select status, bitrate, codec, progress, lease_owner, lease_expires_at is null from done',
                  $$ values ('ready', 2500, 'h264', 100::real, 'w2', true) $$,
                  'complete: ready with the metadata, the lease ended, its owner recorded');
select results_eq(format('select * from vq.complete_quality(%L, %L, p_bitrate => 9)', :'q480',
                         (select lease_token from c2)),
                  'select * from done', 'complete repeated (a lost answer): the same row');
select throws_ok(format('select vq.heartbeat_quality(%L, %L)', :'q480', (select lease_token from c2)),
                 '55000', null, 'a heartbeat after complete: lease lost');
select throws_ok(format('select vq.fail_quality(%L, %L, %L)', :'q480', (select lease_token from c2),
                        'x'),
                 '55000', null, 'fail after complete: lease lost');
select ok(vq.set_default_quality(:'vid', :'q480'), 'a completed quality can be the default');

-- ----------------------------------------------------- fail and backoff --
create temp table c4 as select * from vq.claim_qualities('w5');
select is((select id from c4), :'q1080'::uuid, 'the 1080p is claimed');
create temp table f1 as
select * from vq.fail_quality(:'q1080', (select lease_token from c4), 'ffmpeg_exit_1', 'boom');
select results_eq('select status, attempts, error_code, error_message, due_at, lease_expires_at is null from f1',
                  $$ values ('pending', 1, 'ffmpeg_exit_1', 'boom', now() + interval '30 s', true) $$,
                  'fail: pending again, due after 30 s, the error recorded');
select results_eq(format('select * from vq.fail_quality(%L, %L, %L)', :'q1080',
                         (select lease_token from c4), 'other'),
                  'select * from f1', 'fail repeated: the same row');
select is((select count(*)::int from vq.claim_qualities('w5')), 0, 'not due during the backoff');
select results_eq('select vq._retry_delay(n) from generate_series(1, 9) n',
                  $$ values (interval '30 s'), (interval '60 s'), (interval '120 s'),
                            (interval '240 s'), (interval '480 s'), (interval '960 s'),
                            (interval '1920 s'), (interval '1 hour'), (interval '1 hour') $$,
                  'the backoff: 30 s doubling, at most an hour');
update vq.video_qualities set due_at = now() where id = :'q1080';
create temp table c5 as select * from vq.claim_qualities('w5');
select results_eq('select attempts, error_code from c5', $$ values (2, 'ffmpeg_exit_1') $$,
                  'claimed again after the backoff: attempt 2, the last error still shown');
select is((vq.fail_quality(:'q1080', (select lease_token from c5), 'bad_input', p_retryable => false)).status,
          'failed', 'a non-retryable error: failed at once');

-- ---------------------------------------------------------------- release --
select vq.create_video_quality(:'vid', '360p', 's3://q/360') \gset
select id as q360 from vq.video_qualities where video_id = :'vid' and quality = '360p' \gset
create temp table c6 as select * from vq.claim_qualities('w6', p_qualities => '{360p}');
create temp table r1 as select * from vq.release_quality(:'q360', (select lease_token from c6));
select results_eq('select status, attempts, due_at, lease_expires_at is null from r1',
                  $$ values ('pending', 0, now(), true) $$,
                  'release: pending, due now, the attempt not counted');
select results_eq(format('select * from vq.release_quality(%L, %L)', :'q360',
                         (select lease_token from c6)),
                  'select * from r1', 'release repeated: the same row');
select throws_ok(format('select vq.complete_quality(%L, %L)', :'q360', (select lease_token from c6)),
                 '55000', null, 'complete after release: lease lost');

-- ------------------------------------------- other writers end the lease --
create temp table c7 as select * from vq.claim_qualities('w7', p_qualities => '{360p}');
select ok(vq.update_quality_status(:'q360', 'ready'), 'a seed-interface writer marks it ready');
select results_eq(format('select lease_owner, lease_token, lease_expires_at from vq.video_qualities where id = %L', :'q360'),
                  $$ values (null::text, null::uuid, null::timestamptz) $$,
                  'no trace of the lease it ended');
select throws_ok(format('select vq.complete_quality(%L, %L)', :'q360', (select lease_token from c7)),
                 '55000', null, 'the worker''s own complete afterwards: lease lost');
select vq.create_video_quality(:'vid', '240p', 's3://q/240') \gset
create temp table c8 as select * from vq.claim_qualities('w8', p_qualities => '{240p}');
select vq.create_video_quality(:'vid', '240p', 's3://q/240-again') \gset
select results_eq(format('select status, attempts, lease_token from vq.video_qualities where video_id = %L and quality = %L', :'vid', '240p'),
                  $$ values ('pending', 0, null::uuid) $$,
                  'a restart: a new series of attempts, the lease ended');
select throws_ok(format('select vq.heartbeat_quality(%L, %L)', (select id from c8), (select lease_token from c8)),
                 '55000', null, 'a heartbeat after a restart: lease lost');
create temp table c9 as select * from vq.claim_qualities('w9', p_qualities => '{240p}');
select count(*) from vq.delete_video(:'vid');
select throws_matching(format('select vq.complete_quality(%L, %L)', (select id from c9), (select lease_token from c9)),
                       'does not exist', 'complete after the video was deleted: lease lost');

-- ------------------------------------------------- complete and claim --
select id as vid3 from vq.create_video('one commit') \gset
select count(*) from vq.create_video_qualities(:'vid3', '[{"quality": "720p", "url": "a"},
                                                        {"quality": "480p", "url": "b"}]');
update vq.video_qualities set due_at = now() - interval '10 minutes'
 where video_id = :'vid3' and quality = '720p';
create temp table k1 as select * from vq.claim_qualities('k', p_qualities => '{720p,480p}');
create temp table k2 as
select * from vq.complete_and_claim_quality((select id from k1), (select lease_token from k1), 'k',
                                            '{"bitrate": 777, "codec": "vp9"}', 60, '{720p,480p}');
select results_eq(format('select status, bitrate, codec from vq.video_qualities where id = %L',
                         (select id from k1)),
                  $$ values ('ready', 777, 'vp9') $$,
                  'complete_and_claim: the held quality is ready with its metadata');
select results_eq('select quality, status, lease_owner, lease_seconds from k2',
                  $$ values ('480p', 'processing', 'k', 60) $$,
                  'complete_and_claim: and the next one is leased, in the same call');
select is_empty(format('select * from vq.complete_and_claim_quality(%L, %L, %L)',
                       (select id from k2), (select lease_token from k2), 'k'),
                'complete_and_claim with no work left: no row (and the last one completed)');
select throws_ok(format('select vq.complete_and_claim_quality(%L, %L, %L)', (select id from k1),
                        gen_random_uuid(), 'k'),
                 '55000', null, 'complete_and_claim with a stale token: lease lost');
select throws_ok(format($$select vq.complete_and_claim_quality(%L, %L, 'k', '{"bitrat": 1}')$$,
                        gen_random_uuid(), gen_random_uuid()),
                 '22023', null, 'complete_and_claim: an unknown metadata key');
select throws_ok(format($$select vq.complete_and_claim_quality(%L, %L, 'k', '{"bitrate": "x"}')$$,
                        gen_random_uuid(), gen_random_uuid()),
                 '22P02', null, 'complete_and_claim: a metadata value of the wrong type');

-- ------------------------------------------------------------- the rules --
update vq.video_qualities set lease_expires_at = now() where status <> 'processing';
select is_empty($$ select id from vq.video_qualities
                    where status <> 'processing' and lease_expires_at is not null $$,
                'only a processing quality has a live lease (the trigger undoes any other)');
select id as vid2 from vq.create_video('queue 2') \gset
select throws_ok(format($$ select vq.create_video_qualities(%L, '[{"quality": "720p", "url": "u", "max_attempts": 0}]') $$, :'vid2'),
                 '22003', null, 'max_attempts 0 is out of range');
select vq.create_video_quality(:'vid2', '720p', 'u', p_max_attempts => 1) \gset
select throws_ok(format($$ update vq.video_qualities set status = 'processing', attempts = 2 where video_id = %L $$, :'vid2'),
                 '23514', null, 'attempts never exceed max_attempts (a constraint)');

-- ------------------------------------------------------------ invalid input --
select throws_ok(sql, state, null, what) from (values
    ($$ select vq.claim_qualities(null) $$, '22004', 'claim: p_worker null'),
    ($$ select vq.claim_qualities('  ') $$, '22023', 'claim: p_worker blank'),
    ($$ select vq.claim_qualities(repeat('w', 201)) $$, '22001', 'claim: p_worker too long'),
    ($$ select vq.claim_qualities('w', 0) $$, '22003', 'claim: p_limit 0'),
    ($$ select vq.claim_qualities('w', 1001) $$, '22003', 'claim: p_limit 1001'),
    ($$ select vq.claim_qualities('w', null) $$, '22004', 'claim: p_limit null'),
    ($$ select vq.claim_qualities('w', 1, 0) $$, '22003', 'claim: p_lease_seconds 0'),
    ($$ select vq.claim_qualities('w', 1, 86401) $$, '22003', 'claim: p_lease_seconds > a day'),
    ($$ select vq.claim_qualities('w', 1, null) $$, '22004', 'claim: p_lease_seconds null'),
    ($$ select vq.claim_qualities('w', p_qualities => '{4320p}') $$, '22023', 'claim: unknown label'),
    ($$ select vq.claim_qualities('w', p_qualities => '{720p,null}') $$, '22023', 'claim: a null label'),
    ($$ select vq.heartbeat_quality(gen_random_uuid(), null) $$, '22004', 'heartbeat: p_lease_token null'),
    ($$ select vq.heartbeat_quality(gen_random_uuid(), gen_random_uuid(), -1) $$, '22003', 'heartbeat: p_progress -1'),
    ($$ select vq.heartbeat_quality(gen_random_uuid(), gen_random_uuid(), 'NaN') $$, '22003', 'heartbeat: p_progress NaN'),
    ($$ select vq.heartbeat_quality(gen_random_uuid(), gen_random_uuid(), null, 0) $$, '22003', 'heartbeat: p_lease_seconds 0'),
    ($$ select vq.heartbeat_quality(gen_random_uuid(), gen_random_uuid()) $$, '55000', 'heartbeat: no such quality'),
    ($$ select vq.complete_quality(gen_random_uuid(), gen_random_uuid(), p_bitrate => -1) $$, '22003', 'complete: p_bitrate -1'),
    ($$ select vq.complete_quality(gen_random_uuid(), gen_random_uuid(), p_url => ' ') $$, '22023', 'complete: p_url blank'),
    ($$ select vq.complete_quality(gen_random_uuid(), gen_random_uuid(), p_codec => repeat('c', 65)) $$, '22001', 'complete: p_codec too long'),
    ($$ select vq.fail_quality(gen_random_uuid(), gen_random_uuid(), null) $$, '22004', 'fail: p_error_code null'),
    ($$ select vq.fail_quality(gen_random_uuid(), gen_random_uuid(), ' ') $$, '22023', 'fail: p_error_code blank'),
    ($$ select vq.fail_quality(gen_random_uuid(), gen_random_uuid(), repeat('e', 65)) $$, '22001', 'fail: p_error_code too long'),
    ($$ select vq.fail_quality(gen_random_uuid(), gen_random_uuid(), 'e', repeat('m', 10001)) $$, '22001', 'fail: p_error_message too long'),
    ($$ select vq.fail_quality(gen_random_uuid(), gen_random_uuid(), 'e', null, null) $$, '22004', 'fail: p_retryable null'),
    ($$ select vq.release_quality(null, gen_random_uuid()) $$, '22004', 'release: p_quality_id null')
) v(sql, state, what);

-- ------------------------------------------------------------ queue_stats --
select count(*) from vq.create_video_qualities(:'vid2', '[{"quality": "1080p", "url": "a"}, {"quality": "480p", "url": "b"}]');
update vq.video_qualities set due_at = now() - interval '90 s' where video_id = :'vid2' and quality = '1080p';
update vq.video_qualities set due_at = now() + interval '1 hour' where video_id = :'vid2' and quality = '480p';
select vq.claim_qualities('stats', p_qualities => '{720p}') \gset
update vq.video_qualities set lease_expires_at = now() - interval '1 s' where video_id = :'vid2' and quality = '720p';
select results_eq($$ select quality, pending, due, processing, expired, failed, oldest_due_seconds
                       from vq.queue_stats() where quality in ('1080p', '720p', '480p') $$,
                  $$ values ('1080p', 1::bigint, 1::bigint, 0::bigint, 0::bigint, 0::bigint, 90::double precision),
                            ('720p', 0, 0, 1, 1, 0, null),
                            ('480p', 1, 0, 0, 0, 0, null) $$,
                  'queue_stats: per label, in ladder order');
select is((select count(*)::int from vq.queue_stats()), (select count(*)::int from vq.quality_levels),
          'queue_stats: a row for every label');

-- ----------------------------------------------------------- a batch claim --
-- One quality at a time up to p_limit: expired leases first (a spent one becomes
-- failed and does not count), then pending ones, oldest first.
update vq.video_qualities set due_at = now() + interval '1 hour' where status = 'pending';
update vq.video_qualities set lease_expires_at = now() + interval '1 hour'
 where lease_expires_at is not null;
select id as bvid from vq.create_video('batch claim') \gset
select count(*) from vq.create_video_qualities(:'bvid', '[
    {"quality": "2160p", "url": "s3://b/2160", "max_attempts": 1},
    {"quality": "1440p", "url": "s3://b/1440"},
    {"quality": "360p", "url": "s3://b/360"},
    {"quality": "240p", "url": "s3://b/240"},
    {"quality": "144p", "url": "s3://b/144"}]');
select count(*) from vq.claim_qualities('gone', 2, p_qualities => '{2160p,1440p}');
update vq.video_qualities set lease_expires_at = now() - interval '2 s'
 where video_id = :'bvid' and quality = '2160p';
update vq.video_qualities set lease_expires_at = now() - interval '1 s'
 where video_id = :'bvid' and quality = '1440p';
update vq.video_qualities set due_at = now() - interval '3 minutes'
 where video_id = :'bvid' and quality = '240p';
update vq.video_qualities set due_at = now() - interval '2 minutes'
 where video_id = :'bvid' and quality = '360p';
update vq.video_qualities set due_at = now() - interval '1 minute'
 where video_id = :'bvid' and quality = '144p';
select results_eq($$ select quality, attempts, lease_owner from vq.claim_qualities('batch', 3) $$,
                  $$ values ('1440p', 2, 'batch'), ('240p', 1, 'batch'), ('360p', 1, 'batch') $$,
                  'a batch claim: the live expired lease, then the oldest due, up to p_limit');
select results_eq(format($$ select quality, status, error_code from vq.video_qualities
                             where video_id = %L and quality in ('2160p', '144p')
                             order by quality $$, :'bvid'),
                  $$ values ('144p', 'pending', null::text), ('2160p', 'failed', 'lease_expired') $$,
                  'a batch claim: the spent lease failed, not counted; the rest left pending');
select results_eq($$ select quality from vq.claim_qualities('batch', 5) $$,
                  $$ values ('144p') $$, 'a batch claim of more than is due: what is due');

select * from finish();
rollback;
