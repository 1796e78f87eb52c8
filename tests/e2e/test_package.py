"""The Debian package end to end: `make deb` builds xuke_VERSION_ARCH.deb the Debian way; its
contents (paths, modes, conffiles, maintainer scripts, dependencies) are read back with
dpkg-deb; lintian finds no error and no warning without a commented override; the units pass
`systemd-analyze verify`; then, as root, it is installed with `dpkg -i`, the server is started as
the user xuke with the packaged configuration and answers /healthz, `man -w xuke` and the
completion work, removal keeps /var/lib/xuke, and purging leaves nothing of the package but what
Debian policy keeps. Run once in CI, not again under the sanitizers.

usage: test_package.py XUKE_BINARY FIXTURES_DIR
Prints one line per check and closes with 'N passed, N failed'."""
import glob
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time

FIXTURES = sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(FIXTURES)))
results = {'passed': 0, 'failed': 0}
WAIT = 120


def sh(*args, timeout=900, **kw):
    p = subprocess.run(args, capture_output=True, timeout=timeout, **kw)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:2000]))


def finish():
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results['failed'] else 0)


# --- build ---
deb = os.environ.get('XUKE_DEB')
if not deb:
    rc, out, err = sh('make', '-C', ROOT, 'deb', 'JOBS=2')
    debs = sorted(glob.glob(os.path.join(ROOT, 'xuke_*_*.deb')), key=os.path.getmtime)
    check('make_deb_builds', rc == 0 and debs, (out + err)[-2000:])
    if not debs:
        finish()
    deb = debs[-1]
rc, version, _ = sh('dpkg-parsechangelog', '-l', os.path.join(ROOT, 'debian', 'changelog'), '-S', 'Version')
rc, arch, _ = sh('dpkg', '--print-architecture')
check('deb_named_version_arch', os.path.basename(deb) == f'xuke_{version.strip()}_{arch.strip()}.deb', deb)

# --- contents ---
rc, listing, _ = sh('dpkg-deb', '-c', deb)
entries = {}
for line in listing.splitlines():
    f = line.split()
    entries[f[5].lstrip('.')] = (f[0], f[1])
want = {
    '/usr/bin/xuke': '-rwxr-xr-x', '/etc/xuke/xuke.conf': '-rw-r--r--',
    '/etc/xuke/calendar.txt': '-rw-r--r--', '/usr/share/xuke/calendar.txt': '-rw-r--r--',
    '/lib/systemd/system/xuke.service': '-rw-r--r--',
    '/lib/systemd/system/xuke-notify.service': '-rw-r--r--',
    '/lib/systemd/system/xuke-notify.timer': '-rw-r--r--',
    '/usr/share/man/man1/xuke.1.gz': '-rw-r--r--', '/usr/share/man/man1/xuke-serve.1.gz': '-rw-r--r--',
    '/usr/share/man/man1/xuke-calendar.1.gz': '-rw-r--r--',
    '/usr/share/bash-completion/completions/xuke': '-rw-r--r--',
}
for path, mode in want.items():
    got = entries.get(path)
    check(f'contains_{path}', got is not None and got[0] == mode and got[1] == 'root/root', got)
check('nothing_under_usr_local_or_var', not [p for p in entries if p.startswith(('/usr/local', '/var'))])
rc, info, _ = sh('dpkg-deb', '-I', deb)
check('maintainer_scripts', all(s in info for s in ('postinst', 'postrm', 'prerm', 'conffiles')), info)
rc, conffiles, _ = sh('dpkg-deb', '--ctrl-tarfile', deb)
tmp = tempfile.mkdtemp(prefix='xuke-deb-')
sh('dpkg-deb', '-e', deb, os.path.join(tmp, 'DEBIAN'))
with open(os.path.join(tmp, 'DEBIAN', 'conffiles')) as f:
    conf = f.read().split()
check('conffiles', '/etc/xuke/xuke.conf' in conf and '/etc/xuke/calendar.txt' in conf, conf)
check('depends_on_adduser', re.search(r'^ Depends:.*\badduser\b', info, re.M) is not None, info)
check('postinst_makes_the_user', 'adduser --system' in open(os.path.join(tmp, 'DEBIAN', 'postinst')).read())

# --- lintian: no error, no warning (overrides carry their reason) ---
rc, out, err = sh('lintian', '--fail-on', 'error,warning', '--no-tag-display-limit', deb)
check('lintian_clean', rc == 0 and not re.search(r'^[EW]: ', out, re.M), out + err)

