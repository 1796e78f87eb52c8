"""The end-to-end drivers' way of running the binary and reporting: one line per check ('ok'
or 'FAIL' with the detail), then 'N passed, N failed' and the exit status."""
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time

results = {'passed': 0, 'failed': 0}


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:1500]))


def finish():
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results['failed'] else 0)


def run(argv, stdin=None, limit_bytes=None, timeout=120):
    """Runs argv; returns (exit status, stdout, stderr) as text. limit_bytes: a file-size limit
    (ulimit -f) for the child, to stand for a full disk."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    p = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout,
                       preexec_fn=limit if limit_bytes else None)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def raw_http(port, data, timeout=5, source=None, headers_only=False):
    """Sends data as is over a new loopback connection and returns every byte answered until the
    server closes, the time runs out or the connection is reset (headers_only: until the answer's
    headers are in, for a request that keeps its connection open)."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    out = b''
    try:
        s.sendall(data)
        while not (headers_only and b'\r\n\r\n' in out):
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return out


def http_status(answer):
    """The status code of a raw HTTP answer, or None when it is none."""
    m = re.match(rb'HTTP/1\.[01] (\d+)', answer)
    return int(m.group(1)) if m else None


class Serve:
    """`xuke serve` on a loopback port the kernel picks, its access log and stderr in tmp; the
    port is read from the line the server prints once it listens."""
    def __init__(self, xuke, tmp, db, *extra):
        self.log = os.path.join(tmp, f'access-{time.time_ns()}.log')
        self.err = self.log + '.stderr'  # a file: an unread pipe would block a chatty server
        with open(self.err, 'wb') as err:
            self.proc = subprocess.Popen([xuke, 'serve', '--db', db, '--listen', '127.0.0.1:0',
                                          '--access-log', self.log, *extra],
                                         stdout=subprocess.PIPE, stderr=err)
        line = self.proc.stdout.readline().decode()
        m = re.search(r'http://127\.0\.0\.1:(\d+)/', line)
        if not m:
            raise RuntimeError('server did not start: ' + line + open(self.err).read())
        self.port = int(m.group(1))

    def stop(self):
        """SIGTERM, then the exit status; None when it had to be killed after 30 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return None
        return self.proc.returncode
