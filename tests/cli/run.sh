#!/bin/sh
# CLI suite: exit codes, one-line errors, output directory, determinism,
# EVE validity and counts, link types and timestamp precision.
# usage: EW_BIN=build/edgeward tests/cli/run.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/edgeward}
T=$(mktemp -d "${EW_TMP:-/tmp}/cli.XXXXXX")
MK="perl tests/lib/mkpcap.pl"

SUITE=cli
. "$(dirname "$0")/lib.sh"
# one line on stderr naming the file
oneline() {
	n=$(wc -l <"$T/err")
	if [ "$n" -eq 1 ] && grep -qF -- "$2" "$T/err"; then pass "$1: one-line error"
	else fail "$1: one-line error naming $2" "$(head -3 "$T/err")"; fi
}

# ---- usage -------------------------------------------------------------
expect "no command" 2 "$BIN"
expect "unknown command" 2 "$BIN" frobnicate
expect "analyze without -r" 2 "$BIN" analyze
expect "analyze bad option" 2 "$BIN" analyze --no-such-flag
expect "analyze extra argument" 2 "$BIN" analyze -r x.pcap extra
expect "analyze bad memcap" 2 "$BIN" analyze -r x.pcap --flow-memcap 12Q
expect "analyze --help" 0 "$BIN" analyze --help
expect "analyze bad home-net" 2 "$BIN" analyze -r x.pcap --home-net 10.0.0.0/99
expect "analyze unknown setting" 2 "$BIN" analyze -r x.pcap --set no.such=1
expect "analyze unknown check" 2 "$BIN" analyze -r x.pcap --check-off nosuch
expect "analyze bad fm-grace" 2 "$BIN" analyze -r x.pcap --fm-grace ten
expect "analyze --list-settings" 0 "$BIN" analyze --list-settings
n=$(grep -c '^[a-z0-9_-]*\.[a-z0-9_.-]*=' "$T/out")
[ "$n" -ge 10 ] && pass "settings listed with defaults" || fail "settings listed with defaults" "$n"
expect "sim without -w" 2 "$BIN" sim
expect "version" 0 "$BIN" version

# ---- unreadable inputs -------------------------------------------------
expect "missing file" 1 "$BIN" analyze -r "$T/nope.pcap" -l "$T/o1"
oneline "missing file" "$T/nope.pcap"
: >"$T/empty.pcap"
expect "empty file" 1 "$BIN" analyze -r "$T/empty.pcap" -l "$T/o1"
oneline "empty file" "$T/empty.pcap"
printf 'this is not a capture, just text\n' >"$T/text.pcap"
expect "text file" 1 "$BIN" analyze -r "$T/text.pcap" -l "$T/o1"
oneline "text file" "$T/text.pcap"
expect "directory as capture" 1 "$BIN" analyze -r "$T" -l "$T/o1"
oneline "directory as capture" "$T"

# ---- a simulated home ----------------------------------------------------
expect "sim writes capture" 0 "$BIN" sim -w "$T/home.pcap" --seed 7 --hours 0.5 --attack portscan
expect "analyze into new nested dir" 0 "$BIN" analyze -r "$T/home.pcap" -l "$T/a/b/c"
cp "$T/out" "$T/summary"
nosan "analyze home"
if [ -s "$T/a/b/c/eve.json" ]; then pass "eve.json written"; else fail "eve.json written"; fi
expect "analyze again" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/again"
if cmp -s "$T/a/b/c/eve.json" "$T/again/eve.json"; then pass "byte-identical eve.json"
else fail "byte-identical eve.json"; fi
if [ ! -s "$T/out" ]; then pass "-q prints nothing"; else fail "-q prints nothing"; fi

