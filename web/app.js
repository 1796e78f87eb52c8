/*
 * xuke web pages: search, licence, dashboard with a validity timeline, upload, reminders. Plain JavaScript
 * with no build step and nothing fetched from elsewhere; every value from the API is put into
 * the page as text (never as HTML). In the browser's language (Chinese or English) or the one the
 * switch in the header chose; the words come from the message catalogue (web/i18n/).
 */
'use strict';

/* The words of the pages come from one message catalogue per language, web/i18n/zh.json and
 * web/i18n/en.json (served as /i18n/LANG.json): one key per message, {name} where a value goes
 * in. A new string is a key in both files, used as t(KEY, {name: value}) or
 * data-i18n="key" in index.html; tests/browser/catalogue.test.js fails on a key one language
 * lacks or one the pages use that neither has, and the browser walk on a key left untranslated. */
const LANGS = ['zh', 'en'];
const catalogues = {};
/* keys asked for that the catalogue lacks: shown as the key itself, and read by the browser test */
const missingKeys = new Set();
window.xukeMissingKeys = missingKeys;

/* The language remembered from the switch, else the first of the browser's own languages
 * (navigator.languages, what it sends as Accept-Language) that has a catalogue, else Chinese. */
function chooseLang() {
  const saved = localStorage.getItem('xuke.lang');
  if (LANGS.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language || '']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (LANGS.includes(base)) return base;
  }
  return 'zh';
}
let lang = chooseLang();

async function loadCatalogue(l) {
  if (!catalogues[l]) {
    const res = await fetch('/i18n/' + l + '.json');
    if (!res.ok) throw new Error('/i18n/' + l + '.json: ' + res.status);
    catalogues[l] = await res.json();
  }
  return catalogues[l];
}

/* Dates, times and numbers in the reader's conventions: the browser's own form of the language in
 * use (en-GB, zh-TW) where it names one, else zh-CN or en. */
function locale() {
  for (const l of navigator.languages || []) if (String(l).toLowerCase().split('-')[0] === lang) return l;
  return lang === 'zh' ? 'zh-CN' : 'en';
}
const formats = {};
function format(kind, options) {
  const k = kind + ' ' + locale();
  if (!formats[k]) formats[k] = kind === 'number' ? new Intl.NumberFormat(locale()) : new Intl.DateTimeFormat(locale(), options);
  return formats[k];
}
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/;
/* A calendar day ("2027-04-15") as the reader writes it; anything else as it came. */
function fmtDate(iso) {
  const m = ISO_DAY.exec(iso || '');
  if (!m) return iso;
  return format('day', { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(+m[1], m[2] - 1, +m[3]));
}
/* A moment as the server wrote it (its local time and offset): that wall-clock time, the reader's way. */
function fmtTime(iso) {
  const m = ISO_TIME.exec(iso || '');
  if (!m) return iso;
  return format('time', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
    .format(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)));
}
function fmtNumber(n) { return format('number').format(n); }
/* A value put into a message: a count in the reader's digits (a year as written), a date or a
 * moment the reader's way, anything else as it is. */
function fmtValue(name, v) {
  if (typeof v === 'number') return name === 'year' ? String(v) : fmtNumber(v);
  if (typeof v === 'string' && ISO_DAY.test(v)) return fmtDate(v);
  if (typeof v === 'string' && ISO_TIME.test(v)) return fmtTime(v);
  return String(v);
}

function message(key) {
  const s = (catalogues[lang] || {})[key];
  if (typeof s === 'string') return s;
  missingKeys.add(key);
  return key;
}
/* {name} puts a value in; {name:family} puts in the catalogue's message family.VALUE (a field's
 * or a reason's name the server gives as a code: {0:rf} with "issued" says rf.issued). */
const PLACEHOLDER = /\{(\w+)(?::([a-z_.]+))?\}/g;
const putIn = (name, family, v) => (family ? message(family + '.' + v) : fmtValue(name, v));
const t = (key, vars) => message(key).replace(PLACEHOLDER, (all, name, family) => (vars && name in vars ? putIn(name, family, vars[name]) : all));
/* The same as nodes, where a value is an element of its own (a date, a name marked as typed). */
const tn = (key, vars) => message(key).split(/(\{\w+(?::[a-z_.]+)?\})/).filter((part) => part).map((part) => {
  const m = /^\{(\w+)(?::([a-z_.]+))?\}$/.exec(part);
  if (!m || !vars || !(m[1] in vars)) return part;
  const v = vars[m[1]];
  return v instanceof Node ? v : putIn(m[1], m[2], v);
});

/* --- DOM helpers: text only ------------------------------------------------------------------ */

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  // every form carries the session's CSRF token (the requests send it as X-CSRF-Token)
  if (tag === 'form' && session) el.append(Object.assign(document.createElement('input'), { type: 'hidden', name: 'csrf', value: session.csrf }));
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const main = () => document.getElementById('main');
/* el's content replaced by nodes, leaving out the absent ones (replaceChildren would write "null") */
function fill(el, ...nodes) { el.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false)); }
function show(...nodes) { fill(main(), ...nodes); }

/* --- API ------------------------------------------------------------------------------------- */

function token() { return localStorage.getItem('xuke.token') || ''; }

/* The signed-in person ({user, role, csrf, …} from GET /v1/session), or null. The session
 * itself is an HttpOnly cookie the script never sees; a change made with it carries the CSRF
 * token. A saved API token, when there is one, is used instead (scripts' way, as before). */
let session = null;

