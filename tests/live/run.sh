#!/bin/sh
# Live end-to-end test: `edgeward run` on one end of a veth pair inside a
# private network namespace, simulator traffic replayed into the other end
# with tcpreplay. Devices and the port-scan alert must appear in the store
# and in eve.json; SIGTERM exits 0 with an intact store; a restart restores
# what was learned and a second replay loses none of it.
#
# usage: [EW_BIN=build/edgeward] tests/live/run.sh [RESULTS_FILE]
# Prints "ok"/"FAIL" lines and "N passed, N failed"; exits 0 with a
# "skipped:" line when not root or namespaces are not permitted.
# EW_KEEP=1 keeps the scratch directory.
set -u
cd "$(dirname "$0")/../.."
SUITE=e2e
RES=${1:-}
. tests/live/lib.sh
live_require
live_setup

live_dirs

# Two captures of the same simulated home (same devices: same MACs), an
# hour apart in the simulator's clock, the first with a port scan, the
# second a quiet 5000 packets. Live timestamps are the kernel's receive
# times, not the file's.
"$BIN" sim -w "$T/a.pcap" --seed 3 --hours 0.02 --attack portscan >/dev/null 2>&1 ||
    bad "sim a.pcap"
"$BIN" sim -w "$T/b.pcap" --seed 3 --devices 9 --packets 5000 --start 1700003600 >/dev/null 2>&1 ||
    bad "sim b.pcap"
# What analyze finds offline in the same capture: the device set to expect.
"$BIN" analyze -q -r "$T/a.pcap" -l "$T/offline" >/dev/null 2>&1
jq -r '.[].mac' "$T/offline/devices.json" | sort >"$T/offline.macs"
scan_src=$(jq -r 'select(.event_type=="alert" and .alert.category=="scan")|.src_ip' \
    "$T/offline/eve.json" | head -1)
[ -n "$scan_src" ] && ok "offline analyze finds the scan ($scan_src)" ||
    bad "offline analyze finds the scan"

# devices in the store as "MAC<TAB>first_seen" lines, sorted
store_devices() {
	"$BIN" devices --store "$S" --json 2>"$T/devices.err" |
	    jq -r '.[]|"\(.mac)\t\(.first_seen)"' 2>/dev/null | sort
}
store_alerts() {
	"$BIN" alerts --store "$S" --json 2>"$T/alerts.err" | jq -c . 2>/dev/null
}

# ---- run 1 ------------------------------------------------------------------
# The model's grace periods are packets AND seconds of packet time, and
# live packet time is the wall clock: short ones, so that run 1 gets a
# model worth a snapshot in a few seconds.
MODEL="--fm-grace 1000 --fm-grace-s 0 --ad-grace 3000 --ad-grace-s 0"
# shellcheck disable=SC2086
if ew_start "$T/run1.out" --store "$S" -l "$L" --user nobody --stats-interval 1 $MODEL; then
	ok "run 1: 'capturing on $IF_CAP'"
else
	bad "run 1: 'capturing on $IF_CAP'" "$(tail -3 "$T/run1.out")"
	finish
	exit 1
fi
# the privilege drop: uid nobody, only CAP_NET_RAW left (bit 13)
uid=$(awk '/^Uid:/{print $2" "$3" "$4" "$5}' "/proc/$EW_PID/status" 2>/dev/null)
nob=$(id -u nobody)
[ "$uid" = "$nob $nob $nob $nob" ] && ok "run 1 runs as nobody" || bad "run 1 runs as nobody" "Uid: $uid"
capeff=$(awk '/^CapEff:/{print $2}' "/proc/$EW_PID/status" 2>/dev/null)
[ "$capeff" = 0000000000002000 ] && ok "run 1 keeps only CAP_NET_RAW" ||
    bad "run 1 keeps only CAP_NET_RAW" "CapEff $capeff"
nnp=$(awk '/^NoNewPrivs:/{print $2}' "/proc/$EW_PID/status" 2>/dev/null)
[ "$nnp" = 1 ] && ok "run 1 has no_new_privs" || bad "run 1 has no_new_privs" "$nnp"
sec=$(awk '/^Seccomp:/{print $2}' "/proc/$EW_PID/status" 2>/dev/null)
[ "$sec" = 2 ] && ok "run 1 is under a seccomp filter" || bad "run 1 is under a seccomp filter" "Seccomp: $sec"

