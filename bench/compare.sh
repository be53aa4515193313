#!/usr/bin/env bash
# Two leadscore builds side by side on the same data (docs/performance.md, "Regressions"):
# did a change make scoring slower? Builds this tree's release binary, then runs it and
# the other binary in turns on the B2B example at 10M events (or the size given), 5 runs
# each, and prints each one's median wall time, peak memory and the ratio. The two
# outputs must be identical: a model both versions read must score the same.
#
#   bench/compare.sh OLD_BINARY [1m|10m]
#
# OLD_BINARY is a leadscore built from another commit, e.g.
#   git worktree add /tmp/old v1.0 && (cd /tmp/old && cargo build --release) && \
#   bench/compare.sh /tmp/old/target/release/leadscore
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: bench/compare.sh OLD_BINARY [1m|10m]}
size=${2:-10m}
runs=5
source bench/generated.sh

# One timed run of binary $2 (named $1) into $dir/compare-$1.$3.time.
run_once() {
    local name=$1 binary=$2 round=$3
    /usr/bin/time -f "%e %M" -o "$dir/compare-$name.$round.time" "$binary" score examples/b2b.score \
        --leads "$dir/leads.jsonl" --events "$dir/events.jsonl" --as-of 2026-11-01 --format csv \
        -o "$dir/compare-$name.csv" 2> /dev/null
}

rm -f "$dir"/compare-*.time
for round in $(seq $runs); do
    run_once old "$old" "$round"
    run_once new "$new" "$round"
done
cmp -s "$dir/compare-old.csv" "$dir/compare-new.csv" || { echo "the two outputs differ ($dir)" >&2; exit 1; }

median() { sort -n "$dir"/compare-"$1".*.time | sed -n "$(( (runs + 1) / 2 ))p"; }
read -r old_s old_kb <<< "$(median old)"
read -r new_s new_kb <<< "$(median new)"
printf '| build | median wall time (s) | peak memory (MB) |\n|---|---:|---:|\n'
awk -v s="$old_s" -v kb="$old_kb" 'BEGIN { printf "| old | %.2f | %d |\n", s, kb / 1024 }'
awk -v s="$new_s" -v kb="$new_kb" 'BEGIN { printf "| new | %.2f | %d |\n", s, kb / 1024 }'
awk -v o="$old_s" -v n="$new_s" 'BEGIN { printf "new / old: %.3f× time\n", n / o }'
echo "outputs identical" >&2
