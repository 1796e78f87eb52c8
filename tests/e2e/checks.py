"""The end-to-end drivers' way of reporting: one line per check ('ok' or 'FAIL' with the
detail), then 'N passed, N failed' and the exit status."""
import sys

results = {'passed': 0, 'failed': 0}


def check(name, ok, detail=''):
    results['passed' if ok else 'failed'] += 1
    print(('ok   ' if ok else 'FAIL ') + name + ('' if ok else '\n     ' + str(detail)[:1500]))


def finish():
    print(f"{results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results['failed'] else 0)
