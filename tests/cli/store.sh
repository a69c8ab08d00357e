#!/bin/sh
# Store suite: `analyze --store` fills the SQLite store from a simulated
# capture; `devices --store` and `alerts --store` agree with devices.json and
# eve.json; EVE is byte-identical with and without --store; the file passes
# PRAGMA integrity_check; a second analyze into the same store keeps one row
# per device. Also `run` usage and start-up errors that need no capture
# privileges.
# usage: EW_BIN=build/edgeward tests/cli/store.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/edgeward}
T=$(mktemp -d "${EW_TMP:-/tmp}/store.XXXXXX")

SUITE=store
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
	echo "PASS store: skipped (sqlite3 or jq missing)" >>"$RES"
	rm -rf "$T"; exit 0
fi

# ---- a simulated home with attacks --------------------------------------
expect "sim writes capture" 0 "$BIN" sim -w "$T/home.pcap" --seed 11 --hours 0.5 \
	--attack portscan,mining
expect "analyze --store" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/s" --store "$T/db/ew.db"
nosan "analyze --store"
expect "analyze without store" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/n"
same "eve.json byte-identical with and without --store" "$T/s/eve.json" "$T/n/eve.json"
same "devices.json identical with and without --store" "$T/s/devices.json" "$T/n/devices.json"

ic=$(sqlite3 "$T/db/ew.db" 'PRAGMA integrity_check' 2>&1)
[ "$ic" = ok ] && pass "integrity_check ok" || fail "integrity_check ok" "$ic"

# devices: the store holds exactly the inventory of devices.json
ndev=$(jq length "$T/s/devices.json")
[ "$ndev" -ge 3 ] && pass "capture has devices" || fail "capture has devices" "$ndev"
expect "devices --store --json" 0 "$BIN" devices --store "$T/db/ew.db" --json
nosan "devices --store"
jq -S 'sort_by(.mac, (.ips // [] | tostring))' "$T/out" >"$T/dev_store.json" 2>"$T/jqerr" ||
	fail "devices --store --json is JSON" "$(head -2 "$T/jqerr")"
jq -S 'sort_by(.mac, (.ips // [] | tostring))' "$T/s/devices.json" >"$T/dev_file.json"
jq -r '.[].mac // empty' "$T/dev_store.json" | sort >"$T/mac_store"
jq -r '.[].mac // empty' "$T/dev_file.json" | sort >"$T/mac_file"
same "devices --store: same MACs as devices.json" "$T/mac_store" "$T/mac_file"
same "devices --store: same device objects as devices.json" "$T/dev_store.json" "$T/dev_file.json"
expect "devices --store (table)" 0 "$BIN" devices --store "$T/db/ew.db"
n=$(grep -c . "$T/out")
[ "$n" -ge "$ndev" ] && pass "devices table lists every device" ||
	fail "devices table lists every device" "$n lines, $ndev devices"

# alerts: the store holds the eve.json alert events
jq -c 'select(.event_type=="alert")' "$T/s/eve.json" >"$T/eve_alerts"
nal=$(wc -l <"$T/eve_alerts")
[ "$nal" -ge 1 ] && pass "capture raised alerts" || fail "capture raised alerts" "$nal"
expect "alerts --store --json" 0 "$BIN" alerts --store "$T/db/ew.db" --json
nosan "alerts --store"
# one JSON object per line or one array: normalise to lines
if jq -e 'type=="array"' "$T/out" >/dev/null 2>&1; then
	jq -c '.[]' "$T/out" >"$T/store_alerts"
else
	jq -c . "$T/out" >"$T/store_alerts"
fi
key='[.timestamp, .alert.signature_id, .src_ip, .dest_ip, .alert.signature] | tostring'
jq -r "$key" "$T/eve_alerts" | sort >"$T/k_eve"
jq -r "$key" "$T/store_alerts" | sort >"$T/k_store"
same "alerts --store: same alerts as eve.json" "$T/k_store" "$T/k_eve"
jq -cS . "$T/eve_alerts" | sort >"$T/o_eve"
jq -cS . "$T/store_alerts" | sort >"$T/o_store"
same "alerts --store: alert objects equal the EVE lines" "$T/o_store" "$T/o_eve"
expect "alerts --store --severity 1" 0 "$BIN" alerts --store "$T/db/ew.db" --json --severity 1
if jq -e 'type=="array"' "$T/out" >/dev/null 2>&1; then jq -c '.[]' "$T/out"; else jq -c . "$T/out"; fi |
	jq -r .alert.severity | sort -u >"$T/sevs"
n1=$(jq -c 'select(.alert.severity==1)' "$T/eve_alerts" | wc -l)
nsev=$(if jq -e 'type=="array"' "$T/out" >/dev/null 2>&1; then jq length "$T/out"; else grep -c . "$T/out"; fi)
if [ "$nsev" -eq "$n1" ] && { [ "$n1" -eq 0 ] || [ "$(cat "$T/sevs")" = 1 ]; }; then
	pass "alerts --severity 1 filters"; else fail "alerts --severity 1 filters" "$nsev vs $n1"; fi
