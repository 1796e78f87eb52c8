"""Tesseract's confusions on licence print, counted over many renders: which character it reads for
which, how often it loses or adds one, how many characters of a printed line it gets wrong, and
how sure it was when right and when wrong. The repair tables of src/ocr (look-alikes, the noise a
snap may absorb: OCR_NOISE_PER in src/ocr/ocr_internal.h) cite these counts.

The text is licences of tests/tools/heldout.py drawn from TUNING seeds only (the held-out seed is
refused: no count may come from the licences that judge the reader). Each licence is printed in
its turn of a grid of faces (Noto Serif CJK SC, Noto Sans CJK SC, AR PL UMing CN), resolutions
(150-300 dpi), sizes (12-14 pt) and damage (clean, noisy, blurred, photo, phone, tilted), drawn by
tests/tools/render.py, and read by Tesseract itself through its C API (libtesseract, chi_sim, one
column of lines: the reader's page layout) without any of the reader's cleaning or repairs: the
counts are Tesseract's, not xuke's.

Alignment: per page, the printed characters and the read ones (spaces aside) are matched by
difflib; a replaced run of equal length is substitutions character by character, any other run is
aligned by edit distance.

usage: ocr_confusions.py OUT_TABLE WORK_DIR [--seeds 1,2,3] [--licences 16] [--min-count 1]
       (run with /usr/bin/python3, OMP_THREAD_LIMIT=1; `make confusions` writes
       data/ocr_confusions.txt)"""
import argparse
import collections
import ctypes
import difflib
import itertools
import os
import random
import statistics
import unicodedata
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'tools'))
import heldout  # noqa: E402
import render  # noqa: E402

FONTS = heldout.FONTS
DPIS = (150, 200, 240, 300)
POINTS = (12, 13, 14)
STYLES = ('clean', 'noisy', 'blurred', 'photo', 'phone', 'tilted')
PSM_SINGLE_COLUMN = 4  # src/ocr/ocr_internal.h: OCR_PAGE_LAYOUT
RIL_TEXTLINE, RIL_SYMBOL = 2, 4
NOISE_PERS = (10, 15, 20, 30, 50)  # the "one in N" rules the line counts are tried against
LINE_MIN_CHARS = 10  # lines shorter than this say little about a rate


