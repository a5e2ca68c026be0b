// Browser tests of the supervisor dashboard (issue 9): a real server process, a simulated phone,
// Debian's chromium. Run by run.sh (or `npm test` once the server is built).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  startServer, makeOrg, makeUser, Device, householdFields, startEvent, sosEvent, launch, uuidv7,
  ARTIFACTS, PASSWORD, ROOT,
} from './harness.mjs';

let srv, org, devA, devB, hA, hB, workersA, workersB, chrome;

before(async () => {
  srv = await startServer();
  org = makeOrg(srv);
  const plannerA = makeUser(srv, org.teamA, '김민지');
  const nurseA = makeUser(srv, org.teamA, '이수정', { role: 'visiting_nurse' });
  const plannerB = makeUser(srv, org.teamB, '박서연');
  const nurseB = makeUser(srv, org.teamB, '정하늘', { role: 'visiting_nurse' });
  makeUser(srv, org.teamA, '정팀장', { privilege: 'supervisor', login: 'lead.a' });
  makeUser(srv, org.dongB, '한팀장', { privilege: 'supervisor', login: 'lead.b' });
  workersA = [{ id: plannerA, name: '김민지' }, { id: nurseA, name: '이수정' }];
  workersB = [{ id: plannerB, name: '박서연' }, { id: nurseB, name: '정하늘' }];
  devA = await Device.enrol(srv, plannerA);
  devB = await Device.enrol(srv, plannerB);
  hA = uuidv7();
  hB = uuidv7();
  // Records the figures must count: in 동 A a household with a member turning 65 in 2022, met at
  // home by the planner and the nurse together on 2022-03-10, a 돌봄SOS referral, 일시재가 4 hours
  // (2 × 38,390원), 10 meals (8,400원 each) and 생계비 30만원 corrected to 50만원; in 동 B one more
  // such household and a 생계비 payment that 동 A's figures must not count.
  const at = Date.UTC(2022, 2, 10, 3);
  const visit = (h) => ({ household_id: h, purpose: 'universal_visit', contact_mode: 'home', window_start: at, window_end: at + 3600000,
    required_roles: '', status: 'completed', started_at: at, completed_at: at, outcome: 'met', note: null });
  const person = (h) => ({ household_id: h, name: '최영호', birth_date: '1957-05-01', sex: 'male', relation: 'head', disability: 'none' });
  const vA = uuidv7();
  const vB = uuidv7();
  const service = (h, by, item, on, quantity, amount, corrects = null) => ({ household_id: h, case_id: null, item, provided_on: on,
    quantity, amount_won: amount, recorded_by: by, note: null, corrects, voided: 0 });
  const livingA = uuidv7();
  await devA.push([
    devA.upsert('households', hA, householdFields(org.dongA, '서울 성북구 길음로 1, 101호', { lat: 37.6035, lon: 127.0257, riskFlags: 'dog' })),
    devA.upsert('persons', uuidv7(), person(hA)),
    devA.upsert('visits', vA, visit(hA)),
    devA.upsert('visit_workers', vA, { [plannerA]: true, [nurseA]: true }),
    devA.upsert('referrals', uuidv7(), { household_id: hA, case_id: null, referred_by: plannerA, target: 'care_sos', agency: '성북구 돌봄SOS센터',
      referred_on: '2022-03-11', reason: '돌봄 필요', first_reply_on: null, service_ended_on: null, final_reply_on: null, reply_note: null }),
    devA.append('service_provisions', uuidv7(), service(hA, plannerA, 'temporary_home_care', '2022-03-15', 240, 76780)),
    devA.append('service_provisions', uuidv7(), service(hA, plannerA, 'meals', '2022-04-01', 10, 84000)),
    devA.append('service_provisions', livingA, service(hA, plannerA, 'living', '2022-03-12', null, 300000)),
    devA.append('service_provisions', uuidv7(), service(hA, plannerA, 'living', '2022-03-12', null, 500000, livingA)),
  ]);
  await devB.push([
    devB.upsert('households', hB, householdFields(org.dongB, '서울 성북구 정릉로 2, 202호')),
    devB.upsert('persons', uuidv7(), person(hB)),
    devB.upsert('visits', vB, visit(hB)),
    devB.upsert('visit_workers', vB, { [plannerB]: true }),
    devB.append('service_provisions', uuidv7(), service(hB, plannerB, 'living', '2022-03-12', null, 300000)),
  ]);
  chrome = await launch();
});

