#!/bin/sh
# Full disk and read-only store: `edgeward run` keeps capturing when its
# store cannot be written (the packets keep being counted in the periodic
# stats events, the store's errors and dropped rows are counted and said
# once on stderr, and said again when writing works again), and an
# unwritable store or log directory is a clear start-up error.
#
# The store lives on a 256 KiB tmpfs mounted in a private mount namespace
# (unshare -m), filled up with a filler file once the store is open.
#
# usage: [EW_BIN=build/edgeward] tests/live/diskfull.sh [RESULTS_FILE]
set -u
cd "$(dirname "$0")/../.."
SUITE=diskfull
RES=${1:-}
. tests/live/lib.sh
live_require
if [ -z "${EW_IN_MNTNS:-}" ]; then
	command -v unshare >/dev/null 2>&1 || skip "no unshare"
	unshare -m --propagation private true 2>/dev/null || skip "unshare -m not permitted"
	EW_IN_MNTNS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
live_setup

F=$T/full
L=$T/log
mkdir -p "$F" "$L"
mount -t tmpfs -o size=256k,mode=0755 ewfull "$F" || skip "cannot mount a tmpfs"
LIVE_MOUNTS="$F"
chown nobody "$F" "$L"
S=$F/edgeward.db

for k in 0 1 2; do
	"$BIN" sim -w "$T/h$k.pcap" --seed $((60 + k)) --hours 0.02 --attack portscan \
	    >/dev/null 2>&1 || bad "sim h$k.pcap"
done

# ---- the disk fills up while capturing -----------------------------------
if ew_start "$T/full.out" --store "$S" -l "$L" --user nobody --stats-interval 1; then
	ok "starts with the store on a 256k tmpfs"
else
	bad "starts with the store on a 256k tmpfs" "$(tail -2 "$T/full.out" | tr '\n' ' ')"
	finish
	exit 1
fi
# fill what is left (as root, the sensor cannot take it back)
dd if=/dev/zero of="$F/filler" bs=4k >/dev/null 2>&1
df -k "$F" | tail -1 | awk '{print "     tmpfs: " $3 "k used, " $4 "k free"}'
replay_bg --pps=20000 --loop=0 "$T/h0.pcap" "$T/h1.pcap" "$T/h2.pcap"
# wait (up to 20 s) for the store to report the failure
i=0
while [ "$i" -lt 200 ] && ! grep -q "cannot write" "$T/full.out"; do
	sleep 0.1
	i=$((i + 1))
done
p1=$(last_stats "$L/eve.json" .stats.capture.packets)
sleep 3
p2=$(last_stats "$L/eve.json" .stats.capture.packets)
if grep -q "store.*cannot write" "$T/full.out"; then
	ok "full disk said on stderr: $(grep -m1 'cannot write' "$T/full.out" | cut -c1-140)"
else
	bad "full disk said on stderr" "$(tail -3 "$T/full.out" | tr '\n' ' ')"
fi
n=$(grep -c "cannot write" "$T/full.out")
[ "$n" -eq 1 ] && ok "said once, not per row" || bad "said once, not per row" "$n lines"
kill -0 "$EW_PID" 2>/dev/null && ok "still running on a full disk" || bad "still running on a full disk"
[ -n "$p1" ] && [ -n "$p2" ] && [ "$p2" -gt "$p1" ] &&
    ok "packets still counted in stats events ($p1 -> $p2)" ||
    bad "packets still counted in stats events" "$p1 -> $p2"
failing=$(last_stats "$L/eve.json" .stats.live.store.failing)
dropped=$(last_stats "$L/eve.json" .stats.live.store.dropped)
errs=$(last_stats "$L/eve.json" .stats.live.store.errors)
[ "$failing" = true ] && ok "stats event: store failing" || bad "stats event: store failing" "$failing"
[ "${errs:-0}" -gt 0 ] && [ "${dropped:-0}" -gt 0 ] &&
    ok "stats event counts store errors ($errs) and dropped rows ($dropped)" ||
    bad "stats event counts store errors and dropped rows" "errors=$errs dropped=$dropped"
