#!/usr/bin/python3
"""Field accuracy of `xuke parse` on generated licences (tests/tools/licgen.py), per layout, on
the tuning part (seed 1, what the extractor is developed against) and the held-out part
(seed 2, only measured). A field is the number, issuer, company, legal representative, each
date, the set of services, each website's name, domains, server location and access provider,
and each provision's text. A wrong field is "flagged" when the record carries a review warning
(needs review: …) or an error; "not flagged" counts wrong fields of records without one, plus
every slip the generator printed (a misread province or numeral) that no review warning names.

usage: extraction_accuracy.py XUKE [--count N] [--markdown]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tests', 'tools'))
import licgen  # noqa: E402

TUNING_SEED, HELDOUT_SEED = 1, 2


def fields(rec):
    """(name, value) pairs of a record, expected or extracted."""
    out = [(k, rec.get(k)) for k in ('number', 'issuer', 'company', 'legal_representative', 'issued', 'expires')]
    out.append(('services', sorted(s if isinstance(s, str) else s.get('code') for s in rec.get('services') or [])))
    for i, w in enumerate(rec.get('websites') or []):
        for k in ('name', 'domains', 'server_location', 'access_provider'):
            out.append((f'websites[{i}].{k}', w.get(k)))
    for p in rec.get('provisions') or []:
        out.append((f'provision {p.get("no")}', p.get('text')))
    return out


def score(expected, got):
    """(fields right, fields in all, wrong ones)."""
    want = fields(expected)
    have = dict(fields(got)) if got else {}
    wrong = [k for k, v in want if have.get(k) != v]
    extra = [k for k in have if k not in dict(want)]
    return len(want) - len(wrong), len(want) + len(extra), wrong + extra


def parse_all(xuke, paths):
    """One JSON record (or None) per path, from one `xuke parse --json` run per file."""
    out = []
    for p in paths:
        r = subprocess.run([xuke, 'parse', '--json', p], capture_output=True, text=True, timeout=120)
        try:
            out.append((json.loads(r.stdout), r.stderr) if r.stdout.strip() else (None, r.stderr))
        except ValueError:
            out.append((None, r.stderr))
    return out


def measure(xuke, seed, count, work):
    docs = licgen.generate(seed, count)
    paths = []
    for name, data, _ in docs:
        path = os.path.join(work, f'{seed}_{name}.txt')
        with open(path, 'wb') as f:
            f.write(data)
        paths.append(path)
    per = {}
    examples = {}
    for (name, _, exp), (got, err) in zip(docs, parse_all(xuke, paths)):
        layout = name.split('_')[0]
        right, total, wrong = score(exp, got)
        flagged = got is None or any(w.startswith('needs review') for w in (got or {}).get('warnings', []))
        row = per.setdefault(layout, [0, 0, 0, 0])
        row[0] += right
        row[1] += total
        row[2] += 0 if flagged else len(wrong)
        row[3] += 1
        # a slip the generator printed must be named by a review warning, right or wrong
        reviews = [w for w in (got or {}).get('warnings', []) if w.startswith('needs review')]
        row[2] += sum(1 for slip in exp.get('slips', []) if got and not any(slip in w for w in reviews))
        if wrong and layout not in examples:
            examples[layout] = f'{name}: {wrong[:4]} {err.strip()[:200]}'
    return per, examples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('xuke')
    ap.add_argument('--count', type=int, default=40, help='documents per layout and part')
    ap.add_argument('--markdown', action='store_true')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix='xuke-accuracy-') as work:
        parts = [('tuning', TUNING_SEED), ('held-out', HELDOUT_SEED)]
        results = {p: measure(a.xuke, seed, a.count, work) for p, seed in parts}
    rows = ['| layout | tuning: fields right | held-out: fields right | held-out: wrong or repaired, not flagged |',
            '|---|---|---|---|']
    for layout in licgen.LAYOUTS:
        t = results['tuning'][0][layout]
        h = results['held-out'][0][layout]
        rows.append(f'| {layout} ({h[3]} documents) | {100 * t[0] / t[1]:.2f} % of {t[1]} | '
                    f'{100 * h[0] / h[1]:.2f} % of {h[1]} | {h[2]} |')
    tt = [sum(r[i] for r in results['tuning'][0].values()) for i in range(3)]
    ht = [sum(r[i] for r in results['held-out'][0].values()) for i in range(3)]
    rows.append(f'| all | {100 * tt[0] / tt[1]:.2f} % of {tt[1]} | {100 * ht[0] / ht[1]:.2f} % of {ht[1]} | {ht[2]} |')
    print('\n'.join(rows) if a.markdown else '\n'.join(r.replace('|', ' ').strip() for r in rows if '---' not in r))
    if a.verbose:
        for p in results:
            for layout, ex in results[p][1].items():
                print(f'{p} {layout}: {ex}', file=sys.stderr)


main()
