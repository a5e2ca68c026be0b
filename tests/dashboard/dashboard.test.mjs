// Browser tests of the supervisor dashboard (issue 9): a real server process, a simulated phone,
// Debian's chromium. Run by run.sh (or `npm test` once the server is built).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startServer, makeOrg, makeUser, Device, householdFields, startEvent, sosEvent, launch, uuidv7,
  ARTIFACTS, PASSWORD,
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
  const person = (h) => ({ household_id: h, name: '최영호', birth_date: '1957-05-01', sex: 'm', relation: 'head', disability: 'none' });
  const vA = uuidv7();
  const vB = uuidv7();
  const service = (h, by, item, on, quantity, amount, corrects = null) => ({ household_id: h, case_id: null, item, provided_on: on,
    quantity, amount_won: amount, recorded_by: by, note: null, corrects, voided: 0 });
  const livingA = uuidv7();
  await devA.push([
    devA.upsert('households', hA, householdFields(org.dongA, '서울 성북구 길음로 1, 101호')),
    devA.upsert('persons', uuidv7(), person(hA)),
    devA.upsert('visits', vA, visit(hA)),
    devA.upsert('visit_workers', vA, { [plannerA]: true, [nurseA]: true }),
    devA.upsert('referrals', uuidv7(), { household_id: hA, case_id: null, referred_by: plannerA, target: 'care_sos', agency: null,
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
  assert.match(text, /김민지, 이수정/);
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
