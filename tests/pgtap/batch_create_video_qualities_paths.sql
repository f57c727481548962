-- vq.create_video_qualities since migration 0040: a ladder that passes every
-- check is written by one set-based INSERT; anything unusual or failing runs
-- element by element through create_video_quality (the path of migration
-- 0021). These are the cases where the two paths could disagree: each outcome
-- and error here is the one the element-by-element path gives.
begin;
select no_plan();

-- counts calls of PL/pgSQL functions in this transaction, to see which path ran
set local track_functions = 'pl';
create function pg_temp.cvq_calls() returns bigint language sql as $$
    select coalesce(pg_stat_get_xact_function_calls(
        'vq.create_video_quality'::regproc),
        0) $$;

select id as vid from vq.create_video(p_title => 'ladder paths') \gset

-- the same quality twice: the later element wins, one row
select results_eq(
    format($$select quality, url, bitrate from vq.create_video_qualities(p_video_id => %L,
               p_qualities => %L)$$, :'vid',
           '[{"quality": "720p", "url": "first", "bitrate": 1},
             {"quality": "480p", "url": "other"},
             {"quality": "720p", "url": "second"}]'),
    $$ values ('720p', 'second', null::integer), ('480p', 'other', null) $$,
    'the same quality twice: one row, as the later element says');
select is(count(*)::int, 2, 'two rows stored') from vq.video_qualities where video_id = :'vid';
select is(pg_temp.cvq_calls(), 3::bigint,
          'a repeated quality went element by element: three create_video_quality calls');

-- two defaults in one ladder: the later one is the default
select results_eq(
    format($$select quality, is_default from vq.create_video_qualities(p_video_id => %L,
               p_qualities => %L)$$, :'vid',
           '[{"quality": "1080p", "url": "a", "status": "ready", "is_default": true},
             {"quality": "360p", "url": "b", "status": "ready", "is_default": true}]'),
    $$ values ('1080p', false), ('360p', true) $$,
    'two defaults in one ladder: the later element is the default');

-- a default in the ladder takes the default from the current one
select results_eq(
    format($$select quality, is_default from vq.create_video_qualities(p_video_id => %L,
               p_qualities => %L)$$, :'vid',
           '[{"quality": "1080p", "url": "a2", "status": "ready", "is_default": true},
             {"quality": "240p", "url": "c"}]'),
    $$ values ('1080p', true), ('240p', false) $$,
    'a default element becomes the default');
select results_eq(format($$select quality from vq.video_qualities
                            where video_id = %L and is_default$$, :'vid'),
                  $$ values ('1080p') $$, 'the previous default (360p) is no longer the default');

-- a restart of the default with is_default false keeps it (as create_video_quality)
select results_eq(
    format($$select quality, is_default from vq.create_video_qualities(p_video_id => %L,
               p_qualities => %L)$$, :'vid',
           '[{"quality": "1080p", "url": "a3", "status": "ready"}]'),
    $$ values ('1080p', true) $$, 'a restart of the ready default keeps the default');
-- leaving ready takes it away (the trigger)
select results_eq(
    format($$select quality, is_default, status from vq.create_video_qualities(p_video_id => %L,
               p_qualities => %L)$$, :'vid',
           '[{"quality": "1080p", "url": "a4", "status": "processing"}]'),
    $$ values ('1080p', false, 'processing') $$, 'a restart leaving ready drops the default');

-- a restart clears error_message and completion, keeps the id and created_at
select id as q240 from vq.video_qualities where video_id = :'vid' and quality = '240p' \gset
select ok(vq.update_quality_metadata(p_quality_id => :'q240', p_status => 'failed',
                                     p_error_message => 'boom'), '240p failed');
select results_eq(
    format($$select id, status, error_message, processing_completed_at
               from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$, :'vid',
           '[{"quality": "240p", "url": "c2", "status": "pending"}]'),
    format($$ values (%L::uuid, 'pending', null::text, null::timestamptz) $$, :'q240'),
    'a restart keeps the id, clears error_message and completion');