after(async () => {
  if (chrome) await chrome.close();
  if (srv) await srv.stop();
});

async function login(page, name) {
  // Each test starts logged out (the browser profile keeps the cookie between pages).
  await chrome.context.clearCookies();
  await page.goto(`${srv.base}/dashboard`);
  await page.fill('#login', name);
  await page.fill('#password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#board-view:not([hidden])');
  await page.waitForSelector('#live.on');
}

test('a wrong password shows the same Korean message as an unknown login', async () => {
  const page = await chrome.context.newPage();
  await page.goto(`${srv.base}/dashboard`);
  await page.fill('#login', 'lead.a');
  await page.fill('#password', 'not-the-password');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  const wrong = await page.textContent('#login-error');
  assert.equal(wrong, '로그인 이름 또는 비밀번호가 올바르지 않습니다.');
  await page.screenshot({ path: join(ARTIFACTS, 'login-wrong-password.png') });
  await page.fill('#login', 'nobody');
  await page.fill('#password', 'not-the-password');
  await page.evaluate(() => { document.querySelector('#login-error').textContent = ''; });
  await page.click('#login-submit');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  assert.equal(await page.textContent('#login-error'), wrong);
  assert.equal(await page.isVisible('#board-view'), false);
  await page.close();
});

test("a phone's SOS appears on 동 A's board without reloading, and is acknowledged there", async () => {
  const page = await chrome.context.newPage();
  await login(page, 'lead.a');
  assert.equal(await page.isVisible('#board-empty'), true);
  const loads = [];
  page.on('load', () => loads.push(Date.now()));
  // 동 B's SOS first: it must never reach 동 A's board.
  const sB = uuidv7();
  await devB.push([startEvent(devB, { session: sB, household: hB, address: '서울 성북구 정릉로 2, 202호', workers: workersB }),
    sosEvent(devB, { session: sB, worker: workersB[0].id })]);
  const sA = uuidv7();
  await devA.push([startEvent(devA, { session: sA, household: hA, address: '서울 성북구 길음로 1, 101호', workers: workersA })]);
  await page.waitForSelector(`tr[data-session="${sA}"]`, { timeout: 2000 });
  const t0 = Date.now();
  await devA.push([sosEvent(devA, { session: sA, worker: workersA[0].id })]);
  const row = `tr.p0[data-session="${sA}"]`;
  await page.waitForSelector(`${row} .badge.sos`, { timeout: 2000 });
  const seenMs = Date.now() - t0;
  assert.ok(seenMs < 2000, `the SOS reached the board in ${seenMs} ms`);
  assert.deepEqual(loads, [], 'no reload');
  assert.match(await page.title(), /^\(1\) /);
  const text = await page.textContent('#board tbody');
  assert.deepEqual(await page.$$eval(`${row} .person .name`, (els) => els.map((e) => e.textContent)), ['김민지', '이수정']);
  assert.match(text, /길음로 1, 101호/);
  assert.doesNotMatch(text, /정릉로/);
  assert.equal(await page.locator('#board tbody tr').count(), 1);
  await page.screenshot({ path: join(ARTIFACTS, 'board-sos.png'), fullPage: true });
  // Acknowledge: the badge turns to "확인됨" live, the title badge goes.
  await page.click(`${row} button[data-ack]`);
  await page.waitForSelector(`tr[data-session="${sA}"] .badge.acked`, { timeout: 2000 });
  await page.waitForFunction(() => !document.title.startsWith('('));
  await page.screenshot({ path: join(ARTIFACTS, 'board-acknowledged.png'), fullPage: true });
  // The API says the same, through the page's own session.
  const api = await page.evaluate(async () => (await fetch('/v1/safety/alarms')).json());
  assert.deepEqual(api.alarms.map((a) => [a.session_id, a.acknowledged]), [[sA, true]]);
  await page.close();
});

