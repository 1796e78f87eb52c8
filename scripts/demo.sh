#!/bin/sh
# The demo: the main job on the four seed licences that ship in tests/fixtures/seeds.
set -eu
XUKE=${1:-build/xuke}
cd "$(dirname "$0")/.."
echo "== xuke parse: the four seed licences, as readable summaries"
"$XUKE" parse tests/fixtures/seeds/*.txt
echo
echo "== xuke parse --json (first seed, pretty-printed)"
"$XUKE" parse --json --pretty tests/fixtures/seeds/003_76e38eccd87d7b3e.txt | head -40
echo "   ..."