function credentials(method, headers) {
  if (token()) headers.Authorization = 'Bearer ' + token();
  else if (session && method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = session.csrf;
  return headers;
}

async function loadSession() {
  try {
    const res = await fetch('/v1/session', { credentials: 'same-origin' });
    const body = await res.json().catch(() => null); // read whole either way: no request left open
    session = res.ok ? body : null;
  } catch (e) { session = null; }
  showWho();
}

function showWho() {
  const who = document.getElementById('who');
  if (!who) return;
  document.getElementById('signin-link').hidden = !!session;
  document.getElementById('signout').hidden = !session;
  who.hidden = !session;
  who.textContent = session ? session.user + ' · ' + t('role.' + session.role) : '';
}

async function signOut() {
  try { await api('/v1/session', { method: 'DELETE' }); } catch (e) { /* ended already */ }
  session = null;
  showWho();
  navigate('/signin');
}

function signinPage(params) {
  const name = h('input', { id: 'signin-name', name: 'name', autocomplete: 'username', required: true, spellcheck: 'false' });
  const password = h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const out = h('div', { id: 'signin-result' });
  const form = h('form', { id: 'signin', class: 'signin', onsubmit: async (ev) => {
    ev.preventDefault();
    out.replaceChildren();
    let res;
    try {
      res = await fetch('/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: name.value.trim(), password: password.value }) });
    } catch (e) { out.append(errorBox(new Error(t('err.network')))); return; }
    password.value = '';
    if (res.ok) {
      session = await res.json();
      showWho();
      const next = params.get('next') || '/';
      navigate(next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
      return;
    }
    const wait = res.headers.get('Retry-After');
    out.append(errorBox(res.status === 429 ? new Error(t('signin.wait', { s: wait || '1' })) : res.status === 401 ? new Error(t('signin.wrong')) : await refused(res)));
  } },
  h('label', { for: 'signin-name' }, t('signin.name')), name,
  h('label', { for: 'signin-password' }, t('signin.password')), password,
  h('button', { type: 'submit' }, t('signin.go')));
  show(h('h1', {}, t('signin.title')), h('p', { class: 'hint' }, t('signin.hint')), form, out);
}

class ApiError extends Error {
  constructor(status, code, message, body) { super(message); this.status = status; this.code = code; this.body = body; }
}

async function api(path, opts = {}) {
  const headers = credentials((opts.method || 'GET').toUpperCase(), Object.assign({}, opts.headers || {}));
  let res;
  try {
    res = await fetch(path, Object.assign({}, opts, { headers }));
  } catch (e) {
    throw new ApiError(0, 'network', t('err.network'));
  }
  const type = res.headers.get('Content-Type') || '';
  const body = type.startsWith('application/json') ? await res.json() : await res.text();
  if (res.status === 202 && body && body.job) return jobResult(body.job.url, opts.onProgress);
  return answer(res.status, res.statusText, body);
}

function answer(status, statusText, body) {
  if (status < 200 || status >= 300) {
    const err = (body && body.error) || {};
    const msg = status === 401 ? t(token() ? 'err.401' : 'err.signin') : status === 403 ? forbiddenText(err) : err.message;
    throw new ApiError(status, err.code || 'error', msg || statusText, body);
  }
  return body;
}

/* A scan is read as a job (202 with its URL): ask after it until it is done, then answer as the
 * request itself would have. onProgress(job) is told the state and the page being read. */
async function jobResult(url, onProgress) {
  for (;;) {
    const job = await api(url);
    if (job.state === 'done') return answer(job.result.status, '', job.result.body);
    if (onProgress) onProgress(job);
    await new Promise((done) => setTimeout(done, 500));
  }
}

/* A 403 in the reader's language: a stale page (csrf), else the role held and the role needed,
 * named as a role for a signed-in person and as the token's for a token. */
function forbiddenText(err) {
  if (err.code === 'csrf') return t('err.csrf');
  if (!err.role || !err.needs) return t('err.403');
  return t(err.by === 'session' ? 'err.forbidden_session' : 'err.forbidden_token', { role: t('role.' + err.role), needs: t('role.' + err.needs) });
}
/* A refusal of a write: who may do it (needKey) when no one is signed in or the token is not
 * valid; the role held and needed when the caller may not (403). */
function refusal(e, needKey) {
  return e.status === 403 ? e.message : t(needKey);
}
const enc = encodeURIComponent;
/* A refusal in the reader's language: what its code means (err.CODE), then the server's own
 * account of it, which names the value at fault in English (marked lang="en"). Sign-in and
 * network failures are the catalogue's words already. */
function errorNodes(e) {
  if (!(e instanceof ApiError) || e.status === 401 || e.status === 403 || e.code === 'network') return [e.message];
  const key = 'err.' + e.code;
  const head = (catalogues[lang] || {})[key] ? t(key) : t('err.other', { status: e.status });
  if (!e.message) return [head];
  const raw = h('span', { class: 'detail', lang: 'en', translate: 'no' }, e.message);
  /* the server's words are English: beside the meaning in English, folded away in Chinese */
  return lang === 'en' ? [head, ' (', raw, ')']
    : [head, ' ', h('details', { class: 'detail' }, h('summary', {}, t('err.detail')), raw)];
}
/* A refusal answered by a request made without api(): its code in the reader's words. */
async function refused(res) {
  const body = (res.headers.get('Content-Type') || '').startsWith('application/json') ? await res.json().catch(() => null) : null;
  try { answer(res.status, '', body); } catch (e) { return e; }
  return new ApiError(res.status, 'error', '', body);
}
function errorBox(e) { return h('p', { class: 'error', role: 'alert' }, errorNodes(e)); }
function statusBadge(st) { return h('span', { class: 'badge st-' + st }, t('st.' + st)); }
function licenceLink(number) { return h('a', { href: '/l/' + enc(number), 'data-nav': true, class: 'nobr' }, number); }
/* A date the reader's way, the day itself in datetime; it never breaks inside on a phone. */
function day(d) { return d ? h('time', { class: 'nobr', datetime: d }, fmtDate(d)) : '—'; }
function moment(iso) { return iso ? h('time', { class: 'nobr', datetime: iso }, fmtTime(iso)) : '—'; }
/* What a person typed or a document says (a name, a note, a reason, a text as filed): shown as it
 * is, in whatever language it was written, and marked so (translate="no"). */
function said(v) { return h('span', { translate: 'no' }, v); }
function span(from, to) { return [day(from), ' → ', day(to)]; }
/* A duty's title and its rule, in the reader's language: the API names both by catalogue key. */
function dutyTitle(o) { return o.title_key ? t(o.title_key) : o.title; }
function dutyRule(o) { return o.rule_key ? t(o.rule_key, o.rule_params) : ''; }

/* --- search ------------------------------------------------------------------------------------ */

const NUMBER_RE = /^\s*[\u4e00-\u9fff]?\s*[AB][12](\.B[12])?\s*-\s*\d{8}\s*$/i;
const HOST_RE = /^\s*(https?:\/\/)?([a-z0-9-]+\.)+[a-z]{2,}[\/:]?.*$/i;

function searchPage(params) {
  const q = params.get('q') || '';
  const input = h('input', { id: 'q', type: 'search', name: 'q', value: q, placeholder: t('search.placeholder'),
                              'aria-label': t('search.title'), autofocus: true });
  const results = h('div', { id: 'results' });
  const form = h('form', { class: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    navigate('/search?q=' + enc(input.value.trim()));
  } }, input, h('button', { type: 'submit' }, t('search.go')));
  show(h('h1', {}, t('search.title')), h('p', { class: 'hint' }, t('search.hint')), form, results);
  if (q) runSearch(q, results);
}

async function runSearch(q, out) {
  if (NUMBER_RE.test(q)) { navigate('/l/' + enc(q.replace(/\s+/g, '')), true); return; }
  out.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  try {
    if (HOST_RE.test(q) && !/[\u4e00-\u9fff]/.test(q)) {
      out.replaceChildren(domainCard(await api('/v1/domains/' + enc(q.trim()))));
      return;
    }
    await companyResults(q, out, null);
  } catch (e) { out.replaceChildren(errorBox(e)); }
}

async function companyResults(q, out, cursor) {
  const r = await api('/v1/licenses?company=' + enc(q) + '&limit=50' + (cursor ? '&cursor=' + enc(cursor) : ''));
  if (!cursor) out.replaceChildren();
  if (!r.items.length && !cursor) { out.append(h('p', { class: 'muted' }, t('search.none'))); return; }
  const list = h('ul', { class: 'hits' }, r.items.map((it) => h('li', {},
    licenceLink(it.number), ' ', h('span', {}, it.company), ' ',
    h('span', { class: 'muted' }, span(it.issued, it.expires)), ' ', statusBadge(it.status))));
  out.append(list);
  if (r.next_cursor) {
    const more = h('button', { type: 'button', class: 'more', onclick: async () => {
      more.remove();
      try { await companyResults(q, out, r.next_cursor); } catch (e) { out.append(errorBox(e)); }
    } }, t('search.more'));
    out.append(more);
  }
}

function domainCard(d) {
  if (!d.covered) return h('div', { class: 'card warn', id: 'domain-result' }, h('strong', {}, d.host), ' — ', t('domain.not_covered'));
  // every covering licence, valid ones first (the server's order): a shared host is valid when any is
  const list = d.licences && d.licences.length ? d.licences : [Object.assign({ website: d.website }, d.licence)];
  return h('div', { class: 'card ' + (d.valid ? 'ok' : 'bad'), id: 'domain-result' },
    h('p', {}, h('strong', {}, d.host), ' — ', t('domain.covered'), ' (', list[0].website.domain, ')'),
    h('ul', { class: 'hits' }, list.map((l) => h('li', {},
      licenceLink(l.number), ' ', l.company, ' ', statusBadge(l.status), ' ',
      h('span', { class: 'muted' }, l.website.service, ' · ', l.website.name, ' · ', span(l.issued, l.expires))))),
    h('p', { class: d.valid ? 'good' : 'error' }, d.valid ? t('domain.valid') : t('domain.invalid'), ' (', day(d.as_of), ')'));
}

/* --- licence ------------------------------------------------------------------------------------ */

function fieldList(pairs) {
  return h('dl', { class: 'fields' }, pairs.filter((p) => p[1] !== undefined && p[1] !== null && p[1] !== '')
    .map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]));
}

function qualifier(key, items) {
  if (!items || !items.length) return null;
  return h('li', {}, h('span', { class: 'q q-' + key }, t('l.' + key)), ' ', items.join('、'));
}

function servicesSection(services) {
  return h('section', {}, h('h2', {}, t('l.services')), h('ul', { class: 'services' }, services.map((sv) =>
    h('li', {}, h('strong', {}, sv.code + ' ' + sv.name), sv.scope ? h('div', { class: 'muted' }, sv.scope) : null,
      h('ul', { class: 'quals' }, qualifier('limited_to', sv.limited_to), qualifier('includes', sv.includes),
        qualifier('excludes', sv.excludes), qualifier('conditions', sv.conditions), qualifier('coverage', sv.coverage))))));
}

function websitesSection(websites) {
  if (!websites.length) return h('section', {}, h('h2', {}, t('l.websites')), h('p', { class: 'muted' }, t('l.none')));
  return h('section', {}, h('h2', {}, t('l.websites')), h('div', { class: 'scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, '#'), ['w.service', 'w.name', 'l.domains', 'l.server_location', 'l.access_provider']
      .map((k) => h('th', {}, t(k))))),
    h('tbody', {}, websites.map((w, i) => h('tr', {}, h('td', {}, i + 1), h('td', {}, w.service), h('td', {}, w.name),
      h('td', {}, (w.domains || []).join(' ')), h('td', {}, w.server_location || ''), h('td', {}, w.access_provider || '')))))));
}

/* Provisions are numbered as the licence prints them (一、…十六、, items （一）…), the same way
 * the obligations cite them, so a basis such as 十五(三) names what the list shows. */
const CN_DIGITS = '一二三四五六七八九';
function cnNumeral(n) {
  const tens = Math.floor(n / 10), units = n % 10;
  return (tens > 1 ? CN_DIGITS[tens - 1] : '') + (tens ? '十' : '') + (units ? CN_DIGITS[units - 1] : '');
}
function cnValue(text) {
  const d = (c) => CN_DIGITS.indexOf(c) + 1;
  const m = /^([一二三四五六七八九]?)(十?)([一二三四五六七八九]?)$/.exec(text);
  if (!m || !text) return 0;
  if (!m[2]) return m[1] && !m[3] ? d(m[1]) : 0;
  return (m[1] ? d(m[1]) : 1) * 10 + (m[3] ? d(m[3]) : 0);
}
const provisionId = (no, item) => 'prov-' + no + (item ? '-' + item : '');