test("동 A's supervisor cannot see 동 B's sessions or figures, in the browser or through the API", async () => {
  const page = await chrome.context.newPage();
  await login(page, 'lead.a');
  const forged = await page.evaluate(async (dongB) => {
    const r = await fetch(`/dashboard/api/figures?unit=${dongB}&from=2022-01-01&to=2022-06-30`);
    return { status: r.status, body: await r.json() };
  }, org.dongB);
  assert.equal(forged.status, 404);
  assert.equal(forged.body.code, 'unit_not_found');
  assert.equal(forged.body.figures, undefined);
  const options = await page.evaluate(async () => (await (await fetch('/dashboard/api/units')).json()).units.map((u) => u.name));
  assert.ok(options.includes('길음1동') && !options.includes('정릉2동'), options.join(','));
  await page.close();
  // 동 B's supervisor, in a browser of their own, sees 동 B's SOS only.
  const other = await launch();
  try {
    const pb = await other.context.newPage();
    await pb.goto(`${srv.base}/dashboard`);
    await pb.fill('#login', 'lead.b');
    await pb.fill('#password', PASSWORD);
    await pb.click('#login-submit');
    await pb.waitForSelector('#live.on');
    await pb.waitForSelector('#board tbody tr');
    const text = await pb.textContent('#board tbody');
    assert.match(text, /정릉로 2, 202호/);
    assert.doesNotMatch(text, /길음로/);
    await pb.screenshot({ path: join(ARTIFACTS, 'board-dong-b.png'), fullPage: true });
  } finally {
    await other.close();
  }
  // And the raw API with no session at all: 401, nothing else.
  const anon = await fetch(`${srv.base}/dashboard/api/board`);
  assert.equal(anon.status, 401);
});

