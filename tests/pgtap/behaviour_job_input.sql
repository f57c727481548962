-- What a worker gets with its work: the ladder's rungs (list_quality_levels)
-- and the settings given when the work was enqueued (create_video_qualities'
-- p_settings under each element's own, create_video_quality's p_settings).
begin;
select no_plan();

select results_eq($$ select label, rank, height from vq.list_quality_levels() $$,
                  $$ select label, rank, height from vq.quality_levels order by rank $$,
                  'list_quality_levels: every rung, in ladder order');
select is((select array_agg(label) from vq.list_quality_levels()),
          array['2160p', '1440p', '1080p', '720p', '480p', '360p', '240p', '144p', 'original'],
          'highest first, original last');
select is((select height from vq.list_quality_levels() where label = '720p'), 720,
          'a rung''s height');

select id as vid from vq.create_video(p_title => 'settings') \gset
select results_eq(format($$ select quality, settings from vq.create_video_qualities(
        p_video_id => %L, p_settings => '{"preset": "fast", "crf": 23}',
        p_qualities => '[{"quality": "720p", "url": "a"},
                         {"quality": "480p", "url": "b", "settings": {"crf": 28, "tune": "film"}},
                         {"quality": "144p", "url": "c", "settings": null}]') $$, :'vid'),
    $$ values ('720p', '{"preset": "fast", "crf": 23}'::jsonb),
              ('480p', '{"preset": "fast", "crf": 28, "tune": "film"}'::jsonb),
              ('144p', '{"preset": "fast", "crf": 23}'::jsonb) $$,
    'the ladder''s settings, with a quality''s own keys over them');
select results_eq(format($$ select settings from vq.create_video_qualities(p_video_id => %L,
        p_qualities => '[{"quality": "360p", "url": "d", "settings": {"crf": 30}},
                         {"quality": "240p", "url": "e"}]') $$, :'vid'),
    $$ values ('{"crf": 30}'::jsonb), (null::jsonb) $$,
    'without the ladder''s: a quality''s own, or none');
select is((vq.create_video_quality(p_video_id => :'vid', p_quality => '1080p', p_url => 'f',
                                   p_settings => '{"crf": 20}')).settings,
          '{"crf": 20}'::jsonb, 'create_video_quality keeps p_settings');
select is((vq.create_video_quality(p_video_id => :'vid', p_quality => '1080p', p_url => 'f')).settings,
          null, 'a restart without settings clears them, as it clears the metadata');

select throws_ok(format($$ select vq.create_video_qualities(p_video_id => %L,
        p_qualities => '[]', p_settings => '[1]') $$, :'vid'),
    '22023', 'p_settings must be a JSON object, not a JSON array',
    'ladder settings that are not an object: 22023');
select throws_ok(format($$ select vq.create_video_qualities(p_video_id => %L,
        p_qualities => '[{"quality": "720p", "url": "a", "settings": "fast"}]',
        p_settings => '{"crf": 1}') $$, :'vid'),
    '22023', 'p_qualities[1]: p_settings must be a JSON object, not a JSON string',
    'a quality''s settings that are not an object: 22023 naming its element');
select throws_ok(format($$ select vq.create_video_quality(p_video_id => %L, p_quality => '720p',
        p_url => 'a', p_settings => '3') $$, :'vid'),
    '22023', 'p_settings must be a JSON object, not a JSON number',
    'create_video_quality: p_settings not an object is 22023');

select * from finish();
rollback;
