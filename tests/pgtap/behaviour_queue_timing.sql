-- When work comes back: next_work_in (the seconds an idle worker may sleep) and
-- the backoff of a quality's retries (retry_seconds, doubling).
begin;
select no_plan();

delete from vq.videos;  -- an empty queue, in this transaction only
select is(vq.next_work_in(), null, 'no work at all: null');

select id as vid from vq.create_video('timing') \gset
select id as q1 from vq.create_video_quality(:'vid', '720p', 'a', p_retry_seconds => 5,
                                             p_max_attempts => 5) \gset
select is(vq.next_work_in(), 0::double precision, 'a pending quality due now: 0');
select is(vq.next_work_in('{480p}'), null, 'of other labels: nothing');

select lease_token as t1 from vq.claim_qualities('w', p_lease_seconds => 60) \gset
select ok(vq.next_work_in() between 59 and 60, 'a running encode: until its lease expires');
select (vq.fail_quality(:'q1', :'t1', 'ffmpeg_failed')).status;
select is((select due_at - now() from vq.video_qualities where id = :'q1'), interval '5 seconds',
          'the first retry waits retry_seconds');
select ok(vq.next_work_in() between 4.9 and 5, 'and an idle worker sleeps until then');

update vq.video_qualities set due_at = now() where id = :'q1';
select lease_token as t2 from vq.claim_qualities('w') \gset
select (vq.fail_quality(:'q1', :'t2', 'ffmpeg_failed')).status;
select is((select due_at - now() from vq.video_qualities where id = :'q1'), interval '10 seconds',
          'the second twice that');
select is(vq._retry_delay(1), interval '30 seconds', 'without retry_seconds: 30 s, as before');
select is(vq._retry_delay(12, 5), interval '1 hour', 'at most an hour');

select is((vq.create_video_qualities(:'vid', '[{"quality": "480p", "url": "b", "retry_seconds": 7}]')).retry_seconds,
          7, 'create_video_qualities takes retry_seconds per quality');
select throws_ok($$ select vq.create_video_quality(
                      (select id from vq.videos limit 1), '360p', 'c', p_retry_seconds => 0) $$,
                 '22003', 'p_retry_seconds = 0 is out of range [1, 3600]',
                 'p_retry_seconds below its limit: 22003');

select * from finish();
rollback;
