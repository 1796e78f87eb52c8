"""OCR benchmark: the licence fixtures rendered as scans in several styles, read by `xuke parse
--pages --json` on one core (OMP_THREAD_LIMIT=1), and scored field by field against the expected
records (tests/tools/ocr_eval.py). Prints, per style: seconds per page, field accuracy, wrong
fields flagged for review and wrong fields NOT flagged, beside the targets (99 % clean, 97 %
noisy, 0 unflagged, 3 s a page). With --markdown prints the table for docs/BENCHMARKS.md.

With --synthetic N, N licences of tests/tools/corpus.py (every field varied; not the fixtures'
layout of names and domains) are scored instead, each expected record being `xuke parse` of its
text (cross-checked with the generator's own facts).

--font, --points and --dpi print the pages otherwise than the default Noto Sans CJK SC 14 pt at
200 dpi (a serif face, a low-resolution scan).

With --pdf each licence's pages are read as one image-only PDF (img2pdf: the page images embedded
as they are, with no resolution of their own), the path a scanner's PDF takes: the images are
read at their own resolution, not rendered again.

usage: ocr_bench.py XUKE FIXTURES_DIR WORK_DIR [--styles clean,noisy] [--docs N] [--clean MODE]
                    [--languages L] [--synthetic N] [--font F] [--points N] [--dpi N] [--pdf]
                    [--markdown] [--heldout N [--seed S]] [--by-field] [--verbose]"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'tools'))
import corpus  # noqa: E402
import heldout  # noqa: E402
import ocr_eval  # noqa: E402
import render  # noqa: E402


def read_text(path):
    raw = open(path, 'rb').read()
    for enc in ('utf-8-sig', 'gb18030'):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    raise ValueError(path)


def fixtures(root):
    for txt in sorted(glob.glob(os.path.join(root, 'seeds', '*.txt')) + glob.glob(os.path.join(root, 'docs', '*.txt'))):
        yield os.path.basename(txt)[:-4], read_text(txt), json.load(open(txt[:-4] + '.json', encoding='utf-8'))


def synthetic(xuke, n):
    for i in range(n):
        text, facts = corpus.document(i)
        p = subprocess.run([xuke, 'parse', '--json', '-'], input=text.encode(), capture_output=True, check=True)
        rec = json.loads(p.stdout)
        for k in ('number', 'company', 'legal_representative', 'issued', 'expires'):
            assert rec[k] == facts[k], (i, k, rec[k], facts[k])
        assert [d for w in rec.get('websites', []) for d in w['domains']] == facts['domains'], i
        yield f'synthetic_{i:03d}', text, rec


def held_out(xuke, n, seed):
    """n licences of tests/tools/heldout.py, each with its own print (face, dpi, size); the
    expected record is `xuke parse` of the text, cross-checked with the generator's facts."""
    for name, text, facts, print_ in heldout.licences(n, seed):
        p = subprocess.run([xuke, 'parse', '--json', '-'], input=text.encode(), capture_output=True)
        rec = json.loads(p.stdout)
        for k in ('number', 'company', 'legal_representative', 'issued', 'expires'):
            assert rec[k] == facts[k], (name, k, rec[k], facts[k])
        assert [d for w in rec.get('websites', []) for d in w['domains']] == facts['domains'], name
        yield name, text, rec, print_


# `damaged`: each held-out licence in one of these, in turn (tilt ≤ 2°, noise, blur, JPEG, phone)
DAMAGE = ('tilted', 'noisy', 'blurred', 'photo', 'phone')


