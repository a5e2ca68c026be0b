// Measures the live safety board with N open sessions (default 1,000): the server's board answer,
// the browser's first render, and the time from a phone's SOS push to the row turning red on the
// board, with the page's own render time. Numbers only, no assertions: `node bench-board.mjs [N]`.
// Results are printed and written to artifacts/bench-board.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, makeOrg, makeUser, Device, householdFields, startEvent, sosEvent, launch, uuidv7, ARTIFACTS, PASSWORD } from './harness.mjs';

const N = Number(process.argv[2] || 1000);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const max = (xs) => Math.max(...xs);

const srv = await startServer();
const chrome = await launch();
try {
  const org = makeOrg(srv);
  const planner = makeUser(srv, org.teamA, '김민지');
  const nurse = makeUser(srv, org.teamA, '이수정', { role: 'visiting_nurse' });
  makeUser(srv, org.teamA, '정팀장', { privilege: 'supervisor', login: 'lead.a' });
  const dev = await Device.enrol(srv, planner);
  const workers = [{ id: planner, name: '김민지' }, { id: nurse, name: '이수정' }];
  const sessions = [];
  const changes = [];
  for (let i = 0; i < N; i++) {
    const h = uuidv7();
    const address = `서울 성북구 길음로 ${i + 1}, ${100 + (i % 20)}호`;
    const s = uuidv7();
    sessions.push(s);
    changes.push(dev.upsert('households', h, householdFields(org.dongA, address)));
    changes.push(startEvent(dev, { session: s, household: h, address, workers, minutes: 30 + (i % 600) }));
  }
  let t = performance.now();
  await dev.push(changes);
  const pushMs = performance.now() - t;

  const page = await chrome.context.newPage();
  await page.goto(`${srv.base}/dashboard`);
  await page.fill('#login', 'lead.a');
  await page.fill('#password', PASSWORD);
  // Server: the board answer (JSON) with N sessions, through the logged-in page.
  t = performance.now();
  await page.click('#login-submit');
  await page.waitForFunction((n) => window.__dh && window.__dh.rows === n, N, { timeout: 60000 });
  const firstBoardMs = performance.now() - t;
  const firstRenderMs = await page.evaluate(() => window.__dh.lastRenderMs);
  const api = [];
  let bytes = 0;
  for (let i = 0; i < 10; i++) {
    const r = await page.evaluate(async () => { const t0 = performance.now(); const b = await (await fetch('/dashboard/api/board')).text(); return [performance.now() - t0, b.length]; });
    api.push(r[0]); bytes = r[1];
  }
  // Updates: an SOS on a random session, from the push to the red row.
  const update = [];
  const renders = [];
  for (let i = 0; i < 10; i++) {
    const s = sessions[Math.floor((i + 0.5) * N / 10)];
    const t0 = performance.now();
    await dev.push([sosEvent(dev, { session: s, worker: planner })]);
    await page.waitForSelector(`tr.p0[data-session="${s}"] .badge.sos`, { timeout: 10000 });
    update.push(performance.now() - t0);
    renders.push(await page.evaluate(() => window.__dh.lastRenderMs));
  }
  // The once-a-second countdown over every row.
  const tickMs = await page.evaluate(() => { const t0 = performance.now(); document.querySelectorAll('#board td.left').forEach((td) => { td.textContent = td.dataset.return; }); return performance.now() - t0; });
  await page.screenshot({ path: join(ARTIFACTS, `board-${N}-sessions.png`) });
  const result = {
    sessions: N,
    server_binary: process.env.DONGHAENG_SERVER_BIN || 'target/debug/donghaeng-sync-server',
    push_of_all_sessions_ms: Math.round(pushMs),
    board_json_bytes: bytes,
    board_api_ms: { median: +median(api).toFixed(1), max: +max(api).toFixed(1) },
    login_to_first_full_board_ms: Math.round(firstBoardMs),
    first_render_ms: +firstRenderMs.toFixed(1),
    sos_push_to_red_row_ms: { median: +median(update).toFixed(1), max: +max(update).toFixed(1) },
    update_render_ms: { median: +median(renders).toFixed(1), max: +max(renders).toFixed(1) },
    countdown_pass_over_all_rows_ms: +tickMs.toFixed(1),
  };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(join(ARTIFACTS, 'bench-board.json'), JSON.stringify(result, null, 2));
} finally {
  await chrome.close();
  await srv.stop();
}
