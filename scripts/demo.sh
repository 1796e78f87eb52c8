#!/bin/sh
# The demo: the main job on the embedded default store, using the four seed licences that ship
# in tests/fixtures/seeds. The store is build/demo.db (made fresh each run).
set -eu
XUKE=${1:-build/xuke}
cd "$(dirname "$0")/.."
DB=build/demo.db
rm -f "$DB" "$DB-wal" "$DB-shm"
echo "== xuke parse: one seed licence as a readable summary"
"$XUKE" parse tests/fixtures/seeds/003_76e38eccd87d7b3e.txt
echo
echo "== xuke import: the four seeds into the embedded SQLite store $DB"
"$XUKE" import --db "$DB" tests/fixtures/seeds/*.txt
echo
echo "== xuke summary"
"$XUKE" summary --db "$DB"
echo
echo "== xuke search --domain www.xiaohe.cn (which licence covers this host?)"
"$XUKE" search --db "$DB" --domain www.xiaohe.cn
echo
echo "== xuke search --company 小荷健康"
"$XUKE" search --db "$DB" --company 小荷健康
echo
echo "== xuke audit --verify"
"$XUKE" audit --db "$DB" --verify
echo
echo "== xuke status (as of today): which licences expired, whose renewal deadline passed"
"$XUKE" status --db "$DB"
echo
echo "== xuke deadlines --within 120 (today): what is due next, with the provision behind it"
"$XUKE" deadlines --db "$DB" --within 120
