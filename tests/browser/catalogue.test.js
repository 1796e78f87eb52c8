/*
 * The message catalogue (web/i18n/LANG.json) against itself and against the pages that use it,
 * without a browser: every language has the same keys, each a non-empty string with the same
 * {placeholders}; every key the pages name literally (t('key'), a key list handed to t,
 * data-i18n="key" and its -label/-placeholder forms in index.html) is in the catalogue.
 * Keys built at run time (t('st.' + status)) are checked by the browser walk in pages.test.js,
 * which fails on any key the pages asked for and the catalogue lacked.
 *
 * usage: node catalogue.test.js WEB_DIR
 * Prints one line per check and closes with 'N passed, N failed'; exit status 1 on a failure.
 */
'use strict';

const fs = require('fs');
const path = require('path');

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

const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');

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
check('the pages carry no message table of their own (one catalogue)', !/const I18N\s*=/.test(script));

console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