E="$T/a/b/c/eve.json"
if jq -e . "$E" >/dev/null 2>&1; then pass "every line is JSON"; else fail "every line is JSON"; fi
n_stats=$(jq -c 'select(.event_type=="stats")' "$E" | wc -l)
[ "$n_stats" -eq 1 ] && pass "one stats event" || fail "one stats event" "$n_stats"
last=$(tail -1 "$E" | jq -r .event_type)
[ "$last" = stats ] && pass "stats event last" || fail "stats event last" "$last"
bad=$(jq -c 'select(.event_type=="flow") | select((.flow_id|type)!="number"
	or (.src_ip|type)!="string" or (.dest_ip|type)!="string"
	or (.proto|type)!="string" or (.flow.pkts_toserver|type)!="number"
	or (.flow.start|type)!="string" or (.flow.state|type)!="string"
	or (.flow.reason|type)!="string"
	or ((.proto=="TCP" or .proto=="UDP") and (.src_port|type)!="number"))' "$E" | wc -l)
[ "$bad" -eq 0 ] && pass "flow events carry Suricata's fields" || fail "flow events carry Suricata's fields" "$bad bad"
nflows=$(jq -c 'select(.event_type=="flow")' "$E" | wc -l)
[ "$nflows" -gt 20 ] && pass "flows reported" || fail "flows reported" "$nflows"
# Every decoded packet lands in exactly one flow unless it had nothing to
# key on (ARP, later fragments) or no memory could be had.
sum=$(jq -s '[.[]|select(.event_type=="flow")|.flow.pkts_toserver+.flow.pkts_toclient]|add' "$E")
dec=$(jq -s '.[]|select(.event_type=="stats")|.stats.decoder.pkts-.stats.flow.not_tracked-.stats.flow.alloc_failed' "$E")
[ "$sum" = "$dec" ] && pass "flow packets add up to decoded packets" || fail "flow packets add up to decoded packets" "$sum vs $dec"
arp=$(jq -s '.[]|select(.event_type=="stats")|.stats.decoder.arp' "$E")
[ "${arp:-0}" -gt 0 ] && pass "ARP decoded" || fail "ARP decoded" "$arp"
created=$(jq -s '.[]|select(.event_type=="stats")|.stats.flow.created' "$E")
[ "$created" = "$nflows" ] && pass "one event per created flow" || fail "one event per created flow" "$created vs $nflows"
inv=$(jq -s '.[]|select(.event_type=="stats")|.stats.decoder.invalid' "$E")
[ "$inv" = 0 ] && pass "simulated traffic decodes cleanly" || fail "simulated traffic decodes cleanly" "$inv invalid"
uniq_ids=$(jq -r 'select(.event_type=="flow")|.flow_id' "$E" | sort -u | wc -l)
[ "$uniq_ids" -eq "$nflows" ] && pass "flow_ids unique" || fail "flow_ids unique" "$uniq_ids of $nflows"
# the human summary reports the same packet count as the stats event
pk=$(jq -r 'select(.event_type=="stats")|.stats.capture.packets' "$E")
if grep -q "^read $T/home.pcap: $pk packets," "$T/summary"; then
	pass "summary counts match stats"; else fail "summary counts match stats" "$(head -1 "$T/summary")"; fi
# a finished episode is listed once, complete: its opening report (in
# eve.json, episode.ongoing) is folded into it
nopen=$(jq -c 'select(.event_type=="alert" and .alert.category=="scan" and .episode.ongoing==true)' "$E" | wc -l)
ndone=$(jq -c 'select(.event_type=="alert" and .alert.category=="scan" and (.episode.ongoing|not))' "$E" | wc -l)
nsum=$(grep -c '^    \[[123]\] .* scan: ' "$T/summary")
if [ "$nopen" -ge 1 ] && [ "$nsum" -eq "$ndone" ] && grep -q "^    ($nopen progress reports of episodes shown complete above" "$T/summary"; then
	pass "summary lists each finished episode once"
else fail "summary lists each finished episode once" "$nsum listed, $ndone complete, $nopen opening"; fi