# --- the units ---
sh('dpkg-deb', '-x', deb, os.path.join(tmp, 'root'))
units = [os.path.join(tmp, 'root', 'lib/systemd/system', u)
         for u in ('xuke.service', 'xuke-notify.service', 'xuke-notify.timer')]
rc, out, err = sh('systemd-analyze', 'verify', '--man=no', *units,
                  env=dict(os.environ, SYSTEMD_LOG_LEVEL='warning', PATH=os.path.join(tmp, 'root/usr/bin') + ':' + os.environ['PATH']))
problems = [l for l in (out + err).splitlines() if 'is not executable' not in l]
check('units_verify', not problems, problems)
service = open(units[0]).read()
for directive in ('User=xuke', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/xuke',
                  'PrivateTmp=yes', 'ProtectHome=yes', 'SystemCallFilter=', 'CapabilityBoundingSet=',
                  'Restart=on-failure', 'ExecReload=/bin/kill -HUP $MAINPID',
                  'Environment=OMP_WAIT_POLICY=PASSIVE', 'xuke serve --config /etc/xuke/xuke.conf'):
    check(f'service_has_{directive.split("=")[0]}', directive in service)
check('timer_runs_daily', 'OnCalendar=*-*-* 08:00:00' in open(units[2]).read())
check('notify_service_runs_notify', 'xuke notify run' in open(units[1]).read())

# --- install, run, remove, purge (root only: the test machine of CI) ---
if os.geteuid() != 0:
    check('install_needs_root', False, 'run as root (CI does) to install the package')
    finish()
rc, out, err = sh('dpkg', '-i', deb)
check('dpkg_install', rc == 0, out + err)
rc, out, _ = sh('getent', 'passwd', 'xuke')
check('system_user', rc == 0 and '/usr/sbin/nologin' in out and int(out.split(':')[2]) < 1000, out)
st = os.stat('/var/lib/xuke')
import pwd
check('state_dir_0750_xuke', oct(st.st_mode & 0o7777) == '0o750' and pwd.getpwuid(st.st_uid).pw_name == 'xuke',
      oct(st.st_mode))
err_path = os.path.join(tmp, 'serve.err')
with open(err_path, 'wb') as ef:
    proc = subprocess.Popen(['runuser', '-u', 'xuke', '--', 'sh', '-c',
                             'umask 027; exec /usr/bin/xuke serve --config /etc/xuke/xuke.conf --listen 127.0.0.1:0'],
                            stdout=subprocess.PIPE, stderr=ef)
line = proc.stdout.readline().decode()
m = re.search(r'127\.0\.0\.1:(\d+)/', line)
status = None
if m:
    c = http.client.HTTPConnection('127.0.0.1', int(m.group(1)), timeout=30)
    c.request('GET', '/healthz')
    status = c.getresponse().status
check('server_as_xuke_answers_healthz', status == 200, line + open(err_path).read())
db = '/var/lib/xuke/xuke.db'
check('store_0640_xuke', os.path.exists(db) and oct(os.stat(db).st_mode & 0o777) == '0o640' and
      pwd.getpwuid(os.stat(db).st_uid).pw_name == 'xuke', os.path.exists(db) and oct(os.stat(db).st_mode))
proc.terminate()
proc.wait(timeout=WAIT)
rc, out, _ = sh('man', '-w', 'xuke')
check('man_w_xuke', out.strip() == '/usr/share/man/man1/xuke.1.gz', out)
rc, out, _ = sh('bash', '-c', 'source /usr/share/bash-completion/completions/xuke; COMP_WORDS=(xuke cal); '
                'COMP_CWORD=1; _xuke; echo "${COMPREPLY[*]}"')
check('installed_completion', out.strip() == 'calendar', out)
rc, files, _ = sh('dpkg', '-L', 'xuke')
files = [f for f in files.splitlines() if f and os.path.isfile(f)]
rc, out, err = sh('dpkg', '-r', 'xuke')
check('remove', rc == 0, out + err)
check('remove_keeps_var_lib', os.path.exists(db))
rc, out, err = sh('dpkg', '-P', 'xuke')
check('purge', rc == 0, out + err)
check('purge_removes_var_lib', not os.path.exists('/var/lib/xuke'))
check('purge_removes_user', sh('getent', 'passwd', 'xuke')[0] != 0)
left = [f for f in files if os.path.exists(f)] + [d for d in ('/etc/xuke',) if os.path.exists(d)]
check('purge_leaves_nothing', not left, left)
subprocess.run(['rm', '-rf', tmp])
finish()