function provisionsSection(provisions) {
  return h('section', { id: 'provisions' }, h('h2', {}, t('l.provisions')), provisions.map((p) =>
    h('details', { class: 'provision', id: provisionId(p.no) },
      h('summary', {}, h('span', { class: 'pno' }, cnNumeral(p.no) + '、'), p.text.slice(0, 60) + (p.text.length > 60 ? '…' : '')),
      h('p', {}, p.text), p.items && p.items.length ? h('ul', { class: 'items' }, p.items.map((it) =>
        h('li', { id: provisionId(p.no, it.no) }, h('span', { class: 'pno' }, '（' + cnNumeral(it.no) + '）'), it.text))) : null)));
}

/* A basis ("十二、十五(三)", or the Measures) with each provision label linked to the provision
 * it names; a label the page has no provision for stays plain text. */
function basisLinks(basis) {
  const parts = basis.split('、');
  return parts.map((part, i) => {
    const m = /^([一二三四五六七八九十]+)(?:\(([一二三四五六七八九十]+)\))?$/.exec(part);
    const no = m ? cnValue(m[1]) : 0, item = m && m[2] ? cnValue(m[2]) : 0;
    const sep = i ? '、' : '';
    if (!no) return [sep, part];
    const go = (ev) => {
      const target = document.getElementById(provisionId(no));
      if (!target) return;
      ev.preventDefault();
      target.open = true;
      (document.getElementById(provisionId(no, item)) || target).scrollIntoView({ block: 'center' });
    };
    return [sep, h('a', { class: 'basis', href: '#' + provisionId(no, item), onclick: go }, part)];
  });
}

function obligationsSection(ob, evs, types, number) {
  const state = (o) => o.baseline ? t('l.baseline')
    : o.fulfilled ? (o.late ? [t('l.late'), ' ', day(o.fulfilled_on)] : t('l.met'))
    : o.overdue ? t('l.overdue') : o.no_filing_recorded ? t('l.unrecorded') : o.due ? t('l.open') : '';
  const byId = new Map(evs.events.map((ev) => [ev.id, ev]));
  const reload = () => licencePage(number);
  const rows = ob.obligations.map((o) => h('tr', { class: o.fulfilled ? 'met' : o.overdue ? 'overdue' : o.no_filing_recorded ? 'unrecorded' : '',
    'data-duty': o.duty, 'data-year': o.year || null },
    h('td', {}, dutyTitle(o)), h('td', {}, day(o.due), o.due_workday && o.due_workday !== o.due ? [' (', day(o.due_workday), ')'] : ''),
    h('td', {}, basisLinks(o.basis)), h('td', { class: 'muted' }, dutyRule(o)),
    h('td', { class: 'duty-state' }, state(o),
      o.fulfilled && o.fulfilled_by ? closedBy(byId.get(o.fulfilled_by), reload)
        : !o.fulfilled && !o.baseline ? recordForm(number, o, types, ob.as_of, reload) : null)));
  return h('section', { id: 'obligations' }, h('h2', {}, t('l.obligations'), ' ', statusBadge(ob.status)),
    h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {},
      ['l.obligations', 'l.due', 'l.basis', 'l.rule', 'f.status'].map((k) => h('th', {}, t(k))))), h('tbody', {}, rows))));
}

/* --- duties recorded done, with evidence ---------------------------------------------------------
 * An open duty is recorded done with the event the rules know for it (a fulfilment of its duty),
 * a date, a note and its evidence: the receipt or acceptance notice as PDF or image, sent as
 * base64 in the JSON body (POST /v1/licenses/{number}/events) and kept once by SHA-256. The duty
 * then shows who closed it, when, and the files; "undo" makes a correcting entry (POST
 * /v1/events/{id}/void): nothing is deleted, and the duty opens again. */
const EVIDENCE_MAX_BYTES = 8 * 1024 * 1024; /* XK_MAX_EVIDENCE_BYTES */
const EVIDENCE_MAX_FILES = 8;               /* XK_MAX_EVIDENCE_FILES */

/* A file's bytes as base64: the data URL FileReader makes, without its head. */
function fileBase64(file) {
  return new Promise((done, fail) => {
    const reader = new FileReader();
    reader.onload = () => done(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
    reader.onerror = () => fail(reader.error);
    reader.readAsDataURL(file);
  });
}

/* An evidence file: the link is its API address; a click fetches it with the page's credentials
 * (a token is a header a plain link cannot send) and hands the browser the file under its name. */
function evidenceLinks(files) {
  if (!files || !files.length) return null;
  const open = async (ev, f) => {
    ev.preventDefault();
    const res = await fetch(f.url, { headers: credentials('GET', {}) });
    if (!res.ok) {
      ev.target.closest('li').append(' ', errorBox(await refused(res)));
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: f.name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  };
  return h('ul', { class: 'evidence' }, files.map((f) => h('li', {},
    h('a', { href: f.url, class: 'evidence-link', 'data-sha256': f.sha256, onclick: (ev) => open(ev, f) }, said(f.name)),
    ' ', h('span', { class: 'muted' }, t('rec.size', { kb: Math.max(1, Math.round(f.size / 1024)) })))));
}

/* Who closed a duty, when, with what; and the undo that corrects it. */
function closedBy(ev, reload) {
  if (!ev) return null;
  const reason = h('input', { type: 'text', required: true, maxlength: 255, class: 'undo-reason',
    'aria-label': t('rec.undo_reason'), placeholder: t('rec.undo_reason') });
  const out = h('span', { role: 'status' });
  const undo = h('form', { class: 'undo', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api('/v1/events/' + ev.id + '/void', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ reason: reason.value.trim() }) });
      await reload();
    } catch (err) { fill(out, errorBox(err.status === 401 || err.status === 403 ? new Error(refusal(err, 'rec.need_editor')) : err)); }
  } }, reason, ' ', h('button', { type: 'submit', class: 'small' }, t('rec.undo')), out);
  return h('div', { class: 'closed', 'data-event': ev.id },
    h('p', {}, tn('rec.closed', { by: said(ev.actor), at: moment(ev.recorded_at) })),
    ev.note ? h('p', { class: 'muted' }, said(ev.note)) : null, evidenceLinks(ev.evidence), undo);
}

function recordForm(number, o, types, today, reload) {
  const choices = (types || []).filter((ty) => !ty.trigger && ty.duty === o.duty);
  if (!choices.length) return null; /* a standing duty: nothing closes it */
  const field = (key, input) => h('label', {}, h('span', {}, t(key)), input);
  const date = h('input', { type: 'date', name: 'date', required: true, value: today, max: today });
  const what = h('select', { name: 'type' }, choices.map((ty) => h('option', { value: ty.name }, t('event.' + ty.name))));
  const note = h('input', { type: 'text', name: 'note', maxlength: 255 });
  /* the native file button is hidden (its words are the browser's, not the page's language) */
  const files = h('input', { type: 'file', name: 'evidence', multiple: true, class: 'visually-hidden',
    accept: '.pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg' });
  const chosen = h('span', { class: 'muted' }, t('rec.none_chosen'));
  files.addEventListener('change', () => fill(chosen, files.files.length
    ? [...files.files].map((f, i) => [i ? t('sep.list') : '', said(f.name)]) : t('rec.none_chosen')));
  const out = h('p', { class: 'record-result', role: 'status' });
  const save = h('button', { type: 'submit' }, t('rec.save'));
  const form = h('form', { class: 'record', onsubmit: async (e) => {
    e.preventDefault();
    const picked = [...files.files];
    const big = picked.find((f) => f.size > EVIDENCE_MAX_BYTES);
    if (picked.length > EVIDENCE_MAX_FILES) return fill(out, errorBox(new Error(t('rec.too_many', { n: EVIDENCE_MAX_FILES }))));
    if (big) return fill(out, errorBox(new Error(t('rec.too_big', { name: big.name, mb: EVIDENCE_MAX_BYTES / 1048576 }))));
    save.disabled = true;
    try {
      const body = { type: what.value, date: date.value };
      if (note.value.trim()) body.note = note.value.trim();
      if (o.year) body.year = o.year;
      if (o.trigger_event) body.ref = o.trigger_event;
      if (picked.length) body.evidence = await Promise.all(picked.map(async (f) => ({ name: f.name, data: await fileBase64(f) })));
      await api('/v1/licenses/' + enc(number) + '/events', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body) });
      await reload();
    } catch (err) {
      save.disabled = false;
      fill(out, errorBox(err.status === 401 || err.status === 403 ? new Error(refusal(err, 'rec.need_editor')) : err));
    }
  } }, field('rec.date', date), field('rec.what', what), field('rec.note', note),
  h('label', { class: 'files' }, h('span', {}, t('rec.files')), h('span', {}, h('span', { class: 'button' }, t('rec.choose')), ' ', chosen), files),
  save, out);
  return h('details', { class: 'record' }, h('summary', {}, t('rec.record')), form);
}

/* What was recorded against the licence; a mistaken event is voided with a reason by a correcting
 * entry, never deleted (an editor token is needed: the API answers 401/403 otherwise). */
