-- Quality status transitions. Every pair of statuses is generated from the
-- tables: the allowed ones (vq.quality_status_transitions) work, the others
-- raise 22023 naming both statuses, through every writer (each API function
-- and a plain UPDATE); a change to the same status is a no-op.
begin;
select no_plan();

-- the contract, pinned: these and only these changes are allowed
select set_eq(
    'select from_status, to_status from vq.quality_status_transitions',
    $$ values ('pending', 'processing'), ('pending', 'failed'), ('processing', 'ready'),
              ('processing', 'failed'), ('processing', 'pending'), ('failed', 'pending'),
              ('failed', 'processing'), ('ready', 'processing') $$,
    'the allowed transitions are those of the contract');
select set_eq('select status from vq.quality_statuses',
              $$ values ('pending'), ('processing'), ('ready'), ('failed') $$,
              'the quality statuses are pending, processing, ready, failed');

-- one quality per (from, to) pair and per writer, each on its own video, in status `from`
create temporary table pair on commit drop as
select f.status as from_s, t.status as to_s,
       exists (select 1 from vq.quality_status_transitions x
                where x.from_status = f.status and x.to_status = t.status) as allowed,
       w.writer, null::uuid as qid
  from vq.quality_statuses f
  cross join vq.quality_statuses t
  cross join unnest(array['update_quality_status', 'update_quality_metadata',
                          'update_video_quality_status', 'update_video_quality_metadata',
                          'update_qualities_status', 'update']) w(writer)
 where f.status <> t.status;
update pair set qid = (vq.create_video_quality(
        p_video_id => (vq.create_video(p_title => from_s || '->' || to_s)).id,
        p_quality => '720p', p_url => 'https://cdn.example/720p.mp4',
        p_status => from_s, p_is_default => from_s = 'ready')).id;

select is((select count(*)::int from pair where allowed and writer = 'update'), 8,
          '8 allowed pairs');
select is((select count(*)::int from pair where not allowed and writer = 'update'), 4,
          '4 forbidden pairs');

-- the statement each writer runs for a pair
create function pg_temp.video_of(p_quality_id uuid) returns uuid language sql as $$
    select video_id from vq.video_qualities where id = p_quality_id
$$;
create function pg_temp.change_sql(p pair) returns text language sql as $$
    select case p.writer
        when 'update_quality_status' then
            format('select vq.update_quality_status(p_quality_id => %L, p_status => %L)',
                   p.qid, p.to_s)
        when 'update_quality_metadata' then
            format('select vq.update_quality_metadata(p_quality_id => %L, p_status => %L)',
                   p.qid, p.to_s)
        when 'update_video_quality_status' then
            format('select vq.update_video_quality_status(p_video_id => %L, p_quality_id => %L, '
                   'p_status => %L)', pg_temp.video_of(p.qid), p.qid, p.to_s)
        when 'update_video_quality_metadata' then
            format('select vq.update_video_quality_metadata(p_video_id => %L, p_quality_id => %L, '
                   'p_status => %L)', pg_temp.video_of(p.qid), p.qid, p.to_s)
        when 'update_qualities_status' then
            format('select vq.update_qualities_status(p_quality_ids => array[%L]::uuid[], '
                   'p_status => %L)', p.qid, p.to_s)
        else format('update vq.video_qualities set status = %L where id = %L', p.to_s, p.qid)
    end
$$;

-- allowed: 8 pairs x 6 writers
select lives_ok(pg_temp.change_sql(p), format('%s: %s -> %s works', writer, from_s, to_s))
  from pair p where allowed order by writer, from_s, to_s;                              -- 48
select is_empty($$
    select p.writer, p.from_s, p.to_s, q.status from pair p join vq.video_qualities q on q.id = p.qid
     where p.allowed and q.status <> p.to_s
$$, 'every allowed change took effect');

-- forbidden: 4 pairs x 6 writers, SQLSTATE 22023 and both statuses in the message
select throws_ok(pg_temp.change_sql(p), '22023', null,
                 format('%s: %s -> %s raises 22023', writer, from_s, to_s))
  from pair p where not allowed order by writer, from_s, to_s;                          -- 24
select throws_matching(pg_temp.change_sql(p), format('from %s to %s', from_s, to_s),
                       format('%s: the message of %s -> %s names both', writer, from_s, to_s))
  from pair p where not allowed and writer = 'update_quality_status'
 order by from_s, to_s;                                                                 -- 4
select is_empty($$
    select p.writer, p.from_s, p.to_s, q.status from pair p join vq.video_qualities q on q.id = p.qid
     where not p.allowed and q.status <> p.from_s
$$, 'a refused change leaves the status as it was');

-- the same status: a no-op (for every status), also for the clocks and the default
create temporary table same on commit drop as
select s.status, (vq.create_video_quality(
        p_video_id => (vq.create_video(p_title => 'same ' || s.status)).id,
        p_quality => '720p', p_url => 'https://cdn.example/720p.mp4', p_status => s.status,
        p_is_default => s.status = 'ready')).id as qid
  from vq.quality_statuses s;
