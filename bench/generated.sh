# Sourced by bench/compare.sh and bench/replay.sh: builds this tree's release binary
# (`$new`) and makes sure `leadscore gen` data of size `$size` (1m or 10m) is in `$dir`
# (under $BENCH_DATA, default target/bench-data).
data=${BENCH_DATA:-target/bench-data}
case $size in
    1m) leads=100000; events=1000000 ;;
    10m) leads=1000000; events=10000000 ;;
    *) echo "unknown size $size (1m or 10m)" >&2; exit 2 ;;
esac

cargo build --release --quiet --bin leadscore
new=target/release/leadscore
dir=$data/$size
if [ ! -f "$dir/events.jsonl" ]; then
    $new gen --leads $leads --events $events --seed 1 --out "$dir" 2> /dev/null
fi
