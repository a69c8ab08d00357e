#!/bin/sh
# bench/run.sh - the stage table: packets/s and peak RSS per stage (each
# stage includes the ones before it: read (edgeward's own capture reader,
# in place for plain pcap), decode, flow, proto (nDPI + parsers),
# device, detect (behaviour checks), model, all (+ EVE), and the analyze
# command as a child process) against a bare libpcap read loop, on a >= 2 M packet simulated capture (and on the
# spoofed SYN flood from ../shared/data when present). No assertions: the
# figures go into closing notes. Best of EW_BENCH_RUNS runs (default 3).
set -eu
cd "$(dirname "$0")/.."
B=build/bench
mkdir -p "$B/out"
PKTS=${EW_BENCH_PACKETS:-2000000}
RUNS=${EW_BENCH_RUNS:-3}
CAP="$B/home-$PKTS.pcap"
if [ ! -s "$CAP" ]; then
	echo "bench: generating $CAP ($PKTS packets)"
	build/edgeward sim -w "$CAP" --seed 42 --devices 40 --hours 48 \
	    --attack all --packets "$PKTS" >/dev/null
fi

best() { # MODE FILE [ARGS]: best (fastest) of RUNS runs
	mode=$1; shift
	for i in $(seq "$RUNS"); do build/bench_stages "$mode" "$@"; done |
	    sort -k3,3n | head -1
}

row() { # MODE FILE: one table row (floor: the first row's pkts/s)
	if [ "$1" = analyze ]; then
		line=$(best analyze "$2" build/edgeward "$B/out")
	else
		line=$(best "$1" "$2" "$B/out")
	fi
	set -- $line
	[ -z "$floor" ] && floor=$4
	printf '%-10s %10s %9s %12s %8.1f%% %9.1f MiB\n' "$1" "$2" "$3" "$4" \
	    "$(echo "$4 $floor" | awk '{ printf "%.1f", 100 * $1 / $2 }')" \
	    "$(echo "$5" | awk '{ printf "%.1f", $1 / 1024 }')"
}

table() {
	file=$1
	echo
	echo "capture: $file ($(du -h "$file" | cut -f1))"
	printf '%-10s %10s %9s %12s %9s %12s\n' stage packets seconds pkts/s "% floor" "peak RSS"
	floor=""
	for m in pcap read decode flow proto device detect model all analyze; do
		row "$m" "$file"
	done
}

table "$CAP"
echo "the same with the model inline on one core (--model-thread off; above: auto):"
for m in model analyze; do
	EW_MODEL_THREAD=off row "$m" "$CAP"
done
echo
echo "features alone (bench_features: mode packets vectors cpu_s pkts/s peak_rss_kib):"
build/bench_features "$CAP" 2>/dev/null || echo "  (bench_features failed)"
echo "model alone on synthetic feature vectors (bench_model):"
build/bench_model 130 200000 2>&1 | sed 's/^/  /' || echo "  (bench_model failed)"
SYN=../shared/data/attacks/pkt.TCP.synflood.spoofed.pcap
[ -f "$SYN" ] && table "$SYN"
echo
echo "store (bench_store: threaded SQLite writer, 200k rows, batches of 1000):"
build/bench_store "$B" 200000 1000 2>&1 | sed 's/^/  /' || echo "  (bench_store failed)"
echo
echo "geo (bench_geo: tor-geoipdb load, memory, lookups/s):"
build/bench_geo 2>&1 | sed 's/^/  /' || echo "  (bench_geo failed)"
exit 0