test('figures match the records the phones synced, and export as CSV and xlsx', async () => {
  const page = await chrome.context.newPage();
  await login(page, 'lead.a');
  await page.click('button[data-tab="figures"]');
  await page.waitForSelector('#unit option', { state: 'attached' });
  await page.fill('#from', '2022-01-01');
  await page.fill('#to', '2022-06-30');
  await page.selectOption('#unit', org.dongA);
  await page.click('#figures-form button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#fig-contact [data-cohort="age65"] .v')?.textContent === '1/1');
  assert.equal(await page.textContent('#fig-accompanied .v'), '1/1');
  assert.equal(await page.textContent('#fig-links li[data-target="care_sos"]'), '돌봄SOS센터: 1');
  // 돌봄SOS services by type and emergency support by item: households, count, quantity, amount.
  const cells = (table, item) => page.$$eval(`#fig-${table} tr[data-item="${item}"] td`, (tds) => tds.map((td) => td.textContent.trim()));
  assert.deepEqual(await cells('care_sos_services', 'temporary_home_care'), ['일시재가', '1', '1', '240 분', '76,780']);
  assert.deepEqual(await cells('care_sos_services', 'meals'), ['식사지원', '1', '1', '10 식', '84,000']);
  assert.deepEqual(await cells('care_sos_services', 'short_stay'), ['단기시설', '0', '0', '0 일', '0']);
  assert.deepEqual(await cells('care_sos_services', 'total'), ['합계', '1', '2', '', '160,780']);
  assert.deepEqual(await cells('emergency_support', 'living'), ['생계비', '1', '1', '', '500,000']);
  assert.deepEqual(await cells('emergency_support', 'total'), ['합계', '1', '1', '', '500,000']);
  await page.screenshot({ path: join(ARTIFACTS, 'figures.png'), fullPage: true });
  // The CSV report: Korean labels, the unit and the period in the file, the same numbers, the
  // codes in the last two columns.
  const csv = await page.evaluate(async () => (await fetch(document.querySelector('#csv').href)).text());
  // (fetch's text() drops the BOM the file starts with; the server's tests check it.)
  assert.match(csv, /^\ufeff?동행 사업 실적\n조직,길음1동\n/);
  assert.match(csv, /\n기간,2022-01-01 ~ 2022-06-30\n/);
  assert.match(csv, /\n구분,유형·항목,건수,대상,비율,가구,제공량,단위,금액\(원\),지표 코드,항목 코드\n/);
  assert.match(csv, /\n주민접촉률 \(보편방문\),65세 · 전체,1,1,1\.0000,,,,,contact_rate,age65:all\n/);
  assert.match(csv, /\n65세 동행방문률,가정방문,1,1,1\.0000,,,,,accompanied_visit_rate_65,home\n/);
  assert.match(csv, /\n돌봄SOS 서비스 유형별 제공,일시재가,1,,,1,240,분,76780,care_sos_services,temporary_home_care\n/);
  assert.match(csv, /\n서울형 긴급복지 항목별 지원,생계비,1,,,1,0,,500000,emergency_support,living\n/);
  // The xlsx link asks for the same figures as a spreadsheet.
  const xlsx = await page.evaluate(async () => {
    const r = await fetch(document.querySelector('#xlsx').href);
    const b = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, type: r.headers.get('content-type'), zip: b[0] === 0x50 && b[1] === 0x4b };
  });
  assert.deepEqual(xlsx, { status: 200, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', zip: true });
  // The English switch.
  await page.click('#lang');
  assert.equal(await page.textContent('header h1'), 'Donghaeng dashboard');
  await page.waitForFunction(() => document.querySelector('#fig-accompanied h3')?.textContent === 'Age-65 accompanied-visit rate');
  await page.waitForFunction(() => document.querySelector('#fig-emergency_support tr[data-item="living"] td')?.textContent.trim() === 'living costs');
  await page.screenshot({ path: join(ARTIFACTS, 'figures-en.png'), fullPage: true });
  // In English the report links ask for English labels; the numbers and codes are the same.
  const csvEn = await page.evaluate(async () => (await fetch(document.querySelector('#csv').href)).text());
  assert.match(csvEn, /\nContact rate \(universal visits\),Age 65 · All,1,1,1\.0000,,,,,contact_rate,age65:all\n/);
  assert.match(csvEn, /\nPeriod,2022-01-01 ~ 2022-06-30\n/);
  await page.click('#lang');
  await page.close();
});

test("today's plan shows the pair the phones assigned and their progress", async () => {
  const page = await chrome.context.newPage();
  await login(page, 'lead.a');
  await page.click('button[data-tab="plan"]');
  await page.waitForSelector('#plan h2');
  await page.fill('#plan-date', '2022-03-10');
  await page.click('#plan-form button[type="submit"]');
  await page.waitForSelector('#plan .team h3');
  assert.equal(await page.textContent('#plan .team h3'), '김민지 · 이수정');
  assert.match(await page.textContent('#plan .team p'), /완료 1/);
  assert.doesNotMatch(await page.textContent('#plan'), /정릉로/);
  await page.screenshot({ path: join(ARTIFACTS, 'plan.png'), fullPage: true });
  // Ten days later nothing is planned for the household met on 03-10 (crisis level 5: weekly), so
  // it is listed as due, three days late; 동 B's household never is.
  await page.fill('#plan-date', '2022-03-20');
  await page.click('#plan-form button[type="submit"]');
  const due = await page.waitForSelector(`#due-unplanned li[data-household="${hA}"]`);
  assert.match(await due.textContent(), /길음로 1, 101호 · 위기도 5 · 마지막 접촉 2022-03-10 · 3일 지연/);
  assert.equal(await page.$(`#due-unplanned li[data-household="${hB}"]`), null);
  await page.screenshot({ path: join(ARTIFACTS, 'plan-due.png'), fullPage: true });
  await page.close();
});

