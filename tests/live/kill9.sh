#!/bin/sh
# kill -9 test: 20 times in a row, `edgeward run` on a veth in a private
# namespace gets traffic replayed at speed and is killed with SIGKILL at a
# random moment between 0.2 and 8 s after it said "capturing on". After
# each kill the store (one file carried over all iterations, seeded by
# `analyze --store`) must pass
# PRAGMA integrity_check and hold at least as many devices as after the
# iteration before: what was flushed stays flushed.
#
# usage: [EW_BIN=build/edgeward] [EW_KILL9_N=20] [EW_KILL9_MS="200 8000"]
#        tests/live/kill9.sh [RESULTS_FILE]
# Prints one line per iteration, "kill -9: N/N intact" and
# "N passed, N failed"; "skipped: ..." (exit 0) without root or netns.
set -u
cd "$(dirname "$0")/../.."
SUITE=kill9
RES=${1:-}
. tests/live/lib.sh
live_require
live_setup
N=${EW_KILL9_N:-20}

live_dirs

# Four homes (other seeds: other MACs), so the device count can grow while
# the store is being killed; each replayed in a loop at 20k packets/s.
for k in 0 1 2 3; do
	"$BIN" sim -w "$T/h$k.pcap" --seed $((40 + k)) --hours 0.02 --attack portscan \
	    >/dev/null 2>&1 || bad "sim h$k.pcap"
done

# device rows in the store (the reader the sensor's users have)
ndevices() {
	"$BIN" devices --store "$S" --json 2>/dev/null | jq length 2>/dev/null
}

# A carried-over store with something in it: the first home analyzed
# offline into it (devices, alerts, stats), handed to the sensor's user.
"$BIN" analyze -q -r "$T/h0.pcap" -l "$T/seed" --store "$S" >/dev/null 2>&1 ||
    bad "analyze --store seeds the store"
chown nobody "$S"* 2>/dev/null
prev=$(ndevices)
prev=${prev:-0}
[ "$prev" -gt 0 ] && ok "store seeded by analyze --store ($prev devices)" ||
    bad "store seeded by analyze --store" "$prev devices"

# The kill moment: uniform in MIN..MAX ms after "capturing on"
# (EW_KILL9_MS, default "200 8000"). The sensor commits every 5 s of packet
# time (STORE_FLUSH_S), so kills before 5 s hit start-up, restore and
# capture, and the ones after it land after, or in the middle of, a
# commit of new devices.
# shellcheck disable=SC2086
set -- ${EW_KILL9_MS:-200 8000}
kmin=$1 kmax=$2
intact=0 i=1
while [ "$i" -le "$N" ]; do
	f=$T/h$((i % 4)).pcap
	ms=$((kmin + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % (kmax - kmin + 1)))
	if ! ew_start "$T/run$i.out" --store "$S" -l "$T/log" --user nobody \
	    --stats-interval 1; then
		bad "iteration $i: start" "$(tail -2 "$T/run$i.out" | tr '\n' ' ')"
		i=$((i + 1))
		continue
	fi
	replay_bg --pps=20000 --loop=0 "$f"
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	alive=yes
	kill -0 "$EW_PID" 2>/dev/null || alive=no
	ew_stop KILL 5
	replay_bg_stop
	v=$(integrity "$S")
	n=$(ndevices)
	n=${n:-0}
	files=$(ls "$T/store" | tr '\n' ' ')
	if [ "$alive" = yes ] && [ "$v" = ok ] && [ "$n" -ge "$prev" ]; then
		intact=$((intact + 1))
		ok "iteration $i: killed after $ms ms: integrity ok, $n devices (was $prev)"
	else
		bad "iteration $i: killed after $ms ms" "alive=$alive integrity=$v devices $n (was $prev) [$files]"
	fi
	[ "$n" -gt "$prev" ] && prev=$n
	i=$((i + 1))
done
echo "kill -9: $intact/$N intact"
# and the store still opens for a clean run that stops normally
if ew_start "$T/final.out" --store "$S" -l "$T/log" --user nobody; then
	ew_stop TERM 30
	[ "$EW_RC" = 0 ] && ok "clean run on the killed store, exit 0" ||
	    bad "clean run on the killed store, exit 0" "exit $EW_RC: $(tail -2 "$T/final.out")"
	grep -q "devices restored" "$T/final.out" && ok "it restores $(sed -n 's/.*: \([0-9]*\) devices restored.*/\1/p' "$T/final.out") devices" ||
	    bad "it restores the devices" "$(tail -2 "$T/final.out")"
else
	bad "clean run on the killed store" "$(tail -2 "$T/final.out")"
fi
finish