def run(xuke, pages, extra, one_core=True):
    env = dict(os.environ)
    if one_core:
        env['OMP_THREAD_LIMIT'] = '1'
    else:
        env.pop('OMP_THREAD_LIMIT', None)
    t0 = time.monotonic()
    p = subprocess.run([xuke, 'parse', '--pages', '--json', *extra, *pages], capture_output=True, env=env)
    took = time.monotonic() - t0
    rec = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None
    return rec, took, p.stderr.decode('utf-8', 'replace')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('xuke')
    ap.add_argument('fixtures')
    ap.add_argument('work')
    ap.add_argument('--styles', default=','.join(render.STYLES))
    ap.add_argument('--docs', type=int, default=0)
    ap.add_argument('--clean', default=None)
    ap.add_argument('--languages', default=None)
    ap.add_argument('--synthetic', type=int, default=0)
    ap.add_argument('--heldout', type=int, default=0, help='N held-out licences (tests/tools/heldout.py)')
    ap.add_argument('--seed', type=int, default=heldout.SEED)
    ap.add_argument('--font', default=render.FONT, help="e.g. 'Noto Serif CJK SC'")
    ap.add_argument('--points', type=int, default=render.POINTS)
    ap.add_argument('--dpi', type=int, default=render.DPI)
    ap.add_argument('--pdf', action='store_true', help='each licence read as one image-only PDF')
    ap.add_argument('--markdown', action='store_true')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--by-field', action='store_true',
                    help='also print, per style and kind of field, right-clean, right-flagged, '
                         'wrong-flagged, wrong-unflagged and fields of refused licences')
    a = ap.parse_args()
    extra = (['--clean', a.clean] if a.clean else []) + (['--languages', a.languages] if a.languages else [])
    if a.heldout:
        docs = list(held_out(a.xuke, a.heldout, a.seed))
    else:
        base = dict(font=a.font, points=a.points, dpi=a.dpi)
        docs = [(*d, base) for d in (synthetic(a.xuke, a.synthetic) if a.synthetic else fixtures(a.fixtures))]
    if a.docs:
        docs = docs[:a.docs]
    rows, by_field = [], {}
    for style in a.styles.split(','):
        tot = {'fields': 0, 'right': 0, 'flagged': 0, 'unflagged': 0, 'refused': 0, 'pages': 0,
               'seconds': 0.0, 'right_flagged': 0}
        for k, (name, text, expected, print_) in enumerate(docs):
            out = os.path.join(a.work, style, name)
            drawn = DAMAGE[k % len(DAMAGE)] if style == 'damaged' else style
            pages = render.pages(text, out, drawn, **print_)
            files = [render.image_pdf(pages, out + '.pdf')] if a.pdf else pages
            rec, took, err = run(a.xuke, files, extra)
            s = ocr_eval.score(expected, rec)
            tot['fields'] += s['fields']
            tot['right'] += s['right']
            tot['flagged'] += len(s['wrong_flagged'])
            tot['unflagged'] += len(s['wrong_unflagged'])
            tot['refused'] += s['refused']
            tot['right_flagged'] += s['right_flagged']
            tot['pages'] += len(pages)
            tot['seconds'] += took
            count_by_field(by_field.setdefault(style, {}), expected, s)
            if a.verbose and (s['wrong_unflagged'] or s['refused'] or s['wrong_flagged']):
                print(f'  {style} {name} {drawn} {print_}: refused={s["refused"]} '
                      f'unflagged={s["wrong_unflagged"]} flagged={s["wrong_flagged"]}', file=sys.stderr)
                if s['refused']:
                    print('    ' + err.strip().replace('\n', '\n    ')[:800], file=sys.stderr)
        rows.append((style, tot))
    target = {'clean': 97.0 if a.heldout else 99.0}
    if a.heldout:
        target['damaged'] = 95.0
    threads = (threads_check(a.xuke, a.work, extra)
               if 'clean' in a.styles.split(',') and not a.heldout and not a.pdf else None)
    if a.markdown:
        print('| style | pages | s/page (1 core) | fields right | right, clean | right but flagged | wrong, flagged | wrong, NOT flagged | refused docs | target |')
        print('|---|---|---|---|---|---|---|---|---|---|')
    for style, t in rows:
        acc = 100.0 * t['right'] / max(1, t['fields'])
        spp = t['seconds'] / max(1, t['pages'])
        goal = target.get(style, 97.0)
        if a.markdown:
            rf = 100.0 * t['right_flagged'] / max(1, t['right'])
            print(f'| {style} | {t["pages"]} | {spp:.2f} | {t["right"]}/{t["fields"]} = {acc:.1f} % | '
                  f'{t["right"] - t["right_flagged"]} | {t["right_flagged"]} ({rf:.0f} % of right) | '
                  f'{t["flagged"]} | {t["unflagged"]} | {t["refused"]} | '
                  f'≥ {goal:.0f} %, 0 unflagged, ≤ 10 % of right flagged, ≤ 3 s |')
        else:
            print(f'ocr {style:8s} {t["pages"]:3d} pages  {spp:5.2f} s/page (target ≤ 3.00)  '
                  f'fields {acc:5.1f} % right (target ≥ {goal:.0f} %)  wrong flagged {t["flagged"]:3d}  '
                  f'wrong NOT flagged {t["unflagged"]:3d} (target 0)  right clean {t["right"] - t["right_flagged"]:3d}  '
                  f'right but flagged {t["right_flagged"]:3d}  '
                  f'refused {t["refused"]}')

    if a.by_field:
        print_by_field(by_field, a.markdown)
    if threads:
        pages, one, default = threads
        line = (f'{pages} pages, the biggest clean licence: {default / pages:.2f} s/page as a user runs it '
                f'(OpenMP left to Tesseract) beside {one / pages:.2f} s/page on one core (OMP_THREAD_LIMIT=1)')
        print(('\n' + line + '.') if a.markdown else 'ocr threads  ' + line)


