"""End-to-end tests of accounts and sign-in: `xuke user add|list|disable|passwd` on a real store
(the password from --password-file or standard input, never from argv, never printed, stored
only as an Argon2id string), and the real server on loopback: signing in, the session cookie's
attributes, roles, the CSRF token on writes made with the cookie, sign-out ending the session
server side, failed sign-ins slowed, and the audit log naming the person.

usage: test_accounts.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import http.client
import json
import os
import time
import pty
import select
import signal
import re
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


# --- the server -------------------------------------------------------------------------------

class Server(checks.Serve):
    def __init__(self, db, *extra):
        super().__init__(XUKE, TMP, db, *extra)

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            ctype = r.getheader('Content-Type', '')
            parsed = json.loads(data) if ctype.startswith('application/json') else data
            return r.status, parsed, r
        finally:
            conn.close()

    def sign_in(self, name, password, headers=None):
        h = {'Content-Type': 'application/json'}
        h.update(headers or {})
        return self.request('POST', '/v1/session', json.dumps({'name': name, 'password': password}), h)


def session_cookie(r):
    m = re.match(r'xuke_session=([^;]*)', r.getheader('Set-Cookie') or '')
    return m.group(1) if m else None


def cookie_attributes(r):
    return [a.strip().lower() for a in (r.getheader('Set-Cookie') or '').split(';')[1:]]


def with_cookie(cookie, csrf=None, json_body=True):
    h = {'Cookie': 'theme=dark; xuke_session=' + cookie}
    if csrf is not None:
        h['X-CSRF-Token'] = csrf
    if json_body:
        h['Content-Type'] = 'application/json'
    return h


BASELINE = json.dumps({'filed_through': 2024, 'note': 'before xuke'})


def test_sign_in(srv, db):
    st, body, _ = srv.request('GET', '/v1/session')
    check('GET /v1/session without a cookie is 401', st == 401, (st, body))
    st, body, _ = srv.request('POST', '/v1/session', 'name=alice&password=x',
                              {'Content-Type': 'application/x-www-form-urlencoded'})
    check('a sign-in that is not JSON is refused (415): no cross-site form can sign in',
          st == 415, (st, body))
    st, body, r = srv.sign_in('alice', 'not her password at all')
    check('a wrong password is 401 and sets no cookie',
          st == 401 and session_cookie(r) is None, (st, body))
    check('the refusal does not quote the password', 'not her password' not in json.dumps(body))
    st, body, _ = srv.sign_in('adam', PASSWORD)
    check('a disabled account cannot sign in', st == 401, (st, body))

    st, body, r = srv.sign_in('alice', PASSWORD)
    cookie = session_cookie(r)
    attrs = cookie_attributes(r)
    check('the right password signs in as the account with its role',
          st == 200 and body.get('user') == 'alice' and body.get('role') == 'editor' and cookie,
          (st, body))
    check('the session cookie is HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP',
          'httponly' in attrs and 'samesite=strict' in attrs and 'path=/' in attrs
          and 'secure' not in attrs, attrs)
    csrf = body.get('csrf', '')
    check('the CSRF token is not the cookie', csrf and csrf not in (cookie or ''), csrf)
    st, body, _ = srv.request('GET', '/v1/session', headers=with_cookie(cookie))
    check('GET /v1/session with the cookie names the person and gives the same CSRF token',
          st == 200 and body.get('user') == 'alice' and body.get('csrf') == csrf, (st, body))
    st, body, _ = srv.request('GET', '/v1/licenses?limit=1', headers=with_cookie(cookie))
    check('a signed-in editor reads the registry', st == 200, (st, body))

    st, body, _ = srv.request('POST', '/v1/baseline', BASELINE, with_cookie(cookie))
    check('a write with the cookie but no CSRF token is refused 403',
          st == 403 and body['error']['code'] == 'csrf', (st, body))
    st, body, _ = srv.request('POST', '/v1/baseline', BASELINE, with_cookie(cookie, csrf[:-1] + 'x'))
    check('a write with a wrong CSRF token is refused 403',
          st == 403 and body['error']['code'] == 'csrf', (st, body))
    st, body, _ = srv.request('POST', '/v1/baseline', BASELINE, with_cookie(cookie, csrf))
    check('a write with the cookie and its CSRF token is done', st == 201, (st, body))
    rc, out, _ = run('audit', '--db', db, '--json')
    entries = json.loads(out) if rc == 0 else []
    last = entries[-1] if entries else {}
    check('the audit log names the signed-in person as the actor of the write',
          last.get('actor') == 'alice', last)

    st, body, r = srv.sign_in('rita', 'an entirely new one')
    rcookie, rcsrf = session_cookie(r), (body or {}).get('csrf')
    check('a reader signs in', st == 200 and body.get('role') == 'reader', (st, body))
    st, body, _ = srv.request('POST', '/v1/baseline', BASELINE, with_cookie(rcookie, rcsrf))
    check('a reader is refused a write (403), even with the CSRF token',
          st == 403 and body['error']['code'] == 'forbidden', (st, body))
    error = (body or {}).get('error', {})
    check('the refusal of a signed-in reader names the role held and needed, not a token',
          (error.get('role'), error.get('needs'), error.get('by')) == ('reader', 'editor', 'session')
          and 'token' not in error.get('message', '') and 'reader' in error.get('message', ''),
          error)

    rc, token, err = run('token', 'create', '--db', db, 'ci-editor', '--role', 'editor')
    st, body, _ = srv.request('POST', '/v1/baseline', BASELINE,
                              {'Authorization': 'Bearer ' + token.strip(),
                               'Content-Type': 'application/json'})
    check('a bearer token writes without a CSRF token, as before', st == 201, (st, body))

    st, body, _ = srv.request('DELETE', '/v1/session', headers=with_cookie(cookie))
    check('signing out without the CSRF token is refused', st == 403, (st, body))
    st, body, r = srv.request('DELETE', '/v1/session', headers=with_cookie(cookie, csrf))
    check('signing out ends the session and clears the cookie',
          st == 200 and session_cookie(r) == '' and 'max-age=0' in cookie_attributes(r),
          (st, body, r.getheader('Set-Cookie')))
    st, body, _ = srv.request('GET', '/v1/session', headers=with_cookie(cookie))
    check('the old cookie names no session any more (ended server side)', st == 401, (st, body))
    st, body, _ = srv.request('POST', '/v1/baseline', BASELINE, with_cookie(cookie, csrf))
    check('a write with the ended session\'s cookie and token is refused 401', st == 401,
          (st, body))


def test_slowed(srv):
    # The fifth failure holds the account 2 s from when its check ended (whole seconds: at least
    # 1 s). Only a machine so busy that the next attempt left more than 1 s after the fifth answer
    # may see it through (and, the password being right, clear the count): then the round is run
    # again, at most three times; an attempt that came sooner and was not held fails at once.
    for _ in range(3):
        for i in range(5):
            srv.sign_in('tina', 'guessing %d again' % i)
        answered = time.monotonic()
        st, body, r = srv.sign_in('tina', 'typed on a terminal')
        asked_after = time.monotonic() - answered
        if st == 429 or asked_after <= 1.0:
            break
    check('after 5 failed sign-ins the next one, right or not, waits (429 with Retry-After)',
          st == 429 and int(r.getheader('Retry-After') or 0) >= 1, (st, body, asked_after))


def test_secure_behind_proxy(db):
    srv = Server(db, '--trusted-proxy', '127.0.0.1')
    try:
        st, body, r = srv.sign_in('alice', PASSWORD, {'X-Forwarded-Proto': 'https'})
        check('behind the trusted proxy saying https, the cookie is Secure',
              st == 200 and 'secure' in cookie_attributes(r), (st, r.getheader('Set-Cookie')))
    finally:
        srv.stop()
    srv = Server(db)
    try:
        st, body, r = srv.sign_in('alice', PASSWORD, {'X-Forwarded-Proto': 'https'})
        check('anyone else\'s X-Forwarded-Proto is ignored (no trusted proxy configured)',
              st == 200 and 'secure' not in cookie_attributes(r), (st, r.getheader('Set-Cookie')))
    finally:
        srv.stop()


def test_address_behind_proxy(db):
    # Behind the trusted proxy every request comes from its address; the per-address slowing
    # counts the client X-Forwarded-For names at its right end (the entry the proxy added), so
    # one client's failures hold that client, not everyone behind the proxy, and a client cannot
    # step around them by writing another address to the left. As in test_slowed, a machine so
    # busy that the next attempt left more than 1 s after the last failure reruns the round.
    free = 20  # XK_SIGNIN_FREE_FAILURES_ADDRESS
    guesser = '198.51.100.7'
    srv = Server(db, '--trusted-proxy', '127.0.0.1')
    try:
        for _ in range(3):
            for i in range(free):
                srv.sign_in('nobody-%d' % i, 'a guess', {'X-Forwarded-For': guesser})
            answered = time.monotonic()
            held = [srv.sign_in('alice', PASSWORD, {'X-Forwarded-For': xff})[0]
                    for xff in (guesser, '10.9.9.9, ' + guesser, guesser + ', 127.0.0.1')]
            asked_after = time.monotonic() - answered
            if held == [429] * 3 or asked_after <= 1.0:
                break
        check('behind the trusted proxy, failures slow the address X-Forwarded-For names at its '
              'right end, whatever the client wrote to its left (429 each)',
              held == [429] * 3, (held, asked_after))
        st, body, _ = srv.sign_in('alice', PASSWORD, {'X-Forwarded-For': '198.51.100.8'})
        check('another client behind the same proxy signs in', st == 200, (st, body))
        st, body, _ = srv.sign_in('alice', PASSWORD, {'X-Forwarded-For': guesser + ', 198.51.100.9'})
        check('the right-most address the proxy added is the client, not one written to its left',
              st == 200, (st, body))
    finally:
        srv.stop()
    log = open(srv.log, encoding='utf-8', errors='replace').read()
    check('the access log names the forwarded client, not the proxy',
          '"client":"198.51.100.8"' in log, log[-400:])


def test_server(db):
    rc, out, err = run('import', '--db', db, os.path.join(FIXTURES, 'seeds'))
    check('the registry is filled for the server', rc == 0, out + err)
    srv = Server(db)
    try:
        test_sign_in(srv, db)
        test_slowed(srv)
    finally:
        srv.stop()
    logged = open(srv.log, encoding='utf-8', errors='replace').read() + \
        open(srv.err, encoding='utf-8', errors='replace').read()
    check('no password is in the access log or the server\'s output',
          PASSWORD not in logged and 'entirely new' not in logged and 'not her password' not in logged)
    check('the access log names the signed-in person', '"token":"alice"' in logged, logged[-600:])
    test_secure_behind_proxy(db)
    test_address_behind_proxy(db)


def main():
    db = os.path.join(TMP, 'accounts.db')
    try:
        test_cli(db)
        test_terminal(db)
        test_server(db)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    checks.finish()


if __name__ == '__main__':
    main()
