// 동행 현황판 — the supervisor dashboard. Plain JavaScript, no build step. Korean first, English by
// the switch (remembered in localStorage). The board is one server-sent-events stream that sends
// the whole board on every change; the page keeps no other state, so a reconnect is a refresh.
'use strict';

const T = {
  ko: {
    title: '동행 현황판', tab_board: '안전 현황', tab_plan: '오늘 계획', date: '날짜', assigned_teams: '배정된 팀', unassigned_visits: '미배정 방문', proposed: '자동 편성 제안', cannot_place: '편성 불가', planned: '예정', in_progress: '진행 중', completed: '완료', missed: '미실시', tab_figures: '사업 실적', tab_incidents: '안전사고',
    sound: '경보음', logout: '로그아웃', login_title: '관리자 로그인', login_name: '로그인 이름',
    password: '비밀번호', login: '로그인', connecting: '연결 중…', live: '실시간', offline: '연결 끊김 — 재연결 중',
    col_status: '상태', col_workers: '방문자', col_address: '주소', col_start: '시작', col_return: '복귀 예정',
    col_left: '남은 시간', col_action: '조치', board_empty: '진행 중인 방문이 없습니다.',
    ack: '확인', resolve: '해제', cancel: '취소', resolve_title: '경보 해제', note: '조치 내용',
    from: '시작일', to: '종료일', unit: '조직', show: '조회', csv: 'CSV 내려받기', xlsx: '엑셀(xlsx) 내려받기', half_year: '반기별 통계',
    district: '구', half: '반기', counts: '건수', incident_list: '사고 목록', occurred: '발생', type: '유형',
    severity: '정도', follow_up: '후속 조치', none: '없음',
    sos: 'SOS', duress: '위급(강요)', overdue: '복귀 지연', acked: '확인됨',
    open: '방문 중', check_in_due: '안부 확인 요청', escalating: '비상 연락 중', acknowledged: '담당자 확인', closed: '복귀', pending: '시작 미수신',
    overdue_by: '지연', alarms_n: '경보', sessions_n: '방문 중',
    due_unplanned: '방문 계획 없는 모니터링 대상', crisis_level: '위기도', last_contact: '마지막 접촉', never_contacted: '접촉 기록 없음', days_late: '일 지연', due_today: '오늘 도래',
    count_total: '합계', count_police_called: '경찰 신고', count_ambulance_119_called: '119 신고',
    col_escalation: '비상 연락', board_empty_hint: '방문자가 휴대폰에서 방문을 시작하면 여기에 바로 나타납니다. SOS와 복귀 지연은 맨 위에 빨간색으로 표시됩니다.',
    ago_s: '초 전', ago_m: '분 전', ago_h: '시간 전', late_m: '분 지연', late_h: '시간 지연', sos_at: '발생 위치', sos_point: '휴대폰 위치',
    raised_by: '누른 사람', call: '전화', no_phone: '전화번호 없음', step: '단계', step_of: '단계 중', asked_workers: '방문자에게 안전 확인 요청함',
    notified: '알림 받은 사람', nobody_yet: '아직 없음', risk_flags: '위험 요인', no_risk_flags: '알려진 위험 요인 없음',
    sent_at_once: '즉시 알림', print: '인쇄', map_title: '지도', route_map_title: '방문 경로 지도',
    map_empty: '위치가 등록된 가구가 없어 지도에 표시할 것이 없습니다.', map_household: '가구', map_session: '방문 중', map_route: '경로',
    legend_household: '가구', legend_session: '방문 중', legend_overdue: '복귀 지연', legend_sos: 'SOS', legend_route: '팀 경로',
    incidents_empty: '이 기간에 보고된 안전사고가 없습니다.', no_teams: '이날 배정된 팀이 없습니다.', no_unassigned: '미배정 방문이 없습니다.',
    no_figures_unit: '조회할 조직이 없습니다.',
    priv_field: '현장 직원', priv_supervisor: '관리자', priv_admin: '시스템 관리자',
    kind_city: '시', kind_district: '구', kind_dong: '동', kind_team: '팀',
    home: '가정방문', centre: '내방', phone: '전화', cancelled: '취소',
  },
  en: {
    title: 'Donghaeng dashboard', tab_board: 'Safety board', tab_plan: "Today's plan", date: 'Date', assigned_teams: 'Assigned teams', unassigned_visits: 'Unassigned visits', proposed: 'Proposed pairs', cannot_place: 'Cannot be placed', planned: 'planned', in_progress: 'in progress', completed: 'completed', missed: 'missed', tab_figures: 'Program figures', tab_incidents: 'Incidents',
    sound: 'Sound', logout: 'Log out', login_title: 'Supervisor login', login_name: 'Login name',
    password: 'Password', login: 'Log in', connecting: 'Connecting…', live: 'Live', offline: 'Disconnected — reconnecting',
    col_status: 'Status', col_workers: 'Workers', col_address: 'Address', col_start: 'Start', col_return: 'Due back',
    col_left: 'Time left', col_action: 'Action', board_empty: 'No visit in progress.',
    ack: 'Acknowledge', resolve: 'Resolve', cancel: 'Cancel', resolve_title: 'Resolve alarm', note: 'What was done',
    from: 'From', to: 'To', unit: 'Unit', show: 'Show', csv: 'Download CSV', xlsx: 'Download Excel (xlsx)', half_year: 'Half-year statistics',
    district: 'District', half: 'Half', counts: 'Counts', incident_list: 'Incidents', occurred: 'Occurred', type: 'Type',
    severity: 'Severity', follow_up: 'Follow-up', none: 'none',
    sos: 'SOS', duress: 'Duress', overdue: 'Overdue', acked: 'acknowledged',
    open: 'Out on a visit', check_in_due: 'Asked if safe', escalating: 'Escalating', acknowledged: 'Acknowledged', closed: 'Checked out', pending: 'Start not received',
    overdue_by: 'late', alarms_n: 'alarms', sessions_n: 'out',
    due_unplanned: 'Due for monitoring, nothing planned', crisis_level: 'crisis level', last_contact: 'last contact', never_contacted: 'never contacted', days_late: ' days late', due_today: 'due today',
    count_total: 'total', count_police_called: 'police called', count_ambulance_119_called: '119 called',
    col_escalation: 'Escalation', board_empty_hint: 'A visit appears here as soon as a worker starts it on the phone. SOS and overdue visits show on top in red.',
    ago_s: 's ago', ago_m: ' min ago', ago_h: ' h ago', late_m: ' min late', late_h: ' h late', sos_at: 'at', sos_point: 'phone location',
    raised_by: 'pressed by', call: 'Call', no_phone: 'no phone number', step: 'step', step_of: 'of', asked_workers: 'workers asked if safe',
    notified: 'alerted', nobody_yet: 'nobody yet', risk_flags: 'risk flags', no_risk_flags: 'no known risk flags',
    sent_at_once: 'alerted at once', print: 'Print', map_title: 'Map', route_map_title: 'Route map',
    map_empty: 'No household has a location yet: nothing to show on the map.', map_household: 'household', map_session: 'out on a visit', map_route: 'route',
    legend_household: 'household', legend_session: 'out on a visit', legend_overdue: 'overdue', legend_sos: 'SOS', legend_route: 'team route',
    incidents_empty: 'No safety incident reported in this period.', no_teams: 'No team assigned on this day.', no_unassigned: 'No unassigned visit.',
    no_figures_unit: 'No unit to report on.',
    priv_field: 'field staff', priv_supervisor: 'supervisor', priv_admin: 'administrator',
    kind_city: 'city', kind_district: 'district', kind_dong: 'dong', kind_team: 'team',
    home: 'home visit', centre: 'visit to the centre', phone: 'phone', cancelled: 'cancelled',
  },
};

