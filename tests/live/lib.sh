# lib.sh - shared by the live suite (tests/live/*.sh) and bench/live.sh:
# a private network namespace with a veth pair, `edgeward run` on one end,
# tcpreplay into the other, result lines, cleanup on any exit.
#
# Sourced after the caller sets SUITE (its name in result lines) and
# optionally RES (a results file: "PASS live: ..." / "FAIL live: ..." lines
# as tests/run-all.sh expects). Everything it starts is killed by pid and
# the namespace (with the veth pair inside it) is deleted by the EXIT trap,
# also when a check fails half-way or the script is interrupted.
# shellcheck shell=sh

BIN=${EW_BIN:-build/edgeward}
RES=${RES:-}
NP=0 NF=0
LIVE_PIDS=""
LIVE_MOUNTS=""		# unmounted by the cleanup (tests/live/diskfull.sh)
NS="" IF_CAP="" IF_TX=""
T=""

ok() {
	NP=$((NP + 1))
	echo "ok   $1"
	[ -z "$RES" ] || echo "PASS live: $SUITE: $1" >>"$RES"
}
bad() {
	NF=$((NF + 1))
	echo "FAIL $1${2:+ ($2)}"
	[ -z "$RES" ] || echo "FAIL live: $SUITE: $1" >>"$RES"
}
# check NAME CMD...: ok when CMD succeeds
check() {
	_n=$1
	shift
	if "$@"; then ok "$_n"; else bad "$_n"; fi
}
skip() {
	echo "skipped: $SUITE: $*"
	exit 0
}
finish() {
	echo "$SUITE: $NP passed, $NF failed"
	[ "$NF" -eq 0 ]
}

live_cleanup() {
	for _p in $LIVE_PIDS; do
		kill -9 "$_p" 2>/dev/null
	done
	for _p in $LIVE_PIDS; do
		wait "$_p" 2>/dev/null
	done
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null
	for _m in $LIVE_MOUNTS; do
		umount -l "$_m" 2>/dev/null
	done
	[ -z "$T" ] || [ -n "${EW_KEEP:-}" ] || rm -rf "$T"
	[ -z "${EW_KEEP:-}" ] || echo "kept $T"
}

# live_require: root, ip netns, tcpreplay, sqlite3, jq, the binary, and
# `edgeward run`; otherwise exit 0 with a "skipped:" line.
live_require() {
	[ "$(id -u)" = 0 ] || skip "not root"
	for _c in ip tcpreplay sqlite3 jq; do
		command -v "$_c" >/dev/null 2>&1 || skip "$_c not installed"
	done
	[ -x "$BIN" ] || skip "no $BIN (run make)"
	"$BIN" run --help >/dev/null 2>&1 || skip "$BIN has no run command"
}

# live_setup: scratch dir $T, namespace $NS with veth $IF_TX <-> $IF_CAP,
# both up, IPv6 off (no router solicitations or MLD reports mixed into
# the replayed traffic). Names are unique per run.
live_setup() {
	_id=$$$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	T=$(mktemp -d "${EW_TMP:-/tmp}/live.XXXXXX")
	chmod 0755 "$T"
	trap 'live_cleanup' EXIT
	trap 'exit 130' INT TERM
	_ns=ewlive$_id
	ip netns add "$_ns" 2>"$T/netns.err" || skip "ip netns add failed: $(head -1 "$T/netns.err")"
	NS=$_ns
	ip netns exec "$NS" sh -c 'for c in all default; do
	    echo 1 >/proc/sys/net/ipv6/conf/$c/disable_ipv6; done' 2>/dev/null
	IF_CAP=ewc$(printf '%s' "$_id" | tail -c 9)
	IF_TX=ewt$(printf '%s' "$_id" | tail -c 9)
	ip -n "$NS" link add "$IF_TX" mtu 9000 type veth peer name "$IF_CAP" mtu 9000 ||
	    skip "cannot create a veth pair"
	ip -n "$NS" link set lo up
	ip -n "$NS" link set "$IF_TX" up
	ip -n "$NS" link set "$IF_CAP" up
}

# live_dirs: S (the store file) and L (the EVE directory) under $T; the
# sensor runs as nobody after the privilege drop, so it must be able to
# write there.
live_dirs() {
	S=$T/store/edgeward.db
	L=$T/log
	mkdir -p "$T/store" "$L"
	chown nobody "$T/store" "$L"
}