replay "$T/a.pcap" --mbps=200 || bad "replay a.pcap" "$(tail -2 "$T/tcpreplay.out")"
sent1=$SENT
[ "$sent1" -gt 0 ] && ok "tcpreplay sent $sent1 packets" || bad "tcpreplay sent packets" "$(tail -3 "$T/tcpreplay.out")"

# a periodic stats event counts them all, before any signal
if wait_packets "$L/eve.json" "$sent1" 30; then ok "run 1: periodic stats event counts all $sent1 packets"
else bad "run 1: periodic stats event counts all packets" "last: $(last_stats "$L/eve.json" .stats.capture.packets)"; fi
# the periodic flush puts devices into the store while it runs
i=0
while [ "$i" -lt 150 ]; do
	n=$(store_devices | wc -l)
	[ "$n" -gt 0 ] && break
	sleep 0.2
	i=$((i + 1))
done
[ "$n" -gt 0 ] && ok "run 1: devices in the store while running ($n)" ||
    bad "run 1: devices in the store while running" "$(head -2 "$T/devices.err")"

ew_stop TERM 30
[ "$EW_RC" = 0 ] && ok "run 1: SIGTERM -> exit 0" || bad "run 1: SIGTERM -> exit 0" "exit $EW_RC: $(tail -3 "$T/run1.out")"
v=$(integrity "$S")
[ "$v" = ok ] && ok "run 1: store integrity_check ok" || bad "run 1: store integrity_check ok" "$v"
jq -e . "$L/eve.json" >/dev/null 2>&1 && ok "run 1: eve.json is JSON lines" || bad "run 1: eve.json is JSON lines"
tail -1 "$L/eve.json" | jq -e '.event_type=="stats"' >/dev/null 2>&1 &&
    ok "run 1: final stats event last" || bad "run 1: final stats event last"
kd=$(last_stats "$L/eve.json" .stats.live.kernel_drops)
[ "${kd:-x}" = 0 ] && ok "run 1: no kernel drops reported" || bad "run 1: no kernel drops reported" "${kd:-no field}"

store_devices >"$T/run1.devices"
sqlite3 "$S" 'select key, last_seen from devices order by key' >"$T/run1.last" 2>/dev/null
cut -f1 "$T/run1.devices" >"$T/run1.macs"
if cmp -s "$T/run1.macs" "$T/offline.macs"; then ok "run 1: store has the same devices as offline analyze ($(wc -l <"$T/run1.macs"))"
else bad "run 1: store has the same devices as offline analyze" "$(diff "$T/offline.macs" "$T/run1.macs" | head -4 | tr '\n' ' ')"; fi
jq -r 'select(.event_type=="device")|.src_mac // .device.mac // empty' "$L/eve.json" | sort -u >"$T/run1.evemacs"
missing=$(comm -23 "$T/offline.macs" "$T/run1.evemacs" | wc -l)
[ "$missing" -eq 0 ] && ok "run 1: eve.json has a device event per device" ||
    bad "run 1: eve.json has a device event per device" "$missing missing"
n=$(jq -c 'select(.event_type=="alert" and .alert.category=="scan")' "$L/eve.json" |
    jq -r .src_ip | grep -cx "$scan_src")
[ "$n" -ge 1 ] && ok "run 1: scan alert from $scan_src in eve.json" || bad "run 1: scan alert in eve.json"
store_alerts >"$T/run1.alerts"
n=$(jq -r 'select(.alert.category=="scan")|.src_ip' "$T/run1.alerts" 2>/dev/null | grep -cx "$scan_src")
[ "$n" -ge 1 ] && ok "run 1: scan alert from $scan_src in the store" ||
    bad "run 1: scan alert in the store" "$(head -2 "$T/alerts.err")"
ne=$(jq -c 'select(.event_type=="alert")' "$L/eve.json" | wc -l)
ns=$(wc -l <"$T/run1.alerts")
[ "$ne" = "$ns" ] && ok "run 1: as many alerts in the store as in eve.json ($ns)" ||
    bad "run 1: as many alerts in the store as in eve.json" "$ns vs $ne"
owner=$(stat -c %U "$S" 2>/dev/null)
[ "$owner" = nobody ] && ok "store file owned by the sensor's user" || bad "store file owned by the sensor's user" "$owner"

# ---- run 2: restart, replay more -----------------------------------------
cp "$L/eve.json" "$T/run1.eve.json"
# shellcheck disable=SC2086
# run 2 also serves the API (`run --api`) on the namespace's loopback
API_PORT=18765
if ew_start "$T/run2.out" --store "$S" -l "$L" --user nobody --stats-interval 1 $MODEL \
    --api --api-listen "127.0.0.1:$API_PORT"; then
	ok "run 2: 'capturing on $IF_CAP'"