# alerts and devices follow DESIGN.md's contracts
bad=$(jq -c 'select(.event_type=="alert") | select((.alert.signature|type)!="string"
	or (.alert.signature_id|type)!="number"
	or ([.alert.category]|inside(["scan","brute-force","flood","c2-beacon","cryptomining",
	    "arp-spoofing","dhcp-abuse","dns-tunnel","dga","cleartext-credentials","weak-crypto",
	    "anomaly","new-destination","new-country","volume-spike","lateral-movement",
	    "policy-violation","model-integrity","protocol-risk"])|not)
	or ([.alert.severity]|inside([1,2,3])|not)
	or (.episode.start|type)!="string" or (.episode.count|type)!="number"
	or (.explain|type)!="object")' "$E" | wc -l)
[ "$bad" -eq 0 ] && pass "alert events keep the alert contract" || fail "alert events keep the alert contract" "$bad bad"
D="$T/a/b/c/devices.json"
if jq -e 'type=="array" and length>0 and all(.[]; has("mac") and has("ips") and has("vendor")
    and has("class") and has("model") and has("os") and has("confidence") and has("evidence")
    and has("first_seen") and has("last_seen"))' "$D" >/dev/null 2>&1; then
	pass "devices.json keeps the contract"; else fail "devices.json keeps the contract" "$(head -c 200 "$D" 2>&1)"; fi
cmp -s "$D" "$T/again/devices.json" && pass "byte-identical devices.json" || fail "byte-identical devices.json"
# the scores file has one line per packet read, numbers only
expect "analyze with --scores" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/sc" --scores "$T/sc/scores.txt"
n=$(wc -l <"$T/sc/scores.txt")
[ "$n" = "$pk" ] && pass "one score per packet" || fail "one score per packet" "$n vs $pk"
bad=$(grep -cv '^[0-9][0-9.e+-]*$' "$T/sc/scores.txt")
[ "$bad" = 0 ] && pass "scores are numbers" || fail "scores are numbers" "$bad bad lines"
# the model on a worker thread or inline: the same bytes (short grace
# periods, so most packets are scored)
GRACE="--fm-grace 1000 --ad-grace 5000 --fm-grace-s 0 --ad-grace-s 0"
for m in off on; do
	# shellcheck disable=SC2086
	expect "analyze --model-thread $m" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/mt-$m" \
		--model-thread "$m" --scores "$T/mt-$m.scores" $GRACE
done
nz=$(grep -cv '^0$' "$T/mt-on.scores")
if cmp -s "$T/mt-off/eve.json" "$T/mt-on/eve.json" && cmp -s "$T/mt-off.scores" "$T/mt-on.scores" &&
    [ "$nz" -gt 10000 ]; then
	pass "model thread on and off: identical output"
else
	fail "model thread on and off: identical output" "$nz scored"
fi
# --model-seed: another seed, other weights and other scores; the same
# seed, the same bytes
# shellcheck disable=SC2086
expect "analyze --model-seed 7" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/ms7" --model-seed 7 \
	--scores "$T/ms7.scores" $GRACE
# shellcheck disable=SC2086
"$BIN" analyze -q -r "$T/home.pcap" -l "$T/ms7b" --model-seed 7 --scores "$T/ms7b.scores" \
	$GRACE >/dev/null 2>&1
if cmp -s "$T/ms7.scores" "$T/ms7b.scores" && ! cmp -s "$T/ms7.scores" "$T/mt-on.scores"; then
	pass "--model-seed: same seed same scores, other seed other scores"
else
	fail "--model-seed: same seed same scores, other seed other scores"
fi
expect "--model-seed bad value" 2 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/ms-bad" --model-seed -1
expect "--model-thread bad value" 2 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/mt-bad" --model-thread 2
grep -q "model-thread" "$T/err" && pass "--model-thread error names the option" ||
	fail "--model-thread error names the option" "$(head -1 "$T/err")"

# `edgeward devices` prints the inventory analyze wrote, as a table and JSON
expect "devices table" 0 "$BIN" devices -l "$T/a/b/c"
ndev=$(jq length "$D")
rows=$(($(wc -l <"$T/out") - 2))	# a header line and an "N devices" line
[ "$rows" = "$ndev" ] && grep -q "^$ndev devices\$" "$T/out" && pass "devices table has a row per device" ||
	fail "devices table has a row per device" "$rows vs $ndev"
