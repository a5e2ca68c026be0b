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
  },
};

let lang = localStorage.getItem('dh_lang') || 'ko';
let me = null;
let board = { sessions: [], server_time_ms: Date.now() };
let offset = 0; // server clock − local clock
let stream = null;
let known = new Set(); // unacknowledged loud alarm ids already announced
let resolving = null;
const $ = (s) => document.querySelector(s);
const t = (k) => (T[lang][k] ?? k);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
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

function showLogin() {
  me = null;
  rowCache = new Map();
  $('#board tbody').replaceChildren();
  if (stream) { stream.close(); stream = null; }
  $('#login-view').hidden = false;
  for (const v of ['#board-view', '#plan-view', '#figures-view', '#incidents-view']) $(v).hidden = true;
  $('#tabs').hidden = true; $('#logout').hidden = true; $('#sound-wrap').hidden = true; $('#who').textContent = '';
  document.title = t('title');
}

function showApp() {
  $('#login-view').hidden = true;
  $('#tabs').hidden = false; $('#logout').hidden = false; $('#sound-wrap').hidden = false;
  $('#who').textContent = me.name + ' · ' + me.privilege;
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
    $('#live').textContent = t('live'); $('#live').classList.add('on');
  });
  stream.onerror = async () => {
    $('#live').textContent = t('offline'); $('#live').classList.remove('on');
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

function rowHtml(r) {
  const alarms = r.alarms.map((a) => `<span class="badge ${a.acknowledged ? 'acked' : a.kind}">${esc(t(a.kind))}${a.acknowledged ? ' · ' + esc(t('acked')) : ''}</span>`).join('');
  const actions = r.alarms.map((a) => (a.acknowledged ? '' : `<button data-ack="${a.alarm_id}">${esc(t('ack'))}</button> `) + `<button data-resolve="${a.alarm_id}">${esc(t('resolve'))}</button>`).join(' ');
  return `<td>${alarms}<span class="badge status">${esc(t(r.status))}</span></td>` +
    `<td>${esc(r.workers.join(', '))}</td><td>${esc(r.address)} <span class="muted">${esc(r.household)}</span></td>` +
    `<td>${fmtTime(r.started_at)}</td><td>${fmtTime(r.expected_return)}</td><td class="left" data-return="${esc(r.expected_return || '')}"></td><td>${actions}</td>`;
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
      // The countdown is filled here and by the 1-second timer, outside the cached HTML.
      const td = tr.querySelector('td.left');
      td.innerHTML = left(td.dataset.return);
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

setInterval(() => {
  document.querySelectorAll('#board td.left').forEach((td) => { td.innerHTML = left(td.dataset.return); });
}, 1000);

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
  sel.innerHTML = r.body.units.filter((u) => u.kind !== 'team').map((u) => `<option value="${u.id}">${esc(u.name)} (${esc(u.kind)})</option>`).join('');
  sel.value = cur || r.body.area_id || (r.body.units[0] && r.body.units[0].id) || '';
  if (!$('#from').value) {
    const d = new Date(Date.now() + offset + 9 * 3600e3);
    const y = d.getUTCFullYear(), h1 = d.getUTCMonth() < 6;
    $('#from').value = `${y}-${h1 ? '01' : '07'}-01`;
    $('#to').value = d.toISOString().slice(0, 10);
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
  const cohorts = f.contact_rate.map((c) => `<div data-cohort="${c.cohort}"><b>${esc(t(c.cohort))}</b> ${t('all')} <span class="v">${c.contacted.count}/${c.contacted.base}</span> (${pct(c.contacted)})${bar(c.contacted)}` +
    Object.entries(c.by_mode).map(([m, x]) => `<small>${esc(t(m))} ${x.count} (${pct(x)})</small>`).join(' · ') + '</div>').join('');
  const target = (k) => (r.body.referral_targets[k] || {})[lang] || k;
  const links = Object.entries(f.service_links).map(([k, n]) => `<li data-target="${esc(k)}">${esc(target(k))}: ${n}</li>`).join('') || `<li>${t('none')}</li>`;
  $('#figures').innerHTML = `<div class="cards">
    <div class="card" id="fig-contact"><h3>${t('contact_rate')}</h3>${cohorts}</div>
    <div class="card" id="fig-accompanied"><h3>${t('accompanied_65')}</h3><span class="v">${f.accompanied_65.count}/${f.accompanied_65.base}</span> (${pct(f.accompanied_65)})${bar(f.accompanied_65)}</div>
    <div class="card" id="fig-crisis"><h3>${t('crisis')}</h3><span class="v">${f.crisis_households}</span> ${t('crisis_households')} · ${f.crisis_reports} ${t('crisis_reports')}</div>
    <div class="card" id="fig-links"><h3>${t('service_links')}</h3><ul>${links}</ul></div>
    <div class="card" id="fig-lonely"><h3>${t('lonely')}</h3><span class="v">${f.lonely_death_risk.count}/${f.lonely_death_risk.base}</span> ${t('monitored')} (${pct(f.lonely_death_risk)})${bar(f.lonely_death_risk)}</div>
  </div>
  ${itemTable('care_sos_services', f.care_sos_services)}
  ${itemTable('emergency_support', f.emergency_support)}`;
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
  const teams = p.teams.map((x) => `<div class="card team"><h3>${esc(x.workers.join(' · '))}</h3><p>${Object.entries(x.progress).map(([k, n]) => `${esc(t(k))} ${n}`).join(' / ')}</p><ul>${x.visits.map(visit).join('')}</ul></div>`).join('') || `<p class="muted">${t('none')}</p>`;
  const proposed = p.proposed.map((x) => `<div class="card"><h3>${esc(x.workers.join(' · '))}</h3><ul>${x.stops.map(([id, at]) => `<li>${fmtTime(at)} ${esc(addr.get(id))}</li>`).join('')}</ul></div>`).join('');
  const due = (d) => `<li data-household="${esc(d.household_id)}">${esc(d.address)} · ${t('crisis_level')} ${d.crisis_level} · ` +
    (d.last_contact ? `${t('last_contact')} ${esc(d.last_contact)}` : t('never_contacted')) +
    (d.days_overdue > 0 ? ` · <b class="overdue-time">${d.days_overdue}${t('days_late')}</b>` : ` · ${t('due_today')}`) + '</li>';
  const cannot = p.cannot_place.map((u) => `<li data-code="${esc(u.code)}">${esc(addr.get(u.visit_id))}: ${esc(lang === 'ko' ? u.ko : u.en)}</li>`).join('');
  $('#plan').innerHTML = `<h2>${t('assigned_teams')}</h2><div class="cards">${teams}</div>` +
    `<h2>${t('unassigned_visits')} (${p.unassigned.length})</h2><ul>${p.unassigned.map(visit).join('')}</ul>` +
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
  $('#incident-list tbody').innerHTML = r.body.incidents.map((i) => `<tr data-incident="${esc(i.id)}"><td>${esc(new Date(i.occurred_at_ms).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB', { timeZone: 'Asia/Seoul' }))}</td><td>${esc(lbl(i.incident_type_label, i.incident_type))}</td><td>${esc(lbl(i.severity_label, i.severity))}</td><td>${esc(i.follow_up_labels.map((l, n) => lbl(l, i.follow_ups[n])).join(', ') || t('none'))}</td></tr>`).join('');
}

applyLang();
start();
