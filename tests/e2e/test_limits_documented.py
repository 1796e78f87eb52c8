"""Every limit in include/xuke/limits.h is named in the README's Limits table, so a limit added
to the code without telling the reader fails the suite. The names are read from the header's
#define lines and the table's rows as written; nothing is taken from the binary.

usage: test_limits_documented.py XUKE_BINARY FIXTURES_DIR (the binary is not used)
"""
import os
import re
import sys

import checks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[2])))
with open(os.path.join(ROOT, 'include', 'xuke', 'limits.h'), encoding='utf-8') as f:
    defined = re.findall(r'^#define (XK_[A-Z0-9_]+)\b', f.read(), re.M)
with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as f:
    readme = f.read()
start = readme.index('\n## Limits\n')
end = readme.find('\n## ', start + 1)
table = [line for line in readme[start:end if end > 0 else None].splitlines()
         if line.startswith('|')]
named = set(re.findall(r'`(XK_[A-Z0-9_]+)`', '\n'.join(table)))

checks.check('limits.h defines limits to check', len(defined) >= 50, len(defined))
missing = [d for d in defined if d not in named]
checks.check('every limit in limits.h is named in the README\'s Limits table', missing == [],
             missing)
checks.finish()