expect "devices --json" 0 "$BIN" devices -l "$T/a/b/c" --json
if jq -e --slurpfile d "$D" '. == $d[0]' "$T/out" >/dev/null 2>&1; then
	pass "devices --json is devices.json"; else fail "devices --json is devices.json"; fi
expect "devices missing file" 1 "$BIN" devices -l "$T/nowhere"

# enrolment: learn one camera, then recognise another unit of the same
# model (another seed: another MAC) and nothing else
expect "sim second home" 0 "$BIN" sim -w "$T/unit2.pcap" --seed 8 --hours 0.5 --truth "$T/unit2.truth.json"
"$BIN" sim -w "$T/unit1.pcap" --seed 7 --hours 0.5 --truth "$T/unit1.truth.json" >/dev/null 2>&1
cam1=$(jq -r 'select(.device.kind=="camera")|.device.mac' "$T/unit1.truth.json")
cam2=$(jq -r 'select(.device.kind=="camera")|.device.mac' "$T/unit2.truth.json")
[ "$cam1" != "$cam2" ] && pass "two camera units differ in MAC" || fail "two camera units differ in MAC" "$cam1"
expect "devices learn" 0 "$BIN" devices learn --label "hall camera" --mac "$cam1" -o "$T/lib.fplib" "$T/unit1.pcap"
if grep -qi "$cam1" "$T/lib.fplib"; then fail "library holds no MAC"; else pass "library holds no MAC"; fi
expect "analyze with library" 0 "$BIN" analyze -q -r "$T/unit2.pcap" -l "$T/unit2" --library "$T/lib.fplib"
lab=$(jq -r --arg m "$cam2" '.[]|select(.mac==$m)|.label' "$T/unit2/devices.json")
[ "$lab" = "hall camera" ] && pass "other unit recognised" || fail "other unit recognised" "$lab"
others=$(jq -r --arg m "$cam2" '[.[]|select(.mac!=$m and .label!=null)]|length' "$T/unit2/devices.json")
[ "$others" = 0 ] && pass "no other device takes the label" || fail "no other device takes the label" "$others"

# tiny memcap: flows are evicted (counted), output still complete
expect "analyze with tiny memcap" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/small" --flow-memcap 64k
forced=$(jq -s '.[]|select(.event_type=="stats")|.stats.flow.ended_forced' "$T/small/eve.json")
[ "${forced:-0}" -gt 0 ] && pass "memcap eviction counted" || fail "memcap eviction counted" "$forced"
peak=$(jq -s '.[]|select(.event_type=="stats")|.stats.flow.memuse_peak' "$T/small/eve.json")
[ "${peak:-999999}" -le 65536 ] && pass "memuse within memcap" || fail "memuse within memcap" "$peak"

# ---- damaged capture: what was read is kept, status 1 --------------------
size=$(wc -c <"$T/home.pcap")
head -c $((size - 37)) "$T/home.pcap" >"$T/trunc.pcap"
expect "truncated capture" 1 "$BIN" analyze -q -r "$T/trunc.pcap" -l "$T/trunc"
oneline "truncated capture" "$T/trunc.pcap"
nosan "truncated capture"
if tail -1 "$T/trunc/eve.json" | jq -e '.event_type=="stats"' >/dev/null 2>&1; then
	pass "truncated capture still gets its events"; else fail "truncated capture still gets its events"; fi

# ---- sim determinism ------------------------------------------------------
expect "sim again" 0 "$BIN" sim -w "$T/home2.pcap" --seed 7 --hours 0.5 --attack portscan
cmp -s "$T/home.pcap" "$T/home2.pcap" && pass "sim deterministic" || fail "sim deterministic"
expect "sim other seed" 0 "$BIN" sim -w "$T/home3.pcap" --seed 8 --hours 0.5 --attack portscan
cmp -s "$T/home.pcap" "$T/home3.pcap" && fail "sim seed matters" || pass "sim seed matters"

