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
echo
echo "== xuke token create demo-editor --role editor (shown once; the store keeps its hash)"
TOKEN=$("$XUKE" token create --db "$DB" demo-editor --role editor)
echo "$TOKEN"
echo
LISTEN=${XUKE_DEMO_LISTEN:-127.0.0.1:8080}
echo "== xuke serve: the four seeds on http://$LISTEN/ (reads open to all, writes need the token)"
echo "   open http://$LISTEN/ (search), http://$LISTEN/dashboard, http://$LISTEN/upload"
echo "   try:  curl http://$LISTEN/v1/domains/www.xiaohe.cn"
echo "   paste the token above under 令牌 (Token) to import on the upload page; Ctrl-C stops"
exec "$XUKE" serve --db "$DB" --listen "$LISTEN" --public-read
