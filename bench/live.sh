#!/bin/sh
# bench/live.sh - live-mode packets/s over a veth pair against the offline
# `analyze` rate on the same capture.
#
# A ~200k-packet simulated capture is replayed with tcpreplay (--topspeed,
# then at fixed rates) into one end of a veth pair inside a private network
# namespace while `edgeward run` (with a store) captures on the other end.
# For each replay: packets sent (tcpreplay), packets counted by edgeward's
# final stats event, kernel drops, replay wall time, edgeward's CPU time and
# packets per CPU second; then the offline analyze rate (wall and CPU) on
# the same file, and bench_store when it has been built. No assertions.
#
# usage: [EW_BIN=build/edgeward] [EW_LIVE_PACKETS=200000] bench/live.sh
# Needs root and network namespaces (prints "skipped: ..." otherwise).
set -u
cd "$(dirname "$0")/.."
SUITE=bench-live
RES=
. tests/live/lib.sh
live_require
live_setup

PKTS=${EW_LIVE_PACKETS:-200000}
# The model's grace periods are packets AND seconds of packet time; a
# replay lasts seconds, so without this the model would only be learning
# its feature map (cheap) live while offline it scores: short grace
# periods everywhere, so both sides score almost every packet.
MODEL=${EW_LIVE_MODEL:-"--fm-grace 5000 --fm-grace-s 0 --ad-grace 20000 --ad-grace-s 0"}
RATES=${EW_LIVE_RATES:-"topspeed 50000 100000 200000"}
CAP=$T/live-$PKTS.pcap
"$BIN" sim -w "$CAP" --seed 42 --devices 20 --attack all --packets "$PKTS" >/dev/null 2>&1 || {
	echo "bench: sim failed"
	exit 1
}
HZ=$(getconf CLK_TCK)
now() { date +%s.%N; }
# utime+stime of a pid, in seconds
cpu_s() {
	awk -v hz="$HZ" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null
}
fdiv() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "-" }'; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

mkdir -p "$T/store" "$T/log"
chown nobody "$T/store" "$T/log"

echo "capture: $PKTS packets ($(du -h "$CAP" | cut -f1)), $(nproc) CPUs, $(uname -r)"
echo "model: $MODEL"
echo "sender ceiling (tcpreplay --topspeed, nobody listening):"
replay "$CAP" --topspeed
sed -n 's/^\(Actual\|Rated\): /  /p' "$T/tcpreplay.out"
echo
printf '%-16s %8s %8s %8s %8s %8s %10s %8s %12s %10s\n' replay sent counted k_drops if_drops \
    replay_s "sent pps" cpu_s "pkts/cpu-s" "store rows"
for rate in $RATES; do
	rm -f "$T/store/"* "$T/log/"*
	# shellcheck disable=SC2086
	if ! ew_start "$T/run.out" --store "$T/store/edgeward.db" -l "$T/log" --user nobody \
	    --stats-interval 1 --buffer-size 64M $MODEL; then
		echo "  $rate: edgeward run did not start: $(tail -2 "$T/run.out")"
		continue
	fi
	c0=$(cpu_s "$EW_PID")
	t0=$(now)
	if [ "$rate" = topspeed ]; then replay "$CAP" --topspeed; else replay "$CAP" --pps="$rate"; fi
	t1=$(now)
	# let the last frames through the pipeline: until the count stops moving
	prev=-1
	i=0
	while [ "$i" -lt 30 ]; do
		sleep 1
		p=$(last_stats "$T/log/eve.json" .stats.capture.packets)
		[ "${p:-0}" = "$prev" ] && break
		prev=${p:-0}
		i=$((i + 1))
	done
	c1=$(cpu_s "$EW_PID")
	ew_stop TERM 60
	got=$(last_stats "$T/log/eve.json" .stats.capture.packets)
	kd=$(last_stats "$T/log/eve.json" .stats.live.kernel_drops)
	ifd=$(last_stats "$T/log/eve.json" .stats.live.iface_drops)
	rows=$(sqlite3 "$T/store/edgeward.db" "select (select count(*) from devices) +
	    (select count(*) from alerts) + (select count(*) from stats) +
	    (select count(*) from model_snapshots) + (select count(*) from baselines)" 2>/dev/null)
	rs=$(fsub "$t1" "$t0")
	cs=$(fsub "$c1" "$c0")
	printf '%-16s %8s %8s %8s %8s %8s %10s %8s %12s %10s\n' "$rate" "$SENT" "${got:--}" \
	    "${kd:--}" "${ifd:--}" "$rs" "$(fdiv "$SENT" "$rs")" "$cs" "$(fdiv "${got:-0}" "$cs")" "${rows:--}"
	[ "$EW_RC" = 0 ] || echo "  (edgeward run exit $EW_RC: $(tail -2 "$T/run.out" | tr '\n' ' '))"
done

# Live packet time is the receive time: the replay squeezes the capture's
# hour into seconds, so the checks and the model see far denser traffic
# than offline. With tcpdump at hand, the replayed frames are recorded
# once and analyzed offline as well: that is the like-for-like figure.
RETIMED=""
if command -v tcpdump >/dev/null 2>&1; then
	ip netns exec "$NS" tcpdump -i "$IF_CAP" -B 65536 -U -w "$T/retimed.pcap" >/dev/null 2>&1 &
	td=$!
	LIVE_PIDS="$LIVE_PIDS $td"
	sleep 1
	replay "$CAP" --pps=50000
	sleep 1
	kill "$td" 2>/dev/null
	wait "$td" 2>/dev/null
	RETIMED=$T/retimed.pcap
fi

echo "  (live: CPU of the edgeward process from 'capturing on' until the count"
echo "   stops moving: start-up and the exit flush not included)"
echo
echo "offline analyze (best of 3, start-up and the final flow flush included):"
# wall, CPU and peak RSS of the child (python3 is a test dependency already)
for f in "$CAP" $RETIMED; do
# shellcheck disable=SC2086
python3 - "$BIN" "$f" "$T/off" $MODEL <<'PY'
import json, resource, subprocess, sys, time
binary, cap, out = sys.argv[1:4]
extra = sys.argv[4:]
best = None
for _ in range(3):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run([binary, "analyze", "-q", "-r", cap, "-l", out] + extra, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if best is None or wall < best[0]:
        best = (wall, cpu, r1.ru_maxrss)
n = 0
with open(out + "/eve.json") as f:
    for line in f:
        e = json.loads(line)
        if e.get("event_type") == "stats":
            n = e["stats"]["capture"]["packets"]
wall, cpu, rss = best
name = "the capture" if "retimed" not in cap else "the 50k pps replay as received"
print("  %-31s %d packets in %.2f s wall (%.0f pkts/s), %.2f s CPU (%.0f pkts/cpu-s), peak RSS %.1f MiB"
      % (name + ":", n, wall, n / wall, cpu, n / cpu if cpu else 0, rss / 1024))
PY
done

BS=$(dirname "$BIN")/bench_store
if [ -x "$BS" ]; then
	echo
	echo "bench_store:"
	"$BS" "$T" 2>&1 | sed 's/^/  /'
elif [ -f bench/bench_store.c ]; then
	echo
	echo "bench_store: not built (make $(dirname "$BIN")/bench_store)"
fi
exit 0