update vq.video_qualities q
   set processing_started_at = '2020-01-01 10:00+00',
       processing_completed_at = case when q.status in ('ready', 'failed')
                                      then '2020-01-01 11:00+00'::timestamptz end
  from same where same.qid = q.id and q.status <> 'pending';
create temporary table same_before on commit drop as
select q.id, q.status, q.processing_started_at, q.processing_completed_at, q.is_default
  from vq.video_qualities q join same on same.qid = q.id;

select ok(vq.update_quality_status(p_quality_id => qid, p_status => status),
          format('%s -> %s returns true', status, status))
  from same order by status;                                                            -- 4
select set_eq($$ select q.id, q.status, q.processing_started_at, q.processing_completed_at,
                        q.is_default
                   from vq.video_qualities q join same on same.qid = q.id $$,
              'select * from same_before',
              'a change to the same status changes no status, clock or default');
select throws_ok(format('select vq.update_qualities_status(p_quality_ids => %L::uuid[], '
                        'p_status => %L)', array(select qid from same), 'ready'),
                 '22023', null, 'bulk to ready of all four statuses: pending -> ready refused');

-- the clocks: entering processing (re)starts the clock, ready/failed stop it
select id as vid from vq.create_video(p_title => 'clocks') \gset
select id as qid from vq.create_video_quality(p_video_id => :'vid', p_quality => '720p',
    p_url => 'https://cdn.example/720p.mp4') \gset
select is((select processing_started_at from vq.video_qualities where id = :'qid'), null,
          'a pending quality has not started');
select ok(vq.update_quality_status(p_quality_id => :'qid', p_status => 'processing'),
          'pending -> processing');
select is((select processing_started_at from vq.video_qualities where id = :'qid'), now(),
          'entering processing starts the clock');
update vq.video_qualities set processing_started_at = '2020-01-01 10:00+00' where id = :'qid';
select ok(vq.update_quality_status(p_quality_id => :'qid', p_status => 'failed'),
          'processing -> failed');
select results_eq(format($$select processing_started_at, processing_completed_at
                            from vq.video_qualities where id = %L$$, :'qid'),
                  $$ values ('2020-01-01 10:00+00'::timestamptz, now()) $$,
                  'failing stops the clock and keeps the start');
select ok(vq.update_quality_status(p_quality_id => :'qid', p_status => 'processing'),
          'failed -> processing (retry)');
select results_eq(format($$select processing_started_at, processing_completed_at
                            from vq.video_qualities where id = %L$$, :'qid'),
                  $$ values (now(), null::timestamptz) $$,
                  'a retry restarts the clock and clears the completion');

-- back to pending (failed -> pending: queued again): a pending quality has not
-- started nor completed (migration 0020)
select ok(vq.update_quality_status(p_quality_id => :'qid', p_status => 'failed'),
          'processing -> failed again');
select ok(vq.update_quality_status(p_quality_id => :'qid', p_status => 'pending'),
          'failed -> pending (re-queue)');
select results_eq(format($$select processing_started_at, processing_completed_at
                            from vq.video_qualities where id = %L$$, :'qid'),
                  $$ values (null::timestamptz, null::timestamptz) $$,
                  're-queued as pending: both clocks cleared');

select is(vq.update_quality_status(p_quality_id => gen_random_uuid(), p_status => 'ready'),
          false, 'an unknown quality: false');

-- the by-video form: the quality must be of that video
select id as vid_a from vq.create_video(p_title => 'by video a') \gset
select id as vid_b from vq.create_video(p_title => 'by video b') \gset
select id as qid_a from vq.create_video_quality(p_video_id => :'vid_a', p_quality => '720p',
    p_url => 'https://cdn.example/a.mp4') \gset
select is(vq.update_video_quality_status(p_video_id => :'vid_b', p_quality_id => :'qid_a',
                                         p_status => 'processing'),
          false, 'by video: a quality of another video is not found (false)');
select is((select status from vq.video_qualities where id = :'qid_a'), 'pending',
          'by video: ... and is left unchanged');
select is(vq.update_video_quality_status(p_video_id => :'vid_a', p_quality_id => :'qid_a',
                                         p_status => 'processing'),
          true, 'by video: the quality of that video changes (true)');
select throws_ok(format('select vq.update_video_quality_status(null, %L, %L)', :'qid_a', 'ready'),
                 '22004', 'p_video_id is required', 'by video: a null p_video_id raises 22004');
select throws_ok(format('select vq.update_video_quality_status(%L, null, %L)', :'vid_a', 'ready'),
                 '22004', 'p_quality_id is required', 'by video: a null p_quality_id raises 22004');
select throws_ok(format('select vq.update_video_quality_status(%L, %L, %L)', :'vid_a', :'qid_a', 'done'),
                 '22023', null, 'by video: an unknown status raises 22023');
select throws_ok(format('select vq.update_quality_status(null, %L)', 'ready'),
                 '22004', 'p_quality_id is required',
                 'by id: a null p_quality_id still names p_quality_id');

select * from finish();
rollback;