function eventsSection(number, evs) {
  const row = (ev) => {
    const out = h('td', {});
    if (ev.type === 'correction') out.append(t('ev.corrects', { id: ev.corrects }));
    else if (ev.voided) out.append(h('span', { class: 'badge st-removed' }, t('ev.voided')), ' ', said(ev.void.reason), ' (', said(ev.void.by), ')');
    else {
      const reason = h('input', { type: 'text', required: true, 'aria-label': t('ev.reason'), placeholder: t('ev.reason'), class: 'void-reason' });
      out.append(h('form', { class: 'void', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('/v1/events/' + ev.id + '/void', { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ reason: reason.value }) });
          await licencePage(number);
        } catch (err) { out.append(errorBox(err)); }
      } }, reason, ' ', h('button', { type: 'submit' }, t('ev.void'))));
    }
    return h('tr', { class: ev.voided ? 'voided' : '', 'data-event': ev.id, 'data-type': ev.type }, h('td', { class: 'nowrap' }, day(ev.date)),
      h('td', {}, t('event.' + ev.type), ev.year ? ' ' + t('ev.year', { year: ev.year }) : '', ev.planned ? ' (' + t('ev.planned') + ')' : '', ev.note ? [' — ', said(ev.note)] : '',
        evidenceLinks(ev.evidence)),
      h('td', {}, said(ev.actor)), out);
  };
  return h('section', { id: 'events' }, h('h2', {}, t('l.events')), evs.events.length
    ? h('div', { class: 'scroll' }, h('table', {}, h('tbody', {}, evs.events.map(row))))
    : h('p', { class: 'muted' }, t('ev.none')));
}

/* A record's field names (the diff's "services[B1].limited_to") in the reader's words: each
 * name by its label, a list entry's key ([B1]) kept as the licence prints it. */
const FIELD_KEYS = {
  number: 'f.number', region: 'f.region', category: 'f.category', issuer: 'f.issuer', company: 'f.company',
  legal_representative: 'f.legal', issued: 'f.issued', expires: 'f.expires', services: 'l.services',
  websites: 'l.websites', provisions: 'l.provisions', limited_to: 'l.limited_to', includes: 'l.includes',
  excludes: 'l.excludes', conditions: 'l.conditions', coverage: 'l.coverage', domains: 'l.domains',
  server_location: 'l.server_location', access_provider: 'l.access_provider', service: 'w.service', name: 'fld.name',
  items: 'fld.items', text: 'fld.text', no: 'fld.no', code: 'fld.code', scope: 'fld.scope', warnings: 'l.warnings',
};
const fieldLabel = (name) => (FIELD_KEYS[name] ? t(FIELD_KEYS[name]) : name);
function fieldPath(path) {
  return path.split('.').map((part) => {
    const m = /^([a-z_]+)(?:\[(.*)\])?$/.exec(part);
    return m ? fieldLabel(m[1]) + (m[2] !== undefined ? ' ' + m[2] : '') : part;
  }).join(' › ');
}
/* A changed value: a date the reader's way, a list joined, an object as its labelled fields. */
function diffValue(v) {
  if (Array.isArray(v)) return v.map((x, i) => [i ? t('sep.list') : '', diffValue(x)]);
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x], i) => [i ? t('sep.fields') : '', fieldLabel(k) + t('sep.colon'), diffValue(x)]);
  if (typeof v === 'string' && ISO_DAY.test(v)) return [day(v)];
  return [String(v)];
}

function versionsSection(number, hist) {
  const diffOut = h('div', { id: 'diff' });
  const section = h('section', {}, h('h2', {}, t('l.versions')),
    h('ul', {}, hist.versions.map((v) => h('li', { 'data-version': v.version }, t('l.version_n', { n: v.version }), ' · ', moment(v.imported_at), ' · ' + t('l.by') + ' ', said(v.actor),
      h('code', { class: 'hash' }, v.source_sha256.slice(0, 16) + '…'),
      /* what a reviewer corrected, apart from what the scan was read as */
      v.corrections && v.corrections.length ? h('ul', { class: 'corrections' }, v.corrections.map((c) => h('li', { 'data-field': c.field },
        tn('rv.corrected', { field: fieldPath(c.field), read: said(c.read), value: said(c.value), by: said(c.by) })))) : null))));
  if (hist.versions.length > 1) {
    section.append(h('button', { type: 'button', onclick: async () => {
      try {
        const d = await api('/v1/licenses/' + enc(number) + '/diff');
        diffOut.replaceChildren(d.changes.length ? h('ul', { class: 'diff' }, d.changes.map((c) => h('li', { class: 'c-' + c.change, 'data-field': c.field },
          h('strong', {}, fieldPath(c.field)), t('sep.colon'), c.from !== undefined ? h('del', {}, diffValue(c.from)) : null, ' ',
          c.to !== undefined ? h('ins', {}, diffValue(c.to)) : null))) : h('p', {}, t('l.no_changes')));
      } catch (e) { diffOut.replaceChildren(errorBox(e)); }
    } }, t('l.diff')), diffOut);
  }
  return section;
}

function sourceSection(number) {
  const pre = h('pre', { class: 'source', translate: 'no' });
  const det = h('details', { id: 'source' }, h('summary', {}, t('l.show_source')), pre);
  det.addEventListener('toggle', async () => {
    if (!det.open || pre.textContent) return;
    try {
      const src = await api('/v1/licenses/' + enc(number) + '/source');
      /* a version imported from a JSON record has that record as its source */
      pre.textContent = typeof src === 'string' ? src : JSON.stringify(src, null, 2);
    } catch (e) { pre.replaceWith(errorBox(e)); }
  });
  return h('section', {}, h('h2', {}, t('l.source')), det);
}

/* Fields OCR was unsure of, or changed: a person checks exactly these against the paper. */
/* A document's problem in the reader's language: its catalogue key and values where the server
 * gave them (a parse answer's problems), else its words as they came (a stored record keeps
 * its warnings as text). Review items are shown without their "needs review: " mark. */
const REVIEW = 'needs review: ';
const isReview = (p) => p.message.startsWith(REVIEW);
function problemText(p) {
  if (p.key === 'problem.review.field') {
    const f = fieldFlag(p);
    return [f.what, t('sep.colon'), f.reason ? [f.reason, t('sep.fields')] : null, f.repair ? [f.repair, t('sep.fields')] : null,
      t('rv.read_as'), ' ', h('q', { translate: 'no' }, f.read)];
  }
  const text = p.key ? t(p.key, Object.assign({}, p.params)) : p.message;
  return text.startsWith(REVIEW) ? text.slice(REVIEW.length) : text;
}
/* A stored record's warnings with their catalogue keys (warning_keys, one entry per warning). */
function storedProblems(r) {
  const keys = r.warning_keys || [];
  return (r.warnings || []).map((w, i) => Object.assign({ message: w }, keys[i] || {}));
}
/* A flagged field (problem.review.field, src/ocr/scan.c) in its parts, in the reader's words:
 * {0} field {1} item {2} text read {3} page {4} confidence {5} threshold {6} doubt {7} {8} its
 * values {9} corrections {10} matches to standard wording. */
function fieldFlag(p) {
  const [field, item, read, page, confidence, min, doubt, a, b, fixes, snaps] = p.params;
  const reasons = [confidence ? t('rv.low', { confidence, min, page }) : null, doubt ? t('rv.doubt.' + doubt, { a, b }) : null];
  return { field, item, read, page: page ? Number(page) : null, what: t('rf.' + field) + (item ? ' ' + item : ''),
    reason: reasons.filter((x) => x).join(t('sep.fields')),
    repair: fixes || snaps ? [fixes ? tn('rv.corrected_text', { list: said(fixes) }) : null, fixes && snaps ? t('sep.fields') : null,
      snaps ? tn('rv.matched', { list: said(snaps) }) : null] : null };
}

/* problems: {message, key?, params?}, of which the review items are listed. */
function reviewBox(problems, needsReview, scan) {
  const review = (problems || []).filter(isReview);
  if (!needsReview && !review.length) return scan ? h('p', { class: 'muted' }, t('l.scan', { kind: scan.kind.toUpperCase(), n: scan.files })) : null;
  return h('div', { class: 'card warn', id: 'review' }, h('strong', {}, t('l.review')),
    scan ? h('span', { class: 'muted' }, ' ' + t('l.scan', { kind: scan.kind.toUpperCase(), n: scan.files })) : null,
    h('ul', {}, review.map((p) => h('li', { 'data-problem': p.message.slice(REVIEW.length) }, problemText(p)))));
}

/* Entries of current published lists that name the licence, each with what it matched on. */
function listsSection(lists) {
  if (!lists || !lists.length) return null;
  return h('div', { class: 'card warn', id: 'lists' }, h('strong', {}, t('l.lists')),
    h('ul', {}, lists.map((m) => h('li', {}, t('k.' + m.kind) + ' · ' + m.source + ' (', day(m.published), '): ' +
      m.company + ' ', day(m.date), ' ' + m.reason + ' — ' + t('l.matched_on') + ' ' + t('m.' + m.matched_on)))));
}

