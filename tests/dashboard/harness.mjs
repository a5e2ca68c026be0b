// Test harness of the dashboard's browser tests: a real donghaeng-sync-server process on loopback
// with a temporary data directory, the admin command line, simulated phones that enrol and push
// over HTTP, and Debian's chromium driven by playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
export const BIN = process.env.DONGHAENG_SERVER_BIN || join(ROOT, 'target', 'debug', 'donghaeng-sync-server');
export const ARTIFACTS = join(here, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/** A UUID v7 (time-ordered), as the phones make them. */
export function uuidv7(ms = Date.now()) {
  const b = randomBytes(16);
  const t = BigInt(ms);
  for (let i = 0; i < 6; i++) b[i] = Number((t >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server; resolves when /healthz answers. */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'dh-dashboard-'));
  const db = join(dir, 'server.db');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(BIN, ['--db', db, '--addr', `127.0.0.1:${port}`, '--safety-tick-secs', '1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); });
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch (_) { /* not yet */ }
    if (proc.exitCode !== null) throw new Error(`server exited: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const admin = (args, input) => {
    const r = spawnSync(BIN, ['--db', db, 'admin', ...args], { input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`admin ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  return {
    base, db, dir, admin, log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An org tree: city → 성북구 → 길음1동 (A) / 정릉2동 (B), each with a team. */
export function makeOrg(srv) {
  const unit = (kind, name, parent) => srv.admin(['create-unit', '--kind', kind, '--name', name, ...(parent ? ['--parent', parent] : [])]).unit_id;
  const city = unit('city', '서울특별시');
  const gu = unit('district', '성북구', city);
  const dongA = unit('dong', '길음1동', gu);
  const teamA = unit('team', '길음1동 복지팀', dongA);
  const dongB = unit('dong', '정릉2동', gu);
  const teamB = unit('team', '정릉2동 복지팀', dongB);
  return { city, gu, dongA, teamA, dongB, teamB };
}

export const PASSWORD = 'correct-horse-battery';

/** A user; with a login, a web password set through stdin (never argv). */
export function makeUser(srv, unit, name, { role = 'welfare_planner', privilege = 'field', login } = {}) {
  const id = srv.admin(['create-user', '--unit', unit, '--name', name, '--role', role]).user_id;
  if (privilege !== 'field') srv.admin(['set-privilege', '--user', id, '--privilege', privilege]);
  if (login) srv.admin(['set-login', '--user', id, '--login', login, '--password-file', '-'], PASSWORD + '\n');
  return id;
}

/** A phone: enrols with a code from the admin command, takes a token, pushes changes. */
export class Device {
  static async enrol(srv, userId) {
    const code = srv.admin(['issue-enrolment-code', '--user', userId]).code;
    const e = await (await fetch(`${srv.base}/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })).json();
    const t = await (await fetch(`${srv.base}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: e.device_id, device_secret: e.device_secret }) })).json();
    return new Device(srv, e.device_id, userId, t.access_token);
  }

  constructor(srv, id, userId, token) {
    Object.assign(this, { srv, id, userId, token, wall: 0, counter: 0 });
  }

  hlc() {
    const now = Date.now();
    if (now > this.wall) { this.wall = now; this.counter = 0; } else { this.counter += 1; }
    return `${this.wall.toString(16).padStart(12, '0')}-${this.counter.toString(16).padStart(4, '0')}-${this.id.replaceAll('-', '')}`;
  }

  change(entity, recordId, op) {
    const hlc = this.hlc();
    return { id: uuidv7(this.wall), entity, record_id: recordId, op, hlc, device_id: this.id };
  }

  upsert(entity, recordId, fields) { return this.change(entity, recordId, { kind: 'upsert', fields }); }
  append(entity, recordId, record) { return this.change(entity, recordId, { kind: 'append', record }); }

  async push(changes) {
    for (let i = 0; i < changes.length; i += 1000) {
      const r = await fetch(`${this.srv.base}/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ protocol_version: 1, device_id: this.id, changes: changes.slice(i, i + 1000) }),
      });
      const body = await r.json();
      if (r.status !== 200 || body.rejected.length) throw new Error(`push refused: ${r.status} ${JSON.stringify(body).slice(0, 400)}`);
    }
  }
}

export function householdFields(dong, address, { lat = null, lon = null, riskFlags = '' } = {}) {
  return { dong_id: dong, head_name: '최영호', address, lat, lon, crisis_level: 5, tags: '', risk_flags: riskFlags, phone: null, archived: 0 };
}

const CONFIG = { grace_secs: 600, ladder: [
  { target: 'partner', contacts: [], delay_secs: 300 },
  { target: 'team_lead', contacts: [{ name: '정팀장', phone: '010-9000-0001' }], delay_secs: 300 },
  { target: 'dong_head', contacts: [{ name: '한동장', phone: '010-9000-0002' }], delay_secs: 300 },
  { target: 'emergency', contacts: [{ name: '정팀장', phone: '010-9000-0001' }], delay_secs: 300 },
], overdue_recheck_secs: 900, alarm_repeat_secs: 300 };

/** The `started` safety event of a session of two workers at a household, due back in `minutes`. */
export function startEvent(dev, { session, household, address, workers, minutes = 60, at = Date.now() }) {
  const atMs = at - (at % 1000);
  const payload = {
    type: 'started', visit_id: null,
    household: { household_id: household, address, masked_name: '최○○' },
    participants: workers.map((w) => ({ worker_id: w.id, name: w.name, roles: ['welfare_planner'], phone: '010-1111-1111' })),
    expected_return: new Date(atMs + minutes * 60000).toISOString().replace('.000Z', 'Z'),
    checkin_interval_secs: null,
    assessment: { risk_flags_reviewed: true, plan_shared_with_lead: true, phone_ready: true, exit_plan_agreed: true, concerns: null },
    advisory_overrides: [], config: CONFIG,
  };
  return dev.append('safety_events', uuidv7(atMs), {
    session_id: session, at: atMs, worker_id: workers[0].id, device_id: dev.id, lat: null, lon: null, kind: 'started', payload: JSON.stringify(payload),
  });
}

/** An SOS pressed by the first worker of a session. */
export function sosEvent(dev, { session, worker, at = Date.now() }) {
  const atMs = at - (at % 1000);
  return dev.append('safety_events', uuidv7(atMs), {
    session_id: session, at: atMs, worker_id: worker, device_id: dev.id, lat: null, lon: null, kind: 'sos', payload: '{"type":"sos"}',
  });
}

/** Debian's chromium (browser downloads are impossible here), headless, with a fresh profile
 * directory of its own (a persistent context: playwright passes the profile as --user-data-dir). */
export async function launch() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'dh-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 }, // a 10-inch tablet in landscape
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}
