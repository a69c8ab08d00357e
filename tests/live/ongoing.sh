#!/bin/sh
# Live check that an attack going on is alerted while it goes on: a
# simulated home whose plug starts mining halfway, replayed at 4x into
# `edgeward run` (live packet time is the wall clock). A progress report
# (episode.ongoing) for the miner must reach the store within 30 s of
# real time after the miner's first packet (2 minutes of packet time at
# 4x: reported when the mining check finds it, not after a while), and
# the complete report after SIGTERM. Not in `make check`: it needs about
# 8 minutes of real time.
#
# usage: [EW_BIN=build/edgeward] tests/live/ongoing.sh [RESULTS_FILE]
set -u
cd "$(dirname "$0")/../.."
SUITE=ongoing
RES=${1:-}
. tests/live/lib.sh
live_require
live_setup

live_dirs
"$BIN" sim -w "$T/m.pcap" --seed 4 --hours 0.5 --attack mining >/dev/null 2>&1 ||
    bad "sim m.pcap"
miner=$(jq -r 'select(.attack=="mining")|.src_ip' "$T/m.truth.json")
# the miner's first packet, in seconds of replay at 4x (the capture's
# first record's seconds: after pcap's 24-byte file header)
t_first=$(od -An -t u4 -j 24 -N 4 "$T/m.pcap" | tr -d ' ')
t_miner=$(jq -r 'select(.attack=="mining")|.start|floor' "$T/m.truth.json")
miner_at=$(( (t_miner - t_first) / 4 ))

mining() {
	"$BIN" alerts --store "$S" --json 2>/dev/null |
	    jq -c "select(.alert.category==\"cryptomining\" and .src_ip==\"$miner\")|[(.episode.ongoing // false), .episode.count]" 2>/dev/null
}

if ! ew_start "$T/run.out" --store "$S" -l "$L" --user nobody; then
	bad "'capturing on $IF_CAP'" "$(tail -3 "$T/run.out")"
	finish
	exit 1
fi
r0=$(date +%s)
replay_bg --multiplier=4 "$T/m.pcap"
seen="" after=""
while kill -0 "$TR_PID" 2>/dev/null; do
	sleep 2
	if [ -z "$seen" ] && mining | grep -q '^\[true,'; then
		seen=$(mining | head -1)
		after=$(( $(date +%s) - r0 - miner_at ))
	fi
done
if [ -n "$seen" ] && [ "$after" -le 30 ]; then
	ok "a progress report for the miner $miner $after s after it began $seen"
else
	bad "a progress report for the miner $miner within 30 s" "${seen:-none} after ${after:-?} s"
fi
ew_stop TERM 30
last=$(mining | tail -1)
case $last in
\[false,*) ok "the complete report after SIGTERM $last" ;;
*) bad "the complete report after SIGTERM" "$last" ;;
esac
finish