// The board's households and sessions for the map tests: two more located households in 동 A, one
// with a visit of the pair today (their route) and an overdue session; one in 동 B with a session.
let hA2, hA3, hB2, sOverdue, sB2;
async function seedMap() {
  if (hA2) return;
  hA2 = uuidv7(); hA3 = uuidv7(); hB2 = uuidv7(); sOverdue = uuidv7(); sB2 = uuidv7();
  const now = Date.now();
  // 10:00 and 11:00 today in Korea (the plan's day), whatever the hour the tests run at.
  const kstDay = Math.floor((now + 9 * 3600e3) / 86400e3) * 86400e3 - 9 * 3600e3;
  const today = (h, start) => ({ household_id: h, purpose: 'crisis_monitoring', contact_mode: 'home', window_start: start, window_end: start + 3600000,
    required_roles: '', status: 'planned', started_at: null, completed_at: null, outcome: null, note: null });
  const v2 = uuidv7(); const v3 = uuidv7();
  await devA.push([
    devA.upsert('households', hA2, householdFields(org.dongA, '서울 성북구 길음로 5, 303호', { lat: 37.6051, lon: 127.0231, riskFlags: 'aggression_history,alcohol' })),
    devA.upsert('households', hA3, householdFields(org.dongA, '서울 성북구 삼양로 9', { lat: 37.6012, lon: 127.0290 })),
    devA.upsert('visits', v2, today(hA2, kstDay + 10 * 3600e3)),
    devA.upsert('visit_workers', v2, { [workersA[0].id]: true, [workersA[1].id]: true }),
    devA.upsert('visits', v3, today(hA3, kstDay + 11 * 3600e3)),
    devA.upsert('visit_workers', v3, { [workersA[0].id]: true, [workersA[1].id]: true }),
  ]);
  // Started two hours ago, due back an hour ago: overdue and escalating.
  await devA.push([startEvent(devA, { session: sOverdue, household: hA2, address: '서울 성북구 길음로 5, 303호', workers: workersA, minutes: 60, at: now - 2 * 3600000 })]);
  await devB.push([
    devB.upsert('households', hB2, householdFields(org.dongB, '서울 성북구 정릉로 7', { lat: 37.6110, lon: 127.0100 })),
  ]);
  await devB.push([startEvent(devB, { session: sB2, household: hB2, address: '서울 성북구 정릉로 7', workers: workersB })]);
}

const markers = (page, map, cls) => page.$$eval(`#${map}-map path.${cls}`, (els) => els.length);