else
	bad "run 2: 'capturing on $IF_CAP'" "$(tail -3 "$T/run2.out")"
	finish
	exit 1
fi
ndev1=$(wc -l <"$T/run1.devices")
grep -qi "restored $ndev1 devices\|$ndev1 devices restored" "$T/run2.out" &&
    ok "run 2 says it restored $ndev1 devices" || bad "run 2 says it restored $ndev1 devices" "$(grep -i restor "$T/run2.out" | head -2)"
grep -qi 'model' "$T/run2.out" && ok "run 2 says what it did with the model" ||
    bad "run 2 says what it did with the model" "$(head -5 "$T/run2.out" | tr '\n' ' ')"
# run --api: the token file is the sensor user's, 0600; the API answers
# with the store's devices and refuses a request without the token
TOK="$(dirname "$S")/api.token"
m=$(stat -c '%a %U' "$TOK" 2>/dev/null)
[ "$m" = "600 nobody" ] && ok "run 2: api.token made 0600 for the sensor's user" ||
    bad "run 2: api.token made 0600 for the sensor's user" "${m:-missing}"
grep -q "dashboard at http://127.0.0.1:$API_PORT/" "$T/run2.out" &&
    ok "run 2: prints the dashboard address" || bad "run 2: prints the dashboard address" "$(grep -i api "$T/run2.out" | head -2)"
