// vqdb console: live updates from the server's one feed follower, through
// Server-Sent Events (/events). A quality's status and progress change in place at
// once; then the page is rendered again by the server (at most once a second on a
// video's pages, every few seconds on the overview and the queue).
(() => {
  const main = document.getElementById('main');
  const badge = document.getElementById('live');
  const root = document.body.dataset.root || '';
  let timer = null;
  let last = 0;

  const watched = () => new Set((main.dataset.videos || '').split(' ').filter(Boolean));

  function refresh() {
    timer = null;
    last = Date.now();
    fetch(location.href, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
        if (!fresh) return;
        const open = new Set([...main.querySelectorAll('details[open]')].map((d) => d.dataset.key));
        const message = main.querySelector('.message'); // an action's outcome: shown once, kept
        main.innerHTML = fresh.innerHTML;
        if (message && !main.querySelector('.message')) main.prepend(message);
        for (const a of fresh.attributes) main.setAttribute(a.name, a.value);
        for (const d of main.querySelectorAll('details')) if (open.has(d.dataset.key)) d.open = true;
      })
      .catch(() => {});
  }

  function schedule() {
    if (timer) return;
    const every = 1000 * Number(main.dataset.refreshSeconds || 1);
    timer = setTimeout(refresh, Math.max(100, last + every - Date.now()));
  }

  function rows(qualityId) {
    return document.querySelectorAll(`[data-quality-id="${CSS.escape(qualityId)}"]`);
  }

  function onChange(event) {
    const change = JSON.parse(event.data);
    if (change.quality_id && ['quality_status', 'quality_restarted', 'quality_reclaimed'].includes(change.kind)) {
      const status = change.kind === 'quality_status' ? change.value : change.kind === 'quality_restarted' ? 'pending' : 'processing';
      for (const row of rows(change.quality_id)) {
        row.dataset.status = status;
        const cell = row.querySelector('[data-field=status]');
        if (cell) {
          cell.textContent = status;
          cell.className = `status status-${status}`;
        }
      }
    }
    if (main.dataset.live === 'all' || watched().has(change.video_id)) schedule();
  }

  function onProgress(event) {
    for (const p of JSON.parse(event.data)) {
      if (p.progress === null) continue;
      for (const row of rows(p.quality_id)) {
        const cell = row.querySelector('[data-field=progress]');
        if (!cell) continue;
        const bar = document.createElement('progress');
        bar.max = 100;
        bar.value = p.progress;
        const percent = document.createElement('span');
        percent.dataset.field = 'percent';
        percent.textContent = `${Math.round(p.progress)}%`;
        cell.replaceChildren(bar, ' ', percent);
      }
    }
  }

  if (!main.dataset.live || !window.EventSource) return;
  const source = new EventSource(`${root}/events`);
  source.addEventListener('change', onChange);
  source.addEventListener('progress', onProgress);
  source.addEventListener('open', () => badge.classList.add('on'));
  source.addEventListener('error', () => badge.classList.remove('on'));
})();
