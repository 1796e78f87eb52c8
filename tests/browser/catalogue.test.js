/*
 * The message catalogue (web/i18n/LANG.json) against itself and against the pages that use it,
 * without a browser: every language has the same keys, each a non-empty string with the same
 * {placeholders}; every key the pages name literally (t('key'), a key list handed to t,
 * data-i18n="key" and its -label/-placeholder forms in index.html) is in the catalogue.
 * Keys built at run time (t('st.' + status)) are checked by the browser walk in pages.test.js,
 * which fails on any key the pages asked for and the catalogue lacked. The library's problems
 * (xk_licence_problem_key in src/) name their key and printf format: each key is in the
 * catalogue with one {N} per value the format puts in, and the English is the format's own.
 *
 * usage: node catalogue.test.js WEB_DIR
 * Prints one line per check and closes with 'N passed, N failed'; exit status 1 on a failure.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { latinWords } = require('./latin');

const WEB = process.argv[2];
const LANGS = ['zh', 'en'];
const results = { passed: 0, failed: 0 };

function check(name, ok, detail) {
  results[ok ? 'passed' : 'failed']++;
  console.log((ok ? 'ok   ' : 'FAIL ') + name + (ok ? '' : '\n     ' + String(detail || '').slice(0, 800)));
}

/* A catalogue is a flat object of strings; a key given twice in the file would silently keep
 * the last, so the file's own text is searched for repeats too. */
function load(lang) {
  const file = path.join(WEB, 'i18n', lang + '.json');
  const text = fs.readFileSync(file, 'utf8');
  const cat = JSON.parse(text);
  const keys = [...text.matchAll(/^\s*"((?:[^"\\]|\\.)*)"\s*:/gm)].map((m) => JSON.parse('"' + m[1] + '"'));
  const seen = new Set(), repeated = keys.filter((k) => seen.has(k) || !seen.add(k));
  check(`${lang}.json: no key given twice`, repeated.length === 0, repeated);
  const bad = Object.entries(cat).filter(([, v]) => typeof v !== 'string' || !v.trim()).map(([k]) => k);
  check(`${lang}.json: every message is a non-empty string`, bad.length === 0, bad);
  return cat;
}

/* {name}, or {name:family} (the message family.VALUE put in: app.js's t) */
const placeholders = (s) => [...new Set([...String(s).matchAll(/\{(\w+(?::[a-z_.]+)?)\}/g)].map((m) => m[1]))].sort().join(',');

/* Literal keys in the pages' script: arguments of t(…) and the key lists handed to it
 * (['f.number', …].map((k) => t(k))). A key is lower-case words joined by dots; the script's
 * own storage names (xuke.lang, xuke.token) are not messages. */
