#!/bin/sh
# Browser suite: the dashboard in headless Chromium (Debian's chromium driven
# by playwright-core) against `edgeward serve` on a store filled from a
# simulated home (every attack scenario) plus a DHCP client whose hostname is
# HTML. Checks the token form, the inventory against the simulator's truth,
# an alert's explanation, a device's traffic chart, that device strings stay
# text, that new alerts arrive without reload, and that web/dist matches the
# sources. Prints "ok - ..." / "not ok - ..." and "browser: N passed, M
# failed"; appends "PASS browser: ..." / "FAIL browser: ..." to RESULTS_FILE.
# Skips (a "skip - ..." line, exit 0, nothing recorded) only when Chromium or
# the npm packages are missing and cannot be installed.
#
# Screenshots (overview.png, inventory.png, device.png, alerts.png) go to
# $EW_RESULTS/browser, else build/test-results/browser.
#
# usage: EW_BIN=build/edgeward tests/browser/run.sh [RESULTS_FILE]
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
RES=${1:-/dev/null}
BIN=${EW_BIN:-build/edgeward}
SHOTS=${EW_RESULTS:+$EW_RESULTS/browser}
SHOTS=${SHOTS:-build/test-results/browser}
CHROMIUM=${EW_CHROMIUM:-/usr/bin/chromium}
NP=0 NF=0
T="" SPID=""

ok() { NP=$((NP + 1)); echo "ok - $1"; echo "PASS browser: $1" >>"$RES"; }
notok() {
	NF=$((NF + 1))
	echo "not ok - $1${2:+ # $2}"
	echo "FAIL browser: $1" >>"$RES"
}
finish() {
	echo "browser: $NP passed, $NF failed"
	[ "$NF" -eq 0 ]
	exit $?
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	if [ -n "$SPID" ]; then
		# SIGTERM, then SIGKILL if serve has not stopped within 5 s
		kill "$SPID" 2>/dev/null
		_i=0
		while kill -0 "$SPID" 2>/dev/null && [ "$_i" -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		if kill -0 "$SPID" 2>/dev/null; then
			echo "not ok - serve stops on SIGTERM (killed)"
			echo "FAIL browser: serve stops on SIGTERM" >>"$RES"
			kill -9 "$SPID" 2>/dev/null
		fi
		wait "$SPID" 2>/dev/null
	fi
	[ -z "$T" ] || [ -n "${EW_KEEP:-}" ] || rm -rf "$T"
	[ -z "${EW_KEEP:-}" ] || [ -z "$T" ] || echo "kept $T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the committed uPlot build is the locked one (no browser needed) -------
stale=""
for f in uPlot.iife.min.js uPlot.min.css; do
	if [ ! -s "web/dist/$f" ]; then stale="$stale $f"
	elif [ -e "web/node_modules/uplot/dist/$f" ] &&
	    ! cmp -s "web/node_modules/uplot/dist/$f" "web/dist/$f"; then
		stale="$stale $f"
	fi
done
if [ -z "$stale" ]; then ok "web/dist holds uPlot's locked build"
else notok "web/dist holds uPlot's locked build" "differs:$stale (run make assets)"; fi
size=$(cat web/index.html web/app.js web/app.css web/dist/* | wc -c)
if [ "$size" -lt 204800 ]; then ok "dashboard assets under 200 KB ($size bytes)"
else notok "dashboard assets under 200 KB" "$size bytes"; fi

# ---- requirements --------------------------------------------------------
skip() { echo "skip - browser: $*"; finish; }
command -v node >/dev/null 2>&1 || skip "node not installed (scripts/install-deps)"
# playwright-core 1.57 (pinned) needs Node.js 18, which Debian 12 ships
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
    skip "playwright-core needs Node.js >= 18, this is $(node --version)"
[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM (apt-get install chromium)"
if [ ! -d tests/browser/node_modules/playwright-core ]; then
	(cd tests/browser && npm ci --no-audit --no-fund --silent) >/dev/null 2>&1 ||
	    skip "cannot install playwright-core (cd tests/browser && npm ci)"
fi
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not installed"

if [ ! -x "$BIN" ] || ! "$BIN" serve --help >/dev/null 2>&1; then
	notok "$BIN has a serve command"
	finish
fi

# ---- a store from a simulated home, and one hostile device ---------------
T=$(mktemp -d "${EW_TMP:-/tmp}/browser.XXXXXX")
S="$T/store.db"
if "$BIN" sim -w "$T/home.pcap" --seed 42 --hours 1 \
	--attack all,beacon,dnstunnel >/dev/null 2>"$T/err" &&
    "$BIN" analyze -q -r "$T/home.pcap" -l "$T/a" --store "$S" 2>>"$T/err" &&
    node tests/browser/dashboard.mjs hostile-pcap "$T/hostile.pcap" 2>>"$T/err" &&
    "$BIN" analyze -q -r "$T/hostile.pcap" -l "$T/h" --store "$S" 2>>"$T/err" &&
    "$BIN" sim -w "$T/later.pcap" --seed 43 --hours 0.5 --start 1700007200 \
	--attack portscan >/dev/null 2>>"$T/err" &&
    "$BIN" devices --store "$S" --json >"$T/devices.json" 2>>"$T/err"; then
	ok "store built from a simulated capture"
else
	notok "store built from a simulated capture" "$(head -3 "$T/err")"
	finish
fi
explain=$(sqlite3 -readonly "$S" \
    "SELECT json_extract(json, '\$.explain.text') FROM alerts ORDER BY id DESC LIMIT 1")

# ---- edgeward serve --------------------------------------------------------
od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$T/api.token"
chmod 600 "$T/api.token"
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})')
URL="http://127.0.0.1:$PORT/"
"$BIN" serve --store "$S" --listen "127.0.0.1:$PORT" --token-file "$T/api.token" \
    2>"$T/serve.err" &
SPID=$!
up=0 i=0
while [ "$i" -lt 100 ]; do
	if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$URL"; then
		up=1
		break
	fi
	kill -0 "$SPID" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ "$up" = 1 ]; then ok "serve answers on $URL"
else notok "serve answers on $URL" "$(head -3 "$T/serve.err")"; finish; fi

# ---- the browser checks ----------------------------------------------------
case $BIN in /*) ABS_BIN=$BIN ;; *) ABS_BIN=$ROOT/$BIN ;; esac
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png
EW_URL=$URL EW_TOKEN=$(cat "$T/api.token") EW_TRUTH="$T/home.truth.json" \
EW_DEVICES="$T/devices.json" EW_EXPLAIN=$explain EW_SHOTS="$SHOTS" \
EW_CHROMIUM=$CHROMIUM \
EW_APPEND="'$ABS_BIN' analyze -q -r '$T/later.pcap' -l '$T/later' --store '$S'" \
    timeout 300 node tests/browser/dashboard.mjs test >"$T/out" 2>"$T/node.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*)
		name=${line#not ok - }
		case $name in
		*" # "*) notok "${name%% # *}" "${name#* # }" ;;
		*) notok "$name" ;;
		esac ;;
	"# screenshot "*) echo "screenshot: ${line#\# screenshot }" ;;
	esac
done <"$T/out"
if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$T/out"; then
	notok "browser test ran to the end" "exit $rc: $(tail -3 "$T/node.err")"
fi
if kill -0 "$SPID" 2>/dev/null; then ok "serve still running after the test"
else notok "serve still running after the test" "$(tail -3 "$T/serve.err")"; fi
finish
