#!/bin/sh
# Live check that an attack going on is alerted while it goes on: a
# simulated home whose plug starts mining halfway, replayed at 4x into
# `edgeward run` (live packet time is the wall clock). A progress report
# (episode.ongoing) for the miner must reach the store before the replay
# ends, and the complete report after SIGTERM. Not in `make check`: it
# needs about 8 minutes of real time (the first progress report is due
# once the miner's activity has spanned ALERT_ONGOING_FIRST_S, 120 s).
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

mining() {
	"$BIN" alerts --store "$S" --json 2>/dev/null |
	    jq -c "select(.alert.category==\"cryptomining\" and .src_ip==\"$miner\")|[(.episode.ongoing // false), .episode.count]" 2>/dev/null
}

if ! ew_start "$T/run.out" --store "$S" -l "$L" --user nobody; then
	bad "'capturing on $IF_CAP'" "$(tail -3 "$T/run.out")"
	finish
	exit 1
fi
replay_bg --multiplier=4 "$T/m.pcap"
seen=""
while kill -0 "$TR_PID" 2>/dev/null; do
	sleep 5
	[ -z "$seen" ] && mining | grep -q '^\[true,' && seen=$(mining | head -1)
done
[ -n "$seen" ] && ok "a progress report for the miner $miner before the replay ended $seen" ||
    bad "a progress report for the miner $miner before the replay ended"
ew_stop TERM 30
last=$(mining | tail -1)
case $last in
\[false,*) ok "the complete report after SIGTERM $last" ;;
*) bad "the complete report after SIGTERM" "$last" ;;
esac
finish