def kind(field):
    """The kind of a scored field: 'service B25' -> 'service', 'provision 3' -> 'provision'."""
    return field.split(' ', 1)[0]


def count_by_field(counts, expected, s):
    """Adds one licence's score s to counts[kind] = [right clean, right flagged, wrong flagged,
    wrong unflagged, refused]; extra (invented) fields count as wrong of their kind."""
    for name in s['right_fields']:
        counts.setdefault(kind(name), [0] * 5)[1 if name in s['right_flagged_fields'] else 0] += 1
    for name in s['wrong_flagged']:
        counts.setdefault(kind(name), [0] * 5)[2] += 1
    for name in s['wrong_unflagged']:
        counts.setdefault(kind(name), [0] * 5)[3] += 1
    if s['refused']:
        for name in ocr_eval.fields(expected):
            counts.setdefault(kind(name), [0] * 5)[4] += 1


def print_by_field(by_field, markdown):
    head = ('style', 'field', 'right, clean', 'right, flagged', 'wrong, flagged', 'wrong, NOT flagged',
            'in refused licences')
    if markdown:
        print('\n| ' + ' | '.join(head) + ' |\n|' + '---|' * len(head))
    for style, counts in by_field.items():
        for k in sorted(counts):
            c = counts[k]
            if markdown:
                print(f'| {style} | {k} | ' + ' | '.join(str(v) for v in c) + ' |')
            else:
                print(f'field {style:8s} {k:22s} right clean {c[0]:4d}  right flagged {c[1]:4d}  '
                      f'wrong flagged {c[2]:4d}  wrong NOT flagged {c[3]:4d}  refused {c[4]:4d}')


def threads_check(xuke, work, extra):
    """Wall time of the biggest clean licence read as a user runs xuke (no OMP_THREAD_LIMIT) and on
    one core, each the best of two: Tesseract's OpenMP threads must not cost more than they give."""
    biggest = max(filter(os.path.isdir, glob.glob(os.path.join(work, 'clean', '*'))),
                  key=lambda d: len(os.listdir(d)), default=None)
    if not biggest:
        return None
    pages = sorted(glob.glob(os.path.join(biggest, '*.png')))
    one = min(run(xuke, pages, extra)[1] for _ in range(2))
    default = min(run(xuke, pages, extra, one_core=False)[1] for _ in range(2))
    return len(pages), one, default


if __name__ == '__main__':
    main()
