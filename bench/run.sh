#!/usr/bin/env bash
# End-to-end benchmark of the B2B example model (docs/performance.md):
# leadscore vs DuckDB running the same model as SQL (bench/b2b.sql) vs a hand-written
# Rust scorer (bench/handwritten_b2b.rs), on the same generated JSON Lines files.
# Each program runs 5 times, the three taking turns; the table shows each one's median
# wall time and peak memory, and every output is checked to be identical to leadscore's.
#
#   bench/run.sh            # 1M and 10M events
#   bench/run.sh 1m         # one size
set -euo pipefail
cd "$(dirname "$0")/.."
data=${BENCH_DATA:-target/bench-data}
sizes=${*:-1m 10m}
as_of=1793491200   # 2026-11-01T00:00:00Z, the end of the generated history
runs=5

cargo build --release --quiet --bin leadscore --example handwritten_b2b
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
leadscore=target/release/leadscore
handwritten=target/release/examples/handwritten_b2b

# One timed run: wall seconds and peak memory (KB) into $dir/$name.$round.time.
run_once() {
    local name=$1 dir=$2 round=$3; shift 3
    /usr/bin/time -f "%e %M" -o "$dir/$name.$round.time" "$@" > /dev/null 2>> "$dir/$name.log"
}

# The median run of a program (these machines are noisy: the programs take turns, so a
# slow moment slows all of them alike).
median() {
    local name=$1 dir=$2
    cat "$dir/$name".*.time | sort -n | sed -n "$(( (runs + 1) / 2 ))p" > "$dir/$name.time"
}

printf '| events | leads | program | wall time (s) | events/s | peak memory (MB) | time vs leadscore |\n'
printf '|---:|---:|---|---:|---:|---:|---:|\n'
for size in $sizes; do
    case $size in
        1m) leads=100000; events=1000000 ;;
        10m) leads=1000000; events=10000000 ;;
        *) echo "unknown size $size (1m or 10m)" >&2; exit 2 ;;
    esac
    dir=$data/$size
    if [ ! -f "$dir/events.jsonl" ]; then
        $leadscore gen --leads $leads --events $events --seed 1 --out "$dir" 2> /dev/null
    fi
    rm -f "$dir"/*.time "$dir"/*.log
    for round in $(seq $runs); do
        run_once leadscore "$dir" "$round" $leadscore score examples/b2b.score --leads "$dir/leads.jsonl" \
            --events "$dir/events.jsonl" --as-of 2026-11-01 --format csv -o "$dir/leadscore.csv"
        run_once duckdb "$dir" "$round" python3 bench/duckdb_score.py "$dir/leads.jsonl" "$dir/events.jsonl" $as_of "$dir/duckdb.csv"
        run_once handwritten "$dir" "$round" sh -c "$handwritten '$dir/leads.jsonl' '$dir/events.jsonl' $as_of > '$dir/handwritten.csv'"
    done
    for program in leadscore duckdb handwritten; do median $program "$dir"; done
    for other in duckdb handwritten; do
        cmp -s "$dir/leadscore.csv" "$dir/$other.csv" || { echo "$other's output differs from leadscore's ($dir)" >&2; exit 1; }
    done
    base=$(cut -d' ' -f1 "$dir/leadscore.time")
    for program in leadscore duckdb handwritten; do
        read -r secs kb < "$dir/$program.time"
        awk -v p=$program -v s="$secs" -v kb="$kb" -v e=$events -v l=$leads -v b="$base" 'BEGIN {
            printf "| %d | %d | %s | %.2f | %.2fM | %d | %.2f× |\n", e, l, p, s, e / s / 1e6, kb / 1024, s / b }'
    done
done
echo "outputs identical: leadscore = duckdb = handwritten" >&2
