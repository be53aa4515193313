#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from the repository: the example models and the
# diagnostics tests' bad models, plans compiled from the examples (binary and JSON), the
# example data files and their lines, and times in every form the readers take. The
# kept inputs of fuzz/regressions/ are seeds too. libFuzzer grows the corpus from there
# (fuzz/corpus is not committed).
#
# Usage: fuzz/seed.sh [path to a leadscore binary, default target/debug/leadscore]
set -euo pipefail
cd "$(dirname "$0")/.."
leadscore=${1:-target/debug/leadscore}
corpus=fuzz/corpus
mkdir -p "$corpus"/{model,plan,data,time}

for target in model plan data time; do
  cp fuzz/regressions/$target/* "$corpus/$target/" 2>/dev/null || true
done

cp examples/*.score examples/changes/*.score tests/diagnostics/*.score tests/golden/*.score "$corpus/model/"

cp tests/golden/*.plan tests/golden/*.plan.json "$corpus/plan/"
for model in examples/b2b.score examples/loyalty.score examples/matrix.score; do
  name=$(basename "$model" .score)
  "$leadscore" compile "$model" -o "$corpus/plan/$name.plan"
  "$leadscore" compile "$model" --emit json -o "$corpus/plan/$name.plan.json"
done

for file in examples/data/*/*; do
  name=$(basename "$(dirname "$file")")-$(basename "$file")
  cp "$file" "$corpus/data/$name"
  head -n 1 "$file" >"$corpus/data/$name.first"
done

i=0
for time in 2026-10-01T10:00:00Z 2026-10-01t10:00:00z "2026-10-01 10:00:00+00" \
  "2026-10-01 10:00:00+0200" 2026-10-01T10:00:00.123456789+02:00 2026-10-01 \
  2025-12-31T23:59:59.999999Z 2026-10-01T23:59:60Z 1790899200 1790899200.25 -1.5 \
  1793404800.5 1767225599.999999 30d 2w 12h 90s 0s 1209600.000001; do
  i=$((i + 1))
  printf '%s' "$time" >"$corpus/time/seed-$i"
done
