"""The OCR repair tables stand on measured counts, not on one fixture's misreadings:
data/ocr_confusions.txt (written by bench/ocr_confusions.py from renders of tuning licences) is
the source they cite. Checked here, from the files as written (nothing from the binary):
 - the counts come from tuning seeds only, never the held-out seed of tests/tools/heldout.py;
 - each short word of src/ocr/repair_words.c's `confusions` table differs from its repair by
   characters the table counts Tesseract reading so (the printed one read as the misread one);
 - repair.c takes a Chinese character Tesseract read in for noise, but not one read twice beside
   itself, which the table counts as a rare addition; and 。 read as O or o for a mark;
 - the noise rule (OCR_NOISE_PER in src/ocr/ocr_internal.h: one character in N read as another)
   covers at least 95 % of the measured paragraphs whose word count was kept, so a snap within
   it is the noise Tesseract makes, and the rule is no looser than it must be (the next stricter
   rule measured covers less).

usage: test_confusions.py XUKE_BINARY FIXTURES_DIR (the binary is not used)
"""
import os
import re
import sys

import checks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[2])))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'tools'))
import heldout  # noqa: E402


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding='utf-8') as f:
        return f.read()


table = read('data', 'ocr_confusions.txt')
header = [line for line in table.splitlines() if line.startswith('#')]
pairs = {}
for line in table.splitlines():
    cols = line.split('\t')
    if not line.startswith('#') and cols[0] not in ('width', 'lost', 'added') and len(cols) >= 3:
        pairs[(cols[0], cols[1])] = int(cols[2])

seeds = re.search(r'tuning seeds ([\d,]+)', table)
checks.check('the table names the seeds it was measured on', seeds is not None, header[:6])
used = [int(s) for s in seeds.group(1).split(',')] if seeds else []
checks.check('no count comes from the held-out licences', used and heldout.SEED not in used, used)
checks.check('the counts cover many renders (over 100 pages)',
             int(re.search(r'(\d+) pages', table).group(1)) > 100, header[5:6])

words = read('src', 'ocr', 'repair_words.c')
block = words[words.index('confusions[][2] = {'):]
block = block[:block.index('};')]
repairs = re.findall(r'\{"([^"]+)", "([^"]+)"\}', block)
checks.check('repair_words.c has a confusions table to check', len(repairs) >= 3, repairs)
for misread, right in repairs:
    diffs = [(r, m) for m, r in zip(misread, right) if m != r]
    checks.check(f'{misread} → {right} is a confusion the table counts',
                 len(misread) == len(right) and diffs and all(pairs.get(d, 0) >= 1 for d in diffs),
                 [(d, pairs.get(d, 0)) for d in diffs])

# repair.c takes a Chinese character read in for noise, unless it is the one beside it read twice:
# the table counts additions, and those doubled are few of them (under one in twenty)
m = re.search(r'Chinese characters lost \d+, added (\d+) \(of them a character read twice, the same beside it: (\d+)\)', table)
checks.check('the table counts Chinese characters added, and those read twice beside themselves',
             m is not None, header[9:12])
checks.check('a character read twice is a rare addition (under one in twenty), so it is not taken for noise',
             m and int(m.group(2)) * 20 < int(m.group(1)) and 'added_slip' in read('src', 'ocr', 'repair.c'),
             m.groups() if m else None)
# repair.c's O for 。: a confusion the table counts
checks.check('。 read as O and as o are confusions the table counts (repair.c takes them for a mark)',
             pairs.get(('。', 'O'), 0) >= 3 and pairs.get(('。', 'o'), 0) >= 3,
             [pairs.get(('。', 'O')), pairs.get(('。', 'o'))])

per = int(re.search(r'#define OCR_NOISE_PER (\d+)', read('src', 'ocr', 'ocr_internal.h')).group(1))
paragraphs = table[table.index('# paragraphs'):]
covered = {int(n): float(p) for n, p in
           re.findall(r'at most one in (\d+) read as another \(at least one allowed\): \d+ = ([\d.]+) %',
                      paragraphs)}
checks.check(f'the table measured the rule OCR_NOISE_PER = {per}', per in covered, sorted(covered))
checks.check(f'one in {per} covers at least 95 % of measured paragraphs', covered.get(per, 0) >= 95.0,
             covered.get(per))
stricter = [n for n in covered if n > per]
checks.check('the next stricter rule measured covers less (the rule is no looser than it must be)',
             stricter and covered[min(stricter)] < covered.get(per, 0), {n: covered[n] for n in sorted(covered)})
checks.finish()