let lang = localStorage.getItem('dh_lang') || 'ko';
let me = null;
let board = { sessions: [], server_time_ms: Date.now() };
let offset = 0; // server clock − local clock
let stream = null;
let known = new Set(); // unacknowledged loud alarm ids already announced
let resolving = null;
let liveState = 'connecting'; // connecting | live | offline: the pill's text follows the language
const $ = (s) => document.querySelector(s);
const t = (k) => (T[lang][k] ?? k);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  setLive(liveState);
  if (me) $('#who').textContent = whoText();
  rowCache = new Map();
  $('#lang').textContent = lang === 'ko' ? 'English' : '한국어';
  render();
}

async function api(path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (me && me.csrf_token && opts.method && opts.method !== 'GET') headers['x-csrf-token'] = me.csrf_token;
  const r = await fetch(path, { credentials: 'same-origin', ...opts, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  let body = null;
  try { body = await r.json(); } catch (_) { /* CSV or empty */ }
  return { status: r.status, body };
}

const errText = (b) => (b ? (lang === 'ko' ? b.ko : b.en) : '') || 'error';

async function start() {
  const r = await api('/dashboard/api/me');
  if (r.status === 200) { me = r.body; showApp(); } else { showLogin(); }
}

// The connection pill: its text and colour from one state, so a language switch cannot leave
// "connecting" on a green pill.
function setLive(state) {
  liveState = state;
  const el = $('#live');
  el.textContent = t(state);
  el.classList.toggle('on', state === 'live');
}

const whoText = () => `${me.name} · ${t('priv_' + me.privilege)}`;

function showLogin() {
  me = null;
  rowCache = new Map();
  $('#board tbody').replaceChildren();
  if (stream) { stream.close(); stream = null; }
  $('#login-view').hidden = false;
  for (const v of ['#board-view', '#plan-view', '#figures-view', '#incidents-view']) $(v).hidden = true;
  $('#tabs').hidden = true; $('#logout').hidden = true; $('#sound-wrap').hidden = true; $('#who').textContent = '';
  setLive('connecting');
  document.title = t('title');
}

function showApp() {
  $('#login-view').hidden = true;
  $('#tabs').hidden = false; $('#logout').hidden = false; $('#sound-wrap').hidden = false;
  $('#who').textContent = whoText();
  offset = me.server_time_ms - Date.now();
  tab('board');
  connect();
}

function tab(name) {
  document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
  $('#board-view').hidden = name !== 'board';
  $('#figures-view').hidden = name !== 'figures';
  $('#incidents-view').hidden = name !== 'incidents';
  $('#plan-view').hidden = name !== 'plan';
  if (name === 'board') loadMap('board');
  if (name === 'plan') loadPlan();
  if (name === 'figures') loadUnits();
  if (name === 'incidents') loadIncidents();
}

function connect() {
  if (stream) stream.close();
  stream = new EventSource('/dashboard/api/board/stream');
  stream.addEventListener('board', (ev) => {
    const data = JSON.parse(ev.data);
    if (data.error) { start(); return; }
    const t0 = performance.now();
    board = data;
    offset = data.server_time_ms - Date.now();
    render();
    window.__dh = { renders: (window.__dh?.renders || 0) + 1, lastRenderMs: performance.now() - t0, receivedAt: Date.now(), rows: data.sessions.length };
    setLive('live');
    drawSessions();
  });
  stream.onerror = async () => {
    setLive('offline');
    const r = await api('/dashboard/api/me');
    if (r.status === 401) showLogin();
  };
}

function fmtTime(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleTimeString(lang === 'ko' ? 'ko-KR' : 'en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Seoul' });
}

function left(iso) {
  if (!iso) return '';
  const s = Math.round((new Date(iso).getTime() - (Date.now() + offset)) / 1000);
  const a = Math.abs(s), h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60), sec = a % 60;
  const txt = (h ? h + ':' : '') + String(m).padStart(h ? 2 : 1, '0') + ':' + String(sec).padStart(2, '0');
  return s < 0 ? `<span class="overdue-time">−${txt} ${t('overdue_by')}</span>` : txt;
}