/* The latest homepage check of each website: what it showed, and since when. */
function sitesSection(sites) {
  if (!sites || !sites.sites || !sites.sites.length) return null;
  return h('section', { id: 'sites' }, h('h2', {}, t('l.sites')),
    h('ul', {}, sites.sites.map((c) => h('li', { class: c.result === 'shown' ? 'good' : 'warn' },
      c.host + ': ' + t('sr.' + c.result) + (c.found_number ? ' ' + c.found_number : '') +
      (c.icp_filing ? ' · ' + c.icp_filing : ''),
      /* the connection's own account (curl's words, an HTTP status), as a refusal's is shown */
      c.detail ? [' — ', h('span', { class: 'detail', lang: 'en', translate: 'no' }, c.detail)] : null,
      ' (' + t('l.checked_at') + ' ', moment(c.checked_at), ', ' + t('l.changed_at') + ' ', moment(c.changed_at), ')'))));
}

/* A field a reviewer corrected (the current version's corrections, from its history): its value,
 * and apart from it what the scan was read as and who corrected it. */
function correctedValue(field, value, corrected) {
  const c = corrected && corrected.get(field);
  if (!c) return value;
  return h('span', { class: 'corrected', 'data-field': field }, value, ' ',
    h('span', { class: 'muted corrected-from' }, tn('l.corrected_from', { read: ISO_DAY.test(c.read) ? day(c.read) : said(c.read), by: said(c.by) })));
}

function recordView(r, corrected) {
  const v = (field, value) => correctedValue(field, value, corrected);
  return [fieldList([['f.number', v('number', r.number)], ['f.company', v('company', r.company)], ['f.legal', v('legal_representative', r.legal_representative)],
    ['f.issuer', v('issuer', r.issuer)], ['f.category', r.category], ['f.issued', v('issued', day(r.issued))], ['f.expires', v('expires', day(r.expires))]]),
    servicesSection(r.services), websitesSection(r.websites), provisionsSection(r.provisions)];
}

/* The event types the rules know (GET /v1/event-types), asked once. */
let knownTypes = null;
async function eventTypes() {
  if (!knownTypes) knownTypes = (await api('/v1/event-types')).types;
  return knownTypes;
}

async function licencePage(number) {
  show(h('p', { class: 'muted' }, t('loading')));
  try {
    const base = '/v1/licenses/' + enc(number);
    const [r, ob, hist, evs, sites, types] = await Promise.all([api(base), api(base + '/obligations'), api(base + '/history'),
      api(base + '/events'), api(base + '/sites'), eventTypes()]);
    /* what a reviewer corrected in the version shown, kept apart from what was read */
    const mine = hist.versions.find((v) => v.version === r.version);
    const corrected = new Map(((mine && mine.corrections) || []).map((c) => [c.field, c]));
    show(h('h1', {}, r.company), h('p', { class: 'sub' }, r.number, ' ', statusBadge(r.status === 'removed' ? 'removed' : ob.status)),
      r.removed_reason ? h('p', { class: 'error' }, t('l.removed') + ': ' + r.removed_reason) : null,
      reviewBox(storedProblems(r), r.needs_review, r.scan), listsSection(r.lists),
      recordView(r, corrected).slice(0, 1), fieldList([['f.version', t('l.version_of', { n: r.version, total: r.versions })], ['f.imported_at', moment(r.imported_at)],
        ['f.source_sha256', h('code', { class: 'hash' }, r.source_sha256)]]),
      obligationsSection(ob, evs, types, r.number), sitesSection(sites), eventsSection(r.number, evs), recordView(r).slice(1), versionsSection(r.number, hist), sourceSection(r.number));
  } catch (e) { show(errorBox(e)); }
}

/* --- dashboard ---------------------------------------------------------------------------------- */

const DAY = 86400000;
const ROWS_MAX = 300;

function parseDate(s) { const [y, m, d] = s.split('-').map(Number); return Date.UTC(y, m - 1, d); }

function timeline(rows, marks, asOf) {
  const shown = rows.slice(0, ROWS_MAX);
  const today = parseDate(asOf);
  let lo = today, hi = today;
  for (const r of shown) { lo = Math.min(lo, parseDate(r.issued)); hi = Math.max(hi, parseDate(r.expires)); }
  lo = Date.UTC(new Date(lo).getUTCFullYear(), 0, 1);
  hi = Date.UTC(new Date(hi).getUTCFullYear() + 1, 0, 1);
  const W = 900, left = 150, rowH = 18, top = 24, H = top + shown.length * rowH + 8;
  const x = (ms) => left + (ms - lo) / (hi - lo) * (W - left - 10);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'timeline', role: 'img', 'aria-label': t('d.timeline') });
  for (let y = new Date(lo).getUTCFullYear(); Date.UTC(y, 0, 1) <= hi; y++) {
    const gx = x(Date.UTC(y, 0, 1));
    svg.append(s('line', { x1: gx, x2: gx, y1: top - 6, y2: H, class: 'grid' }));
    if (gx < W - 30) svg.append(s('text', { x: gx + 2, y: 12, class: 'axis' }, y));
  }
  shown.forEach((r, i) => {
    const y = top + i * rowH;
    const a = s('a', { href: '/l/' + enc(r.number), 'data-nav': '' });
    a.append(s('text', { x: 4, y: y + 12, class: 'label' }, r.number));
    svg.append(a);
    const bar = s('rect', { x: x(parseDate(r.issued)), y: y + 3, width: Math.max(2, x(parseDate(r.expires)) - x(parseDate(r.issued))),
      height: rowH - 6, rx: 3, class: 'bar st-' + r.status });
    bar.append(s('title', {}, `${r.number} ${r.company}: ${fmtDate(r.issued)} → ${fmtDate(r.expires)} (${t('st.' + r.status)})`));
    svg.append(bar);
    for (const m of marks.get(r.number) || []) {
      const mx = x(parseDate(m.due)), my = y + rowH / 2;
      const shape = m.duty === 'renewal'
        ? s('path', { d: `M${mx} ${my - 6}L${mx + 6} ${my}L${mx} ${my + 6}L${mx - 6} ${my}Z`, class: 'mark renewal' + (m.overdue ? ' overdue' : '') })
        : s('circle', { cx: mx, cy: my, r: 4, class: 'mark annual' + (m.overdue ? ' overdue' : '') });
      shape.append(s('title', {}, `${dutyTitle(m)} ${fmtDate(m.due)}`));
      svg.append(shape);
    }
  });
  const tx = x(today);
  svg.append(s('line', { x1: tx, x2: tx, y1: top - 8, y2: H, class: 'today', id: 'today-line' }));
  const legend = h('p', { class: 'legend' }, h('span', { class: 'lg renewal' }), t('d.legend.renewal'), ' ',
    h('span', { class: 'lg annual' }), t('d.legend.annual'), ' ', h('span', { class: 'lg today' }), t('d.legend.today') + ' ', day(asOf));
  return h('div', {}, legend, h('div', { class: 'scroll', id: 'timeline-box' }, svg), rows.length > ROWS_MAX ? h('p', { class: 'muted' }, t('d.cut', { n: ROWS_MAX })) : null);
}

/* A timeline wider than its box (a phone keeps it at a readable scale) opens on today. */
function scrollToToday() {
  const box = document.getElementById('timeline-box'), line = document.getElementById('today-line');
  if (!box || !line || box.scrollWidth <= box.clientWidth) return;
  const svg = box.querySelector('svg');
  const x = Number(line.getAttribute('x1')) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  box.scrollLeft = Math.max(0, x - box.clientWidth / 2);
}

/* The last day of as_of's week (Monday to Sunday) and of its quarter, as ISO days. */
function periodEnds(asOf) {
  const today = parseDate(asOf);
  const weekday = (new Date(today).getUTCDay() + 6) % 7; /* Monday 0 … Sunday 6 */
  const d = new Date(today);
  const quarterEnd = Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3 + 3, 0);
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  return { week: iso(today + (6 - weekday) * DAY), quarter: iso(quarterEnd), days: Math.round((quarterEnd - today) / DAY) };
}

/* What each company still owes: its open duties due by the end of this week (overdue ones
 * included) and those due later this quarter, from the agenda up to the quarter's last day. */
function owesSection(items, ends) {
  const companies = new Map();
  for (const d of items) {
    if (!companies.has(d.company)) companies.set(d.company, { week: [], quarter: [] });
    companies.get(d.company)[d.due <= ends.week ? 'week' : 'quarter'].push(d);
  }
  const list = (ds) => ds.length ? h('ul', { class: 'owed' }, ds.map((d) => h('li', { class: d.overdue ? 'error' : '', 'data-number': d.number, 'data-duty': d.duty },
    day(d.due), ' ', dutyTitle(d), d.year ? ' ' + t('ev.year', { year: d.year }) : '', ' · ', licenceLink(d.number),
    d.overdue ? [' (', t('l.overdue'), ')'] : ''))) : '—';
  return h('section', { id: 'owes' }, h('h2', {}, t('d.owes')),
    companies.size ? h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, t('f.company')),
      h('th', {}, tn('d.week', { end: day(ends.week) })), h('th', {}, tn('d.quarter', { end: day(ends.quarter) })))),
    h('tbody', {}, [...companies].map(([company, c]) => h('tr', { 'data-company': company },
      h('td', {}, said(company)), h('td', {}, list(c.week)), h('td', {}, list(c.quarter)))))))
      : h('p', { class: 'muted' }, t('d.owes_none')));
}

