#!/bin/sh
# Baseline suite: per-device baselines on simulated homes.
#  - exfiltration to a new country (thermostat) and lateral movement
#    (camera) raise new-country, volume-spike and lateral-movement alerts
#    naming the right device after a 30-minute learning period;
#  - the same home without attacks raises no severity 1-2 baseline alert
#    and at most one severity 3 per device and day;
#  - the store keeps each device's "learned" blob; a second analyze over
#    the store restores it; `alerts ack --expected` folds an alert in so
#    the same traffic no longer raises it;
#  - the shipped zones file parses and a violation fires; bad option
#    values and a bad zones file are usage/runtime errors naming the line.
# usage: EW_BIN=build/edgeward tests/cli/baseline.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/edgeward}
T=$(mktemp -d "${EW_TMP:-/tmp}/baseline.XXXXXX")
trap 'rm -rf "$T"' EXIT

SUITE=baseline
. "$(dirname "$0")/lib.sh"
check() {	# check NAME CONDITION-RESULT DETAIL
	if [ "$2" = 1 ]; then pass "$1"; else fail "$1" "$3"; fi
}

if ! command -v jq >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
	echo "PASS baseline: skipped (jq or sqlite3 missing)" >>"$RES"
	exit 0
fi
if [ ! -r /usr/share/tor/geoip ]; then
	echo "PASS baseline: skipped (tor-geoipdb not installed)" >>"$RES"
	exit 0
fi

L="--baseline-learn 30m --no-model"
# ---- attacks: exfiltration and lateral movement -------------------------
expect "sim exfil+lateral" 0 "$BIN" sim -w "$T/a.pcap" --seed 3 --hours 2 \
	--attack exfil,lateral --truth "$T/a.truth"
# shellcheck disable=SC2086
expect "analyze" 0 "$BIN" analyze -q -r "$T/a.pcap" -l "$T/a" $L --store "$T/a.db"
thermo=$(jq -r 'select(.device.kind=="thermostat")|.device.mac' "$T/a.truth")
cam=$(jq -r 'select(.device.kind=="camera")|.device.mac' "$T/a.truth")
al() {	# al FILE CATEGORY MAC -> "severity" lines of matching alerts
	jq -r --arg c "$2" --arg m "$3" 'select(.event_type=="alert" and
	    .alert.category==$c and (.src_mac==$m or .device.mac==$m))
	    | .alert.severity' "$1"
}
n=$(al "$T/a/eve.json" new-country "$thermo" | wc -l)
check "exfil: new-country names the thermostat" "$([ "$n" -ge 1 ] && echo 1)" "$n alerts"
s=$(al "$T/a/eve.json" volume-spike "$thermo" | sort -n | head -1)
check "exfil: severity-2 volume-spike names the thermostat" "$([ "$s" = 2 ] && echo 1)" "severity '$s'"
s=$(al "$T/a/eve.json" lateral-movement "$cam" | sort -n | head -1)
check "lateral: severity-2 lateral-movement names the camera" "$([ "$s" = 2 ] && echo 1)" "severity '$s'"
cc=$(jq -r --arg m "$thermo" 'select(.event_type=="alert" and .alert.category=="new-country"
    and .src_mac==$m) | .explain.item' "$T/a/eve.json" | head -1)
check "new-country explains the country" "$([ "$cc" = country=CN ] && echo 1)" "'$cc'"
# where the attack's victims are not the attacker: no deviation names them
other=$(jq -r --arg t "$thermo" --arg c "$cam" 'select(.event_type=="alert" and
    .alert.metadata.detector[0]=="baseline" and .alert.severity<=2 and
    .src_mac!=$t and .src_mac!=$c) | .src_mac' "$T/a/eve.json" | sort -u | tr '\n' ' ')
check "no severity 1-2 baseline alert on other devices" "$([ -z "$other" ] && echo 1)" "$other"

# ---- the same home without attacks: the budget ---------------------------
expect "sim benign" 0 "$BIN" sim -w "$T/b.pcap" --seed 3 --hours 3
# shellcheck disable=SC2086
expect "analyze benign" 0 "$BIN" analyze -q -r "$T/b.pcap" -l "$T/b" $L
hi=$(jq -r 'select(.event_type=="alert" and .alert.metadata.detector[0]=="baseline"
    and .alert.severity<=2) | .alert.signature' "$T/b/eve.json" | wc -l)
