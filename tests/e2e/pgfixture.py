"""One throwaway PostgreSQL 15 cluster shared by the tests that run against PostgreSQL in a CTest
run: `start STATE` makes it (pgcluster.py: initdb and pg_ctl into a temporary directory, as user
nobody when run as root) and writes STATE, a JSON file naming its directory, port and a
connection string for its maintenance database; `stop STATE` stops it and removes it. CTest
runs them as the setup and cleanup of the fixture "postgres" (tests/CMakeLists.txt); each test
then makes its own databases in it (pgcluster.Cluster.attach), so tests never share one.

usage: pgfixture.py start|stop STATE"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgcluster import Cluster  # noqa: E402


def start(state):
    if os.path.exists(state):  # a run cut off earlier left its cluster: it goes first
        stop(state)
    c = Cluster()
    try:
        c.start()
    except Exception:
        c.stop()
        raise
    with open(state + '.partial', 'w') as f:
        json.dump({'dir': c.dir, 'port': c.port, 'as_user': c.as_user,
                   'admin': c.uri('postgres')}, f)
    os.replace(state + '.partial', state)
    print(f'PostgreSQL cluster in {c.dir} on port {c.port}')


def stop(state):
    try:
        with open(state) as f:
            c = Cluster.attach(json.load(f))
    except (OSError, ValueError) as e:
        print(f'no cluster to stop: {e}')
        return
    c.stop()
    os.remove(state)
    print(f'PostgreSQL cluster in {c.dir} stopped')


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] not in ('start', 'stop'):
        sys.exit(__doc__)
    (start if sys.argv[1] == 'start' else stop)(sys.argv[2])
