#!/bin/bash
# Runs each libFuzzer target for a fixed time: `tests/fuzz/run.sh BUILD SECONDS JOBS [TARGET...]`
# (what `make fuzz` calls). Each target's corpus grows in BUILD/fuzz-corpus/TARGET, seeded from
# tests/fuzz/corpus, the fixtures and the regression inputs; a crash is saved as
# BUILD/fuzz-crashes/TARGET-crash-… and fails the run. Prints one summary line a target.
# FUZZ_TIMEOUT (seconds, default 10) is libFuzzer's per-input wall-clock limit: raise it for
# long runs on a loaded machine, where a starved process otherwise reports a "timeout".
set -u
build=$1 seconds=$2 jobs=$3
shift 3
root=$(cd "$(dirname "$0")/../.." && pwd)
targets=${*:-extract parsers record_json calendar http}
mkdir -p "$build/fuzz-corpus" "$build/fuzz-crashes" "$build/fuzz-logs"

seed() { # seed TARGET DIR: copies the target's starting inputs into DIR
    local t=$1 dir=$2
    mkdir -p "$dir"
    for src in "$root/tests/fuzz/corpus/$t" "$root/tests/fuzz/regress/$t"; do
        [ -d "$src" ] && find "$src" -maxdepth 1 -type f ! -name '.*' -exec cp -n {} "$dir/" \;
    done
    case $t in
    extract | record_json) cp -n "$root"/tests/fixtures/seeds/* "$root"/tests/fixtures/docs/* "$dir/" ;;
    calendar) cp -n "$root/data/calendar.txt" "$dir/" ;;
    notice) cp -n "$root"/tests/notices/*.txt "$dir/" ;;
    esac
}

one() { # one TARGET: runs it, prints its summary line, returns non-zero on a finding
    local t=$1 log=$build/fuzz-logs/$1.log
    seed "$t" "$build/fuzz-corpus/$t"
    local dict=$root/tests/fuzz/dict/$t.dict dict_arg=()
    [ -s "$dict" ] && dict_arg=(-dict="$dict") # a target without a dictionary runs without one
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0 \
        "$build/tests/fuzz_$t" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
        "${dict_arg[@]}" -artifact_prefix="$build/fuzz-crashes/$t-" \
        -print_final_stats=1 "$build/fuzz-corpus/$t" > "$log" 2>&1
    local rc=$?
    local execs cov ft corpus
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(find "$build/fuzz-corpus/$t" -type f | wc -l)
    printf '%-12s %5ss  execs %-10s edges %-6s features %-7s corpus %-6s %s\n' "$t" "$seconds" \
        "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$([ $rc = 0 ] && echo ok || echo "FAILED (rc $rc, $log)")"
    # on a finding: what failed (a sanitizer's ERROR, UBSan's "runtime error", a broken property),
    # the top of its stack and where the input was saved, so CI's log alone says what to fix
    [ $rc = 0 ] || {
        grep -m12 -E 'ERROR|runtime error|property failed|SUMMARY|^ *#[0-5] |Test unit written' "$log"
        return 1
    }
}

failed=0 running=0
for t in $targets; do
    one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done
exit $failed