// Rows are kept by session id with the HTML they were made from: an update re-creates only the rows
// whose content changed and moves the others, so a change on a board of 1,000 sessions costs a few
// rows of parsing rather than the whole table.
let rowCache = new Map(); // session id → { html, tr }

// Elapsed time since `iso`, short: "2분 전" / "2 min ago".
function ago(iso) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.now() + offset - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}${t('ago_s')}`;
  if (s < 3600) return `${Math.floor(s / 60)}${t('ago_m')}`;
  return `${Math.floor(s / 3600)}${t('ago_h')}`;
}

// A number as a tel: link target (digits and a leading +).
const telHref = (p) => 'tel:' + String(p).replace(/[^0-9+]/g, '');

// One wrapper per cell: on a phone the cell is a two-column grid (its label, then its content), so
// the content must be one grid item.
const cell = (label, html, cls = '') => `<td data-label="${esc(t(label))}"${cls ? ` class="${cls}"` : ''}><div class="v">${html}</div></td>`;

function statusHtml(r) {
  const loud = r.alarms.find((a) => a.kind === 'sos' || a.kind === 'duress');
  if (loud) {
    // A responder needs what and when, then where: "SOS 2분 전", the address, the phone's point.
    const point = loud.lat != null && loud.lon != null
      ? `<div class="muted sos-point">${esc(t('sos_point'))} ${loud.lat.toFixed(5)}, ${loud.lon.toFixed(5)}</div>` : '';
    return `<div class="alarm-head"><span class="badge ${loud.acknowledged ? 'acked' : loud.kind}">${esc(t(loud.kind))}${loud.acknowledged ? ' · ' + esc(t('acked')) : ''}</span> ` +
      `<span class="since" data-since="${esc(loud.raised_at)}"></span></div>` +
      `<div class="place"><b>${esc(r.address)}</b></div>${point}` +
      (loud.raised_by ? `<div class="muted">${esc(t('raised_by'))} ${esc(loud.raised_by)}</div>` : '') +
      r.alarms.filter((a) => a !== loud).map((a) => `<span class="badge ${a.acknowledged ? 'acked' : a.kind}">${esc(t(a.kind))}</span>`).join('');
  }
  const alarms = r.alarms.map((a) => `<span class="badge ${a.acknowledged ? 'acked' : a.kind}">${esc(t(a.kind))}${a.acknowledged ? ' · ' + esc(t('acked')) : ''}</span>`).join('');
  return `${alarms}<span class="badge status">${esc(t(r.status))}</span>`;
}

function peopleHtml(r) {
  const people = r.people && r.people.length ? r.people : r.workers.map((name) => ({ name, phone: null }));
  return people.map((p) => `<div class="person"><span class="name">${esc(p.name)}</span> ` +
    (p.phone ? `<a class="tel" href="${esc(telHref(p.phone))}" aria-label="${esc(t('call'))} ${esc(p.name)}">${esc(p.phone)}</a>` : `<span class="muted">${esc(t('no_phone'))}</span>`) +
    '</div>').join('');
}

function flagsHtml(r) {
  const flags = r.risk_flags || [];
  return flags.length
    ? `<div class="flags" aria-label="${esc(t('risk_flags'))}">${flags.map((f) => `<span class="flag" data-flag="${esc(f.code)}">${esc(lang === 'ko' ? f.ko : f.en)}</span>`).join('')}</div>`
    : `<div class="muted">${esc(t('no_risk_flags'))}</div>`;
}

function escalationHtml(r) {
  const e = r.escalation;
  if (!e) return '<span class="muted">—</span>';
  let head;
  if (e.alarm !== 'overdue') head = t('sent_at_once');
  else if (e.step === 0) head = t('asked_workers');
  else head = lang === 'ko'
    ? `${e.step}/${e.steps}${t('step')} · ${e.target_ko}`
    : `${t('step')} ${e.step} ${t('step_of')} ${e.steps} · ${e.target_en}`;
  const who = e.notified.length ? e.notified.map(esc).join(', ') : esc(t('nobody_yet'));
  return `<div class="esc-step" data-step="${e.step}">${esc(head)}</div><div class="notified"><span class="muted">${esc(t('notified'))}:</span> ${who}</div>`;
}

function rowHtml(r) {
  const loud = r.alarms.some((a) => a.kind === 'sos' || a.kind === 'duress');
  const actions = r.alarms.map((a) => (a.acknowledged ? '' : `<button data-ack="${a.alarm_id}">${esc(t('ack'))}</button> `) + `<button data-resolve="${a.alarm_id}">${esc(t('resolve'))}</button>`).join(' ');
  // An SOS row shows no return countdown: the alarm's own time stands first instead.
  return cell('col_status', statusHtml(r), 'status') +
    cell('col_workers', peopleHtml(r), 'people') +
    cell('col_address', `${loud ? '' : `<div>${esc(r.address)}</div>`}<span class="muted">${esc(r.household)}</span>${flagsHtml(r)}`, 'address') +
    cell('col_escalation', escalationHtml(r), 'escalation') +
    cell('col_return', fmtTime(r.expected_return)) +
    `<td data-label="${esc(t('col_left'))}" class="left" data-return="${loud ? '' : esc(r.expected_return || '')}"></td>` +
    cell('col_action', actions || '<span class="muted">—</span>', 'actions');
}

function fillTimes(root) {
  root.querySelectorAll('td.left').forEach((td) => { td.innerHTML = td.dataset.return ? left(td.dataset.return) : '<span class="muted">—</span>'; });
  root.querySelectorAll('[data-since]').forEach((el) => { el.textContent = ago(el.dataset.since); });
}

function render() {
  if (!me) return;
  const rows = board.sessions || [];
  let open = 0;
  const tbody = $('#board tbody');
  const next = new Map();
  const frag = document.createDocumentFragment();
  for (const r of rows) {
    for (const a of r.alarms) if (!a.acknowledged) open++;
    const html = rowHtml(r);
    const cls = `p${r.priority}`;
    let cached = rowCache.get(r.session_id);
    if (!cached || cached.html !== html) {
      const tr = document.createElement('tr');
      tr.dataset.session = r.session_id;
      tr.innerHTML = html;
      // The countdown and the alarm's age are filled here and by the 1-second timer, outside the
      // cached HTML.
      fillTimes(tr);
      cached = { html, tr };
    }
    cached.tr.className = cls;
    next.set(r.session_id, cached);
    frag.appendChild(cached.tr);
  }
  rowCache = next;
  tbody.replaceChildren(frag);
  $('#board-empty').hidden = rows.length > 0;
  $('#counts').textContent = `${t('sessions_n')} ${rows.length} · ${t('alarms_n')} ${open}`;
  document.title = (open ? `(${open}) ` : '') + t('title');
  announce(rows);
}

function announce(rows) {
  const now = new Set();
  for (const r of rows) for (const a of r.alarms) if (!a.acknowledged) now.add(a.alarm_id);
  const fresh = [...now].some((id) => !known.has(id));
  known = now;
  if (fresh && $('#sound').checked) beep();
}

function beep() {
  try {
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    const o = ctx.createOscillator(), g = ctx.createGain();
    o.type = 'square'; o.frequency.value = 880; g.gain.value = 0.2;
    o.connect(g); g.connect(ctx.destination); o.start(); o.stop(ctx.currentTime + 0.6);
  } catch (_) { /* no audio device */ }
}

setInterval(() => fillTimes($('#board')), 1000);

$('#board').addEventListener('click', async (ev) => {
  const ack = ev.target.dataset.ack, res = ev.target.dataset.resolve;
  if (ack) {
    ev.target.disabled = true;
    const r = await api(`/v1/safety/alarms/${ack}/ack`, { method: 'POST', body: {} });
    if (r.status !== 200) alert(errText(r.body));
  } else if (res) {
    resolving = res; $('#resolve-note').value = ''; $('#resolve-dialog').showModal();
  }
});
$('#resolve-cancel').addEventListener('click', () => $('#resolve-dialog').close());
$('#resolve-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const note = $('#resolve-note').value.trim();
  if (!note) return;
  const r = await api(`/v1/safety/alarms/${resolving}/resolve`, { method: 'POST', body: { note } });
  $('#resolve-dialog').close();
  if (r.status !== 200) alert(errText(r.body));
});

$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#login-error').textContent = '';
  const r = await api('/dashboard/api/login', { method: 'POST', body: { login: $('#login').value, password: $('#password').value } });
  $('#password').value = '';
  if (r.status === 200) { await start(); } else { $('#login-error').textContent = errText(r.body); }
});
$('#logout').addEventListener('click', async () => { await api('/dashboard/api/logout', { method: 'POST', body: {} }); showLogin(); });
$('#lang').addEventListener('click', () => { lang = lang === 'ko' ? 'en' : 'ko'; localStorage.setItem('dh_lang', lang); applyLang(); if (!$('#figures-view').hidden) loadFigures(); });
document.querySelectorAll('#tabs button').forEach((b) => b.addEventListener('click', () => tab(b.dataset.tab)));

async function loadUnits() {
  const r = await api('/dashboard/api/units');
  if (r.status !== 200) return;
  const sel = $('#unit');
  const cur = sel.value;
  // The kind in the page's language (동, 구 …), never its code.
  sel.innerHTML = r.body.units.filter((u) => u.kind !== 'team').map((u) => `<option value="${u.id}">${esc(u.name)} (${esc(t('kind_' + u.kind))})</option>`).join('');
  if (!sel.options.length) { $('#figures-error').textContent = t('no_figures_unit'); return; }
  sel.value = cur || r.body.area_id || (r.body.units[0] && r.body.units[0].id) || '';
  if (!$('#from').value) {
    // The server's Korean date (core's KST rule), never a calendar computed here.
    const today = r.body.today, y = today.slice(0, 4), h1 = Number(today.slice(5, 7)) <= 6;
    $('#from').value = `${y}-${h1 ? '01' : '07'}-01`;
    $('#to').value = today;
  }
  loadFigures();
}

function figuresQuery() {
  const q = new URLSearchParams();
  if ($('#from').value) q.set('from', $('#from').value);
  if ($('#to').value) q.set('to', $('#to').value);
  if ($('#unit').value) q.set('unit', $('#unit').value);
  return q;
}

const pct = (r) => (r.rate === null ? t('no_rate') : (r.rate * 100).toFixed(1) + '%');
const bar = (r) => `<div class="bar"><i style="width:${r.rate === null ? 0 : Math.round(r.rate * 100)}%"></i></div>`;

// A request answered after a newer one of the same kind is dropped: a slow answer for the old
// period or date must never overwrite the one the user asked for last.
const latest = {};
async function fresh(kind, url) {
  const n = (latest[kind] = (latest[kind] || 0) + 1);
  const r = await api(url);
  return n === latest[kind] ? r : null;
}

async function loadFigures() {
  const q = figuresQuery();
  $('#csv').href = '/dashboard/api/figures?' + q.toString() + `&format=csv&lang=${lang}`;
  $('#xlsx').href = '/dashboard/api/figures?' + q.toString() + `&format=xlsx&lang=${lang}`;
  const r = await fresh('figures', '/dashboard/api/figures?' + q.toString());
  if (!r) return;
  $('#figures-error').textContent = r.status === 200 ? '' : errText(r.body);
  if (r.status !== 200) { $('#figures').innerHTML = ''; return; }
  // The figures' labels come from the server (src/dashboard/labels.rs), the same table as the
  // CSV and xlsx reports.
  Object.assign(T.ko, r.body.labels.ko);
  Object.assign(T.en, r.body.labels.en);
  const f = r.body.figures;
  // The printed page says what it is of: the unit and the period.
  const unitName = $('#unit').selectedOptions[0]?.textContent || '';
  $('#figures-print-head').textContent = `${t('title')} · ${t('tab_figures')} · ${unitName} · ${r.body.from} ~ ${r.body.to}`;
  const cohorts = f.contact_rate.map((c) => `<div data-cohort="${c.cohort}"><b>${esc(t(c.cohort))}</b> ${t('all')} <span class="v">${c.contacted.count}/${c.contacted.base}</span> (${pct(c.contacted)})${bar(c.contacted)}` +
    Object.entries(c.by_mode).map(([m, x]) => `<small>${esc(t(m))} ${x.count} (${pct(x)})</small>`).join(' · ') +
    nonResponse(c.non_response) + '</div>').join('');
  const target = (k) => (r.body.referral_targets[k] || {})[lang] || k;
  const links = Object.entries(f.service_links).map(([k, n]) => `<li data-target="${esc(k)}">${esc(target(k))}: ${n}</li>`).join('') || `<li>${t('none')}</li>`;
  $('#figures').innerHTML = `<div class="cards">
    <div class="card" id="fig-contact"><h3>${t('contact_rate')}</h3>${cohorts}</div>
    <div class="card" id="fig-accompanied"><h3>${t('accompanied_65')}</h3><span class="v">${f.accompanied_65.count}/${f.accompanied_65.base}</span> (${pct(f.accompanied_65)})${bar(f.accompanied_65)}</div>
    <div class="card" id="fig-crisis"><h3>${t('crisis')}</h3><span class="v">${f.crisis_households}</span> ${t('crisis_households')} · ${f.crisis_reports} ${t('crisis_reports')}</div>
    <div class="card" id="fig-links"><h3>${t('service_links')}</h3><ul>${links}</ul></div>
    <div class="card" id="fig-lonely"><h3>${t('lonely')}</h3><span class="v">${f.lonely_death_risk.count}/${f.lonely_death_risk.base}</span> ${t('monitored')} (${pct(f.lonely_death_risk)})${bar(f.lonely_death_risk)}</div>
    <div class="card" id="fig-births"><h3>${t('birth_health_links')}</h3><span class="v">${f.birth_health_links.count}/${f.birth_health_links.base}</span> ${t('linked')} (${pct(f.birth_health_links)})${bar(f.birth_health_links)}</div>
    <div class="card" id="fig-mental-health"><h3>${t('accompanied_mental_health')}</h3><span class="v">${f.accompanied_mental_health.count}/${f.accompanied_mental_health.base}</span> (${pct(f.accompanied_mental_health)})${bar(f.accompanied_mental_health)}</div>
    <div class="card" id="fig-private"><h3>${t('private_resources')}</h3><span class="v">${f.private_resource_links}</span> ${t('links')} · ${f.private_resource_households} ${t('households')}</div>
  </div>
  ${itemTable('care_sos_services', f.care_sos_services)}
  ${itemTable('emergency_support', f.emergency_support)}`;
}

// Why a cohort's households were not reached (their latest outreach attempt), when any were not.
function nonResponse(n) {
  if (!n || !n.not_contacted) return '';
  const parts = ['letter_returned', 'letter_delivered', 'no_answer', 'refused', 'responded', 'no_attempt']
    .filter((k) => n[k] > 0).map((k) => `${esc(t(k))} ${n[k]}`);
  return `<div class="nr" data-nr="${n.not_contacted}"><small>${esc(t('not_contacted'))} ${n.not_contacted}: ${parts.join(' · ')}</small></div>`;
}

// One row per service type or support item, the total last; the bar compares counts.
function itemTable(id, rows) {
  const max = Math.max(1, ...rows.filter((r) => r.item !== 'total').map((r) => r.count));
  const won = (n) => Number(n).toLocaleString('ko-KR');
  const body = rows.map((r) => `<tr data-item="${esc(r.item)}"${r.item === 'total' ? ' class="total"' : ''}>
    <td>${esc(lang === 'ko' ? r.label_ko : r.label_en)}${r.item === 'total' ? '' : `<div class="bar"><i style="width:${Math.round((r.count / max) * 100)}%"></i></div>`}</td>
    <td class="n">${r.households}</td><td class="n">${r.count}</td>
    <td class="n">${r.unit ? `${won(r.quantity)} ${esc(t(r.unit))}` : ''}</td><td class="n">${won(r.amount_won)}</td></tr>`).join('');
  return `<div class="card wide" id="fig-${id}"><h3>${t(id)}</h3><table>
    <thead><tr><th>${t('col_item')}</th><th class="n">${t('col_households')}</th><th class="n">${t('col_count')}</th><th class="n">${t('col_quantity')}</th><th class="n">${t('col_amount')}</th></tr></thead>
    <tbody>${body}</tbody></table></div>`;
}
$('#figures-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadFigures(); });

async function loadPlan() {
  loadMap('plan');
  const q = new URLSearchParams();
  if ($('#plan-date').value) q.set('date', $('#plan-date').value);
  const r = await fresh('plan', '/dashboard/api/plan?' + q.toString());
  if (!r) return;
  $('#plan-error').textContent = r.status === 200 ? '' : errText(r.body);
  if (r.status !== 200) { $('#plan').innerHTML = ''; return; }
  const p = r.body.plan;
  if (!$('#plan-date').value) $('#plan-date').value = p.date;
  const addr = new Map([...p.unassigned, ...p.teams.flatMap((x) => x.visits)].map((v) => [v.visit_id, v.address]));
  const visit = (v) => `<li>${fmtTime(v.window_start)}–${fmtTime(v.window_end)} ${esc(v.address)} · ${esc(t(v.contact_mode))} · <b>${esc(t(v.status))}</b></li>`;
  const teams = p.teams.map((x) => `<div class="card team"><h3>${esc(x.workers.join(' · '))}</h3><p>${Object.entries(x.progress).map(([k, n]) => `${esc(t(k))} ${n}`).join(' / ')}</p><ul>${x.visits.map(visit).join('')}</ul></div>`).join('') || `<p class="muted empty-teams">${t('no_teams')}</p>`;
  const proposed = p.proposed.map((x) => `<div class="card"><h3>${esc(x.workers.join(' · '))}</h3><ul>${x.stops.map(([id, at]) => `<li>${fmtTime(at)} ${esc(addr.get(id))}</li>`).join('')}</ul></div>`).join('');
  const due = (d) => `<li data-household="${esc(d.household_id)}">${esc(d.address)} · ${t('crisis_level')} ${d.crisis_level} · ` +
    (d.last_contact ? `${t('last_contact')} ${esc(d.last_contact)}` : t('never_contacted')) +
    (d.days_overdue > 0 ? ` · <b class="overdue-time">${d.days_overdue}${t('days_late')}</b>` : ` · ${t('due_today')}`) + '</li>';
  const cannot = p.cannot_place.map((u) => `<li data-code="${esc(u.code)}">${esc(addr.get(u.visit_id))}: ${esc(lang === 'ko' ? u.ko : u.en)}</li>`).join('');
  $('#plan').innerHTML = `<h2>${t('assigned_teams')}</h2><div class="cards">${teams}</div>` +
    `<h2>${t('unassigned_visits')} (${p.unassigned.length})</h2>` +
    (p.unassigned.length ? `<ul>${p.unassigned.map(visit).join('')}</ul>` : `<p class="muted">${t('no_unassigned')}</p>`) +
    (proposed ? `<h2>${t('proposed')}</h2><div class="cards">${proposed}</div>` : '') +
    (cannot ? `<h2>${t('cannot_place')}</h2><ul id="cannot-place">${cannot}</ul>` : '') +
    `<h2>${t('due_unplanned')} (${p.due_unplanned.length})</h2>` +
    (p.due_unplanned.length ? `<ul id="due-unplanned">${p.due_unplanned.map(due).join('')}</ul>` : `<p class="muted">${t('none')}</p>`) +
    (p.planner_error ? `<p class="error">${esc(p.planner_error)}</p>` : '');
}
$('#plan-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadPlan(); });

async function loadIncidents() {
  const r = await fresh('incidents', '/dashboard/api/incidents');
  if (!r) return;
  if (r.status !== 200) return;
  // Labels come with each incident; the statistics name types by code, so look them up there.
  const lbl = (l, code) => (l ? l[lang] : code) ?? '';
  const types = {};
  r.body.incidents.forEach((i) => { types['type:' + i.incident_type] = lbl(i.incident_type_label, i.incident_type); });
  const countName = (k) => types[k] ?? t('count_' + k);
  $('#incident-stats tbody').innerHTML = r.body.half_year.map((s) => `<tr><td>${esc(s.district_name ?? s.district_id.slice(0, 8))}</td><td>${esc(s.half)}</td><td>${esc(Object.entries(s.counts).map(([k, v]) => countName(k) + ' ' + v).join(', '))}</td></tr>`).join('');
  $('#incidents-empty').hidden = r.body.incidents.length > 0;
  $('#incident-list tbody').innerHTML = r.body.incidents.map((i) => `<tr data-incident="${esc(i.id)}"><td>${esc(new Date(i.occurred_at_ms).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB', { timeZone: 'Asia/Seoul' }))}</td><td>${esc(lbl(i.incident_type_label, i.incident_type))}</td><td>${esc(lbl(i.severity_label, i.severity))}</td><td>${esc(i.follow_up_labels.map((l, n) => lbl(l, i.follow_ups[n])).join(', ') || t('none'))}</td></tr>`).join('');
}

// The map (Leaflet, shipped by the server; tiles only from the district's own server when one is
// configured, else markers on a plain background). One map per view: the board's shows the
// households and the live sessions, the plan's also the day's team routes.
const maps = {};
const ROUTE_COLOURS = ['#1565c0', '#6a1b9a', '#00838f', '#ad1457', '#4e342e', '#558b2f'];

function ensureMap(which, tiles) {
  if (!window.L) return null;
  if (maps[which]) return maps[which];
  const el = $(`#${which}-map`);
  const map = L.map(el, { zoomSnap: 0.5 }).setView([37.5665, 126.978], 13);
  map.attributionControl.setPrefix('<a href="/dashboard/vendor/LICENSE-leaflet.txt">Leaflet</a>');
  if (tiles) L.tileLayer(tiles.url, { attribution: esc(tiles.attribution), maxZoom: 19 }).addTo(map);
  else el.classList.add('no-tiles');
  const legend = L.control({ position: 'bottomleft' });
  legend.onAdd = () => {
    const d = L.DomUtil.create('div', 'legend');
    d.innerHTML = ['household', 'session', 'overdue', 'sos'].map((k) => `<span><i class="dot ${k}"></i>${esc(t('legend_' + k))}</span>`).join('') +
      (which === 'plan' ? `<span><i class="line"></i>${esc(t('legend_route'))}</span>` : '');
    return d;
  };
  legend.addTo(map);
  maps[which] = { map, legend, households: L.layerGroup().addTo(map), routes: L.layerGroup().addTo(map), sessions: L.layerGroup().addTo(map), fitted: false };
  return maps[which];
}

async function loadMap(which) {
  const q = new URLSearchParams();
  if (which === 'plan' && $('#plan-date').value) q.set('date', $('#plan-date').value);
  const r = await fresh('map-' + which, '/dashboard/api/map?' + q.toString());
  if (!r || r.status !== 200) return;
  const m = ensureMap(which, r.body.tiles);
  if (!m) return;
  m.households.clearLayers();
  m.routes.clearLayers();
  for (const h of r.body.households) {
    L.circleMarker([h.lat, h.lon], { radius: 6, className: 'dh-household', color: '#455a64', weight: 1, fillColor: '#b0bec5', fillOpacity: 0.9 })
      .bindTooltip(esc(h.address)).addTo(m.households);
  }
  if (which === 'plan') {
    r.body.routes.forEach((route, i) => {
      const colour = ROUTE_COLOURS[i % ROUTE_COLOURS.length];
      const pts = route.stops.map((s) => [s.lat, s.lon]);
      L.polyline(pts, { className: 'dh-route', color: colour, weight: 4, opacity: 0.8 }).bindTooltip(esc(route.workers.join(' · '))).addTo(m.routes);
      route.stops.forEach((s, n) => {
        L.marker([s.lat, s.lon], { icon: L.divIcon({ className: 'dh-stop', html: `<span style="background:${colour}">${n + 1}</span>`, iconSize: [22, 22] }) })
          .bindTooltip(`${n + 1}. ${esc(s.address)} · ${esc(t(s.status))}`).addTo(m.routes);
      });
    });
  }
  m.fitted = false;
  drawSessions();
}

// The live sessions on every map: SOS red, overdue orange, the others green; an SOS with the
// phone's point has a second marker there.
function drawSessions() {
  for (const [which, m] of Object.entries(maps)) {
    m.sessions.clearLayers();
    for (const r of board.sessions || []) {
      const loud = r.alarms.find((a) => a.kind === 'sos' || a.kind === 'duress');
      const late = r.alarms.some((a) => a.kind === 'overdue') || r.status === 'escalating' || r.status === 'check_in_due';
      const kind = loud ? 'sos' : late ? 'overdue' : 'session';
      const colour = { sos: '#c62828', overdue: '#ef6c00', session: '#2e7d32' }[kind];
      const tip = `${esc(t(loud ? loud.kind : late ? 'overdue' : 'map_session'))} · ${esc(r.address)} · ${esc(r.workers.join(', '))}`;
      if (r.lat != null && r.lon != null) {
        L.circleMarker([r.lat, r.lon], { radius: kind === 'session' ? 9 : 12, className: `dh-session dh-${kind}`, color: '#fff', weight: 2, fillColor: colour, fillOpacity: 1 })
          .bindTooltip(tip).addTo(m.sessions);
      }
      if (loud && loud.lat != null && loud.lon != null) {
        L.circleMarker([loud.lat, loud.lon], { radius: 7, className: 'dh-sos-point', color: colour, weight: 3, fillColor: '#fff', fillOpacity: 1 })
          .bindTooltip(`${esc(t('sos_point'))} · ${tip}`).addTo(m.sessions);
      }
    }
    fitMap(which, m);
  }
}

function fitMap(which, m) {
  const pts = [];
  for (const g of [m.households, m.routes, m.sessions]) g.eachLayer((l) => { if (l.getLatLng) pts.push(l.getLatLng()); });
  const el = $(`#${which}-map`);
  const empty = pts.length === 0;
  el.hidden = empty;
  $(`#${which}-map-empty`).hidden = !empty;
  if (empty || el.offsetParent === null) return;
  m.map.invalidateSize();
  if (!m.fitted) {
    m.map.fitBounds(L.latLngBounds(pts).pad(0.15), { maxZoom: 17 });
    m.fitted = true;
  }
}

$('#print-board').addEventListener('click', () => window.print());
$('#print-figures').addEventListener('click', () => window.print());

applyLang();
start();