async function dashboardPage() {
  show(h('p', { class: 'muted' }, t('loading')));
  try {
    const [st, dl] = await Promise.all([api('/v1/status'), api('/v1/deadlines')]);
    const ends = periodEnds(st.as_of);
    const owed = await api('/v1/deadlines?as_of=' + st.as_of + '&within=' + ends.days);
    /* reminders that failed for good are shown here too; a store without any says nothing */
    const failed = await api('/v1/notifications?failed=1&limit=1000').catch(() => ({ notifications: [] }));
    const marks = new Map();
    for (const d of dl.deadlines) {
      if (d.duty !== 'renewal' && d.duty !== 'annual_report') continue;
      if (!marks.has(d.number)) marks.set(d.number, []);
      marks.get(d.number).push(d);
    }
    const counts = h('ul', { class: 'counts' }, Object.entries(st.counts).filter(([, n]) => n > 0)
      .map(([k, n]) => h('li', {}, statusBadge(k), ' ', fmtNumber(n))));
    /* each cell names its column: on a phone the table becomes one card per licence (app.css) */
    const cell = (key, attrs, ...content) => h('td', Object.assign({ 'data-label': t(key) }, attrs), ...content);
    const dueList = (obs) => obs.map((o, i) => [i ? '; ' : '', day(o.due), ' ' + dutyTitle(o)]);
    const rows = st.licences.map((r) => h('tr', { class: 'row-' + r.status, 'data-number': r.number },
      cell('f.number', {}, licenceLink(r.number)), cell('f.company', {}, r.company), cell('f.status', {}, statusBadge(r.status)),
      cell('f.expires', {}, day(r.expires)), cell('d.next', {}, r.next ? [day(r.next.due), ' ' + dutyTitle(r.next)] : '—'),
      cell('d.overdue', { class: r.overdue.length ? 'error overdue-cell' : 'overdue-cell' }, r.overdue.length ? dueList(r.overdue) : '—')));
    show(h('h1', {}, t('d.title')), h('p', { class: 'sub' }, t('d.as_of') + ' ', day(st.as_of)), counts,
      st.truncated ? h('p', { class: 'muted' }, t('d.truncated', { n: st.licences.length, total: st.total })) : null,
      failed.notifications.length ? h('p', { class: 'error', id: 'failed-reminders' }, h('a', { href: '/notify', 'data-nav': true },
        t('n.failed', { n: failed.notifications.length }))) : null,
      st.no_filing_recorded ? h('p', { class: 'muted', id: 'unrecorded' }, t('d.unrecorded', { n: st.no_filing_recorded }), ' ',
        h('a', { href: '/upload', 'data-nav': true }, t('nav.upload'))) : null,
      /* deadlines come soonest first: a cut list leaves out the latest marks, and says so */
      dl.truncated ? h('p', { class: 'muted', id: 'marks-cut' }, t('d.marks_cut', { n: dl.deadlines.length, total: dl.total,
        after: dl.deadlines.length ? dl.deadlines[dl.deadlines.length - 1].due : st.as_of })) : null,
      owesSection(owed.deadlines, ends),
      st.licences.length ? h('section', {}, h('h2', {}, t('d.timeline')), timeline(st.licences, marks, st.as_of)) : h('p', {}, t('d.empty')),
      h('div', { class: 'scroll' }, h('table', { id: 'licences' }, h('thead', {}, h('tr', {},
        ['f.number', 'f.company', 'f.status', 'f.expires', 'd.next', 'd.overdue'].map((k) => h('th', {}, t(k))))), h('tbody', {}, rows))));
    scrollToToday();
  } catch (e) { show(errorBox(e)); }
}

/* --- reminders ---------------------------------------------------------------------------------- */

function subscriptionRow(sub, reload) {
  const whose = sub.all ? t('n.all') : [sub.licences.join(', '), sub.company].filter((x) => x).join('; ');
  const remove = h('button', { type: 'button', class: 'small', onclick: async () => {
    remove.disabled = true;
    try { await api('/v1/subscriptions/' + sub.id, { method: 'DELETE' }); reload(); }
    catch (e) { remove.replaceWith(errorBox(e)); }
  } }, t('n.remove'));
  return h('tr', { 'data-id': sub.id, 'data-channel': sub.channel }, h('td', {}, sub.id), h('td', {}, t('ch.' + sub.channel)),
    h('td', { class: 'wrap' }, sub.to), h('td', {}, whose), h('td', {}, sub.days.join(',') + ' / ' + t('ov.' + sub.overdue)),
    h('td', {}, sub.quiet || '—'),
    h('td', {}, sub.digest ? '✓' : ''), h('td', {}, sub.has_secret ? '✓' : ''), h('td', {}, remove));
}