test("the map shows 동 A's households and sessions as markers on a plain background, no tiles", async () => {
  await seedMap();
  const page = await chrome.context.newPage();
  const elsewhere = [];
  page.on('request', (r) => { if (!r.url().startsWith(srv.base) && !r.url().startsWith('data:')) elsewhere.push(r.url()); });
  await login(page, 'lead.a');
  // Three located households of 동 A (동 B's two are not sent), two of its sessions: the SOS at
  // hA (red) and the overdue one at hA2 (orange).
  await page.waitForFunction(() => document.querySelectorAll('#board-map path.dh-household').length === 3);
  await page.waitForFunction(() => document.querySelectorAll('#board-map path.dh-overdue').length === 1, null, { timeout: 20000 });
  assert.equal(await markers(page, 'board', 'dh-sos'), 1);
  assert.equal(await markers(page, 'board', 'dh-session'), 2);
  assert.equal(await page.$$eval('#board-map img.leaflet-tile', (t) => t.length), 0, 'no tiles');
  assert.equal(await page.$eval('#board-map', (m) => m.classList.contains('no-tiles')), true);
  // The tooltips name 동 A's places only.
  const api = await page.evaluate(async () => (await fetch('/dashboard/api/map')).json());
  assert.equal(api.tiles, null);
  assert.deepEqual(api.households.map((h) => h.address).sort(), ['서울 성북구 길음로 1, 101호', '서울 성북구 길음로 5, 303호', '서울 성북구 삼양로 9']);
  await page.locator('#board-map').screenshot({ path: join(ARTIFACTS, 'map.png') });
  await page.screenshot({ path: join(ARTIFACTS, 'board.png'), fullPage: true });
  // The plan's map: the same households and the pair's route through today's two visits.
  await page.click('button[data-tab="plan"]');
  await page.waitForFunction(() => document.querySelectorAll('#plan-map path.dh-route').length === 1);
  assert.equal(await page.$$eval('#plan-map .dh-stop', (s) => s.map((e) => e.textContent)).then((t) => t.join(',')), '1,2');
  assert.equal(await markers(page, 'plan', 'dh-household'), 3);
  await page.locator('#plan-map').screenshot({ path: join(ARTIFACTS, 'plan-map.png') });
  await page.screenshot({ path: join(ARTIFACTS, 'plan-today.png'), fullPage: true });
  assert.deepEqual(elsewhere, [], 'nothing asked of any other server');
  await page.close();
});

test('an SOS row leads with its time and place, offers tap-to-call, names who was alerted and the risk flags', async () => {
  await seedMap();
  const page = await chrome.context.newPage();
  await login(page, 'lead.a');
  // 동 A's SOS (acknowledged by the test above, still open) is the row with an alarm age.
  const sos = '#board tbody tr:has(.since)';
  await page.waitForSelector(`${sos} .since`);
  const status = await page.textContent(`${sos} td.status`);
  assert.match(status, /^SOS/);
  assert.match(status, /\d+(초|분) 전/);
  assert.match(status, /길음로 1, 101호/);
  assert.doesNotMatch(status, /방문 중/);
  assert.equal(await page.textContent(`${sos} td.left`), '—', 'no return countdown on an SOS row');
  // Tap to call each worker.
  const tel = await page.$$eval(`${sos} a.tel`, (as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
  assert.deepEqual(tel, [['010-1111-1111', 'tel:01011111111'], ['010-1111-1111', 'tel:01011111111']]);
  // The household's risk flags.
  assert.deepEqual(await page.$$eval(`${sos} .flag`, (f) => f.map((e) => e.textContent)), ['개(동물) 있음']);
  // The server alerted the partner and the team lead at once (its tick runs every second here).
  await page.waitForFunction((sel) => /이수정, 정팀장/.test(document.querySelector(`${sel} td.escalation`)?.textContent || ''), sos, { timeout: 10000 });
  assert.match(await page.textContent(`${sos} td.escalation`), /즉시 알림/);
  // The overdue row: its escalation step and target.
  await page.waitForFunction((id) => /\d\/4단계 · /.test(document.querySelector(`tr[data-session="${id}"] td.escalation`)?.textContent || ''), sOverdue, { timeout: 20000 });
  await page.screenshot({ path: join(ARTIFACTS, 'board-responder.png'), fullPage: true });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: join(ARTIFACTS, 'board-print.png'), fullPage: true });
  assert.equal(await page.isVisible('#tabs'), false, 'no tabs on paper');
  assert.equal(await page.isVisible(`${sos} a.tel`), true, 'the numbers are printed');
  await page.close();
});

