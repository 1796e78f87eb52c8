"""End-to-end tests of the command line itself, walking every command: `--help` and `-h` answer
on stdout with exit 0, every option the help lists is one the command parses, an unknown or
abbreviated option and a missing value are refused with exit 2 naming the option, and a bad
number is refused naming its option. The list of commands is written here by hand (from the
README), not read from the binary, so a command that loses its entry or its help is caught.

usage: test_cli.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish, run  # noqa: E402

XUKE = os.path.abspath(sys.argv[1])
TMP = tempfile.mkdtemp(prefix='xuke-cli-')

COMMANDS = ['parse', 'import', 'get', 'history', 'diff', 'search', 'domain', 'export', 'remove',
            'audit', 'backup', 'db', 'summary', 'event', 'status', 'deadlines', 'calendar', 'workdays',
            'token', 'user', 'lists', 'sites', 'notify', 'serve']
SUBCOMMANDS = [['event', 'add'], ['event', 'void'], ['event', 'list'], ['event', 'types'], ['token', 'create'],
               ['token', 'list'], ['token', 'revoke'], ['user', 'add'], ['user', 'list'],
               ['user', 'disable'], ['user', 'passwd'], ['lists', 'import'], ['lists', 'check'],
               ['lists', 'show'], ['sites', 'check'], ['sites', 'history'], ['notify', 'add'],
               ['notify', 'list'], ['notify', 'remove'], ['notify', 'test'], ['notify', 'log'],
               ['notify', 'run'], ['db', 'migrate'], ['db', 'copy']]


def help_options(text):
    """The long options a help text lists (its lines starting with two spaces and --)."""
    return re.findall(r'^  (--[a-z][a-z-]*)', text, re.M)


def test_top_level():
    rc, out, err = run([XUKE, '--help'])
    listed = re.findall(r'^  ([a-z]+) ', out, re.M)
    check('xuke --help lists exactly the commands', rc == 0 and listed == COMMANDS,
          f'rc={rc} listed={listed}')
    rc, out, err = run([XUKE, 'no-such-command'])
    check('an unknown command is exit 2 naming it', rc == 2 and 'no-such-command' in err, err)


def test_help(words):
    name = ' '.join(words)
    for flag in ['--help', '-h']:
        rc, out, err = run([XUKE] + words + [flag])
        check(f'xuke {name} {flag}: exit 0, usage on stdout, nothing on stderr',
              rc == 0 and out.startswith('usage: xuke ' + name) and err == '',
              f'rc={rc} out={out[:200]!r} err={err[:200]!r}')
    return out


def test_refusals(words, options):
    name = ' '.join(words)
    rc, out, err = run([XUKE] + words + ['--no-such-option'])
    check(f'xuke {name}: an unknown option is exit 2 naming it',
          rc == 2 and '--no-such-option' in err and out == '', f'rc={rc} err={err[:300]!r}')
    # Each probe ends in two unknown options, so that it stops at parsing whatever the option
    # does (a valued option takes the first as its value): nothing is served or written.
    stop = ['--no-such-option', '--no-such-option']
    for opt in options:
        # an option the help lists is parsed: refused is the unknown one after it, not it
        rc, out, err = run([XUKE] + words + [opt] + stop, timeout=60)
        check(f'xuke {name} {opt}: listed in the help and parsed',
              rc == 2 and opt + ' is not an option' not in err, f'rc={rc} err={err[:300]!r}')
        if len(opt) > 5:  # an abbreviation is refused, naming what was typed
            rc, out, err = run([XUKE] + words + [opt[:-2]] + stop, timeout=60)
            check(f'xuke {name} {opt[:-2]}: an abbreviation is refused',
                  rc == 2 and opt[:-2] + ' is not an option' in err, f'rc={rc} err={err[:300]!r}')


def test_values():
    cases = [
        (['audit', '--limit', '12x'], '--limit'),
        (['get', '--version', '-1', 'X'], '--version'),
        (['import', '--batch', '0', 'x.txt'], '--batch'),
        (['search', '--expiring-within', '1e3'], '--expiring-within'),
        (['serve', '--threads', '65'], '--threads'),
        (['parse', '--max-pages', ''], '--max-pages'),
        (['deadlines', '--within', '99999999999999999999'], '--within'),
        (['event', 'add', '--year', '20x6', '京B2-20224676', 'launched', '2026-01-01'], '--year'),
    ]
    for argv, opt in cases:
        rc, out, err = run([XUKE] + argv)
        check(f'xuke {" ".join(argv)}: a bad number is exit 2 naming {opt}',
              rc == 2 and opt in err, f'rc={rc} err={err[:300]!r}')
    rc, out, err = run([XUKE, 'get', '--version'])
    check('an option missing its value is exit 2 saying so',
          rc == 2 and '--version needs a value' in err, err)
    rc, out, err = run([XUKE, 'history', '--json=yes', 'X'])
    check('a switch given a value is exit 2 saying so',
          rc == 2 and '--json=yes takes no value' in err, err)
    db = os.path.join(TMP, 'x.db')
    rc, out, err = run([XUKE, 'event', 'add', '--db', db, '--note', 'x' * 300, '京B2-20224676',
                        'launched', '2026-01-01'])
    check('a --note longer than is kept is refused, not cut', rc == 2 and '--note' in err, err)


def main():
    os.chdir(TMP)  # commands that fall back on ./xuke.db find none here
    test_top_level()
    for c in COMMANDS:
        out = test_help([c])
        if c not in ('event', 'token', 'user', 'lists', 'sites', 'notify', 'db'):
            test_refusals([c], help_options(out))
    for words in SUBCOMMANDS:
        out = test_help(words)
        test_refusals(words, help_options(out))
    test_values()
    finish()


if __name__ == '__main__':
    main()
