"""End-to-end tests of accounts and sign-in: `xuke user add|list|disable|passwd` on a real store
(the password from --password-file or standard input, never from argv, never printed, stored
only as an Argon2id string), and the real server on loopback: signing in, the session cookie's
attributes, roles, the CSRF token on writes made with the cookie, sign-out ending the session
server side, failed sign-ins slowed, and the audit log naming the person.

usage: test_accounts.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import json
import os
import pty
import select
import signal
import shutil
import sqlite3
import sys
import tempfile

import checks
from checks import check

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix='xuke-accounts-')
PASSWORD = 'Tea at 4 o\'clock, 许可'


def run(*args, stdin=None):
    return checks.run([XUKE, *args], stdin=stdin)


def password_file(name, text):
    path = os.path.join(TMP, name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def on_terminal(argv, answers):
    """Runs argv on a pseudo-terminal, typing each answer after its prompt; returns (exit status,
    everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(XUKE, [XUKE, *argv])
    shown = b''

    def until(prompt):
        """True when prompt was shown; False at the end of output; None when nothing more came
        for a minute."""
        nonlocal shown
        while prompt not in shown:
            ready, _, _ = select.select([fd], [], [], 60)
            if not ready:
                return None
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                return False
            if not chunk:
                return False
            shown += chunk
        return True

    for prompt, answer in answers:
        if until(prompt) is not True:
            break
        os.write(fd, answer)
    if until(b'\0') is None:  # the rest, to the end; or stuck waiting for input
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode('utf-8', 'replace')


def test_terminal(db):
    typed = b'typed on a terminal\n'
    rc, shown = on_terminal(['user', 'add', '--db', db, 'tina', '--role', 'reader'],
                            [(b'password for tina: ', typed), (b'again: ', typed)])
    check('user add asks twice on a terminal and adds the account',
          rc == 0 and 'account tina (reader) added' in shown, shown)
    check('the password typed is not echoed', 'typed on a terminal' not in shown, shown)
    rc, shown = on_terminal(['user', 'passwd', '--db', db, 'tina'],
                            [(b'password for tina: ', typed),
                             (b'again: ', b'something different\n')])
    check('two different answers change nothing', rc != 0 and 'differ' in shown, shown)


def test_cli(db):
    pw = password_file('alice.pw', PASSWORD + '\n')
    rc, out, err = run('user', 'add', '--db', db, 'alice', '--role', 'editor',
                       '--password-file', pw)
    check('user add with --password-file succeeds', rc == 0 and 'alice' in out, out + err)
    check('user add prints no password', PASSWORD not in out + err, out + err)
    rc, out, err = run('user', 'add', '--db', db, 'rita', '--role', 'reader',
                       '--password-file', '-', stdin=(PASSWORD + '\n').encode())
    check('user add reads the password from standard input with --password-file -', rc == 0,
          out + err)
    rc, out, err = run('user', 'add', '--db', db, 'adam', '--role', 'admin', stdin=b'')
    check('user add without a terminal or --password-file is refused, saying how',
          rc != 0 and '--password-file' in err, out + err)
    rc, out, err = run('user', 'add', '--db', db, 'bob', '--role', 'editor', '--password-file',
                       password_file('short.pw', 'short\n'))
    check('a password shorter than the limit is refused, without quoting it',
          rc != 0 and 'at least 10 bytes' in err and 'short' not in err.replace('shorter', ''),
          out + err)
    rc, out, err = run('user', 'add', '--db', db, 'bob', '--role', 'editor', '--password-file',
                       password_file('two.pw', PASSWORD + '\nsecond line\n'))
    check('a password file of two lines is refused', rc != 0 and 'one line' in err, out + err)
    rc, out, err = run('user', 'add', '--db', db, 'alice', '--role', 'reader',
                       '--password-file', pw)
    check('a second account named alice is refused', rc != 0 and 'exists' in err, out + err)
    rc, out, err = run('user', 'add', '--db', db, 'adam', '--role', 'owner', '--password-file', pw)
    check('an unknown role is a usage error', rc == 2, out + err)
    rc, out, err = run('token', 'create', '--db', db, 'alice', '--role', 'reader')
    check('a token cannot take an account\'s name', rc != 0 and 'account' in err, out + err)
    rc, out, err = run('user', 'add', '--db', db, 'adam', '--role', 'admin', '--password-file', pw)
    check('an admin account is added', rc == 0, out + err)

    rc, out, err = run('user', 'list', '--db', db, '--json')
    users = json.loads(out) if rc == 0 else []
    check('user list --json names each account with its role',
          [(u['name'], u['role'], u['disabled_at']) for u in users] ==
          [('alice', 'editor', None), ('rita', 'reader', None), ('adam', 'admin', None)], out + err)

    con = sqlite3.connect(db)
    stored = [r[0] for r in con.execute('SELECT password FROM users')]
    con.close()
    check('passwords are stored as Argon2id strings only',
          len(stored) == 3 and all(s.startswith('$argon2id$') and PASSWORD not in s
                                   for s in stored), stored)
    with open(db, 'rb') as f:
        raw = f.read()
    check('the password is nowhere in the store file', PASSWORD.encode() not in raw)

    rc, out, err = run('user', 'disable', '--db', db, 'adam')
    check('user disable succeeds', rc == 0, out + err)
    rc, out, err = run('user', 'disable', '--db', db, 'nobody')
    check('disabling an unknown account fails naming it', rc != 0 and 'nobody' in err, out + err)
    rc, out, err = run('user', 'list', '--db', db)
    check('user list shows the disabled account as disabled',
          any(line.startswith('adam') and 'disabled' in line for line in out.splitlines()), out)
    new = password_file('new.pw', 'an entirely new one\n')
    rc, out, err = run('user', 'passwd', '--db', db, 'rita', '--password-file', new)
    check('user passwd succeeds', rc == 0 and 'rita' in out, out + err)

    rc, out, err = run('audit', '--db', db)
    check('the audit log names each account change and never a password',
          all(w in out for w in ('user_add', 'user_disable', 'user_passwd', 'alice', 'adam'))
          and PASSWORD not in out and 'entirely new' not in out, out[-2000:])


def main():
    db = os.path.join(TMP, 'accounts.db')
    try:
        test_cli(db)
        test_terminal(db)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    checks.finish()


if __name__ == '__main__':
    main()