check "benign: no severity 1-2 baseline alert" "$([ "$hi" = 0 ] && echo 1)" "$hi"
per=$(jq -r 'select(.event_type=="alert" and .alert.severity==3)
    | "\(.src_mac // .src_ip) \(.timestamp[0:10])"' "$T/b/eve.json" | sort | uniq -c |
    awk '$1 > 1' | wc -l)
check "benign: at most one severity-3 alert per device and day" "$([ "$per" = 0 ] && echo 1)" "$per"

# ---- the store: blobs, restore, ack --expected -----------------------------
nb=$(sqlite3 "$T/a.db" "SELECT count(*) FROM baselines WHERE kind='learned'")
nd=$(jq 'length' "$T/a/devices.json")
check "a learned baseline per device in the store" "$([ "$nb" -ge "$nd" ] && [ "$nb" -gt 0 ] && echo 1)" "$nb blobs, $nd devices"
v=$(sqlite3 "$T/a.db" "SELECT json FROM baselines WHERE kind='learned' AND device_key='$thermo'" |
    jq -r '[.v, .phase, (.countries|index("CN")|tostring), (.remotes|length>0)]|@tsv')
check "thermostat blob: v1, active, CN not learned, remotes" \
    "$([ "$v" = "$(printf '1\tactive\tnull\ttrue')" ] && echo 1)" "$v"
id=$(sqlite3 "$T/a.db" "SELECT id FROM alerts WHERE category='new-country' AND device_key='$thermo' LIMIT 1")
expect "alerts ack --expected" 0 "$BIN" alerts ack "$id" --expected --store "$T/a.db"
expect "alerts ack unknown id" 1 "$BIN" alerts ack 999999 --store "$T/a.db"
expect "alerts ack no store file" 1 "$BIN" alerts ack 1 --store "$T/none.db"
expect "alerts ack bad id" 2 "$BIN" alerts ack x1 --store "$T/a.db"
# same capture again over the store: the CN country is folded in, and the
# devices are past learning, so what was learned stays quiet
# shellcheck disable=SC2086
expect "analyze again over the store" 0 "$BIN" analyze -q -r "$T/a.pcap" -l "$T/a2" $L --store "$T/a.db"
n=$(al "$T/a2/eve.json" new-country "$thermo" | wc -l)
check "after ack --expected: no new-country for the thermostat" "$([ "$n" = 0 ] && echo 1)" "$n"
cn=$(sqlite3 "$T/a.db" "SELECT json FROM baselines WHERE kind='learned' AND device_key='$thermo'" |
    jq -r '.countries|index("CN")')
check "CN is in the thermostat's baseline after the fold" "$([ "$cn" != null ] && echo 1)" "$cn"

# ---- zones -------------------------------------------------------------
ZF=$(dirname "$0")/../../dist/zones.conf
# shellcheck disable=SC2086
expect "analyze --zones dist/zones.conf" 0 "$BIN" analyze -q -r "$T/a.pcap" -l "$T/z" $L --zones "$ZF"
pv=$(jq -r --arg c "$cam" 'select(.event_type=="alert" and .alert.category=="policy-violation"
    and .src_mac==$c) | .explain.rule' "$T/z/eve.json" | head -1)
check "zones: the camera's lateral probes violate the sample policy" "$([ -n "$pv" ] && echo 1)" "none"
printf 'zone iot class camera\nallow iot -> nowhere tcp/80\n' >"$T/bad.conf"
expect "bad zones file" 1 "$BIN" analyze -q -r "$T/b.pcap" -l "$T/x" --zones "$T/bad.conf"
grep -q 'bad.conf:2' "$T/err" && pass "bad zones file: error names the line" ||
	fail "bad zones file: error names the line" "$(head -2 "$T/err")"
expect "bad --baseline-learn" 2 "$BIN" analyze -q -r "$T/b.pcap" -l "$T/x" --baseline-learn 3x
expect "missing --geoip file" 1 "$BIN" analyze -q -r "$T/b.pcap" -l "$T/x" --geoip "$T/none"
# determinism with baselines on
# shellcheck disable=SC2086
"$BIN" analyze -q -r "$T/a.pcap" -l "$T/a3" $L >/dev/null 2>&1
cmp -s "$T/a3/eve.json" "$T/a/eve.json" && pass "byte-identical eve.json (fresh store vs none)" ||
	fail "byte-identical eve.json (fresh store vs none)"
exit 0
