"""The man pages and the bash completion against the binary they describe: every command of
`xuke --help` has its page xuke-COMMAND(1), every option and subcommand that `xuke COMMAND
--help` (and `xuke COMMAND SUB --help`) lists appears in the rendered page, and each page renders
with `MANWIDTH=80 man --warnings -l` without a warning. The completion (dist/bash-completion/xuke)
completes commands, subcommands, options and --db paths in a real bash.

usage: test_manpages.py XUKE_BINARY FIXTURES_DIR MAN_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

XUKE, FIXTURES, MAN = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(FIXTURES)))
COMPLETION = os.path.join(ROOT, 'dist', 'bash-completion', 'xuke')
results = {'passed': 0, 'failed': 0}


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:1500]))


def helptext(*args):
    return subprocess.run([XUKE, *args, '--help'], capture_output=True, timeout=30).stdout.decode()


def render(page):
    p = subprocess.run(['man', '--warnings', '-l', page], capture_output=True, timeout=60,
                       env=dict(os.environ, MANWIDTH='80', LC_ALL='C.UTF-8', MAN_KEEP_FORMATTING='',
                                PAGER='cat'))
    # man hyphenates and adjusts: compare words with the hyphenation undone
    text = re.sub(r'‐\n\s*', '', p.stdout.decode('utf-8', 'replace'))
    return p.returncode, text, p.stderr.decode('utf-8', 'replace')


top = helptext()
commands = re.findall(r'^  ([a-z]+)\s', top.split('commands:', 1)[1], re.M)
check('commands_listed', len(commands) >= 20, commands)
rc, main_page, warn = render(os.path.join(MAN, 'xuke.1'))
check('xuke_1_renders_without_warning', rc == 0 and not warn, warn)
check('xuke_1_names_every_command', all(f'xuke-{c}(1)' in main_page for c in commands),
      [c for c in commands if f'xuke-{c}(1)' not in main_page])
for c in commands:
    page = os.path.join(MAN, f'xuke-{c}.1')
    if not os.path.exists(page):
        check(f'page_{c}_exists', False, page)
        continue
    rc, text, warn = render(page)
    words = set(re.findall(r'--[a-z][a-z-]*', text))
    helps = [helptext(c)]
    subs = sorted(set(re.findall(rf'xuke {c} ([a-z][a-z-]*)', helps[0])))
    helps += [helptext(c, s) for s in subs]
    options = set().union(*(re.findall(r'^  (?:-h, )?(--[a-z][a-z-]*)', h, re.M) for h in helps))
    missing = sorted(options - words) + [s for s in subs if f'xuke {c} {s}' not in text]
    check(f'page_{c}_renders_without_warning', rc == 0 and not warn, warn)
    check(f'page_{c}_has_every_option_and_subcommand', options and not missing, missing)


def complete(line):
    """COMPREPLY for the words of line (a trailing space: completing a new empty word)."""
    script = (f'source {COMPLETION}\nread -ra COMP_WORDS <<< "$LINE"\n'
              f'[[ "$LINE" == *" " ]] && COMP_WORDS+=("")\nCOMP_WORDS[0]={XUKE}\n'
              'COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n_xuke\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    p = subprocess.run(['bash', '-c', script], capture_output=True, timeout=60,
                       env=dict(os.environ, LINE=line))
    return [l for l in p.stdout.decode().split('\n') if l]


check('completion_commands', complete('xuke se') == ['search', 'serve'], complete('xuke se'))
check('completion_every_command', sorted(complete('xuke ')) == sorted(commands))
check('completion_serve_options', complete('xuke serve --con') == ['--config'])
check('completion_subcommands', complete('xuke calendar im') == ['import'])
check('completion_subcommand_options', complete('xuke calendar import --dr') == ['--dry-run'])
tmp = tempfile.mkdtemp(prefix='xuke-compl-')
for name in ('reg.db', 'notes.txt'):
    open(os.path.join(tmp, name), 'w').close()
os.mkdir(os.path.join(tmp, 'old'))
got = complete(f'xuke status --db {tmp}/')
check('completion_db_paths', sorted(got) == [f'{tmp}/old/', f'{tmp}/reg.db'], got)
shutil.rmtree(tmp)
print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results['failed'] else 0)
