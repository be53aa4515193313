#!/usr/bin/env bash
# `replay` against `score` on the same data (docs/performance.md, "Live scoring"): builds
# this tree's release binary, then in each round runs `score`, this build's
# `replay --changes` and, if given, another build's, one after the other, on the B2B
# example at 10M events (or the size given). Prints each round's times, peak memory and
# ratios. Every replay's results must be `score`'s bytes, and both builds' changes the
# same bytes.
#
#   bench/replay.sh [OLD_BINARY|-] [1m|10m] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:--}
size=${2:-10m}
rounds=${3:-3}
source bench/generated.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
common=(examples/b2b.score --leads "$dir/leads.jsonl" --events "$dir/events.jsonl"
        --as-of 2026-11-01T00:00:00Z --threads 2 --format csv --quiet)

# Runs a command, printing "SECONDS PEAK_MIB".
timed() {
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" > /dev/null
    awk '{ printf "%s %d\n", $1, $2 / 1024 }' "$out/time"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

for round in $(seq "$rounds"); do
    read -r score score_mib < <(timed $new score "${common[@]}" -o "$out/score.csv")
    read -r now now_mib < <(timed $new replay "${common[@]}" -o "$out/now.csv" \
        --changes "$out/now.changes")
    cmp -s "$out/score.csv" "$out/now.csv" || { echo "replay's results differ from score's" >&2; exit 1; }
    line="round $round (load $(cut -d' ' -f1 /proc/loadavg)): score ${score} s ${score_mib} MiB"
    line+=" | replay ${now} s ${now_mib} MiB, $(ratio "$now" "$score")x score"
    if [ "$old" != - ]; then
        read -r before before_mib < <(timed "$old" replay "${common[@]}" -o "$out/old.csv" \
            --changes "$out/old.changes")
        cmp -s "$out/score.csv" "$out/old.csv" || { echo "the old replay's results differ" >&2; exit 1; }
        cmp -s "$out/now.changes" "$out/old.changes" || { echo "the changes differ" >&2; exit 1; }
        line+=" | old replay ${before} s ${before_mib} MiB, now/old $(ratio "$now" "$before")"
    fi
    echo "$line"
done