# ---- link types and timestamp precision -----------------------------------
# IPv4/UDP 10.0.0.1:1000 -> 10.0.0.2:53, 4 payload bytes
IPUDP=450000200001000040110000 IPUDP=${IPUDP}0a0000010a000002 IPUDP=${IPUDP}03e80035000c0000deadbeef
$MK "$T/raw.pcap" 101 usec 1700000000 250000 "$IPUDP" "$IPUDP"
expect "raw IP link" 0 "$BIN" analyze -q -r "$T/raw.pcap" -l "$T/raw"
r=$(jq -r 'select(.event_type=="flow")|"\(.src_ip) \(.src_port) \(.dest_ip) \(.dest_port) \(.flow.pkts_toserver)"' "$T/raw/eve.json")
[ "$r" = "10.0.0.1 1000 10.0.0.2 53 2" ] && pass "raw IP flow" || fail "raw IP flow" "$r"

$MK "$T/nsec.pcap" 101 nsec 1700000000 123456789 "$IPUDP"
expect "nanosecond pcap" 0 "$BIN" analyze -q -r "$T/nsec.pcap" -l "$T/nsec"
ts=$(jq -r 'select(.event_type=="flow")|.flow.start' "$T/nsec/eve.json")
[ "$ts" = "2023-11-14T22:13:20.123456+0000" ] && pass "nanosecond timestamps" || fail "nanosecond timestamps" "$ts"

# Linux cooked (SLL): packet type 0, ARPHRD 1, addr len 6, addr, proto 0x0800
$MK "$T/sll.pcap" 113 usec 1700000000 0 "00000001000600112233445500000800$IPUDP"
expect "SLL link" 0 "$BIN" analyze -q -r "$T/sll.pcap" -l "$T/sll"
n=$(jq -r 'select(.event_type=="flow")|.dest_port' "$T/sll/eve.json")
[ "$n" = 53 ] && pass "SLL flow" || fail "SLL flow" "$n"

# BSD loopback, family 2 in little-endian host order
$MK "$T/null.pcap" 0 usec 1700000000 0 "02000000$IPUDP"
expect "null link" 0 "$BIN" analyze -q -r "$T/null.pcap" -l "$T/null"
n=$(jq -r 'select(.event_type=="flow")|.dest_port' "$T/null/eve.json")
[ "$n" = 53 ] && pass "null/loopback flow" || fail "null/loopback flow" "$n"

# 802.11 radiotap is not decoded: one message, packets counted as skipped
$MK "$T/wifi.pcap" 127 usec 1700000000 0 "0000080000000000" "0000080000000000" "0000080000000000"
expect "unsupported link type" 0 "$BIN" analyze -q -r "$T/wifi.pcap" -l "$T/wifi"
c=$(grep -c 'not supported' "$T/err")
[ "$c" -eq 1 ] && pass "unsupported link type reported once by name" || fail "unsupported link type reported once" "$(cat "$T/err")"
grep -q 'IEEE802_11_RADIO' "$T/err" && pass "link type named" || fail "link type named" "$(cat "$T/err")"
s=$(jq -r 'select(.event_type=="stats")|.stats.capture.skipped_linktype' "$T/wifi/eve.json")
[ "$s" = 3 ] && pass "skipped packets counted" || fail "skipped packets counted" "$s"

rm -rf "$T"

# ---- the store (analyze --store, devices/alerts --store) and `run` usage --
EW_BIN=$BIN sh "$(dirname "$0")/store.sh" "$RES"

# ---- per-device baselines (new-country, lateral, volume, zones, ack) -----
EW_BIN=$BIN sh "$(dirname "$0")/baseline.sh" "$RES"

# ---- MUD export / import (policy mud, policy mud-import) ------------------
EW_BIN=$BIN sh "$(dirname "$0")/mud.sh" "$RES"

# ---- zones, nftables rendering, quarantine (policy, quarantine) ----------
EW_BIN=$BIN sh "$(dirname "$0")/policy.sh" "$RES"
