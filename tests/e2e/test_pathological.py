"""The extractor on hostile documents at the size limit: repeated, truncated, one endless line,
deeply nested brackets, endless qualifier lists, label floods, mixed UTF-8 and GB18030, NUL and
control bytes. Each must end (bounded by the subprocess timeout, not timed) with a record or a
clear error, never a crash, and its peak memory must stay within a fixed multiple of the input
(linear, not quadratic). One byte over the limit is refused before it is read whole.

usage: test_pathological.py XUKE_BINARY FIXTURES_DIR [--no-memory-bound]
(the sanitizer build passes --no-memory-bound: ASan's shadow memory and quarantine are not the
extractor's)"""
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish  # noqa: E402

XUKE, FIXTURES = sys.argv[1], sys.argv[2]
MEMORY_BOUND = '--no-memory-bound' not in sys.argv[3:]
TMP = tempfile.mkdtemp(prefix='xuke-patho-')
LIMIT = 4 * 1024 * 1024          # XK_MAX_DOCUMENT_BYTES
MEMORY_FACTOR = 20               # peak RSS at most this many times the input, plus a base
BASE_RSS_KIB = 64 * 1024



def fill(unit, size=LIMIT, head=b''):
    body = head + unit * ((size - len(head)) // len(unit) + 1)
    return body[:size]


def seed_text():
    seeds = os.path.join(FIXTURES, 'seeds')
    name = sorted(f for f in os.listdir(seeds) if f.endswith('.txt'))[0]
    return open(os.path.join(seeds, name), 'rb').read()


def inputs():
    seed = seed_text()
    head = '增值电信业务经营许可证\n经营许可证编号：京B2-20224676\n'.encode()
    cut = seed[:len(seed) // 2 - 1]  # ends inside a character
    gb = '网站名称：星河商城\n'.encode('gb18030')
    return {
        'the seed repeated to the limit': fill(seed),
        'a seed truncated inside a character, repeated': fill(cut),
        'one line without a break': fill('网站接入服务提供单位'.encode(), head=head),
        'brackets nested a million deep': fill('（'.encode(), LIMIT // 2, head) + fill('）'.encode(), LIMIT // 2),
        'an endless qualifier list': fill('仅限互联网信息服务、含'.encode(), head=head + '业务种类：第二类增值电信业务中的信息服务业务（'.encode()),
        'label lines flooding every section': fill('网站名称：\n网站域名：\n特别规定事项：\n1.\n'.encode(), head=head),
        'numbered provisions without end': fill('1.2.3.4.5.6.7.8.9.10.11.'.encode(), head=head + '特别规定事项\n'.encode()),
        'mixed UTF-8 and GB18030 lines': fill(gb + '网站名称：星河商城\n'.encode(), head=head),
        'NUL and control bytes between the labels': fill(b'\x00\x01\x1b[0m\r\r\n', head=head),
        'a million empty lines': fill(b'\n', head=head),
        'dates everywhere': fill('2027年01月29日 ]月 l9日 2022-02-30 '.encode(), head=head + '有效期至：'.encode()),
    }




def parse_measured(path):
    """rc, stderr and peak RSS in KiB of `xuke parse --json path`."""
    with open(os.path.join(TMP, 'out'), 'wb') as out, open(os.path.join(TMP, 'err'), 'wb') as err:
        p = subprocess.Popen([XUKE, 'parse', '--json', path], stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(p.pid, 0)
        except ChildProcessError:
            return None, 'lost the child', 0
        p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, open(os.path.join(TMP, 'err'), encoding='utf-8', errors='replace').read(), usage.ru_maxrss


def main():
    for name, data in inputs().items():
        assert len(data) <= LIMIT, name
        path = os.path.join(TMP, 'doc.txt')
        with open(path, 'wb') as f:
            f.write(data)
        rc, err, rss = parse_measured(path)
        bound = BASE_RSS_KIB + MEMORY_FACTOR * len(data) // 1024
        clear = rc in (0, 1) and ('doc.txt' in err or rc == 0) and 'Sanitizer' not in err
        check(f'{name} ({len(data) >> 20} MiB): ends with a record or a clear error, '
              f'peak {rss >> 10} MiB (bound {bound >> 10} MiB)', clear and (rss <= bound or not MEMORY_BOUND),
              f'rc {rc}: {err[-600:]}')
    path = os.path.join(TMP, 'big.txt')
    with open(path, 'wb') as f:
        f.write(fill(seed_text(), LIMIT + 1))
    rc, err, rss = parse_measured(path)
    check('one byte over the limit is refused, naming the file and the limit',
          rc == 1 and 'big.txt' in err and 'limit' in err, err[-400:])
    shutil.rmtree(TMP, ignore_errors=True)
    finish()


main()