function subscriptionForm(reload) {
  const field = (key, input) => h('label', {}, t(key), ' ', input);
  const channel = h('select', { name: 'channel' }, ['dingtalk', 'wecom', 'feishu', 'webhook', 'email'].map((c) => h('option', { value: c }, t('ch.' + c))));
  const to = h('input', { name: 'to', size: 50 }), secret = h('input', { name: 'secret_file', size: 30 });
  const licences = h('input', { name: 'licences', size: 30 }), all = h('input', { type: 'checkbox', name: 'all' });
  const days = h('input', { name: 'days', value: '90,30,7,1', size: 12 });
  const overdue = h('select', { name: 'overdue' }, ['weekly', 'daily', 'off'].map((c) => h('option', { value: c }, t('ov.' + c))));
  const quiet = h('input', { name: 'quiet', placeholder: '22:00-08:00', size: 12 });
  const digest = h('input', { type: 'checkbox', name: 'digest' });
  const out = h('p', { id: 'subscription-result' });
  const form = h('form', { id: 'subscribe', onsubmit: async (ev) => {
    ev.preventDefault();
    const body = { channel: channel.value, to: to.value.trim(), days: days.value.trim(), overdue: overdue.value, lang };
    if (secret.value.trim()) body.secret_file = secret.value.trim();
    if (all.checked) body.all = true;
    const nums = licences.value.split(/[,，\s]+/).filter((x) => x);
    if (nums.length) body.licences = nums;
    if (quiet.value.trim()) body.quiet = quiet.value.trim();
    if (digest.checked) body.digest = true;
    try {
      await api('/v1/subscriptions', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
      reload();
    } catch (e) { out.replaceChildren(errorBox(e)); }
  } }, field('n.channel', channel), field('n.to', to), field('n.secret_file', secret), field('n.licences', licences),
  field('n.all', all), field('n.days', days), field('n.overdue', overdue), field('n.quiet', quiet), field('n.digest', digest),
  h('button', { type: 'submit' }, t('n.add')), out);
  return h('section', {}, h('h2', {}, t('n.add')), h('p', { class: 'muted' }, t('n.need_editor')), form);
}

async function notifyPage() {
  show(h('p', { class: 'muted' }, t('loading')));
  try {
    const [subs, log] = await Promise.all([api('/v1/subscriptions'), api('/v1/notifications?limit=200')]);
    const reload = () => notifyPage();
    const subTable = subs.subscriptions.length ? h('div', { class: 'scroll' }, h('table', { id: 'subscriptions' },
      h('thead', {}, h('tr', {}, ['#', 'n.channel', 'n.to', 'n.whose', 'n.days', 'n.quiet', 'n.digest', 'n.secret', ''].map((k) => h('th', {}, k && k !== '#' ? t(k) : k)))),
      h('tbody', {}, subs.subscriptions.map((sub) => subscriptionRow(sub, reload))))) : h('p', {}, t('n.none'));
    const logTable = log.notifications.length ? h('div', { class: 'scroll' }, h('table', { id: 'deliveries' },
      h('thead', {}, h('tr', {}, ['n.status', 'n.message', 'n.attempts', 'n.answer'].map((k) => h('th', {}, t(k))))),
      h('tbody', {}, log.notifications.map((m) => h('tr', { class: m.status === 'failed' ? 'error' : '' },
        h('td', {}, t('ns.' + m.status)), h('td', { translate: 'no' }, m.title), h('td', {}, fmtNumber(m.attempts)), h('td', { class: 'wrap', translate: 'no' }, m.answer)))))) : h('p', {}, t('n.log_none'));
    show(h('h1', {}, t('n.title')), h('p', { class: 'sub' }, t('n.hint')), subTable, subscriptionForm(reload),
      h('section', {}, h('h2', {}, t('n.log')), logTable));
  } catch (e) { show(errorBox(e)); }
}

/* --- upload ------------------------------------------------------------------------------------- */

function problemsList(problems) {
  if (!problems || !problems.length) return null;
  return h('ul', { class: 'problems' }, problems.map((p) => h('li', { class: p.severity },
    p.line ? t('u.line', { n: p.line }) + ' ' : '', problemText(p))));
}

/* --- scan review -------------------------------------------------------------------------------
 * A scan (or an e-licence PDF) uploaded on the page is not imported as read: the review page shows
 * the page beside the fields read from it, each field OCR flagged highlighted and listed with the
 * text as read and the repair made (the OCR gives no boxes on the page, so the list says where).
 * An editor confirms or corrects each flagged field, then imports; the fields corrected go to
 * POST /v1/scans/reviewed and are kept apart from what was read (the licence's versions list
 * them, with who corrected them). */
/* What a flagged field lets a reviewer correct (src/import/review.c), each as {path, read,
 * member}: a scalar itself; a service's code and coverage, a website's name, domains, server
 * location and access provider, a provision's text, addressed as the record's JSON names them.
 * A list is read and given joined by 、. A field the record lacks (a service not read) has none. */
const SCALARS = new Set(['number', 'company', 'legal_representative', 'issuer', 'issued', 'expires']);
const MEMBERS = { service: ['code', 'coverage'], website: ['name', 'domains', 'server_location', 'access_provider'], provision: ['text'] };
function editsFor(f, record) {
  if (SCALARS.has(f.field)) return [{ path: f.field, read: record[f.field] || '', member: null }];
  const item = f.field === 'service' ? (record.services || []).find((s) => s.code === f.item)
    : f.field === 'website' ? (record.websites || [])[Number(f.item) - 1]
      : f.field === 'provision' ? (record.provisions || []).find((p) => String(p.no) === f.item) : null;
  if (!item) return [];
  const list = f.field === 'service' ? 'services[' + f.item + ']' : f.field === 'website' ? 'websites[' + f.item + ']' : 'provisions[' + f.item + ']';
  return MEMBERS[f.field].map((m) => ({ path: list + '.' + m, member: m,
    read: Array.isArray(item[m]) ? item[m].join('、') : String(item[m] === undefined || item[m] === null ? '' : item[m]) }));
}
const REVIEW_SCALARS = [['f.number', 'number'], ['f.company', 'company'], ['f.legal', 'legal_representative'],
  ['f.issuer', 'issuer'], ['f.issued', 'issued'], ['f.expires', 'expires']];

/* A review warning in its parts, from its catalogue key and values: a flagged field
 * (problem.review.field) with its reason, the text read and the repairs; a date read doubtfully
 * (problem.review.date_*, {0} the field); else the whole finding, said as the catalogue says it. */
function reviewFlag(p) {
  const message = p.message.slice(REVIEW.length);
  if (p.key === 'problem.review.field') return Object.assign(fieldFlag(p), { message });
  const field = p.key && /^problem\.review\.date_/.test(p.key) ? p.params[0] : null;
  const page = p.key === 'problem.review.page_read_poorly' ? Number(p.params[0]) : null;
  return { message, field, item: '', what: field ? t('rf.' + field) : null, read: '', repair: null, reason: problemText(p), page };
}

/* The uploaded file as the browser can show it: an image, a PDF in its viewer, else a note.
 * Only when the server could not give the pages (pagesView). */
function pageView(file, bytes) {
  const head = new Uint8Array(bytes.slice(0, 8));
  const isPdf = head[0] === 0x25 && head[1] === 0x50 && head[2] === 0x44 && head[3] === 0x46;
  const isImage = (head[0] === 0x89 && head[1] === 0x50) || (head[0] === 0xff && head[1] === 0xd8);
  if (!isPdf && !isImage) return h('p', { class: 'muted page-none' }, t('rv.no_view'));
  const url = URL.createObjectURL(new Blob([bytes], { type: isPdf ? 'application/pdf' : file.type || 'image/png' }));
  return isPdf ? h('iframe', { src: url, class: 'page', title: t('rv.pages') })
    : h('img', { src: url, class: 'page', alt: t('rv.pages') });
}

/* Each page of the scan as the server renders it (POST /v1/scans/pages, any format: TIFF and
 * PDF too), with each flagged field marked at its place on the page: the box of the line it
 * was read from ("where": fractions of the page). A mark and its item in the list find each
 * other on a click. */
function markOf(i) { return document.querySelector('.page-view .mark[data-flag="' + i + '"]'); }
function itemOf(i) { return document.querySelector('ol#review li.flag[data-flag="' + i + '"]'); }
function pointAt(el) {
  if (!el) return;
  document.querySelectorAll('.review .pointed').forEach((x) => x.classList.remove('pointed'));
  el.classList.add('pointed');
  el.scrollIntoView({ block: 'center', behavior: 'smooth' });
}
async function pagesView(box, file, bytes, flags) {
  let answer;
  try {
    answer = await api('/v1/scans/pages', { method: 'POST', body: bytes, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
  } catch (e) { fill(box, pageView(file, bytes)); return; }
  fill(box, answer.pages.map((pg) => {
    const marks = flags.map((f, i) => [f, i]).filter(([f]) => f.where && f.where.page === pg.page).map(([f, i]) => {
      const [x0, y0, x1, y1] = f.where.box;
      const pad = 0.004;
      const mark = h('button', { type: 'button', class: 'mark', 'data-flag': i, 'data-field': f.field || '',
        title: f.what || f.message, 'aria-label': f.what || t('rv.flag') }, String(i + 1));
      /* placed through the style object (the pages' policy allows no style attribute) */
      Object.assign(mark.style, { left: Math.max(0, x0 - pad) * 100 + '%', top: Math.max(0, y0 - pad) * 100 + '%',
        width: (x1 - x0 + 2 * pad) * 100 + '%', height: (y1 - y0 + 2 * pad) * 100 + '%' });
      mark.addEventListener('click', () => pointAt(itemOf(i)));
      return mark;
    });
    return h('figure', { class: 'page-view', 'data-page': pg.page },
      h('div', { class: 'sheet' }, h('img', { src: pg.image, class: 'page', width: pg.width, height: pg.height,
        alt: t('rv.page', { n: pg.page }) }), marks),
      h('figcaption', { class: 'muted' }, t('rv.page', { n: pg.page })));
  }));
}

function reviewPage(out, file, bytes, r) {
  /* the parse answer's problems: each review item with its catalogue key where it has one */
  const flags = (r.problems || []).filter(isReview).map((p) => Object.assign(reviewFlag(p), { problem: p, where: p.where || null }));
  const inputs = new Map(); /* path → the input holding its value and the value read */
  const checks = [];
  const importButton = h('button', { type: 'button', id: 'import', disabled: flags.length > 0 }, t('rv.import'));
  const ready = () => { importButton.disabled = !checks.every((c) => c.checked); };
  const items = flags.map((f, i) => {
    const done = h('input', { type: 'checkbox', class: 'confirm', 'aria-label': t('rv.confirm') });
    checks.push(done);
    done.addEventListener('change', ready);
    const edits = editsFor(f, r.record).filter((e) => !inputs.has(e.path)).map((e) => {
      const input = e.member === 'text'
        ? h('textarea', { class: 'correct', name: e.path, rows: 4, 'aria-label': fieldLabel(e.member) })
        : h('input', { type: e.path === 'issued' || e.path === 'expires' ? 'date' : 'text', class: 'correct', name: e.path,
          'aria-label': e.member ? fieldLabel(e.member) : t('rv.value') });
      input.value = e.read;
      input.addEventListener('input', () => { if (input.value !== e.read) { done.checked = true; ready(); } });
      inputs.set(e.path, { input, read: e.read });
      return h('label', { class: 'row' }, e.member ? fieldLabel(e.member) : t('rv.value'), ' ', input);
    });
    const edit = edits.length > 0;
    return h('li', { class: 'flag', 'data-flag': i, 'data-field': f.field || '', 'data-problem': f.message },
      f.what ? h('strong', {}, f.what) : null, f.page ? ' · ' + t('rv.page', { n: f.page }) : '',
      f.reason ? h('div', { class: 'muted' }, f.reason) : null,
      f.where ? h('button', { type: 'button', class: 'small show-mark', onclick: () => pointAt(markOf(i)) }, t('rv.show', { n: f.where.page })) : null,
      f.read ? h('div', {}, t('rv.read'), ' ', h('code', { class: 'raw' }, said(f.read))) : null,
      f.repair ? h('div', {}, t('rv.repair'), ' ', f.repair) : null,
      edits,
      h('label', { class: 'row' }, done, ' ', edit ? t('rv.confirm_or_correct') : t('rv.confirm')));
  });
  const flagged = new Set(flags.map((f) => f.field).filter((x) => x));
  const fields = h('dl', { class: 'fields review-fields' }, REVIEW_SCALARS.map(([label, key]) => [
    h('dt', { class: flagged.has(key) ? 'flagged' : '' }, t(label)),
    h('dd', { class: flagged.has(key) ? 'flagged' : '', 'data-field': key },
      key === 'issued' || key === 'expires' ? day(r.record[key]) : said(r.record[key] || ''))]));
  const result = h('div', { id: 'import-result' });
  importButton.addEventListener('click', async () => {
    importButton.disabled = true;
    const corrections = [...inputs].filter(([, e]) => e.input.value.trim() !== e.read)
      .map(([field, e]) => ({ field, read: e.read, value: e.input.value.trim() }));
    const onProgress = (job) => fill(result, h('p', { class: 'muted' }, t('loading'),
      job.state === 'running' && job.page ? ' (' + job.page + ')' : ''));
    try {
      const data = await fileBase64(new Blob([bytes]));
      const res = await api('/v1/scans/reviewed', { method: 'POST', headers: { 'Content-Type': 'application/json' }, onProgress,
        body: JSON.stringify({ file: data, corrections }) });
      fill(result, h('p', { class: 'good' }, res.stored ? t('u.imported') : t('u.unchanged'), ' ',
        res.results.map((x) => [licenceLink(x.number), ' ' + t('l.version_n', { n: x.version }) + ' (' + t('outcome.' + x.outcome) + ')'])),
      corrections.length ? h('p', { class: 'muted' }, t('rv.kept', { n: corrections.length })) : null);
    } catch (e) {
      importButton.disabled = false;
      fill(result, h('p', { class: 'error', role: 'alert' }, e.status === 401 || e.status === 403 ? refusal(e, 'u.need_editor') : errorNodes(e)));
    }
  });
  const pages = h('div', { class: 'pages' }, h('p', { class: 'muted' }, t('loading')));
  pagesView(pages, file, bytes, flags);
  fill(out, h('h2', {}, t('rv.title')), h('p', { class: 'hint' }, flags.length ? t('rv.hint', { n: flags.length }) : t('rv.none')),
    h('div', { class: 'review' }, pages,
      h('div', { class: 'read' }, fields, flags.length ? h('ol', { id: 'review' }, items) : null,
        problemsList(r.problems.filter((p) => !p.message.startsWith('needs review: '))), importButton, result)),
    h('details', { class: 'preview' }, h('summary', {}, t('rv.whole')), recordView(r.record)));
}

/* The first bytes say whether a file is a scan (an image or a PDF) rather than text. */
function isScan(bytes) {
  const b = new Uint8Array(bytes.slice(0, 4));
  return (b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46) || (b[0] === 0x89 && b[1] === 0x50) ||
    (b[0] === 0xff && b[1] === 0xd8) || (b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d);
}

function uploadPage() {
  const out = h('div', { id: 'upload-result' });
  /* the native file button is hidden (its English "Choose File" doubled ours): the label opens it */
  const input = h('input', { type: 'file', id: 'file', class: 'visually-hidden', accept: '.txt,text/plain,.png,.jpg,.jpeg,.tif,.tiff,.pdf,image/*,application/pdf' });
  const zone = h('label', { class: 'drop', for: 'file' }, t('u.hint'), h('br'), h('span', { class: 'button' }, t('u.choose')), input);
  const handle = async (file) => {
    if (!file) return;
    const bytes = await file.arrayBuffer();
    out.replaceChildren(h('p', { class: 'muted' }, t('loading')));
    let r;
    const onProgress = (job) => out.replaceChildren(h('p', { class: 'muted' }, t('loading') +
      (job.state === 'running' && job.page ? ' (' + job.page + ')' : '')));
    try { r = await api('/v1/parse', { method: 'POST', body: bytes, onProgress, headers: { 'Content-Type': file.type || 'application/octet-stream' } }); }
    catch (e) {
      const body = e.body || {};
      const problems = (body.error && body.error.problems) || [];
      const errors = problems.filter((p) => p.severity === 'error').length;
      fill(out, h('p', { class: 'error', role: 'alert' }, t('u.invalid'), t('sep.colon'),
        errors ? t('u.errors', { n: errors }) : errorNodes(e)),
        problemsList(body.error && body.error.problems), body.record ? h('div', { class: 'preview' }, recordView(body.record)) : null);
      return;
    }
    if (isScan(bytes)) { reviewPage(out, file, bytes, r); return; }
    const result = h('div', { id: 'import-result' });
    const button = h('button', { type: 'button', id: 'import', onclick: async () => {
      button.disabled = true;
      try {
        const res = await api('/v1/licenses', { method: 'POST', body: bytes, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
        result.replaceChildren(h('p', { class: 'good' }, res.stored ? t('u.imported') : t('u.unchanged'), ' ',
          res.results.map((x) => [licenceLink(x.number), ' ' + t('l.version_n', { n: x.version }) + ' (' + t('outcome.' + x.outcome) + ')'])));
      } catch (e) {
        button.disabled = false;
        result.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.status === 401 || e.status === 403 ? refusal(e, 'u.need_editor') : errorNodes(e)));
      }
    } }, t('u.import'));
    fill(out, h('p', { class: 'good' }, t('u.valid')), reviewBox(r.problems, r.needs_review, null),
      problemsList(r.problems.filter((p) => !isReview(p))), button, result,
      h('div', { class: 'preview' }, recordView(r.record)));
  };
  input.addEventListener('change', () => handle(input.files[0]));
  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => { ev.preventDefault(); zone.classList.remove('over'); handle(ev.dataTransfer.files[0]); });
  show(h('h1', {}, t('u.title')), zone, out, baselineBox());
}

/* The question a first import raises: which earlier annual reports were filed. Answered once,
 * for every licence, through POST /v1/baseline (audited); the answer in force is shown. */
function baselineBox() {
  const current = h('p', { id: 'baseline-current', class: 'muted' }, t('loading'));
  const say = (b) => current.replaceChildren(...(b.filed_through
    ? tn('b.current', { year: b.filed_through, by: said(b.recorded_by), at: moment(b.recorded_at) }) : [t('b.none')]));
  const year = h('input', { type: 'number', id: 'baseline-year', min: 2000, max: new Date().getFullYear(),
    value: new Date().getFullYear() - 1, inputmode: 'numeric' });
  const result = h('p', { id: 'baseline-result', role: 'status' });
  const save = h('button', { type: 'button', id: 'baseline-save', onclick: async () => {
    save.disabled = true;
    try {
      say(await api('/v1/baseline', { method: 'POST', body: JSON.stringify({ filed_through: Number(year.value) }),
        headers: { 'Content-Type': 'application/json' } }));
      result.replaceChildren();
    } catch (e) {
      result.replaceChildren(h('span', { class: 'error', role: 'alert' }, e.status === 401 || e.status === 403 ? refusal(e, 'b.need_editor') : errorNodes(e)));
    }
    save.disabled = false;
  } }, t('b.save'));
  api('/v1/baseline').then(say, (e) => current.replaceChildren(h('span', { class: 'error' }, errorNodes(e))));
  return h('section', { id: 'baseline', class: 'card' }, h('h2', {}, t('b.title')), h('p', {}, t('b.question')),
    h('div', { class: 'row' }, h('label', { for: 'baseline-year' }, t('b.year')), year, save), current, result,
    h('p', { class: 'hint' }, t('b.hint')));
}

/* --- routing and chrome ------------------------------------------------------------------------- */

function route() {
  const path = decodeURIComponent(location.pathname);
  const params = new URLSearchParams(location.search);
  document.querySelectorAll('header nav a').forEach((a) => a.classList.toggle('active', a.getAttribute('href') === location.pathname));
  if (path.startsWith('/l/')) return licencePage(path.slice(3));
  if (path === '/dashboard') return dashboardPage();
  if (path === '/upload') return uploadPage();
  if (path === '/notify') return notifyPage();
  if (path === '/signin') return signinPage(params);
  return searchPage(params);
}

function navigate(url, replace) {
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
  route();
}

function translateChrome() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-label]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nLabel)); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder)); });
  document.title = t('app.title');
  showWho();
  document.documentElement.classList.add('i18n-ready');
}