# in_ns CMD...: run CMD inside the namespace (ip netns exec execs it: the
# pid of a background in_ns is the command's own pid).
in_ns() {
	ip netns exec "$NS" "$@"
}

# wait_for_line FILE TEXT SECONDS PID: 0 when TEXT appears in FILE; 1 on
# timeout or when PID exits first.
wait_for_line() {
	_i=0
	while [ "$_i" -lt $(($3 * 10)) ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || { grep -qF -- "$2" "$1" 2>/dev/null; return; }
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ew_start OUTFILE ARGS...: `edgeward run -i $IF_CAP ARGS...` in the
# namespace, stdout+stderr to OUTFILE; EW_PID is its pid. 0 when the
# "capturing on IFACE" line came within 15 s.
ew_start() {
	_out=$1
	shift
	# not through in_ns: a function in the background is a subshell, and
	# $! would be the subshell's pid instead of edgeward's
	ip netns exec "$NS" "$BIN" run -i "$IF_CAP" "$@" >"$_out" 2>&1 &
	EW_PID=$!
	LIVE_PIDS="$LIVE_PIDS $EW_PID"
	wait_for_line "$_out" "capturing on $IF_CAP" 15 "$EW_PID"
}

# ew_stop SIGNAL SECONDS: signal EW_PID, wait up to SECONDS; EW_RC is its
# exit status (137 when it had to be killed, 124 when it would not die).
ew_stop() {
	kill -"$1" "$EW_PID" 2>/dev/null
	_i=0
	while kill -0 "$EW_PID" 2>/dev/null && [ "$_i" -lt $(($2 * 10)) ]; do
		# a zombie is dead enough: wait collects it below
		[ "$(awk '{print $3}' "/proc/$EW_PID/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$EW_PID" 2>/dev/null &&
	    [ "$(awk '{print $3}' "/proc/$EW_PID/stat" 2>/dev/null)" != Z ]; then
		kill -9 "$EW_PID" 2>/dev/null
		{ wait "$EW_PID"; } 2>/dev/null
		EW_RC=124
	else
		{ wait "$EW_PID"; } 2>/dev/null
		EW_RC=$?
	fi
	LIVE_PIDS=$(echo "$LIVE_PIDS" | sed "s/ $EW_PID\b//")
}

# replay_bg TCPREPLAY-ARGS...: tcpreplay out of $IF_TX in the background;
# TR_PID is tcpreplay's own pid. replay_bg_stop ends it.
replay_bg() {
	ip netns exec "$NS" tcpreplay -q -i "$IF_TX" "$@" >/dev/null 2>&1 &
	TR_PID=$!
	LIVE_PIDS="$LIVE_PIDS $TR_PID"
}
replay_bg_stop() {
	kill "$TR_PID" 2>/dev/null
	wait "$TR_PID" 2>/dev/null
	LIVE_PIDS=$(echo "$LIVE_PIDS" | sed "s/ $TR_PID\b//")
}

# replay FILE TCPREPLAY-OPTIONS...: send FILE out of $IF_TX; the number of
# packets tcpreplay says it sent is left in SENT.
replay() {
	_f=$1
	shift
	in_ns tcpreplay -i "$IF_TX" "$@" "$_f" >"$T/tcpreplay.out" 2>&1
	_rc=$?
	SENT=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$T/tcpreplay.out" | tail -1)
	SENT=${SENT:-0}
	return $_rc
}

# last_stats EVE JQ-PATH: that field of the last stats event (empty if
# none), looking only from line $EVE_FROM on (default 1: the whole file)
last_stats() {
	tail -n +"${EVE_FROM:-1}" "$1" 2>/dev/null |
	    jq -r "select(.event_type==\"stats\")|($2)|select(. != null)" 2>/dev/null | tail -1
}

# wait_packets EVE N SECONDS: until a stats event counts >= N packets
wait_packets() {
	_i=0
	while [ "$_i" -lt $(($3 * 10)) ]; do
		_p=$(last_stats "$1" .stats.capture.packets)
		[ -n "$_p" ] && [ "$_p" -ge "$2" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# integrity STORE: prints sqlite's integrity_check verdict ("ok")
integrity() {
	sqlite3 "$1" 'PRAGMA integrity_check' 2>&1 | head -3 | tr '\n' ' ' | sed 's/ $//'
}