class Tesseract:
    """Tesseract's C API through ctypes: each symbol read with its confidence and the LSTM's
    other choices for it."""

    def __init__(self, lang='chi_sim'):
        t = ctypes.CDLL('libtesseract.so.5')
        self.lept = ctypes.CDLL('liblept.so.5')
        vp, cp, i, f = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_float
        sig = {
            'TessBaseAPICreate': ([], vp), 'TessBaseAPIInit3': ([vp, cp, cp], i),
            'TessBaseAPISetPageSegMode': ([vp, i], None), 'TessBaseAPISetVariable': ([vp, cp, cp], i),
            'TessBaseAPISetImage2': ([vp, vp], None), 'TessBaseAPIRecognize': ([vp, vp], i),
            'TessBaseAPIGetIterator': ([vp], vp), 'TessResultIteratorGetPageIterator': ([vp], vp),
            'TessPageIteratorIsAtBeginningOf': ([vp, i], i), 'TessResultIteratorNext': ([vp, i], i),
            'TessResultIteratorGetUTF8Text': ([vp, i], vp), 'TessResultIteratorConfidence': ([vp, i], f),
            'TessResultIteratorGetChoiceIterator': ([vp], vp), 'TessChoiceIteratorGetUTF8Text': ([vp], cp),
            'TessChoiceIteratorNext': ([vp], i), 'TessChoiceIteratorDelete': ([vp], None),
            'TessResultIteratorDelete': ([vp], None), 'TessDeleteText': ([vp], None),
            'TessBaseAPIClear': ([vp], None), 'TessBaseAPIEnd': ([vp], None),
            'TessBaseAPIDelete': ([vp], None), 'TessVersion': ([], cp),
        }
        for name, (args, res) in sig.items():
            fn = getattr(t, name)
            fn.argtypes, fn.restype = args, res
        self.lept.pixRead.argtypes, self.lept.pixRead.restype = [cp], vp
        self.lept.pixDestroy.argtypes, self.lept.pixDestroy.restype = [ctypes.POINTER(vp)], None
        self.t = t
        self.api = t.TessBaseAPICreate()
        if t.TessBaseAPIInit3(self.api, None, lang.encode()) != 0:
            raise RuntimeError(f'Tesseract cannot load {lang}')
        t.TessBaseAPISetPageSegMode(self.api, PSM_SINGLE_COLUMN)
        t.TessBaseAPISetVariable(self.api, b'lstm_choice_mode', b'2')
        self.version = t.TessVersion().decode()

    def text(self, ptr):
        s = ctypes.cast(ptr, ctypes.c_char_p).value.decode('utf-8', 'replace')
        self.t.TessDeleteText(ptr)
        return s

    def read(self, image):
        """[(character, confidence, other choices)] of the page, '\\n' between lines."""
        t = self.t
        pix = self.lept.pixRead(image.encode())
        if not pix:
            raise RuntimeError(f'{image}: leptonica cannot read it')
        t.TessBaseAPISetImage2(self.api, pix)
        out = []
        if t.TessBaseAPIRecognize(self.api, None) == 0:
            it = t.TessBaseAPIGetIterator(self.api)
            pi = t.TessResultIteratorGetPageIterator(it) if it else None
            while it:
                if out and t.TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE):
                    out.append(('\n', 100.0, ()))
                ptr = t.TessResultIteratorGetUTF8Text(it, RIL_SYMBOL)
                if ptr:
                    sym = self.text(ptr)
                    conf = t.TessResultIteratorConfidence(it, RIL_SYMBOL)
                    out.append((sym, conf, self.choices(it)))
                if not t.TessResultIteratorNext(it, RIL_SYMBOL):
                    break
            if it:
                t.TessResultIteratorDelete(it)
        t.TessBaseAPIClear(self.api)
        p = ctypes.c_void_p(pix)
        self.lept.pixDestroy(ctypes.byref(p))
        return out

    def choices(self, it):
        ci = self.t.TessResultIteratorGetChoiceIterator(it)
        seen = []
        while ci:
            s = self.t.TessChoiceIteratorGetUTF8Text(ci)
            if s:
                seen.append(s.decode('utf-8', 'replace'))
            if not self.t.TessChoiceIteratorNext(ci):
                break
        if ci:
            self.t.TessChoiceIteratorDelete(ci)
        return tuple(seen)

    def close(self):
        self.t.TessBaseAPIEnd(self.api)
        self.t.TessBaseAPIDelete(self.api)


