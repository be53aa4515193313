#!/usr/bin/env bash
# End-to-end benchmark against the kit in ../shared/bench/ (docs/performance.md): its
# generator (gen.py), its model (model.score), the SQL a data engineer tuned for DuckDB
# (duckdb_score.sql) and `rust-limit`, a native scorer hand-written for that one model,
# run with 1 and 2 threads. Every program scores the same files and must write the same
# bytes as leadscore (the script stops if one differs).
#
# The programs take turns in each round, and each round's time of a program is divided by
# leadscore's time on the same input (JSON Lines or Parquet) in the same round: the table
# shows the median of those per-round ratios (not a ratio of medians), their range, and
# each program's median time and peak memory (/usr/bin/time's maximum resident set size).
#
#   bench/run.sh               # 10M events / 1M leads, 5 rounds
#   bench/run.sh 1m 3          # 1M events / 100k leads, 3 rounds
#
# Data goes under target/bench-data/kit-SIZE (BENCH_DATA to move it), generated once.
set -euo pipefail
cd "$(dirname "$0")/.."
kit=${BENCH_KIT:-../shared/bench}
size=${1:-10m}
rounds=${2:-5}
case $size in
    1m) leads=100000; events=1000000 ;;
    10m) leads=1000000; events=10000000 ;;
    100m) leads=10000000; events=100000000 ;;
    *) echo "unknown size $size (1m, 10m or 100m)" >&2; exit 2 ;;
esac
dir=${BENCH_DATA:-target/bench-data}/kit-$size
as_of=2026-11-01T00:00:00Z

cargo build --release --quiet --bin leadscore
# The kit's folder may be read-only: rust-limit is built under this project's target/.
cargo build --release --quiet --manifest-path "$kit/rust-limit/Cargo.toml" --target-dir target/rust-limit
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
leadscore=target/release/leadscore
rust_limit=target/rust-limit/release/rust-limit

if [ ! -f "$dir/events.jsonl" ]; then
    python3 "$kit/gen.py" --leads $leads --events $events --out "$dir"
fi
if [ ! -f "$dir/events.parquet" ]; then
    python3 bench/to_parquet.py "$dir"
fi
# DuckDB on Parquet: the kit's SQL with its two read_json(…) calls read_parquet(…).
python3 bench/to_parquet.py --sql "$kit/duckdb_score.sql" > "$dir/duckdb_score_parquet.sql"

# The programs, by name: each writes its output to $dir/NAME.out.
programs=(leadscore duckdb rust-limit-1 rust-limit-2 leadscore-parquet duckdb-parquet)
command_of() {
    local out=$dir/$1.out
    case $1 in
        leadscore) echo "$leadscore score $kit/model.score --leads $dir/leads.jsonl --events $dir/events.jsonl --as-of $as_of -o $out" ;;
        duckdb) echo "python3 $kit/duckdb_score.py --leads $dir/leads.jsonl --events $dir/events.jsonl --as-of $as_of -o $out" ;;
        rust-limit-1) echo "$rust_limit --leads $dir/leads.jsonl --events $dir/events.jsonl --as-of $as_of --threads 1 -o $out" ;;
        rust-limit-2) echo "$rust_limit --leads $dir/leads.jsonl --events $dir/events.jsonl --as-of $as_of --threads 2 -o $out" ;;
        leadscore-parquet) echo "$leadscore score $kit/model.score --input-format parquet --leads $dir/leads.parquet --events $dir/events.parquet --as-of $as_of -o $out" ;;
        duckdb-parquet) echo "python3 $kit/duckdb_score.py --sql $dir/duckdb_score_parquet.sql --leads $dir/leads.parquet --events $dir/events.parquet --as-of $as_of -o $out" ;;
    esac
}

rm -f "$dir"/*.time "$dir"/*.log
for round in $(seq "$rounds"); do
    for program in "${programs[@]}"; do
        # shellcheck disable=SC2046 # the command is split into words on purpose
        /usr/bin/time -f "%e %M" -o "$dir/$program.$round.time" $(command_of "$program") \
            > /dev/null 2>> "$dir/$program.log" || { echo "$program failed: see $dir/$program.log" >&2; exit 1; }
    done
    for program in "${programs[@]}"; do
        cmp -s "$dir/leadscore.out" "$dir/$program.out" ||
            { echo "$program's output differs from leadscore's ($dir/$program.out)" >&2; exit 1; }
    done
    echo "round $round of $rounds: outputs identical" >&2
done

# The median of the numbers on standard input.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The leadscore run a program is compared with: the one reading the same input.
base_of() { case $1 in *-parquet) echo leadscore-parquet ;; *) echo leadscore ;; esac; }

echo "$events events, $leads leads, $rounds rounds ($(date -u +%Y-%m-%d)); ratio: the program's time / leadscore's on the same input in the same round"
echo
printf '| program | input | median time (s) | median peak memory (MiB) | time / leadscore: median of rounds | range |\n'
printf '|---|---|---:|---:|---:|---:|\n'
for program in "${programs[@]}"; do
    base=$(base_of "$program")
    input=$([ "$base" = leadscore ] && echo "JSON Lines" || echo Parquet)
    secs=$(for r in $(seq "$rounds"); do cut -d' ' -f1 "$dir/$program.$r.time"; done | median)
    kb=$(for r in $(seq "$rounds"); do cut -d' ' -f2 "$dir/$program.$r.time"; done | median)
    ratios=$(for r in $(seq "$rounds"); do
        paste -d' ' "$dir/$program.$r.time" "$dir/$base.$r.time" | awk '{ printf "%.4f\n", $1 / $3 }'
    done)
    ratio=$(echo "$ratios" | median)
    range=$(echo "$ratios" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2f", lo, hi }')
    awk -v p="$program" -v i="$input" -v s="$secs" -v kb="$kb" -v r="$ratio" -v range="$range" \
        'BEGIN { printf "| %s | %s | %.2f | %d | %.2f× | %s |\n", p, i, s, kb / 1024, r, range }'
done
echo
echo "per round, seconds:"
for program in "${programs[@]}"; do
    printf '%s:' "$program"
    for r in $(seq "$rounds"); do printf ' %s' "$(cut -d' ' -f1 "$dir/$program.$r.time")"; done
    echo
done
