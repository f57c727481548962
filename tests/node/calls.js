// Calls the vqdb SQL API by name from Node.js, with nothing but the `pg` driver.
//
//   DATABASE_URL=postgresql://svc:secret@host/vqdb node calls.js
//
// It is what another service would write: one `select ... from vq.fn(...)` per
// call, named arguments (p_...), errors told apart by SQLSTATE (err.code),
// never by message text. It prints what it did, one fact per line, and exits
// non-zero on anything unexpected; tests/python/client/test_node_client.py runs it
// against a fresh migrated database and checks the output.
'use strict';

const { Pool } = require('pg');

// SQLSTATEs the API documents (COMMENT ON FUNCTION, docs/): an invalid argument
// value is 22023, a null required argument 22004, a malformed UUID 22P02.
const INVALID_PARAMETER_VALUE = '22023';

function check(condition, message) {
  if (!condition) {
    throw new Error(`unexpected result: ${message}`);
  }
}

// Runs `fn` and returns the SQLSTATE it raised; fails when it raised nothing.
async function sqlstateOf(fn) {
  try {
    await fn();
  } catch (err) {
    if (typeof err.code === 'string' && err.code.length === 5) {
      return err;
    }
    throw err; // not a database error: a bug here
  }
  throw new Error('unexpected result: the call succeeded but should have raised');
}

async function main() {
  if (!process.env.DATABASE_URL) {
    throw new Error('DATABASE_URL is not set');
  }
  // Every call is one autocommit statement (a function call is its own
  // transaction), so a pool works the same behind PgBouncer in transaction mode.
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  try {
    // A video.
    const video = (await pool.query(
      'select * from vq.create_video(p_title => $1, p_duration => $2)',
      ['Node.js example', 596],
    )).rows[0];
    check(video && video.status === 'draft', `create_video returned ${JSON.stringify(video)}`);
    console.log(`video ${video.id} status=${video.status}`);

    // A whole ladder in one call and one transaction, given out of order on purpose.
    const ladder = [
      { quality: '720p', url: 's3://bucket/v/720p.mp4', bitrate: 5000, resolution_width: 1280, resolution_height: 720 },
      { quality: 'original', url: 's3://bucket/v/original.mov' },
      { quality: '2160p', url: 's3://bucket/v/2160p.mp4', bitrate: 45000, codec: 'h265' },
      { quality: '1080p', url: 's3://bucket/v/1080p.mp4', bitrate: 8000, codec: 'h264', fps: 29.97 },
      { quality: '360p', url: 's3://bucket/v/360p.mp4', bitrate: 1000 },
    ];
    const created = (await pool.query(
      'select * from vq.create_video_qualities(p_video_id => $1, p_qualities => $2::jsonb)',
      [video.id, JSON.stringify(ladder)],
    )).rows;
    check(created.length === ladder.length, `create_video_qualities returned ${created.length} rows`);
    const byLabel = Object.fromEntries(created.map((q) => [q.quality, q]));

    // The encoder finishes 1080p: pending -> processing -> ready (one call each),
    // then the bulk call moves the others to processing.
    const hd = byLabel['1080p'].id;
    for (const status of ['processing', 'ready']) {
      const { rows } = await pool.query(
        'select vq.update_quality_status(p_quality_id => $1, p_status => $2) as ok', [hd, status]);
      check(rows[0].ok === true, `update_quality_status(${status}) returned ${rows[0].ok}`);
    }
    const others = created.filter((q) => q.quality !== '1080p').map((q) => q.id);
    const moved = (await pool.query(
      'select vq.update_qualities_status(p_quality_ids => $1::uuid[], p_status => $2) as n',
      [others, 'processing'],
    )).rows[0].n;
    check(moved === others.length, `update_qualities_status changed ${moved} rows`);

    // The default.
    const set = (await pool.query(
      'select vq.set_default_quality(p_video_id => $1, p_quality_id => $2) as ok', [video.id, hd],
    )).rows[0].ok;
    check(set === true, `set_default_quality returned ${set}`);

    // The ladder, in the order the database defines (vq.quality_levels).
    const listed = (await pool.query(
      'select quality, status, is_default from vq.list_qualities_ordered(p_video_id => $1)',
      [video.id],
    )).rows;
    check(listed.length === ladder.length, `list_qualities_ordered returned ${listed.length} rows`);
    console.log(`ladder ${listed.map((q) => q.quality).join(',')}`);
    for (const q of listed) {
      console.log(`quality ${q.quality} status=${q.status} default=${q.is_default}`);
    }

    const def = (await pool.query(
      'select quality from vq.get_default_quality(p_video_id => $1)', [video.id],
    )).rows;
    check(def.length === 1 && def[0].quality === '1080p', `get_default_quality returned ${JSON.stringify(def)}`);
    console.log(`default ${def[0].quality}`);

    // Invalid arguments, caught by SQLSTATE: a quality that is not ready cannot
    // be the default, and a video status must be one of the known ones.
    const notReady = await sqlstateOf(() => pool.query(
      'select vq.set_default_quality(p_video_id => $1, p_quality_id => $2)',
      [video.id, byLabel['360p'].id]));
    check(notReady.code === INVALID_PARAMETER_VALUE, `set_default_quality raised ${notReady.code}`);
    console.log(`caught ${notReady.code} set_default_quality: ${notReady.message}`);

    const badStatus = await sqlstateOf(() => pool.query(
      'select vq.update_video_status(p_video_id => $1, p_status => $2)', [video.id, 'archived']));
    check(badStatus.code === INVALID_PARAMETER_VALUE, `update_video_status raised ${badStatus.code}`);
    console.log(`caught ${badStatus.code} update_video_status: ${badStatus.message}`);

    // An error changes nothing: the default is still 1080p.
    const after = (await pool.query(
      'select quality from vq.get_default_quality(p_video_id => $1)', [video.id])).rows;
    check(after.length === 1 && after[0].quality === '1080p', 'the default changed after an error');

    // A write on a target that does not exist returns false, not an error.
    const missing = (await pool.query(
      'select vq.update_video_status(p_video_id => $1, p_status => $2) as ok',
      ['00000000-0000-0000-0000-000000000000', 'published'])).rows[0].ok;
    check(missing === false, `update_video_status on a missing video returned ${missing}`);
    console.log('missing video update returned false');

    console.log('ok');
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err.code ? `${err.code}: ${err.message}` : err.stack || String(err));
  process.exit(1);
});
