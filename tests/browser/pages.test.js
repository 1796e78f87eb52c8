/*
 * Browser tests of the web pages: headless Debian chromium driven by playwright-core, against
 * the real `xuke serve` on loopback with a real store that this test builds (the seeds, the
 * hand-written licences, a second version of one licence). Each test saves a screenshot under
 * SHOTS (build/screenshots/).
 *
 * usage: node pages.test.js XUKE_BINARY FIXTURES_DIR SHOTS_DIR
 * Prints one line per check and closes with 'N passed, N failed'; exit status 1 on a failure.
 */
'use strict';

const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { latinWords } = require('./latin');

const [XUKE, FIXTURES, SHOTS] = process.argv.slice(2);
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'xuke-web-'));
const DB = path.join(TMP, 'web.db');
const results = { passed: 0, failed: 0 };

function check(name, ok, detail) {
  results[ok ? 'passed' : 'failed']++;
  console.log((ok ? 'ok   ' : 'FAIL ') + name + (ok ? '' : '\n     ' + String(detail || '').slice(0, 800)));
}

function xuke(...args) {
  return execFileSync(XUKE, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/* The store: seeds and docs, then a second version of the first seed with a later expiry. */
function buildStore() {
  const seeds = fs.readdirSync(path.join(FIXTURES, 'seeds')).filter((f) => f.endsWith('.txt')).sort();
  const docs = fs.readdirSync(path.join(FIXTURES, 'docs')).filter((f) => f.endsWith('.txt')).sort();
  xuke('import', '--db', DB, ...seeds.map((f) => path.join(FIXTURES, 'seeds', f)), path.join(FIXTURES, 'docs', docs[0]));
  const record = JSON.parse(xuke('parse', '--json', path.join(FIXTURES, 'seeds', seeds[0])));
  const later = (d) => String(Number(d.slice(0, 4)) + 1) + d.slice(4);
  record.issued = later(record.issued); /* a renewal: issued again, valid a year longer */
  record.expires = later(record.expires);
  const renewed = path.join(TMP, 'renewed.json');
  fs.writeFileSync(renewed, JSON.stringify(record));
  xuke('import', '--db', DB, renewed);
  const editor = xuke('token', 'create', '--db', DB, 'web-editor', '--role', 'editor').trim();
  return { first: record, editor, uploadDoc: path.join(FIXTURES, 'docs', docs[1]) };
}

function startServer() {
  return new Promise((resolve, reject) => {
    const p = spawn(XUKE, ['serve', '--db', DB, '--listen', '127.0.0.1:0', '--public-read',
                           '--access-log', path.join(TMP, 'access.log')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start: ' + out)), 10000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve({ proc: p, url: m[1].replace(/\/$/, '') }); }
    });
    p.on('exit', (code) => reject(new Error('server exited ' + code)));
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

async function testSearch(page, base) {
  await page.goto(base + '/');
  check('home page is Chinese by default', (await page.textContent('h1')) === '许可证查询');
  await page.fill('#q', '小荷');
  await page.press('#q', 'Enter');
  await page.waitForSelector('.hits li');
  const hits = await page.$$eval('.hits li', (els) => els.map((e) => e.textContent));
  check('company search finds both 小荷 licences', hits.length === 2 && hits.every((h) => h.includes('小荷')), hits);
  const badges = await page.$$eval('.hits .badge', (els) => els.map((e) => e.className));
  check('search hits show the licence status (the word `xuke status` gives), not the record state',
    badges.length === 2 && badges.every((c) => /st-(valid|renewal_due|renewal_overdue|expired|not_yet_valid)\b/.test(c)), badges);
  await shot(page, 'search-company');
  await page.fill('#q', 'm.xiaohe.cn');
  await page.press('#q', 'Enter');
  await page.waitForSelector('#domain-result');
  const card = await page.textContent('#domain-result');
  check('domain search resolves a sub-domain to its licence', card.includes('xiaohe.cn') && /B2-\d{8}/.test(card), card);
  await shot(page, 'search-domain');
  await page.fill('#q', 'no-such-company-名称');
  await page.press('#q', 'Enter');
  const said = await page.waitForFunction(() => document.querySelector('#results').textContent.includes('没有找到'))
    .then(() => true, () => false); /* the "loading" line comes first */
  check('a search without hits says so', said, await page.textContent('#results'));
}

async function testLicence(page, base, first) {
  await page.goto(base + '/');
  await page.fill('#q', first.number);
  await page.press('#q', 'Enter');
  await page.waitForSelector('#obligations');
  const text = await page.textContent('main');
  check('a number in the search box opens the licence page', page.url().includes('/l/') && text.includes(first.company), page.url());
  /* dates are written the reader's way; the day itself is each <time>'s datetime */
  const days = await page.$$eval('main time', (els) => els.map((e) => e.getAttribute('datetime')));
  check('licence page shows every field', [first.legal_representative, first.issuer].every((v) => text.includes(v)) &&
    days.includes(first.expires), days);
  check('services show their qualifiers', text.includes(first.services[0].code) && (text.includes('仅限') || text.includes('不含')));
  check('websites are listed', first.websites.every((w) => w.domains.every((d) => text.includes(d))));
  check('obligations show deadlines and basis', (await page.$$('#obligations tbody tr')).length > 0 && text.includes('续办'));
  const prov = await page.$$('details.provision');
  check('provisions are collapsible, one per provision', prov.length === first.provisions.length && !(await prov[0].getAttribute('open')));
  await prov[0].click();
  check('a provision opens on click', (await prov[0].getAttribute('open')) !== null);
  /* one numbering: the list numbers provisions as the licence prints them (一、二、…), the way
   * the obligations' basis cites them (十二, 十五(三)), and each basis links to its provision */
  const numerals = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四', '十五', '十六', '十七', '十八', '十九', '二十'];
  const printed = await page.$$eval('details.provision > summary .pno', (els) => els.map((e) => e.textContent));
  check('provisions are numbered as the licence prints them', printed.length === first.provisions.length
    && printed.every((x, i) => x === numerals[first.provisions[i].no - 1] + '、'), printed);
  const links = await page.$$eval('#obligations a.basis', (els) => els.map((e) => [e.textContent, e.getAttribute('href')]));
  check('each basis links to the provision of that number', links.length > 0 && links.every(([label, href]) =>
    href === '#prov-' + (numerals.indexOf(label.replace(/\(.*$/, '')) + 1) + (label.includes('(') ? '-' + (numerals.indexOf(label.replace(/^.*\((.*)\)$/, '$1')) + 1) : '')), links);
  const renewalLink = await page.$('#obligations tr:has-text("续办") a.basis');
  const target = renewalLink ? (await renewalLink.getAttribute('href')).slice(1) : '';
  if (renewalLink) await renewalLink.click();
  check('clicking a basis opens its provision', !!target && (await page.$eval('#' + target, (e) => e.open).catch(() => false)), target);
  await page.click('text=与上一版本比较');
  await page.waitForSelector('#diff li');
  const expiry = await page.$eval('#diff li[data-field="expires"]', (li) => ({ text: li.textContent,
    to: (li.querySelector('ins time') || { getAttribute: () => '' }).getAttribute('datetime') })).catch(() => null);
  check('diff view shows the changed expiry, named in the page\'s language', expiry !== null && expiry.to === first.expires &&
    expiry.text.startsWith('有效期至'), JSON.stringify(expiry) + ' ' + (await page.textContent('#diff')));
  await page.click('#source summary');
  await page.waitForFunction(() => document.querySelector('pre.source') && document.querySelector('pre.source').textContent.length > 100);
  check('the source of a version imported as JSON is that record', (await page.textContent('pre.source')).includes('"expires": "' + first.expires));
  await shot(page, 'licence');
}

async function testDashboard(page, base) {
  await page.goto(base + '/dashboard');
  await page.waitForSelector('#licences tbody tr');
  const rows = await page.$$('#licences tbody tr');
  check('dashboard has a row per licence', rows.length === 5, rows.length);
  const bars = await page.$$('svg.timeline rect.bar');
  check('timeline draws a validity bar per licence', bars.length === 5, bars.length);
  check('timeline marks today', (await page.$('#today-line')) !== null);
  const marks = await page.$$('svg.timeline .mark');
  check('timeline marks renewal and annual-report deadlines', marks.length > 0 && (await page.$$('svg .mark.renewal')).length > 0, marks.length);
  /* what is owed by the week's Sunday and the quarter's last day, worked out here from today */
  const asOf = await page.$eval('main .sub time', (el) => el.getAttribute('datetime'));
  const today = Date.parse(asOf + 'T00:00:00Z');
  const sunday = new Date(today + ((7 - new Date(today).getUTCDay()) % 7) * 86400000).toISOString().slice(0, 10);
  const d0 = new Date(today);
  const quarterEnd = new Date(Date.UTC(d0.getUTCFullYear(), Math.floor(d0.getUTCMonth() / 3) * 3 + 3, 0)).toISOString().slice(0, 10);
  const within = Math.round((Date.parse(quarterEnd + 'T00:00:00Z') - today) / 86400000);
  const due = await (await fetch(base + '/v1/deadlines?as_of=' + asOf + '&within=' + within)).json();
  const owed = await page.$$eval('#owes li', (lis) => lis.map((li) => li.dataset.number + ' ' + li.dataset.duty + ' ' + li.querySelector('time').getAttribute('datetime')));
  const want = due.deadlines.filter((d) => d.due <= quarterEnd).map((d) => d.number + ' ' + d.duty + ' ' + d.due);
  check('the dashboard lists what each company owes up to the quarter\'s end', want.length > 0 && JSON.stringify(owed.slice().sort()) === JSON.stringify(want.slice().sort()),
    [want.length, owed.length]);
  const weekCol = await page.$$eval('#owes tbody tr', (trs) => trs.flatMap((tr) => [...tr.children[1].querySelectorAll('time')].map((t) => t.getAttribute('datetime'))));
  check('"this week" holds only duties due by Sunday ' + sunday, weekCol.every((d) => d <= sunday), weekCol);
  const badges = await page.$$eval('#licences .badge', (els) => els.map((e) => getComputedStyle(e).backgroundColor));
  check('statuses are coloured', new Set(badges).size >= 2, badges);
  await shot(page, 'dashboard');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.waitForSelector('#licences tbody tr');
  const overflow = await page.evaluate(() => document.body.scrollWidth <= window.innerWidth + 1);
  check('dashboard fits a phone screen (tables scroll inside their box)', overflow);
  await shot(page, 'dashboard-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('header nav a').textContent === 'Search');
  check('English switch translates the page', (await page.textContent('h1')) === 'Dashboard');
  await shot(page, 'dashboard-en');
  await page.click('#lang');
}

async function testUpload(page, base, ctx) {
  await page.goto(base + '/upload');
  await page.setInputFiles('#file', ctx.uploadDoc);
  await page.waitForSelector('#import');
  const preview = await page.textContent('#upload-result');
  const expected = JSON.parse(fs.readFileSync(ctx.uploadDoc.replace(/\.txt$/, '.json'), 'utf8'));
  check('upload shows the extracted record', preview.includes(expected.number) && preview.includes(expected.company), preview.slice(0, 300));
  await page.click('#import');
  await page.waitForSelector('#import-result p');
  check('import without an editor token is refused and says why', (await page.textContent('#import-result')).includes('编辑者令牌'));
  await page.click('#token-button');
  await page.fill('#token-input', ctx.editor);
  await page.click('#token-save');
  await page.waitForSelector('#file');
  await page.setInputFiles('#file', ctx.uploadDoc);
  await page.waitForSelector('#import');
  await page.click('#import');
  await page.waitForSelector('#import-result p.good');
  check('import with an editor token stores the licence', (await page.textContent('#import-result')).includes(expected.number));
  await shot(page, 'upload');
  const bad = path.join(TMP, 'bad.txt');
  fs.writeFileSync(bad, '增值电信业务经营许可证\n经营许可证编号：京B2-20991234\n');
  await page.setInputFiles('#file', bad);
  await page.waitForSelector('#upload-result .error');
  check('a broken document shows its problems', (await page.$$('#upload-result .problems li')).length > 0);
  await shot(page, 'upload-invalid');
}

/* A scan is read as a job that the page polls (GET /v1/jobs/{id}). The tests wait on the job's
 * progress, not on a clock: they give up only when the job has not moved (queued further ahead,
 * a page started or read, done) for OCR_STALL_MS. A page's reading is bounded by the server's own
 * 30 s limit (XK_OCR_PAGE_SECONDS), so a job that moves at all moves well within that, however
 * busy the machine (CI runs e2e_ocr beside this test on two cores). */
const OCR_STALL_MS = 150000;

/* The progress of the OCR jobs the page polls: the last seen and when it last changed. */
function watchJobs(page) {
  const watch = { seen: 'nothing yet', moved: Date.now() };
  page.on('response', async (res) => {
    if (!res.url().includes('/v1/jobs/')) return;
    let job;
    try { job = await res.json(); } catch (e) { return; }
    const seen = [job.id, job.state, job.jobs_ahead, job.page, job.pages_read].join(' ');
    if (seen !== watch.seen) { watch.seen = seen; watch.moved = Date.now(); }
  });
  return watch;
}

/* Waits for selector while the OCR job moves; fails when it stood still for OCR_STALL_MS. */
async function waitOnJob(page, watch, selector) {
  watch.moved = Date.now();
  for (;;) {
    try {
      return await page.waitForSelector(selector, { timeout: 5000 });
    } catch (e) {
      if (e.name !== 'TimeoutError') throw e;
      if (Date.now() - watch.moved > OCR_STALL_MS)
        throw new Error(`the OCR job did not move for ${OCR_STALL_MS / 1000} s (last seen: ${watch.seen})`);
    }
  }
}

/* A scan of a seed (multi-page TIFF) rendered by tests/tools/render.py. */
function renderScan() {
  const seed = path.join(FIXTURES, 'seeds', '003_76e38eccd87d7b3e');
  const out = path.join(TMP, 'scan.tif');
  const tools = path.join(__dirname, '..', 'tools');
  execFileSync('/usr/bin/python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(tools)}); import render
text = open(${JSON.stringify(seed + '.txt')}, encoding='utf-8').read()
render.tiff(render.pages(text, ${JSON.stringify(path.join(TMP, 'scan'))}, 'clean'), ${JSON.stringify(out)})`]);
  return { file: out, expected: JSON.parse(fs.readFileSync(seed + '.json', 'utf8')) };
}

/* The server's answer to a parse, read off the network: the poll of the OCR job that says it is
 * done (a scan is read as a job), or /v1/parse itself when it answered at once. */
async function parseAnswer(res) {
  if (!res.url().includes('/v1/')) return null;
  let body;
  try { body = await res.json(); } catch (e) { return null; /* not JSON: not the answer */ }
  if (body && body.state === 'done' && body.result) return body.result.body;
  if (res.url().endsWith('/v1/parse') && res.status() !== 202) return body;
  return null;
}

async function testScanUpload(page, base) {
  const scan = renderScan();
  await page.goto(base + '/upload');
  const watch = watchJobs(page);
  /* armed before the upload starts, so the answer cannot go by before anyone listens; no clock
   * of its own: waitOnJob below gives up on a job that stands still */
  const answered = page.waitForResponse(async (res) => (await parseAnswer(res)) !== null, { timeout: 0 })
    .then(parseAnswer, () => null);
  await page.setInputFiles('#file', scan.file);
  /* OCR of four pages: seconds on an idle machine, minutes when CI runs e2e_ocr beside this
   * test on two busy cores. Wait for the page's answer, whichever it is, and say what it was. */
  await waitOnJob(page, watch, '#import, #upload-result .error');
  const text = await page.textContent('#upload-result');
  check('a scan uploaded on the page is read by OCR', (await page.$('#import')) !== null && text.includes(scan.expected.number),
        text.slice(0, 300));
  /* The page strips the "needs review: " prefix, so its text never holds it: each field the
   * server flagged must be an item of #review, in order, and nothing else. */
  const parsed = await answered;
  const flagged = parsed && parsed.record ? parsed.record.warnings.filter((w) => w.startsWith('needs review: '))
    .map((w) => w.slice('needs review: '.length)) : null;
  /* each item is shown in the page's language; the server's words are its data-problem */
  const listed = await page.$$eval('#review li', (items) => items.map((li) => li.dataset.problem));
  const boxShown = (await page.$('#review')) !== null;
  console.log(`     the scan's answer flagged ${flagged ? flagged.length : '?'} field(s) for review`);
  check('fields OCR was unsure of are listed for review, one item per flagged field',
        flagged !== null && JSON.stringify(listed) === JSON.stringify(flagged) &&
        boxShown === (flagged.length > 0 || parsed.needs_review === true),
        `answer seen: ${parsed !== null}, flagged ${JSON.stringify(flagged)}, listed ${JSON.stringify(listed)}, box ${boxShown}`);
  /* a scan is imported only once every flagged field is confirmed (here each as read) */
  for (const box of await page.$$('#review input.confirm')) await box.check();
  await page.click('#import');
  await waitOnJob(page, watch, '#import-result p.good, #import-result .error');
  const stored = await page.textContent('#import-result');
  check('the scan is stored from the page', (await page.$('#import-result p.good')) !== null, stored.slice(0, 300));
  await page.goto(base + '/l/' + encodeURIComponent(scan.expected.number));
  await page.waitForSelector('#obligations');
  const main = await page.textContent('main');
  check('the imported scan\'s licence page says it came from a scan', main.includes('来自扫描件（TIFF'), main.slice(0, 300));
  await shot(page, 'scan-licence');
}

/* An event recorded by mistake is voided from the licence page (the editor token is set by
 * testUpload): it stays listed, marked, and the store has the void with its reason. */
async function testEventVoid(page, base, ctx) {
  const out = xuke('event', 'add', '--db', DB, ctx.first.number, 'incident', '2024-01-10', '--note', 'a test incident');
  const id = (out.match(/recorded event (\d+)/) || [])[1];
  check('an event to void is recorded', !!id, out);
  await page.goto(base + '/l/' + encodeURIComponent(ctx.first.number));
  const row = `#events tr[data-event="${id}"]`;
  await page.waitForSelector(row);
  await page.fill(row + ' .void-reason', '录入错误');
  await page.click(row + ' button');
  const voided = await page.waitForFunction((sel) => {
    const r = document.querySelector(sel);
    return r && r.classList.contains('voided') && r.textContent.includes('录入错误');
  }, row).then(() => true, () => false);
  check('an editor voids an event on the licence page; it stays listed with its reason', voided,
    await page.textContent('#events').catch(() => ''));
  const listed = xuke('event', 'list', '--db', DB, ctx.first.number);
  check('the void reached the store', listed.includes('VOIDED') && listed.includes('录入错误'), listed);
  await shot(page, 'event-void');
}

/* A duty recorded done on the licence page with its PDF receipt (an editor token is set by
 * testUpload): the duty closes, naming who closed it, and the receipt downloads as it was given;
 * "undo" makes a correcting entry and the duty is open again. Each step waits on the page's
 * answer, never on a timer. */
async function testRecordDuty(page, base, ctx) {
  const receipt = path.join(FIXTURES, '..', 'evidence', 'receipt.pdf');
  await page.goto(base + '/l/' + encodeURIComponent(ctx.first.number));
  await page.waitForSelector('#obligations');
  const year = await page.$eval('#obligations tr[data-duty="annual_report"]:has(details.record)', (tr) => tr.dataset.year);
  const row = `#obligations tr[data-duty="annual_report"][data-year="${year}"]`;
  check('an open annual report offers "record"', !!year, year);
  await page.click(row + ' details.record summary');
  const types = await page.$$eval(row + ' select[name="type"] option', (os) => os.map((o) => o.value));
  check('what was done is chosen from the event types that meet the duty', JSON.stringify(types) === '["annual_report_filed"]', types);
  await page.fill(row + ' input[name="note"]', '已通过年报系统报送');
  await page.setInputFiles(row + ' input[name="evidence"]', receipt);
  await page.click(row + ' form.record button[type="submit"]');
  await page.waitForSelector(row + ' .closed .evidence-link');
  const closed = await page.textContent(row + ' .closed');
  check('the duty shows closed, by whom, with its evidence', closed.includes('web-editor') && closed.includes('receipt.pdf')
    && (await page.$(row + ' details.record')) === null, closed);
  await shot(page, 'duty-recorded');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(row + ' .evidence-link')]);
  const got = fs.readFileSync(await download.path());
  check('the receipt downloads under its name, the same bytes', download.suggestedFilename() === 'receipt.pdf'
    && got.equals(fs.readFileSync(receipt)), download.suggestedFilename());
  await page.fill(row + ' .undo-reason', '回执属于另一张许可证');
  await page.click(row + ' form.undo button');
  await page.waitForSelector(row + ' details.record');
  check('undo opens the duty again', (await page.$(row + ' .closed')) === null);
  const listed = xuke('event', 'list', '--db', DB, ctx.first.number);
  check('the undo is a correcting entry in the store; the recorded event is kept, voided',
    /correction\s+ref #\d+ — 回执属于另一张许可证/.test(listed) && listed.includes('VOIDED') && listed.includes('receipt.pdf'), listed);
  await shot(page, 'duty-undone');
}

/* An e-licence PDF whose main page names the company with a misprinted character (技木 for 技术)
 * while its appendix names it right: the upload opens the review page, the company is flagged
 * with the text as read, the import waits until every flagged field is confirmed or corrected,
 * and the correction is kept apart from what was read. The PDF is made here from a seed, the
 * misprint put in by this test. */
function renderMisprintedPdf() {
  const seed = path.join(FIXTURES, 'seeds', '000_a96b5bc2dd3fa082.txt');
  const out = path.join(TMP, 'misprinted.pdf');
  const tools = path.join(__dirname, '..', 'tools');
  execFileSync('/usr/bin/python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(tools)}); import render
text = open(${JSON.stringify(seed)}, encoding='utf-8').read()
text = text.replace('公司名称: 海南小荷健康网络技术有限公司', '公司名称: 海南小荷健康网络技木有限公司', 1)
render.text_pdf(text, ${JSON.stringify(out)})`]);
  return out;
}

/* The text under selector a reader sees as the page's own words (outside translate="no"). */
async function ownText(page, selector) {
  return page.$$eval(selector, (roots) => roots.flatMap((root) => {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (n.textContent.trim() && !n.parentElement.closest('[translate="no"]')) out.push(n.textContent);
    return out;
  }));
}

async function testScanReview(page, base) {
  const pdf = renderMisprintedPdf();
  const right = '海南小荷健康网络技术有限公司', misread = '海南小荷健康网络技木有限公司';
  await page.goto(base + '/upload');
  const watch = watchJobs(page);
  await page.setInputFiles('#file', pdf);
  await waitOnJob(page, watch, 'ol#review li.flag');
  await page.waitForSelector('.review .pages figure.page-view img.page');
  const figures = await page.$$eval('.review .pages figure.page-view', (fs) => fs.map((f) => [f.dataset.page, f.querySelector('img').naturalWidth]));
  check('uploading an e-licence PDF opens the review page with each page as an image beside the fields',
    figures.length >= 1 && figures.every(([n, w], i) => n === String(i + 1) && w === 1000) && (await page.$('.review dl.review-fields')) !== null, figures);
  /* the mark sits on the line read: ink under it, where the page's left margin beside it has
   * none (the page is drawn into a canvas and its pixels counted) */
  const ink = await page.$eval('.page-view .mark[data-field="company"]', (mark) => {
    const img = mark.parentElement.querySelector('img');
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const frac = (v) => parseFloat(v) / 100;
    const x = frac(mark.style.left) * c.width, y = frac(mark.style.top) * c.height;
    const w = Math.max(1, frac(mark.style.width) * c.width), hh = Math.max(1, frac(mark.style.height) * c.height);
    const dark = (x0, ww) => { const d = g.getImageData(x0, y, ww, hh).data; let n = 0; for (let i = 0; i < d.length; i += 4) n += d[i] < 128; return n / (d.length / 4); };
    /* the page's left margin: pango-view's 60 pt, over a twentieth of the page across */
    return { on: dark(x, w), margin: dark(0, Math.round(c.width / 25)), box: [x, y, w, hh].map(Math.round), page: mark.closest('figure').dataset.page };
  }).catch((e) => ({ error: String(e) }));
  check('the flagged company is marked at its place on the page image: on ink, not on blank paper',
    ink.on > 0.03 && ink.margin < 0.005 && ink.box[2] > ink.box[3], JSON.stringify(ink));
  const dates = await page.$$eval('.review-fields dd[data-field="issued"] time, .review-fields dd[data-field="expires"] time', (ts) => ts.map((t) => [t.getAttribute('datetime'), t.textContent]));
  check('the review page writes the dates read the reader\'s way', dates.length === 2 && dates.every(([iso, text]) => /^\d{4}-\d\d-\d\d$/.test(iso) && text.includes('年') && !text.includes(iso)), dates);
  const company = 'ol#review li[data-field="company"]';
  await page.click(company + ' button.show-mark');
  check('"show on the page" points at the field\'s mark', await page.$eval('.page-view .mark[data-field="company"]', (m) => m.classList.contains('pointed')));
  const flagText = await page.textContent(company).catch(() => '');
  check('the company is flagged, with the text as read', flagText.includes('公司名称: ' + misread), flagText);
  check('the flagged field is highlighted among the fields read',
    (await page.$('.review-fields dd.flagged[data-field="company"]')) !== null);
  check('import waits until every flagged field is checked', await page.$eval('#import', (b) => b.disabled));
  const flagLatin = latinWords((await ownText(page, 'ol#review')).join(' '));
  check('zh: the flags are said in Chinese (the text as read aside)', flagLatin.length === 0, flagLatin);
  await shot(page, 'scan-review');
  await page.fill(company + ' input.correct', right);
  for (const box of await page.$$('ol#review input.confirm')) await box.check();
  check('once each is confirmed or corrected the import is open', !(await page.$eval('#import', (b) => b.disabled)));
  await page.click('#import');
  await waitOnJob(page, watch, '#import-result p.good, #import-result .error');
  const stored = await page.textContent('#import-result');
  check('the reviewed scan is imported with its correction', (await page.$('#import-result p.good')) !== null, stored);
  const number = '琼B2-20220293';
  const record = JSON.parse(xuke('get', '--db', DB, '--json', number));
  check('the record holds the corrected value', record.company === right, record.company);
  const hist = await (await fetch(base + '/v1/licenses/' + encodeURIComponent(number) + '/history')).json();
  const last = hist.versions[hist.versions.length - 1];
  check('the version keeps, apart, what was read, what it was corrected to, and who',
    JSON.stringify(last.corrections.map((c) => [c.field, c.read, c.value, c.by])) === JSON.stringify([['company', misread, right, 'web-editor']]),
    last.corrections);
  await page.goto(base + '/l/' + encodeURIComponent(number));
  await page.waitForSelector('ul.corrections li[data-field="company"]');
  const shown = await page.textContent('ul.corrections');
  check('the licence page lists the correction beside its version', shown.includes(misread) && shown.includes(right), shown);
  const field = await page.$eval('dl.fields .corrected[data-field="company"]', (e) => ({ text: e.textContent, from: e.querySelector('.corrected-from').textContent }))
    .catch(() => null);
  check('the record marks the company as corrected by a person, what the scan read kept apart beside it',
    field !== null && field.text.startsWith(right) && field.from.includes(misread) && field.from.includes('web-editor') && field.from.includes('人工更正'), JSON.stringify(field));
  const notes = await ownText(page, '#review');
  /* the company's flag went with its correction; the text layer's provision 15 (管理人人员, the
   * document's slip) stays flagged */
  check('zh: the stored record\'s review notes are said in Chinese on the licence page',
    notes.length > 0 && latinWords(notes.join(' ')).length === 0 && notes.join('').includes('特别规定事项 15'), notes);
  check('the review note the correction settled is gone: the company is no longer flagged',
    !notes.join('').includes('公司名称'), notes);
  const audit = xuke('audit', '--db', DB, number);
  check('the correction is in the audit log', audit.includes('correct') && audit.includes(misread), audit.slice(-600));
  await shot(page, 'scan-review-imported');
}

/* Pages that fit a phone (390×844) and a desktop (1366×900): no sideways scroll, the dashboard
 * as cards with 逾期事项 on screen, the timeline opened on today with readable labels, dates and
 * licence numbers never broken inside, one file button on the upload page and no stray "null". */
async function noBrokenWords(page) {
  return page.$$eval('.nobr', (els) => ({ n: els.length, broken: els.filter((e) => e.getClientRects().length > 1).map((e) => e.textContent) }));
}

async function testPhone(page, base, ctx) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + '/dashboard');
  await page.waitForSelector('#licences tbody tr');
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  check('390 px: the dashboard does not scroll sideways', await fits());
  const card = await page.evaluate(() => {
    const tr = document.querySelector('#licences tbody tr'), cell = tr.querySelector('.overdue-cell');
    return { display: getComputedStyle(tr).display, head: getComputedStyle(document.querySelector('#licences thead')).display,
      right: cell.getBoundingClientRect().right, width: window.innerWidth, label: getComputedStyle(cell, '::before').content };
  });
  check('390 px: the dashboard shows a card per licence, 逾期事项 on screen and named',
    card.display === 'block' && card.head === 'none' && card.right <= card.width && card.label.includes('逾期事项'), JSON.stringify(card));
  const tl = await page.evaluate(() => {
    const box = document.getElementById('timeline-box').getBoundingClientRect();
    const today = document.getElementById('today-line').getBoundingClientRect();
    const label = document.querySelector('svg.timeline .label').getBoundingClientRect();
    return { left: box.left, right: box.right, today: today.left, label: label.height };
  });
  check('390 px: the timeline opens on today', tl.today >= tl.left && tl.today <= tl.right, JSON.stringify(tl));
  check('390 px: the timeline\'s labels stay readable (at least 10 px high)', tl.label >= 10, JSON.stringify(tl));
  let words = await noBrokenWords(page);
  check('390 px: no date or licence number breaks inside on the dashboard', words.n > 0 && words.broken.length === 0, words.broken);
  await shot(page, 'dashboard-390');
  await page.goto(base + '/l/' + encodeURIComponent(ctx.first.number));
  await page.waitForSelector('#obligations tbody tr');
  words = await noBrokenWords(page);
  check('390 px: the licence page fits and breaks no date inside', (await fits()) && words.n > 0 && words.broken.length === 0, words.broken);
  await shot(page, 'licence-390');
  await page.goto(base + '/upload');
  await page.waitForSelector('.drop .button');
  const input = await page.$eval('#file', (e) => e.getBoundingClientRect().width);
  check('the upload page shows one file button, its own (the browser\'s is hidden)', input <= 1 && await page.isVisible('.drop .button'), input);
  await page.setInputFiles('#file', ctx.uploadDoc);
  await page.waitForSelector('#import');
  const text = await page.textContent('#upload-result');
  check('no literal null under 提取成功', text.includes('提取成功') && !/null/.test(text), text.slice(0, 200));
  check('390 px: the upload page fits', await fits());
  await shot(page, 'upload-390');
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto(base + '/dashboard');
  await page.waitForSelector('#licences tbody tr');
  const wide = await page.evaluate(() => getComputedStyle(document.querySelector('#licences thead')).display);
  words = await noBrokenWords(page);
  check('1366 px: the dashboard is a table, fits, and breaks no date inside',
    wide !== 'none' && (await fits()) && words.broken.length === 0, [wide, words.broken]);
  await shot(page, 'dashboard-1366');
  await page.setViewportSize({ width: 1280, height: 900 });
}

/* The baseline on first use: annual reports due before the import show as "no filing recorded",
 * not overdue, until the officer answers the upload page's question (editor token from
 * testUpload); the answer reaches the store's audit log. */
async function testBaseline(page, base, ctx) {
  const licence = base + '/l/' + encodeURIComponent(ctx.first.number);
  await page.goto(licence);
  await page.waitForSelector('#obligations tbody tr');
  const unknownRows = await page.$$eval('#obligations tr.unrecorded', (els) => els.map((e) => e.textContent));
  const redReports = await page.$$eval('#obligations tr.overdue', (els) => els.map((e) => e.textContent).filter((x) => x.includes('年报')));
  check('reports due before the import show as 未记录申报, none as overdue',
    unknownRows.length > 0 && unknownRows.every((x) => x.includes('未记录申报')) && redReports.length === 0, [unknownRows, redReports]);
  await page.goto(base + '/dashboard');
  await page.waitForSelector('#licences tbody tr');
  check('the dashboard says how many reports have no filing recorded', (await page.textContent('#unrecorded').catch(() => '')).includes('未记录申报'));
  await page.goto(base + '/upload');
  await page.waitForFunction(() => { const c = document.querySelector('#baseline-current'); return c && c.textContent.includes('基线'); });
  check('the upload page asks up to which year reports were filed', (await page.textContent('#baseline')).includes('年报已提交到哪一年')
    && (await page.textContent('#baseline-current')).includes('尚未记录基线'));
  const year = Math.max(...unknownRows.map((x) => Number((x.match(/(\d{4}) 年的年报/) || [])[1] || 0)));
  await page.fill('#baseline-year', String(year));
  await page.click('#baseline-save');
  const said = await page.waitForFunction((y) => document.querySelector('#baseline-current').textContent.includes(y + ' 年及以前'), String(year))
    .then(() => true, () => false);
  check('an editor records the baseline on the page', said, await page.textContent('#baseline'));
  await shot(page, 'baseline');
  await page.goto(licence);
  await page.waitForSelector('#obligations tbody tr');
  const text = await page.textContent('#obligations');
  check('the licence page then shows those reports as met by the baseline', text.includes('按基线视为已提交') && !text.includes('未记录申报'), text.slice(0, 600));
  check('the baseline reached the audit log', xuke('audit', '--db', DB).includes('up to ' + year + ' taken as filed'));
}

/* Reminders: an editor (the token testUpload saved) subscribes a webhook on the page, sees it
 * listed with its secret only as "set", and removes it; the secret never reaches the page. */
async function testNotify(page, base) {
  const secretFile = path.join(TMP, 'hook.secret');
  fs.writeFileSync(secretFile, 'page-secret-4242\n', { mode: 0o600 });
  await page.goto(base + '/notify');
  await page.waitForSelector('#subscribe');
  check('the reminders page says there are no subscriptions yet', (await page.textContent('main')).includes('尚无订阅'));
  await page.selectOption('#subscribe select[name=channel]', 'webhook');
  await page.fill('#subscribe input[name=to]', 'http://127.0.0.1:9/hook?token=abc123');
  await page.fill('#subscribe input[name=secret_file]', secretFile);
  await page.check('#subscribe input[name=all]');
  await page.fill('#subscribe input[name=quiet]', '22:00-08:00');
  await page.click('#subscribe button[type=submit]');
  await page.waitForSelector('#subscriptions tbody tr');
  const row = await page.textContent('#subscriptions tbody tr');
  const channel = await page.getAttribute('#subscriptions tbody tr', 'data-channel');
  const text = await page.textContent('main');
  check('an editor subscribes a webhook on the page', channel === 'webhook' && row.includes('网络回调') && row.includes('22:00-08:00') &&
    row.includes('✓'), [channel, row]);
  check('the page shows neither the secret, its file nor the URL\'s token',
    !text.includes('page-secret-4242') && !text.includes(secretFile) && !text.includes('abc123') && text.includes('token=***'), text.slice(0, 600));
  await page.fill('#subscribe input[name=to]', 'ftp://127.0.0.1/x');
  await page.click('#subscribe button[type=submit]');
  const refused = await page.waitForFunction(() => document.querySelector('#subscription-result').textContent.includes('http'))
    .then(() => true, () => false);
  check('a malformed URL is refused on the page, naming the problem', refused, await page.textContent('#subscription-result'));
  await shot(page, 'notify');
  await page.click('#subscriptions tbody tr button');
  const gone = await page.waitForFunction(() => document.querySelector('main').textContent.includes('尚无订阅')).then(() => true, () => false);
  check('an editor removes it', gone);
}

/* The language follows the browser's own (a fresh profile each, so nothing is remembered yet),
 * and the switch is remembered over the browser's choice. */
async function testLanguageChoice(browser, base) {
  const opened = async (locale) => {
    const ctx = await browser.newContext({ locale });
    const p = await ctx.newPage();
    await p.goto(base + '/dashboard');
    await p.waitForSelector('h1');
    return { ctx, p, h1: await p.textContent('h1'), lang: await p.getAttribute('html', 'lang') };
  };
  const en = await opened('en-GB');
  check('a browser asking for English gets the pages in English', en.h1 === 'Dashboard' && en.lang === 'en', [en.h1, en.lang]);
  await en.ctx.close();
  const zh = await opened('zh-CN');
  check('a browser asking for Chinese gets them in Chinese', zh.h1 === '总览' && zh.lang === 'zh-CN', [zh.h1, zh.lang]);
  await zh.p.click('#lang');
  await zh.p.waitForFunction(() => document.querySelector('h1') && document.querySelector('h1').textContent === 'Dashboard');
  await zh.p.reload();
  await zh.p.waitForSelector('#licences');
  check('the switch is remembered over the browser\'s language', (await zh.p.textContent('h1')) === 'Dashboard');
  await zh.ctx.close();
  const other = await opened('fr-FR');
  check('a browser asking for a language without a catalogue gets Chinese', other.h1 === '总览', other.h1);
  await other.ctx.close();
}


/* --- every page in each language ---------------------------------------------------------------
 * The zh pages may show no Latin word outside numbers, codes, hostnames, marked text and the short
 * list in latin.js; both languages fail on a key the pages asked for that the catalogue lacks, and
 * on a {value} left unfilled. */

/* The words a page shows: text nodes, the attributes read out or shown (placeholder, aria-label,
 * title, alt) and the document's title, each outside translate="no". */
async function pageWords(page) {
  return page.evaluate(() => {
    const out = [document.title];
    const own = (el) => !el.closest('[translate="no"], script, style');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      if (n.textContent.trim() && own(n.parentElement)) out.push(n.textContent);
    for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], [alt]'))
      if (own(el)) for (const a of ['placeholder', 'aria-label', 'title', 'alt']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    return { words: out, missing: [...(window.xukeMissingKeys || [])] };
  });
}

/* A page is drawn when nothing is loading: no request in flight and no "loading" line. */
async function settled(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('main p.muted') ||
    ![...document.querySelectorAll('main p.muted')].some((p) => /^(加载中|Loading)/.test(p.textContent)));
}

async function walkLanguage(browser, base, ctx, locale, lang) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  await context.addInitScript((tok) => localStorage.setItem('xuke.token', tok), ctx.editor);
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  const states = [];
  const look = async (name) => {
    await settled(page);
    const { words, missing } = await pageWords(page);
    states.push(name);
    if (lang === 'zh') {
      const latin = [...new Set(words.flatMap(latinWords))];
      check(`zh ${name}: no Latin words outside numbers, codes, hostnames and the allow-list`, latin.length === 0,
        latin.join(' ') + '\n     in: ' + words.filter((w) => latinWords(w).length).slice(0, 12).join(' | '));
    }
    const unfilled = words.filter((w) => /\{[a-z_]+\}/.test(w));
    check(`${lang} ${name}: every key translated, every value filled in`, missing.length === 0 && unfilled.length === 0,
      [missing, unfilled]);
    /* a date is written the reader's way (its ISO form only in <time datetime>) */
    const iso = words.filter((w) => /\b\d{4}-\d{2}-\d{2}\b/.test(w));
    check(`${lang} ${name}: dates in the reader's conventions, none left as ISO text`, iso.length === 0, iso.slice(0, 8));
    await shot(page, `walk-${lang}-${name.replace(/[^a-z0-9]+/gi, '_')}`);
  };
  const go = async (url, name) => { await page.goto(base + url); await look(name || url); };
  await go('/signin', 'sign-in');
  await go('/');
  await go('/search?q=' + encodeURIComponent('小荷'), 'search by company');
  await go('/search?q=m.xiaohe.cn', 'search by domain');
  await go('/search?q=nowhere.example.cn', 'search by a domain no licence covers');
  await go('/search?q=' + encodeURIComponent('没有这家公司'), 'search without hits');
  for (const number of ctx.numbers()) {
    await page.goto(base + '/l/' + encodeURIComponent(number));
    await settled(page);
    const diff = await page.$('#diff');
    if (diff) { await page.click('section:has(#diff) > button'); await page.waitForSelector('#diff li, #diff p'); }
    await page.click('#source summary');
    await look('/l/' + number);
  }
  /* a server error shown to the user: its meaning in the reader's words; in Chinese the
   * server's English account is folded away, not shown */
  await go('/l/' + encodeURIComponent('京B2-20990001'), 'a licence not in the registry');
  const shown = await page.$eval('main .error', (el) => el.innerText);
  check(`${lang}: a server error is shown in the reader's words`, lang === 'zh'
    ? latinWords(shown).length === 0 && shown.includes('没有找到') : shown.includes('Not found'), shown);
  await go('/dashboard');
  await go('/notify');
  await go('/upload');
  await page.setInputFiles('#file', ctx.uploadDoc);
  await page.waitForSelector('#import');
  await look('upload: a document read');
  const bad = path.join(TMP, 'walk-bad.txt');
  fs.writeFileSync(bad, '增值电信业务经营许可证\n经营许可证编号：京B2-20991234\n');
  await page.setInputFiles('#file', bad);
  await page.waitForSelector('#upload-result .error');
  await look('upload: a document with errors');
  /* warnings the library words itself (a numbering slip, page furniture dropped), on the upload
   * page and, stored, on the licence's page: both through the catalogue */
  const warned = path.join(TMP, 'walk-warned.txt');
  const lines = fs.readFileSync(ctx.uploadDoc, 'utf8').split('\n');
  lines.splice(lines.findIndex((l) => l.startsWith('三、')), 0, '二、重复的编号行');
  const footer = '\n               打印日期：2025年1月2日    流水号：00123\n';
  const half = Math.floor(lines.length / 2);
  fs.writeFileSync(warned, lines.slice(0, half).join('\n') + footer + '\f' + lines.slice(half).join('\n') + footer);
  await page.setInputFiles('#file', warned);
  await page.waitForSelector('#import');
  const listed = await page.$$eval('#upload-result li', (els) => els.map((e) => e.textContent));
  check(`${lang} upload: the library's own warnings are listed`, listed.length >= 2, listed);
  await look('upload: a document with warnings');
  await page.click('#import');
  await page.waitForSelector('#import-result p.good');
  /* a scan to review: its pages, the flagged fields marked on them and listed */
  await page.setInputFiles('#file', renderMisprintedPdf());
  await page.waitForSelector('ol#review li.flag', { timeout: OCR_STALL_MS });
  await page.waitForSelector('.page-view .mark');
  await look('upload: a scan to review');
  const number = JSON.parse(fs.readFileSync(ctx.uploadDoc.replace(/\.txt$/, '.json'), 'utf8')).number;
  await page.goto(base + '/l/' + encodeURIComponent(number));
  await page.waitForSelector('#review li');
  await look('a licence whose stored record has a warning to review');
  await context.close();
  return states;
}

/* The walk's store has what the pages can show: event-driven duties of each rule (a change of
 * registration, illegal information handled, a launch, an incident) and a reminder. */
async function testWalk(browser, base, ctx) {
  const today = new Date(Date.now() - 86400000 * 3).toISOString().slice(0, 10);
  for (const type of ['registration_changed', 'illegal_info_handled', 'service_launched', 'incident'])
    xuke('event', 'add', '--db', DB, ctx.first.number, type, today, '--note', '现场记录');
  const secret = path.join(TMP, 'walk.secret');
  fs.writeFileSync(secret, 'walk-secret\n', { mode: 0o600 });
  const res = await fetch(base + '/v1/subscriptions', { method: 'POST', headers: { Authorization: 'Bearer ' + ctx.editor,
    'Content-Type': 'application/json' }, body: JSON.stringify({ channel: 'webhook', to: 'http://127.0.0.1:9/walk', all: true,
    days: '90,30,7,1', overdue: 'weekly', lang: 'zh', secret_file: secret }) });
  check('the walk\'s reminder is subscribed', res.status === 201 || res.status === 200, [res.status, await res.text()]);
  const status = JSON.parse(xuke('status', '--db', DB, '--json'));
  const rows = status.licences || status;
  ctx.numbers = () => rows.map((r) => r.number);
  const zh = await walkLanguage(browser, base, ctx, 'zh-CN', 'zh');
  const en = await walkLanguage(browser, base, ctx, 'en-GB', 'en');
  check('both walks saw every page: sign-in, search, each licence, dashboard, reminders, upload',
    zh.length === en.length && zh.length >= 12 + rows.length, [zh.length, en.length, rows.length]);
}

/* People sign in: an account of each role (made with `xuke user add`) signs in on /signin and
 * is named in the header; the session cookie is HttpOnly and SameSite=Strict; a reader is
 * refused a write, a write without the CSRF token is refused, one with it is done and names the
 * person in the audit log; signing out ends the session on the server. */
async function testSignIn(browser, base) {
  const password = 'sign-in test password 一';
  const pwFile = path.join(TMP, 'signin.pw');
  fs.writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  for (const role of ['reader', 'editor', 'admin']) xuke('user', 'add', '--db', DB, 'person-' + role, '--role', role, '--password-file', pwFile);
  const body = JSON.stringify({ filed_through: 2023, note: 'signed-in test' });
  const write = (page, withToken) => page.evaluate(async ([b, withToken]) => {
    const headers = { 'Content-Type': 'application/json' };
    if (withToken) headers['X-CSRF-Token'] = session.csrf; // eslint-disable-line no-undef
    const res = await fetch('/v1/baseline', { method: 'POST', headers, body: b });
    const answer = await res.json();
    return { status: res.status, code: answer.error ? answer.error.code : '' };
  }, [body, withToken]);
  for (const role of ['reader', 'editor', 'admin']) {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    await page.goto(base + '/signin');
    await page.fill('#signin-name', 'person-' + role);
    await page.fill('#signin-password', role === 'reader' ? 'not the password' : password);
    if (role === 'reader') {
      await page.click('#signin button[type=submit]');
      await page.waitForSelector('#signin-result .error');
      check('a wrong password is refused on the sign-in page', (await page.textContent('#signin-result')).includes('密码不对'));
      await page.fill('#signin-password', password);
    }
    await page.click('#signin button[type=submit]');
    await page.waitForFunction((n) => { const w = document.getElementById('who'); return w && !w.hidden && w.textContent.includes(n); }, 'person-' + role);
    check(role + ' signs in and is named in the header', (await page.textContent('#who')).includes('person-' + role));
    const cookie = (await context.cookies()).find((c) => c.name === 'xuke_session');
    check(role + '\'s session cookie is HttpOnly and SameSite=Strict', cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));
    check('the page\'s script cannot read the session cookie', !(await page.evaluate(() => document.cookie)).includes('xuke_session'));
    await shot(page, 'signed-in-' + role);
    if (role === 'reader') {
      const r = await write(page, true);
      check('a reader is refused a write (403)', r.status === 403 && r.code === 'forbidden', JSON.stringify(r));
      await page.goto(base + '/upload');
      await page.click('#baseline-save');
      await page.waitForSelector('#baseline-result .error');
      const said = await page.textContent('#baseline-result');
      check('the page tells a signed-in reader their role and the role needed, not a token',
        said.includes('只读') && said.includes('编辑者') && !said.includes('令牌'), said);
    } else {
      const refused = await write(page, false);
      check(role + ': a write without the CSRF token is refused (403)', refused.status === 403 && refused.code === 'csrf', JSON.stringify(refused));
      const done = await write(page, true);
      check(role + ': the same write with the page\'s CSRF token is done', done.status === 201, JSON.stringify(done));
      const audit = JSON.parse(xuke('audit', '--db', DB, '--json', '--limit', '1'));
      check(role + ': the audit log names the signed-in person', audit.length === 1 && audit[0].actor === 'person-' + role, JSON.stringify(audit));
    }
    await page.click('#signout');
    await page.waitForURL(base + '/signin');
    const after = await page.evaluate(async () => (await fetch('/v1/session')).status);
    check(role + ' signs out and the session is ended on the server', after === 401, after);
    await context.close();
  }
}

(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const ctx = buildStore();
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  /* the reader's browser asks for Chinese (Accept-Language, navigator.languages) */
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.setDefaultTimeout(15000);
  try {
    for (const [name, fn] of [['search', () => testSearch(page, server.url)],
                              ['licence', () => testLicence(page, server.url, ctx.first)],
                              ['dashboard', () => testDashboard(page, server.url)],
                              ['phone', () => testPhone(page, server.url, ctx)],
                              ['upload', () => testUpload(page, server.url, ctx)],
                              ['event void', () => testEventVoid(page, server.url, ctx)],
                              ['record duty', () => testRecordDuty(page, server.url, ctx)],
                              ['baseline', () => testBaseline(page, server.url, ctx)],
                              ['sign in', () => testSignIn(browser, server.url)],
                              ['reminders', () => testNotify(page, server.url)],
                              ['walk', () => testWalk(browser, server.url, ctx)],
                              ['scan upload', () => testScanUpload(page, server.url)],
                              ['scan review', () => testScanReview(page, server.url)],
                              ['language choice', () => testLanguageChoice(browser, server.url)]]) {
      try { await fn(); } catch (e) { check(name + ' ran to the end', false, e.stack); await shot(page, name + '-failure').catch(() => {}); }
    }
    const unexpected = consoleErrors.filter((m) => !/status of 4\d\d/.test(m));
    check('no script errors in the console', unexpected.length === 0, unexpected.join('\n'));
  } finally {
    await browser.close();
    server.proc.kill('SIGTERM');
  }
  console.log(`${results.passed} passed, ${results.failed} failed`);
  fs.rmSync(TMP, { recursive: true, force: true });
  process.exit(results.failed ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
