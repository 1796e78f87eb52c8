"""The end-to-end drivers' way of running the binary and reporting: one line per check ('ok'
or 'FAIL' with the detail), then 'N passed, N failed' and the exit status."""
import resource
import subprocess
import sys

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