v=$(integrity "$S")
[ "$v" = ok ] && ok "store integrity_check ok on the full disk" || bad "store integrity_check ok on the full disk" "$v"
# room again (the admin grows the file system; 256k cannot even hold the
# write-ahead log of one batch): the sensor says so and writes again
rm -f "$F/filler"
mount -o remount,size=4m "$F"
i=0
while [ "$i" -lt 150 ] && ! grep -q "writing again" "$T/full.out"; do
	sleep 0.1
	i=$((i + 1))
done
grep -q "store.*writing again" "$T/full.out" &&
    ok "recovery said: $(grep -m1 'writing again' "$T/full.out" | cut -c1-120)" ||
    bad "recovery said on stderr" "$(tail -2 "$T/full.out" | tr '\n' ' ')"
sleep 1.5
failing=$(last_stats "$L/eve.json" .stats.live.store.failing)
[ "$failing" = false ] && ok "stats event: store no longer failing" || bad "stats event: store no longer failing" "$failing"
n=$("$BIN" devices --store "$S" --json 2>/dev/null | jq length)
[ "${n:-0}" -gt 0 ] && ok "devices in the store after recovery ($n)" || bad "devices in the store after recovery" "$n"
# stop it under load (the quiet-link stop is tests/live/run.sh's)
ew_stop TERM 30
replay_bg_stop
[ "$EW_RC" = 0 ] && ok "SIGTERM under load -> exit 0" || bad "SIGTERM under load -> exit 0" "status $EW_RC"
v=$(integrity "$S")
[ "$v" = ok ] && ok "store integrity_check ok after the full disk" || bad "store integrity_check ok after the full disk" "$v"

# ---- unwritable directories: clear start-up errors -----------------------
# no "capturing on" line, exit 1, one line naming the directory
startup_error() {
	name=$1 want=$2
	shift 2
	in_ns timeout 20 "$BIN" run -i "$IF_CAP" --user nobody "$@" >"$T/err.out" 2>&1
	rc=$?
	if [ "$rc" = 1 ] && ! grep -q "capturing on" "$T/err.out" && grep -qF -- "$want" "$T/err.out"; then
		ok "$name: exit 1: $(grep -m1 -F -- "$want" "$T/err.out" | cut -c1-150)"
	else
		bad "$name: exit 1 naming $want" "exit $rc: $(head -3 "$T/err.out" | tr '\n' ' ')"
	fi
}
mkdir -p "$T/ro"
mount -t tmpfs -o ro,size=64k ewro "$T/ro"
LIVE_MOUNTS="$LIVE_MOUNTS $T/ro"
startup_error "read-only mount for the store" "$T/ro" --store "$T/ro/edgeward.db" -l "$L"
mkdir -p "$T/rootonly"
chmod 0755 "$T/rootonly"
startup_error "store directory not writable by the user" "$T/rootonly" --store "$T/rootonly/edgeward.db" -l "$L"
startup_error "log directory not writable by the user" "$T/rootonly" --store "$T/store2.db" -l "$T/rootonly"
# an existing store on a file system that became read-only
mkdir -p "$T/was"
mount -t tmpfs -o size=1m,mode=0755 ewwas "$T/was"
LIVE_MOUNTS="$LIVE_MOUNTS $T/was"
chown nobody "$T/was"
if ew_start "$T/was.out" --store "$T/was/edgeward.db" -l "$L" --user nobody; then
	replay_bg --pps=20000 --loop=0 "$T/h0.pcap"
	sleep 1
	ew_stop TERM 30
	replay_bg_stop
fi
mount -o remount,ro "$T/was" 2>/dev/null
startup_error "existing store, file system now read-only" "$T/was" --store "$T/was/edgeward.db" -l "$L"
finish