/* The catalogue in use is loaded before any page is drawn, the other one when the switch first
 * asks for it; the chrome and the page change together, once it is there. */
async function useLang(l) {
  try {
    if (!catalogues[l]) await loadCatalogue(l);
  } catch (e) {
    main().replaceChildren(h('p', { class: 'error', role: 'alert' }, e.message));
    document.documentElement.classList.add('i18n-ready');
    return false;
  }
  lang = l;
  translateChrome();
  route();
  return true;
}

document.addEventListener('DOMContentLoaded', async () => {
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest('a[data-nav]');
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    navigate(a.getAttribute('href'));
  });
  window.addEventListener('popstate', route);
  document.getElementById('lang').addEventListener('click', async () => {
    const other = lang === 'zh' ? 'en' : 'zh';
    if (await useLang(other)) localStorage.setItem('xuke.lang', other);
  });
  document.getElementById('signout').addEventListener('click', signOut);
  const panel = document.getElementById('token-panel');
  const field = document.getElementById('token-input');
  document.getElementById('token-button').addEventListener('click', () => { panel.hidden = !panel.hidden; field.value = token(); });
  document.getElementById('token-save').addEventListener('click', () => {
    localStorage.setItem('xuke.token', field.value.trim()); panel.hidden = true; route();
  });
  document.getElementById('token-clear').addEventListener('click', () => {
    localStorage.removeItem('xuke.token'); field.value = ''; panel.hidden = true; route();
  });
  await loadSession();
  useLang(lang);
});