if command -v curl >/dev/null 2>&1; then
	code=$(ip netns exec "$NS" curl -s -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$API_PORT/api/v1/devices")
	[ "$code" = 401 ] && ok "run 2: API without a token -> 401" || bad "run 2: API without a token -> 401" "$code"
	n=$(ip netns exec "$NS" curl -s -H "Authorization: Bearer $(cat "$TOK")" \
	    "http://127.0.0.1:$API_PORT/api/v1/devices" | jq -r .total 2>/dev/null)
	[ "${n:-x}" = "$ndev1" ] && ok "run 2: API lists the $ndev1 restored devices" ||
	    bad "run 2: API lists the restored devices" "total ${n:-none}, expected $ndev1"
else
	echo "skip - curl not installed: run --api not queried"
fi
replay "$T/b.pcap" --mbps=200 || bad "replay b.pcap"
sent2=$SENT
lines1=$(wc -l <"$T/run1.eve.json")
# eve.json is appended to: this run's events come after run 1's
EVE_FROM=$((lines1 + 1))
if wait_packets "$L/eve.json" "$sent2" 30; then ok "run 2: periodic stats event counts all $sent2 packets"
else bad "run 2: periodic stats event counts all packets" "last: $(last_stats "$L/eve.json" .stats.capture.packets)"; fi
ew_stop TERM 30
[ "$EW_RC" = 0 ] && ok "run 2: SIGTERM -> exit 0" || bad "run 2: SIGTERM -> exit 0" "exit $EW_RC: $(tail -3 "$T/run2.out")"
v=$(integrity "$S")
[ "$v" = ok ] && ok "run 2: store integrity_check ok" || bad "run 2: store integrity_check ok" "$v"

store_devices >"$T/run2.devices"
lost=0 moved=0
while IFS="$(printf '\t')" read -r mac fs; do
	now=$(awk -F'\t' -v m="$mac" '$1==m{print $2}' "$T/run2.devices")
	if [ -z "$now" ]; then lost=$((lost + 1))
	elif [ "$now" != "$fs" ]; then moved=$((moved + 1)); fi
done <"$T/run1.devices"
[ "$lost" -eq 0 ] && ok "run 2: every device of run 1 still in the store" || bad "run 2: every device of run 1 still in the store" "$lost lost"
[ "$moved" -eq 0 ] && ok "run 2: first_seen of every run-1 device unchanged" ||
    bad "run 2: first_seen of every run-1 device unchanged" "$moved changed"
# the devices were seen again in run 2: their last_seen moved on
sqlite3 "$S" 'select key, last_seen from devices order by key' >"$T/run2.last" 2>/dev/null
adv=0
while IFS='|' read -r key ls; do
	old=$(grep "^$key|" "$T/run1.last" | cut -d'|' -f2)
	[ -n "$old" ] && [ "$ls" -gt "$old" ] && adv=$((adv + 1))
done <"$T/run2.last"
[ "$adv" -gt 0 ] && ok "run 2: last_seen moved on for the $adv devices seen again" ||
    bad "run 2: last_seen moved on for devices seen again" "0 of $(wc -l <"$T/run2.last")"
store_alerts >"$T/run2.alerts"
kept=0
while read -r a; do
	k=$(printf '%s\n' "$a" | jq -c '[.timestamp,.alert.signature_id,.src_ip,.dest_ip]')
	jq -c '[.timestamp,.alert.signature_id,.src_ip,.dest_ip]' "$T/run2.alerts" | grep -qxF "$k" && kept=$((kept + 1))
done <"$T/run1.alerts"
[ "$kept" = "$ns" ] && ok "run 2: all $ns alerts of run 1 still in the store" ||
    bad "run 2: all alerts of run 1 still in the store" "$kept of $ns"
# nothing lost or counted twice across the restart: one store row per
# alert line of eve.json (appended by both runs)
ne=$(jq -c 'select(.event_type=="alert")' "$L/eve.json" | wc -l)
ns2=$(wc -l <"$T/run2.alerts")
[ "$ne" = "$ns2" ] && ok "run 2: store alerts = eve.json alerts of both runs ($ns2)" ||
    bad "run 2: store alerts = eve.json alerts of both runs" "$ns2 vs $ne"
# restored devices are not announced as new devices again
nd2=$(tail -n +"$EVE_FROM" "$L/eve.json" | jq -c 'select(.event_type=="device")' 2>/dev/null | wc -l)
echo "     (run 2 wrote $nd2 device events)"
# the model: a snapshot was written and run 2 loaded it
snap=$(sqlite3 "$S" "select path from model_snapshots order by ts desc limit 1" 2>/dev/null)
if [ -n "$snap" ] && [ -s "$snap" ]; then ok "model snapshot recorded in the store and present ($snap)"
else bad "model snapshot recorded in the store and present" "${snap:-no model row}"; fi
grep -qi 'model.*\(loaded\|restored\)\|\(loaded\|restored\).*model' "$T/run2.out" &&
    ok "run 2 loaded the model snapshot" || bad "run 2 loaded the model snapshot" "$(grep -i model "$T/run2.out" | head -2)"
# it went on from where run 1 stopped: run 1's last snapshot's training
# steps are what run 2 restored, and run 2 trained on from there
t1=$(sqlite3 "$S" "select trained from model_snapshots order by ts limit 1" 2>/dev/null)
t2=$(sqlite3 "$S" "select trained from model_snapshots order by ts desc limit 1" 2>/dev/null)
grep -q "model restored from .*[^0-9]${t1:-x} training steps" "$T/run2.out" && [ "${t2:-0}" -ge "${t1:-1}" ] &&
    ok "run 2's model went on from run 1's ($t1 -> $t2 training steps)" ||
    bad "run 2's model went on from run 1's" "snapshots $t1 -> $t2: $(grep -i 'model restored' "$T/run2.out")"

# ---- run 3: SIGHUP reopens eve.json (logrotate) and reloads the config --
printf '# test config\n{ "stats_interval": 30 }\n' >"$T/edgeward.conf"
chmod 0644 "$T/edgeward.conf"
# shellcheck disable=SC2086
if ew_start "$T/run3.out" -c "$T/edgeward.conf" --store "$S" -l "$L" --user nobody $MODEL; then
	mv "$L/eve.json" "$L/eve.json.rotated"
	printf '# test config\n{ "stats_interval": 1 }\n' >"$T/edgeward.conf"
	kill -HUP "$EW_PID"
	replay_bg --pps=2000 --loop=0 "$T/b.pcap"
	i=0
	while [ "$i" -lt 50 ] && ! grep -q "reloaded" "$T/run3.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "stats every 1s" "$T/run3.out" && ok "SIGHUP reloads the config (stats every 1s)" ||
	    bad "SIGHUP reloads the config" "$(grep SIGHUP "$T/run3.out" | tr '\n' ' ')"
	EVE_FROM=1
	if wait_packets "$L/eve.json" 1 5; then ok "SIGHUP reopens eve.json: stats events in the new file"
	else bad "SIGHUP reopens eve.json: stats events in the new file" "$(ls "$L" | tr '\n' ' ')"; fi
	ew_stop TERM 30
	replay_bg_stop
	[ "$EW_RC" = 0 ] && ok "run 3: SIGTERM under load -> exit 0" || bad "run 3: SIGTERM under load -> exit 0" "exit $EW_RC"
else
	bad "run 3: 'capturing on $IF_CAP'" "$(tail -3 "$T/run3.out")"
fi

finish