function usedKeys(script, html) {
  const keys = new Set();
  for (const m of script.matchAll(/'([a-z][a-z0-9_]*(?:\.[a-z0-9_-]+)+)'/g))
    if (!m[1].startsWith('xuke.')) keys.add(m[1]);
  for (const m of script.matchAll(/\bt\('([^']+)'\s*[,)]/g)) keys.add(m[1]);
  for (const m of html.matchAll(/data-i18n(?:-label|-placeholder)?="([^"]+)"/g)) keys.add(m[1]);
  return keys;
}

/* Prefixes of keys built at run time (t('st.' + status)): each names a family the catalogue has. */
function usedPrefixes(script) {
  return new Set([...script.matchAll(/\bt\('([a-z][a-z0-9_.]*\.)'\s*\+/g)].map((m) => m[1]));
}

const cats = Object.fromEntries(LANGS.map((l) => [l, load(l)]));
for (const a of LANGS) {
  for (const b of LANGS) {
    if (a === b) continue;
    const missing = Object.keys(cats[a]).filter((k) => !(k in cats[b]));
    check(`every key of ${a}.json is in ${b}.json`, missing.length === 0, missing);
  }
}
const mismatched = Object.keys(cats.zh).filter((k) => k in cats.en && placeholders(cats.zh[k]) !== placeholders(cats.en[k]));
check('each message has the same {placeholders} in every language', mismatched.length === 0,
  mismatched.map((k) => `${k}: zh {${placeholders(cats.zh[k])}} en {${placeholders(cats.en[k])}}`));

const script = fs.readFileSync(path.join(WEB, 'app.js'), 'utf8');
const html = fs.readFileSync(path.join(WEB, 'index.html'), 'utf8');
const used = usedKeys(script, html);
check('the pages name keys (the scan of app.js and index.html found some)', used.size > 50, used.size);
for (const l of LANGS) {
  const missing = [...used].filter((k) => !(k in cats[l]));
  check(`every key the pages name is in ${l}.json`, missing.length === 0, missing);
}
const prefixes = usedPrefixes(script);
check('the pages build keys at run time from a prefix (the scan found some)', prefixes.size > 3, [...prefixes]);
for (const l of LANGS) {
  const empty = [...prefixes].filter((p) => !Object.keys(cats[l]).some((k) => k.startsWith(p)));
  check(`every prefix the pages build keys from has keys in ${l}.json`, empty.length === 0, empty);
}
/* xk_licence_problem_key(lic, sev, line, "problem.KEY", "format" "…" …): the key and the format
 * (string literals joined, XK_REVIEW_PREFIX as its text) of each call in src/. */
function problemCalls(srcDir) {
  const files = [];
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p); else if (p.endsWith('.c')) files.push(p);
  });
  walk(srcDir);
  const out = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const re = /xk_licence_problem_key\([^,]+,[^,]+,[^,]+,\s*"([^"]+)",\s*((?:\s*(?:"(?:[^"\\]|\\.)*"|XK_REVIEW_PREFIX))+)/g;
    for (const m of text.matchAll(re)) {
      const format = [...m[2].matchAll(/"((?:[^"\\]|\\.)*)"|XK_REVIEW_PREFIX/g)]
        .map((x) => (x[1] === undefined ? 'needs review: ' : JSON.parse('"' + x[1] + '"'))).join('');
      out.push({ file: path.relative(srcDir, file), key: m[1], format });
    }
  }
  return out;
}
const CONVERSION = /%(%|[-+ #0]*(\*|\d+)?(\.(\*|\d+))?(hh|h|ll|l|z)?[diuxcs])/g;
const asTemplate = (format) => { let i = 0; return format.replace(CONVERSION, (all, c) => (c === '%' ? '%' : '{' + i++ + '}')); };
const calls = problemCalls(path.join(WEB, '..', 'src'));
check('the library names problems by key (the scan of src/ found them)', calls.length > 40, calls.length);
for (const l of LANGS) {
  const missing = calls.filter((c) => !(c.key in cats[l])).map((c) => c.file + ': ' + c.key);
  check(`every problem key the library names is in ${l}.json`, missing.length === 0, missing);
}
const unlike = calls.filter((c) => c.key in cats.en && cats.en[c.key] !== asTemplate(c.format))
  .map((c) => `${c.file}: ${c.key}: en "${cats.en[c.key]}", format "${asTemplate(c.format)}"`);
check('each problem\'s English in the catalogue is its format\'s, one {N} per value', unlike.length === 0, unlike);

/* Problems whose parameters are given apart from their English (xk_licence_problem_params, and
 * the overflow review_overflow puts in): each key is in every catalogue, and each {N:family} a
 * message of it names has keys under family. */
const keyedApart = new Set(['problem.review.overflow']);
(function scanApart(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) scanApart(p);
    else if (p.endsWith('.c'))
      for (const m of fs.readFileSync(p, 'utf8').matchAll(/xk_licence_problem_params\([^,]+,[^,]+,[^,]+,\s*"([^"]+)"/g)) keyedApart.add(m[1]);
  }
})(path.join(WEB, '..', 'src'));
check('the library gives some problems their parameters apart (the scan of src/ found them)', keyedApart.size >= 8, [...keyedApart]);
for (const l of LANGS) {
  const missing = [...keyedApart].filter((k) => !(k in cats[l]));
  check(`every problem key given with its parameters apart is in ${l}.json`, missing.length === 0, missing);
  const families = [...new Set(Object.values(cats[l]).flatMap((v) => [...v.matchAll(/\{\w+:([a-z_.]+)\}/g)].map((m) => m[1])))];
  const empty = families.filter((f) => !Object.keys(cats[l]).some((k) => k.startsWith(f + '.')));
  check(`every {N:family} in ${l}.json names a family it has`, families.length > 0 && empty.length === 0, empty);
}

/* Every error code the server answers with (xk_srv_error(resp, STATUS, "code", …), the transport's
 * refuse(…, STATUS, "code", …), forbidden's "code": "forbidden") has its meaning, err.CODE, in every
 * language: a page shows that, never the server's English alone. */
function errorCodes(serverDir) {
  const codes = new Set();
  for (const f of fs.readdirSync(serverDir).filter((n) => n.endsWith('.c'))) {
    const text = fs.readFileSync(path.join(serverDir, f), 'utf8');
    for (const m of text.matchAll(/(?:xk_srv_error|refuse)\([^;]*?,\s*\d{3},\s*"([a-z_]+)"/g)) codes.add(m[1]);
    for (const m of text.matchAll(/"code",\s*"([a-z_]+)"/g)) codes.add(m[1]);
  }
  return codes;
}
const codes = errorCodes(path.join(WEB, '..', 'src', 'server'));
check('the server answers with error codes (the scan of src/server found them)', codes.size >= 14, [...codes]);
for (const l of LANGS) {
  const missing = [...codes].filter((c) => !('err.' + c in cats[l]));
  check(`every error code the server answers with has err.CODE in ${l}.json`, missing.length === 0, missing);
}

/* the Chinese catalogue is Chinese: the values put in ({name}) aside, no Latin word outside the
 * codes and names latin.js allows (the browser walk checks the same on the pages drawn) */
const latin = Object.entries(cats.zh).map(([k, v]) => [k, latinWords(v.replace(/\{\w+(?::[a-z_.]+)?\}/g, ' '))])
  .filter(([, words]) => words.length).map(([k, words]) => k + ': ' + words.join(' '));
check('zh.json has no Latin word outside codes and the allowed names', latin.length === 0, latin);

check('the pages carry no message table of their own (one catalogue)', !/const I18N\s*=/.test(script));

console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