# progress reports (the miner goes on): the table marks the same rows
ngo=$(jq -c 'select(.episode.ongoing==true)' "$T/store_alerts" | wc -l)
expect "alerts --store (table)" 0 "$BIN" alerts --store "$T/db/ew.db"
ntab=$(grep -c '(going on)' "$T/out")
if [ "$ngo" -ge 1 ] && [ "$ntab" -eq "$ngo" ]; then pass "alerts table marks progress reports"
else fail "alerts table marks progress reports" "$ntab marked, $ngo in the JSON"; fi

# stats rows: periodic ones (packet time) and, last, the final stats event
nst=$(sqlite3 "$T/db/ew.db" "SELECT count(*) FROM stats" 2>&1)
[ "$nst" -ge 5 ] 2>/dev/null && pass "periodic stats rows" || fail "periodic stats rows" "$nst"
sqlite3 "$T/db/ew.db" "SELECT json FROM stats ORDER BY rowid DESC LIMIT 1" >"$T/last_row" 2>&1
tail -1 "$T/s/eve.json" >"$T/last_eve"
same "last stats row = the EVE stats event" "$T/last_row" "$T/last_eve"
nrun=$(sqlite3 "$T/db/ew.db" "SELECT count(*) FROM runs WHERE source='$T/home.pcap'" 2>&1)
[ "$nrun" = 1 ] && pass "one run row naming the capture" || fail "one run row naming the capture" "$nrun"

# ---- analyze again into the same store: one row per device ---------------
expect "analyze --store again" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/s2" --store "$T/db/ew.db"
# the store gives back the baselines the first run learned (the devices
# are still learning here), which only the stats line counts
grep -v '"event_type":"stats"' "$T/s2/eve.json" >"$T/s2.nostats"
grep -v '"event_type":"stats"' "$T/n/eve.json" >"$T/n.nostats"
same "events unchanged by an existing store" "$T/s2.nostats" "$T/n.nostats"
expect "devices --store after two runs" 0 "$BIN" devices --store "$T/db/ew.db" --json
n2=$(jq length "$T/out")
[ "$n2" -eq "$ndev" ] && pass "one row per device after two runs" ||
	fail "one row per device after two runs" "$n2 rows, $ndev devices"
ic=$(sqlite3 "$T/db/ew.db" 'PRAGMA integrity_check' 2>&1)
[ "$ic" = ok ] && pass "integrity_check ok after two runs" || fail "integrity_check ok after two runs" "$ic"

# ---- store errors ---------------------------------------------------------
echo "not a database" >"$T/junk.db"
expect "analyze --store on a non-store file" 1 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/j" --store "$T/junk.db"
n=$(wc -l <"$T/err")
if [ "$n" -eq 1 ] && grep -qF "$T/junk.db" "$T/err"; then pass "non-store file: one-line error"
else fail "non-store file: one-line error" "$(head -3 "$T/err")"; fi
expect "analyze --store creates its directory" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/j" \
	--store "$T/new/dir/ew.db"
expect "analyze --store under a regular file" 1 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/j" \
	--store "$T/junk.db/ew.db"

# ---- run: usage and start-up errors (no capture privileges needed) ------
expect "run without -i" 2 "$BIN" run
expect "run --help" 0 "$BIN" run --help
for o in --interface --filter --config --log-dir --store --user --model --stats-interval \
	--eve-max-size --eve-keep --syslog --snaplen --buffer-size --promisc --quarantine \
	--home-net --set --check-off --no-model --key; do
	grep -q -e "$o" "$T/out" || fail "run --help names $o"
done
pass "run --help names its options"
expect "run bad option" 2 "$BIN" run -i lo --no-such-flag
expect "run extra argument" 2 "$BIN" run -i lo extra
expect "run bad stats interval" 2 "$BIN" run -i lo --stats-interval soon
expect "run bad setting" 2 "$BIN" run -i lo --set no.such=1
expect "run bad home-net" 2 "$BIN" run -i lo --home-net 10.0.0.0/99
expect "run --list-settings" 0 "$BIN" run --list-settings
expect "run missing config" 1 "$BIN" run -i lo -c "$T/nope.conf"
grep -qF "$T/nope.conf" "$T/err" && pass "missing config named" || fail "missing config named" "$(head -2 "$T/err")"
printf '{ "stats-interval": "soon" }\n' >"$T/bad.conf"
expect "run bad value in config" 1 "$BIN" run -i lo -c "$T/bad.conf"
printf '{ "no-such-key": 1 }\n' >"$T/bad2.conf"
expect "run unknown key in config" 1 "$BIN" run -i lo -c "$T/bad2.conf"
expect "run on a missing interface" 1 "$BIN" run -i ew-no-such-if0 -l "$T/r"
n=$(wc -l <"$T/err")
if [ "$n" -eq 1 ] && grep -qF ew-no-such-if0 "$T/err"; then pass "missing interface: one-line error"
else fail "missing interface: one-line error" "$(head -3 "$T/err")"; fi
if [ ! -s "$T/out" ]; then pass "no 'capturing on' when the interface fails"
else fail "no 'capturing on' when the interface fails" "$(head -1 "$T/out")"; fi
expect "analyze --help names --store" 0 "$BIN" analyze --help
grep -q -e --store "$T/out" && pass "analyze --help: --store" || fail "analyze --help: --store"

rm -rf "$T"
exit 0