test('at 390 px the board is cards and no column is narrower than a name', async () => {
  await seedMap();
  const page = await chrome.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await login(page, 'lead.a');
  await page.waitForSelector('#board tbody tr .person');
  await page.screenshot({ path: join(ARTIFACTS, 'board-phone.png'), fullPage: true });
  const layout = await page.evaluate(() => {
    const cells = [...document.querySelectorAll('#board tbody td')].filter((td) => td.offsetParent !== null);
    const names = [...document.querySelectorAll('#board tbody .person .name')];
    const places = [...document.querySelectorAll('#board tbody .place b')];
    return {
      page: document.documentElement.scrollWidth,
      narrowest: Math.min(...cells.map((td) => td.getBoundingClientRect().width)),
      // A name on one line: a single line box, and inside its cell.
      wrapped: names.filter((n) => n.getClientRects().length > 1).map((n) => n.textContent),
      // An address may wrap between words, not a syllable or two per line: at most two lines.
      brokenPlaces: places.filter((p) => p.getClientRects().length > 2).map((p) => p.textContent),
      overflow: [...names, ...places].filter((n) => n.getBoundingClientRect().right > n.closest('td').getBoundingClientRect().right + 1).map((n) => n.textContent),
      header: getComputedStyle(document.querySelector('#board thead')).display,
    };
  });
  assert.equal(layout.header, 'none', 'cards, not a table header');
  assert.ok(layout.page <= 390, `no sideways scrolling (${layout.page} px)`);
  assert.ok(layout.narrowest >= 300, `every field spans the card (${layout.narrowest} px)`);
  assert.deepEqual(layout.wrapped, []);
  assert.deepEqual(layout.brokenPlaces, []);
  assert.deepEqual(layout.overflow, []);
  await page.close();
});

test('the connection pill says what it shows after a language switch; no alarm switch on the login page; no codes in Korean', async () => {
  const page = await chrome.context.newPage();
  await chrome.context.clearCookies();
  await page.goto(`${srv.base}/dashboard`);
  await page.waitForSelector('#login-form');
  assert.equal(await page.isVisible('#sound-wrap'), false, 'the alarm-sound switch is not on the login page');
  assert.equal(await page.$eval('#sound-wrap', (e) => getComputedStyle(e).display), 'none');
  await page.fill('#login', 'lead.a');
  await page.fill('#password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#live.on');
  assert.equal(await page.isVisible('#sound-wrap'), true);
  assert.equal(await page.textContent('#live'), '실시간');
  await page.click('#lang');
  assert.equal(await page.textContent('#live'), 'Live');
  assert.equal(await page.$eval('#live', (e) => e.classList.contains('on')), true);
  await page.click('#lang');
  assert.equal(await page.textContent('#live'), '실시간');
  // The user's privilege and the units' kinds in Korean, never their codes.
  assert.equal(await page.textContent('#who'), '정팀장 · 관리자');
  await page.click('button[data-tab="figures"]');
  await page.waitForSelector('#unit option', { state: 'attached' });
  const options = await page.$$eval('#unit option', (o) => o.map((e) => e.textContent));
  assert.ok(options.includes('길음1동 (동)'), options.join(','));
  await page.waitForSelector('#fig-contact');
  const shown = { board: '#board tbody tr', plan: '#plan h2', figures: '#fig-contact', incidents: '#incidents-empty:not([hidden])' };
  for (const tab of ['board', 'plan', 'figures', 'incidents']) {
    await page.click(`button[data-tab="${tab}"]`);
    await page.waitForSelector(shown[tab]);
    const text = await page.evaluate(() => document.body.innerText);
    // Codes the page must show in Korean: privileges, unit kinds, contact modes, visit statuses.
    assert.doesNotMatch(text, /supervisor|\((city|district|dong|team)\)|\b(field|admin|home|centre|planned|in_progress)\b/, tab);
  }
  // (The incidents page said there are none: its empty note is what the loop waited for.)
  await page.close();
});