def edit_ops(a, b):
    """Edit-distance alignment of a and b: [('sub', i, j) | ('del', i, None) | ('ins', None, j)]
    for every position that is not a match."""
    n, m = len(a), len(b)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    ops, i, j = [], n, m
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            if a[i - 1] != b[j - 1]:
                ops.append(('sub', i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and d[i][j] == d[i - 1][j] + 1:
            ops.append(('del', i - 1, None))
            i -= 1
        else:
            ops.append(('ins', None, j - 1))
            j -= 1
    return ops[::-1]


def align(truth, read):
    """Matches, substitutions (i, j), losses (i) and additions (j) of read against truth."""
    sm = difflib.SequenceMatcher(None, truth, read, autojunk=False)
    same, subs, lost, added = [], [], [], []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == 'equal':
            same += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        elif tag == 'delete':
            lost += range(i1, i2)
        elif tag == 'insert':
            added += range(j1, j2)
        elif i2 - i1 == j2 - j1:
            subs += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        elif (i2 - i1) * (j2 - j1) <= 40000:
            for op, i, j in edit_ops(truth[i1:i2], read[j1:j2]):
                if op == 'sub':
                    subs.append((i1 + i, j1 + j))
                elif op == 'del':
                    lost.append(i1 + i)
                else:
                    added.append(j1 + j)
        else:
            lost += range(i1, i2)
            added += range(j1, j2)
    return same, subs, lost, added


def is_han(ch):
    return '\u4e00' <= ch <= '\u9fff' or '\u3400' <= ch <= '\u4dbf'


def is_word(ch):
    """A character xk_ocr_within_noise compares: Chinese, a letter or a digit (either width)."""
    return is_han(ch) or unicodedata.normalize('NFKC', ch).isascii() and unicodedata.normalize('NFKC', ch).isalnum()


def same_but_width(a, b):
    """（ read as (, ： as :: the same mark in the other width, which the reader folds."""
    return a != b and unicodedata.normalize('NFKC', a) == unicodedata.normalize('NFKC', b)


class Counts:
    def __init__(self):
        self.pairs = collections.Counter()          # (true, read) -> count
        self.pair_renders = collections.defaultdict(set)
        self.pair_conf = collections.defaultdict(list)
        self.pair_choice = collections.Counter()    # the true character among the LSTM's choices
        self.lost = collections.Counter()
        self.added = collections.Counter()
        self.chars = self.han = self.right = 0
        self.right_conf, self.wrong_conf = [], []
        self.line_rates = []  # (word characters, read as other word characters, lost/added/unworded)
        self.para_rates = []  # the same for each paragraph (a text line wrapped over page lines)
        self.width = collections.Counter()           # (true, read) of a mark read in the other width
        self.by_print = collections.defaultdict(lambda: [0, 0])  # (what, value) -> [chars, wrong]
        self.pages = self.renders = self.doubled = 0
        self.seconds = 0.0

    def page(self, truth_lines, symbols, render_id, print_):
        truth, line_of = [], []
        for k, line in enumerate(truth_lines):
            for ch in line:
                if not ch.isspace():
                    truth.append(ch)
                    line_of.append(k)
        read = [(s, c, ch) for s, c, ch in symbols if s.strip() and s != '\n']
        same, subs, lost, added = align(''.join(truth), ''.join(s for s, _, _ in read))
        # a symbol of more than one character (rare) would shift the alignment: read is
        # joined from symbols, so index by character
        flat = [(ch, c, alts) for s, c, alts in read for ch in s]
        self.pages += 1
        self.chars += len(truth)
        self.han += sum(map(is_han, truth))
        self.right += len(same)
        self.right_conf += [flat[j][1] for _, j in same]
        per_line = collections.defaultdict(lambda: [0, 0])
        for i, j in subs:
            t, (r, conf, alts) = truth[i], flat[j]
            if same_but_width(t, r):
                self.width[(t, r)] += 1
                self.right += 1
                continue
            self.pairs[(t, r)] += 1
            self.pair_renders[(t, r)].add(render_id)
            self.pair_conf[(t, r)].append(conf)
            self.pair_choice[(t, r)] += t in alts
            self.wrong_conf.append(conf)
            if is_word(t) and is_word(r):
                per_line[line_of[i]][0] += 1
            elif is_word(t) or is_word(r):
                per_line[line_of[i]][1] += 1
        for i in lost:
            self.lost[truth[i]] += 1
            per_line[line_of[i]][1] += is_word(truth[i])
        for j in added:
            ch = flat[j][0]
            self.added[ch] += 1
            # a character read twice ("管理人人员" for 管理人员): the same beside it in the reading
            near = [flat[k][0] for k in (j - 1, j + 1) if 0 <= k < len(flat)]
            self.doubled += is_han(ch) and ch in near
        # a printed paragraph (a provision, a clause) is one line of the text, wrapped over lines
        # of the page; a snap compares a paragraph, so its rate is what the noise rule is for
        unit = [0, 0, 0]
        for k, line in enumerate(truth_lines):
            n = sum(map(is_word, line))
            if n >= LINE_MIN_CHARS:
                self.line_rates.append((n, *per_line[k]))
            unit = [unit[0] + n, unit[1] + per_line[k][0], unit[2] + per_line[k][1]]
            if sum(map(render.columns, line)) < render.WRAP * 2 - 1:  # not wrapped: its end
                if unit[0] >= LINE_MIN_CHARS:
                    self.para_rates.append(tuple(unit))
                unit = [0, 0, 0]
        wrong = len(subs) + len(lost) - sum(same_but_width(truth[i], flat[j][0]) for i, j in subs)
        for what in ('font', 'dpi', 'style'):
            cell = self.by_print[(what, print_[what])]
            cell[0] += len(truth)
            cell[1] += wrong


def grid(seeds, per_seed):
    """(name, text, print) of each licence of the tuning seeds, each printed in its turn of the
    grid of faces, resolutions and damage (in an order shuffled once, so that a short run still
    spreads over all of them), the size in turn."""
    cells = list(itertools.product(FONTS, DPIS, STYLES))
    random.Random(0).shuffle(cells)
    k = 0
    for seed in seeds:
        if seed == heldout.SEED:
            raise SystemExit(f'seed {seed} is the held-out set: no count may come from it')
        for name, text, _, _ in heldout.licences(per_seed, seed):
            font, dpi, style = cells[k % len(cells)]
            yield f'seed{seed}_{name}', text, dict(font=font, dpi=dpi, style=style,
                                                 points=POINTS[k % len(POINTS)])
            k += 1


def pct(xs, q):
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def within(n, subs, per):
    return subs <= max(1, n // per)


def package_version(name):
    p = subprocess.run(['dpkg-query', '-W', '-f=${Version}', name], capture_output=True, text=True)
    return p.stdout.strip() or 'unknown'


def write_table(path, c, a, tess_version, command):
    wrong = sum(c.pairs.values())
    lines = c.line_rates
    out = [
        '# Tesseract\'s character confusions on licence print: bench/ocr_confusions.py wrote this file;',
        '# do not edit it by hand (run `make confusions` again). The repair tables of src/ocr cite it.',
        f'# command: {command}',
        f'# tesseract {tess_version}, chi_sim from tesseract-ocr-chi-sim {package_version("tesseract-ocr-chi-sim")},'
        f' page layout {PSM_SINGLE_COLUMN} (one column), no cleaning or repair',
        f'# text: tests/tools/heldout.py licences of tuning seeds {",".join(map(str, a.seeds))}'
        f' ({a.licences} a seed); the held-out seed {heldout.SEED} is never read',
        f'# renders: {c.renders} licences, {c.pages} pages; faces {", ".join(FONTS)}; dpi {", ".join(map(str, DPIS))};'
        f' points {", ".join(map(str, POINTS))}; damage {", ".join(STYLES)} (tests/tools/render.py)',
        f'# characters printed {c.chars} (Chinese {c.han}); read right {c.right}; read as another {wrong};'
        f' lost {sum(c.lost.values())}; added {sum(c.added.values())}',
    ]
    for what in ('font', 'dpi', 'style'):
        cells = sorted((k[1], v) for k, v in c.by_print.items() if k[0] == what)
        out.append(f'# wrong (read as another or lost) by {what}: ' +
                   '; '.join(f'{v} {100.0 * w / max(1, n):.2f} %' for v, (n, w) in cells))
    han_lost = sum(n for ch, n in c.lost.items() if is_han(ch))
    han_added = sum(n for ch, n in c.added.items() if is_han(ch))
    out.append(f'# Chinese characters lost {han_lost}, added {han_added} (of them a character read twice, '
               f'the same beside it: {c.doubled}), in {c.han} printed')
    for what, rates in (('printed lines', lines), ('paragraphs (a text line wrapped over printed lines)', c.para_rates)):
        kept = [(n, sw) for n, sw, d in rates if not d]
        out.append(f'# {what} of {LINE_MIN_CHARS}+ word characters (Chinese, letters, digits): {len(rates)}; '
                   f'with every word character read right: {sum(1 for _, sw, d in rates if not sw and not d)}; '
                   f'with a word character lost, added or read as a mark: {len(rates) - len(kept)}')
        for per in NOISE_PERS:
            ok = sum(1 for n, sw in kept if within(n, sw, per))
            out.append(f'#   of the {len(kept)} whose word count was kept, those with at most one in {per} read'
                       f' as another (at least one allowed): {ok} = {100.0 * ok / max(1, len(kept)):.2f} %')
    out.append(f'# confidence of characters read right: median {statistics.median(c.right_conf or [0]):.0f},'
               f' 10th percentile {pct(c.right_conf, 0.1):.0f}, 1st {pct(c.right_conf, 0.01):.0f};'
               f' read as another: median {statistics.median(c.wrong_conf or [0]):.0f},'
               f' 90th percentile {pct(c.wrong_conf, 0.9):.0f}')
    chosen = sum(c.pair_choice.values())
    out.append(f'# characters read as another whose true character was among the LSTM\'s other choices:'
               f' {chosen} of {wrong}')
    out.append(f'# {c.seconds:.0f} s of reading')
    out.append('#')
    out.append('# printed\tread\tcount\trenders\tmean confidence\ttrue among choices')
    for (t, r), n in sorted(c.pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        if n < a.min_count:
            continue
        conf = statistics.mean(c.pair_conf[(t, r)])
        out.append(f'{t}\t{r}\t{n}\t{len(c.pair_renders[(t, r)])}\t{conf:.0f}\t{c.pair_choice[(t, r)]}')
    out.append('#')
    out.append('# width\tprinted\tread\tcount: a mark read in its other width (folded by the reader, counted as right)')
    for (t, r), n in sorted(c.width.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f'width\t{t}\t{r}\t{n}')
    out.append('# lost\tprinted\tcount: printed, not read')
    for ch, n in sorted(c.lost.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= a.min_count:
            out.append(f'lost\t{ch}\t{n}')
    out.append('# added\tread\tcount: read, not printed')
    for ch, n in sorted(c.added.items(), key=lambda kv: (-kv[1], kv[0])):
        if n >= a.min_count:
            out.append(f'added\t{ch}\t{n}')
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('work')
    ap.add_argument('--seeds', default='1,2,3')
    ap.add_argument('--licences', type=int, default=16, help='licences a seed')
    ap.add_argument('--min-count', type=int, default=1)
    a = ap.parse_args()
    a.seeds = [int(s) for s in a.seeds.split(',')]
    command = 'OMP_THREAD_LIMIT=1 /usr/bin/python3 bench/ocr_confusions.py ' + ' '.join(
        [os.path.relpath(a.out) if not os.path.isabs(a.out) else a.out, 'WORK',
         f'--seeds {",".join(map(str, a.seeds))}', f'--licences {a.licences}', f'--min-count {a.min_count}'])
    tess = Tesseract()
    c = Counts()
    for name, text, print_ in grid(a.seeds, a.licences):
        out = os.path.join(a.work, name)
        style = print_['style']
        images = render.pages(text, out, style, font=print_['font'], dpi=print_['dpi'], points=print_['points'])
        drawn = render.paginate(render.wrap(text))
        t0 = time.monotonic()
        for image, lines in zip(images, drawn):
            c.page(lines, tess.read(image), name, print_)
        c.seconds += time.monotonic() - t0
        c.renders += 1
        print(f'{name} {print_}: {c.pages} pages, {sum(c.pairs.values())} read as another so far',
              file=sys.stderr)
    tess.close()
    write_table(a.out, c, a, tess.version, command)


if __name__ == '__main__':
    main()
