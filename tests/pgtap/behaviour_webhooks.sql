-- Webhook subscriptions and their delivery records: every event once per
-- matching subscription, per video in feed order, leases and fencing, backoff,
-- giving up, replay. The feed's events are written here with old transaction
-- ids (as committed ones look), since a transaction's own events are not yet
-- below the feed's horizon.
begin;
select no_plan();
set constraints all immediate;

\set secret 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
select throws_ok($$ select * from vq.create_webhook('ftp://x.example/h', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') $$,
                 '22023', null, 'not http(s): 22023');
select throws_ok($$ select * from vq.create_webhook('https://x.example/h', 'hunter2') $$, '22023',
                 'p_secret is not a Standard Webhooks secret (whsec_ then base64 of 24 to 64 random bytes)',
                 'a weak secret: 22023, and the message does not repeat it');
select throws_ok(format($$ select * from vq.create_webhook('https://x.example/h', %L, '{quality.done}') $$, :'secret'),
                 '22023', null, 'an unknown event type: 22023');
select throws_ok($$ select * from vq.create_webhook('https://x.example/h', null) $$, '22004', null,
                 'no secret: 22004');

select id as w_all from vq.create_webhook('http://127.0.0.1:9/all', :'secret') \gset
select id as w_ready from vq.create_webhook('http://127.0.0.1:9/ready', :'secret',
                                            '{quality.ready,video.ladder_finished}') \gset
select is((select count(*) from vq.list_webhooks() l
            where to_jsonb(l)::text like '%' || :'secret' || '%'), 0::bigint,
          'list_webhooks never shows a secret');
update vq.webhooks set after_position = '2/0';   -- as if made before the events below

select gen_random_uuid() as va, gen_random_uuid() as vb \gset
insert into vq.changes (xid, video_id, kind, quality, value, error_code) values
    ('3', :'va', 'quality_status', '720p', 'ready', null),
    ('3', :'va', 'quality_status', '480p', 'failed', 'ffmpeg_failed'),
    ('4', :'vb', 'quality_status', '720p', 'ready', null),
    ('5', :'va', 'ladder_finished', null, 'ready', null);
select is(vq.queue_webhook_deliveries(), 7, 'four events for the first subscription, three of its types for the other');
select is(vq.queue_webhook_deliveries(), 0, 'queued again: nothing new, no duplicate');
select results_eq(format($$ select type, payload->>'video_id', payload->'data'->>'quality'
                              from vq.webhook_deliveries where webhook_id = %L
                             order by xid, seq $$, :'w_ready'),
                  format($$ values ('quality.ready', %L, '720p'), ('quality.ready', %L, '720p'),
                                   ('video.ladder_finished', %L, null) $$, :'va', :'vb', :'va'),
                  'the filtered subscription gets its types only, each body with its video');

-- per video in feed order: only the first open event of each video is sent
select results_eq(format($$ select type from vq.claim_webhook_deliveries('d1') c
                             join vq.webhook_deliveries d using (id)
                            where d.webhook_id = %L order by d.xid, d.seq $$, :'w_all'),
                  $$ values ('quality.ready'), ('quality.ready') $$,
                  'the first event of each video, not the second of va');
select is((select count(*) from vq.claim_webhook_deliveries('d2')), 0::bigint,
          'a second dispatcher finds nothing free: no double delivery');

select id as a1, video_id as av1, lease_token as t1 from vq.webhook_deliveries
 where webhook_id = :'w_all' and video_id = :'va' and status = 'delivering' \gset
select throws_ok(format($$ select vq.complete_webhook_delivery(%L, %L, gen_random_uuid(), 200) $$, :'a1', :'va'),
                 '55000', null, 'another lease''s answer: 55000');
select is(vq.complete_webhook_delivery(:'a1', :'va', :'t1', 500, 'HTTP 500'), 'pending', '500: pending again');
select results_eq(format($$ select attempts, last_status, last_error, due_at > now()
                              from vq.webhook_deliveries where id = %L $$, :'a1'),
                  $$ values (1, 500, 'HTTP 500', true) $$, 'with its attempt, status, and a backoff');
select is((select count(*) from vq.claim_webhook_deliveries('d1') c
             join vq.webhook_deliveries d using (id) where d.video_id = :'va' and d.webhook_id = :'w_all'),
          0::bigint, 'the next event of va waits for the first');

update vq.webhook_deliveries set due_at = now() where id = :'a1';
select lease_token as t2 from vq.claim_webhook_deliveries('d1', p_per_webhook => 4) c
 where c.id = :'a1' \gset
select is(vq.complete_webhook_delivery(:'a1', :'va', :'t2', 204), 'delivered', '204: delivered');
select is((select count(*) from vq.claim_webhook_deliveries('d1') c
             join vq.webhook_deliveries d using (id) where d.video_id = :'va' and d.webhook_id = :'w_all'),
          1::bigint, 'then the next event of va goes');

-- an expired lease is taken again, the old holder fenced off
select id as b1, lease_token as t3 from vq.webhook_deliveries
 where webhook_id = :'w_all' and video_id = :'vb' and status = 'delivering' \gset
update vq.webhook_deliveries set lease_expires_at = now() - interval '1 second' where id = :'b1';
select lease_token as t4 from vq.claim_webhook_deliveries('d2') c where c.id = :'b1' \gset
select isnt(:'t4'::uuid, :'t3'::uuid, 'taken again with a new token');
select throws_ok(format($$ select vq.complete_webhook_delivery(%L, %L, %L, 200) $$, :'b1', :'vb', :'t3'),
                 '55000', null, 'the dead holder''s late answer: 55000');

-- given up after the subscription's retry time; replayed by an operator
update vq.webhooks set retry_for_seconds = 1 where id = :'w_all';
update vq.webhook_deliveries set first_attempt_at = now() - interval '1 hour' where id = :'b1';
select is(vq.complete_webhook_delivery(:'b1', :'vb', :'t4', null, 'ConnectionRefusedError'), 'failed',
          'past its retry time: failed');
select is(vq.replay_webhook_delivery(:'b1'), 'pending', 'replayed');
select results_eq(format($$ select status, attempts, first_attempt_at from vq.webhook_deliveries
                             where id = %L $$, :'b1'),
                  $$ values ('pending', 0, null::timestamptz) $$, 'a new start, the same id');
select throws_ok(format($$ select vq.replay_webhook_delivery(%L) $$, :'b1'), 'P0002', null,
                 'a pending one is not replayed: P0002');

select results_eq(format($$ select type, status, attempts, last_status, last_error
                              from vq.list_webhook_deliveries(%L) $$, :'w_all'),
                  $$ values ('video.ladder_finished', 'pending', 0, null::integer, null::text),
                            ('quality.ready', 'pending', 0, null, 'ConnectionRefusedError'),
                            ('quality.failed', 'delivering', 1, null, null),
                            ('quality.ready', 'delivered', 2, 204, null) $$,
                  'the records, newest event first, as an operator reads them');
select is((select count(*) from vq.list_webhook_deliveries(:'w_all', 'delivered')), 1::bigint,
          'of one status');
select is((select pending from vq.list_webhooks() where id = :'w_all'), 3::bigint,
           'the records as list_webhooks counts them');
select ok(vq.set_webhook_active(:'w_all', false), 'paused');
update vq.webhook_deliveries set lease_expires_at = now() - interval '1 second';
select is((select count(*) from vq.claim_webhook_deliveries('d3') c where c.webhook_id = :'w_all'),
          0::bigint, 'a paused subscription sends nothing');

select * from finish();
rollback;