test('the figures print with their unit and period, without the controls', async () => {
  const page = await chrome.context.newPage();
  await login(page, 'lead.a');
  await page.click('button[data-tab="figures"]');
  await page.waitForSelector('#unit option', { state: 'attached' });
  await page.fill('#from', '2022-01-01');
  await page.fill('#to', '2022-06-30');
  await page.selectOption('#unit', org.dongA);
  await page.click('#figures-form button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('#fig-contact [data-cohort="age65"] .v')?.textContent === '1/1');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('#figures-form'), false);
  assert.equal(await page.textContent('#figures-print-head'), '동행 현황판 · 사업 실적 · 길음1동 (동) · 2022-01-01 ~ 2022-06-30');
  assert.equal(await page.isVisible('#figures-print-head'), true);
  await page.screenshot({ path: join(ARTIFACTS, 'figures-print.png'), fullPage: true });
  await page.close();
});

test("the first hour's demo phones put an overdue visit and an SOS on their 동's board", async () => {
  // What scripts/run.sh does, on this test's server: a 동 with a team, a planner and a volunteer
  // with work numbers, a supervisor; then `donghaeng sync-demo` enrols both phones.
  const dongC = srv.admin(['create-unit', '--kind', 'dong', '--name', '월곡1동', '--parent', org.gu]).unit_id;
  const teamC = srv.admin(['create-unit', '--kind', 'team', '--name', '시연팀', '--parent', dongC]).unit_id;
  const planner = srv.admin(['create-user', '--unit', teamC, '--name', '시연복지플래너', '--role', 'welfare_planner', '--phone', '010-0000-1001']).user_id;
  const volunteer = srv.admin(['create-user', '--unit', teamC, '--name', '시연봉사자', '--role', 'volunteer_neighborhood_care', '--phone', '010-0000-1002']).user_id;
  makeUser(srv, dongC, '시연팀장', { privilege: 'supervisor', login: 'lead.c' });
  const code = (u) => srv.admin(['issue-enrolment-code', '--user', u]).code;
  const dir = mkdtempSync(join(tmpdir(), 'dh-phones-'));
  try {
    const r = spawnSync(process.env.DONGHAENG_CLI_BIN || join(ROOT, 'target', 'debug', 'donghaeng'),
      ['sync-demo', '--server', srv.base, '--planner-code', code(planner), '--volunteer-code', code(volunteer), '--dir', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /안전 세션 2건 시작/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const page = await chrome.context.newPage();
  await login(page, 'lead.c');
  await page.waitForFunction(() => document.querySelectorAll('#board tbody tr').length === 2);
  const rows = await page.$$eval('#board tbody tr', (trs) => trs.map((tr) => tr.className));
  assert.equal(rows[0], 'p0', 'the SOS on top');
  assert.match(await page.textContent('#board tbody tr.p0 td.status'), /^SOS/);
  assert.match(await page.textContent('#board tbody'), /복귀 지연/);
  assert.deepEqual(await page.$$eval('#board tbody tr.p0 a.tel', (as) => as.map((a) => a.getAttribute('href'))), ['tel:01000001001', 'tel:01000001002']);
  await page.waitForFunction(() => document.querySelectorAll('#board-map path.dh-household').length === 3);
  await page.screenshot({ path: join(ARTIFACTS, 'board-demo.png'), fullPage: true });
  await page.close();
});

// Last: it locks lead.b from this test's client address (and the account) for 30 s.
test('five failed logins lock that login, not a colleague behind the same address', async () => {
  const tryLogin = async (login, password) => {
    const r = await fetch(`${srv.base}/dashboard/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
    return { status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.json() };
  };
  for (let i = 0; i < 5; i++) {
    const r = await tryLogin('lead.b', `password-guess-${i}`);
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'login_failed');
  }
  // Even the right password of that account is refused now, with the wait.
  const locked = await tryLogin('lead.b', PASSWORD);
  assert.equal(locked.status, 429);
  assert.equal(locked.body.code, 'login_throttled');
  assert.match(locked.body.ko, /초 뒤에 다시 시도하세요/);
  assert.equal(locked.retryAfter, '30');
  // A colleague at the same address (the real binary passes the peer address) is not locked out.
  const colleague = await tryLogin('lead.a', PASSWORD);
  assert.equal(colleague.status, 200);
});