-- a forbidden status change in a restart is named by its element
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid', '[{"quality": "144p", "url": "x"}, {"quality": "720p", "url": "y"},
                     {"quality": "360p", "url": "z", "status": "pending"}]'),
    '22023', null, 'ready -> pending in element 3: 22023');
select throws_matching(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid', '[{"quality": "144p", "url": "x"}, {"quality": "720p", "url": "y"},
                     {"quality": "360p", "url": "z", "status": "pending"}]'),
    '^p_qualities\[3\]: quality .* cannot change status from ready to pending',
    'the message names element 3');
select is(count(*)::int, 0, 'nothing of the failed ladder is stored (144p)')
  from vq.video_qualities where video_id = :'vid' and quality = '144p';
select results_eq(format($$select url from vq.video_qualities
                            where video_id = %L and quality = '720p'$$, :'vid'),
                  $$ values ('second') $$, 'nor the restart of 720p in element 2');

-- a limit beyond in a later element, after valid ones
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid', '[{"quality": "144p", "url": "x"}, {"quality": "2160p", "url": "y"},
                     {"quality": "1440p", "url": "z", "audio_channels": 65}]'),
    '22003', 'p_qualities[3]: p_audio_channels = 65 is out of range [0, 64]',
    'a metadata limit in element 3: 22003, named');
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid', '[{"quality": "144p", "url": "x"}, {"quality": "2160p", "url": " "}]'),
    '22023', 'p_qualities[2]: p_url must not be empty', 'a blank url in element 2: 22023');
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           :'vid', '[{"quality": "144p", "url": "x"},
                     {"quality": "2160p", "url": "y", "status": null}, {"quality": null}]'),
    '22004', 'p_qualities[3]: p_quality is required', 'a null quality in element 3: 22004');

-- null is_default and status mean their defaults
select results_eq(
    format($$select quality, is_default, status from vq.create_video_qualities(
               p_video_id => %L, p_qualities => %L)$$, :'vid',
           '[{"quality": "2160p", "url": "y", "status": null, "is_default": null}]'),
    $$ values ('2160p', false, 'pending') $$, 'null status and is_default: pending, not default');

-- an unknown video: the error of element 1 comes first, then P0002 named [1]
select throws_ok(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           gen_random_uuid(), '[{"quality": "720p"}]'),
    '22004', 'p_qualities[1]: p_url is required', 'unknown video, element 1 invalid: its error');
select throws_matching(
    format($$select * from vq.create_video_qualities(p_video_id => %L, p_qualities => %L)$$,
           gen_random_uuid(), '[{"quality": "720p", "url": "a"}, {"quality": "720p"}]'),
    '^p_qualities\[1\]: p_video_id = .* does not exist',
    'unknown video, element 2 invalid: P0002 named [1]');
select is_empty(format($$select * from vq.create_video_qualities(p_video_id => %L,
                                                                 p_qualities => '[]')$$,
                       gen_random_uuid()),
                'unknown video, empty ladder: no row, no error');

-- the whole ladder of the worker flow, fresh: 8 rows in ladder order
select pg_temp.cvq_calls() as calls_before_fresh \gset
select id as vid2 from vq.create_video(p_title => 'fresh ladder') \gset
select results_eq(
    format($$select quality, status from vq.create_video_qualities(p_video_id => %L,
               p_qualities => (select jsonb_agg(jsonb_build_object('quality', label, 'url', 'u',
                                                'status', 'processing'))
                                 from unnest(array['144p', '240p', '360p', '480p', '720p',
                                                   '1080p', '1440p', '2160p']) label))$$,
           :'vid2'),
    $$ select label, 'processing' from vq.quality_levels
        where label in ('144p', '240p', '360p', '480p', '720p', '1080p', '1440p', '2160p')
        order by rank $$,
    'an 8-rung ladder: 8 rows in ladder order');
select is(pg_temp.cvq_calls(), :'calls_before_fresh',
          'the 8-rung ladder took the set-based path: no create_video_quality call');

select * from finish();
rollback;
