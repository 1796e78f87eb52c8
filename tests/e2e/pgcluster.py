"""A throwaway PostgreSQL 15 cluster for the end-to-end tests, made from Debian's postgresql-15
binaries: initdb and pg_ctl into a temporary directory, listening on a Unix socket there and on
127.0.0.1 at a free port. PostgreSQL refuses to run as root, and CI runs as root: then the server
runs as user nobody (setpriv), in a directory nobody owns.

Local (socket) connections are trusted; loopback TCP connections need a password
(scram-sha-256), so the tests can check what xuke does with one.

    with Cluster() as pg:
        pg.createdb('one')
        pg.uri('one')        # 'host=/tmp/... port=N dbname=one user=xuke'
"""
import os
import shutil
import socket
import subprocess
import tempfile

BIN = '/usr/lib/postgresql/15/bin'
SUPERUSER = 'xuke'
PASSWORD = 'pw-for-tests-only-9f3a'


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='xuke-pg-')
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, 'data')
        self.log = os.path.join(self.dir, 'server.log')
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:
            self.as_user = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']
            shutil.chown(self.dir, 'nobody', 'nogroup')

    @classmethod
    def attach(cls, state):
        """The cluster another process started (pgfixture.py's state: dir, port, as_user)."""
        c = cls.__new__(cls)
        c.dir = state['dir']
        c.data = os.path.join(c.dir, 'data')
        c.log = os.path.join(c.dir, 'server.log')
        c.port = state['port']
        c.as_user = state['as_user']
        return c

    @classmethod
    def shared(cls):
        """The cluster of the CTest fixture "postgres" when XUKE_PG_FIXTURE names its state
        file, else None."""
        path = os.environ.get('XUKE_PG_FIXTURE')
        if not path:
            return None
        import json
        with open(path) as f:
            return cls.attach(json.load(f))

    def _run(self, argv, **kw):
        return subprocess.run(self.as_user + argv, capture_output=True, text=True,
                              cwd=self.dir, **kw)

    def start(self):
        pwfile = os.path.join(self.dir, 'pw')
        with open(pwfile, 'w') as f:
            f.write(PASSWORD + '\n')
        if self.as_user:
            shutil.chown(pwfile, 'nobody', 'nogroup')
        p = self._run([f'{BIN}/initdb', '-D', self.data, '-U', SUPERUSER, '--pwfile', pwfile,
                       '-E', 'UTF8', '--locale=C.UTF-8', '--auth-local=trust',
                       '--auth-host=scram-sha-256'], timeout=300)
        if p.returncode != 0:
            raise RuntimeError('initdb failed: ' + p.stdout + p.stderr)
        os.remove(pwfile)
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.dir} -c fsync=off -c max_connections=60")
        p = self._run([f'{BIN}/pg_ctl', '-D', self.data, '-l', self.log, '-o', opts,
                       '-w', '-t', '300', 'start'], timeout=330)
        if p.returncode != 0:
            raise RuntimeError('pg_ctl start failed: ' + p.stdout + p.stderr + self.server_log())
        return self

    def server_log(self):
        try:
            with open(self.log) as f:
                return f.read()[-3000:]
        except OSError:
            return ''

    def psql(self, db, sql):
        p = subprocess.run(['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', self.dir,
                            '-p', str(self.port), '-U', SUPERUSER, '-d', db, '-c', sql],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f'psql {sql!r}: {p.stderr}')
        return p.stdout.strip()

    def createdb(self, name):
        self.psql('postgres', f'CREATE DATABASE "{name}"')
        return self.uri(name)

    def uri(self, name):
        """A key=value connection string over the Unix socket (no password needed)."""
        return f'host={self.dir} port={self.port} dbname={name} user={SUPERUSER}'

    def url(self, name, password=True):
        """A postgresql:// URI over loopback TCP, with the password in it when asked."""
        cred = f'{SUPERUSER}:{PASSWORD}' if password else SUPERUSER
        return f'postgresql://{cred}@127.0.0.1:{self.port}/{name}'

    def restart(self):
        """Stops the server (fast: open connections are cut) and starts it again."""
        self.halt()
        self.resume()

    def halt(self):
        """Stops the server (fast: open connections are cut), its data kept for resume()."""
        self._run([f'{BIN}/pg_ctl', '-D', self.data, '-m', 'fast', '-w', 'stop'], timeout=120)

    def resume(self):
        """Starts the server halt() stopped."""
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.dir} -c fsync=off -c max_connections=60")
        p = self._run([f'{BIN}/pg_ctl', '-D', self.data, '-l', self.log, '-o', opts,
                       '-w', '-t', '300', 'start'], timeout=330)
        if p.returncode != 0:
            raise RuntimeError('pg_ctl restart failed: ' + p.stderr + self.server_log())

    def stop(self):
        if os.path.isdir(self.data):
            self._run([f'{BIN}/pg_ctl', '-D', self.data, '-m', 'immediate', '-w', 'stop'],
                      timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except Exception:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
