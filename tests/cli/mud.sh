#!/bin/sh
# MUD suite: `policy mud` prints a valid RFC 8520 MUD file from a device's
# "learned" baseline row (deterministic, the DHCP-announced MUD URL when
# there is one); `policy mud-import` validates a MUD file and stores it as
# the device's "mud" baseline row, by MAC or by the announced URL; invalid
# files, unknown devices, ambiguous URLs and bad usage fail cleanly and
# leave the store untouched.
# usage: EW_BIN=build/edgeward tests/cli/mud.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/edgeward}
T=$(mktemp -d "${EW_TMP:-/tmp}/mud.XXXXXX")

SUITE=mud
. "$(dirname "$0")/lib.sh"
check() {	# check NAME JQ-EXPR FILE: the expression is true
	if jq -e "$2" "$3" >/dev/null 2>&1; then pass "$1"; else
		fail "$1" "jq '$2' false on $3"; fi
}
errhas() {	# errhas NAME TEXT: one stderr line containing TEXT
	n=$(wc -l <"$T/err")
	if [ "$n" -eq 1 ] && grep -qF -- "$2" "$T/err"; then pass "$1: message"
	else fail "$1: message" "want one line with '$2': $(head -3 "$T/err")"; fi
}

if ! command -v sqlite3 >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
	echo "PASS mud: skipped (sqlite3 or jq missing)" >>"$RES"
	rm -rf "$T"; exit 0
fi

DB=$T/ew.db
expect "sim writes capture" 0 "$BIN" sim -w "$T/home.pcap" --seed 1 --hours 1
expect "analyze --store" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/o" --store "$DB"
A=$(sqlite3 "$DB" "SELECT key FROM devices WHERE key LIKE '__:__:__:__:__:__' ORDER BY key LIMIT 1")
B=$(sqlite3 "$DB" "SELECT key FROM devices WHERE key LIKE '__:__:__:__:__:__' ORDER BY key LIMIT 1 OFFSET 1")
C=$(sqlite3 "$DB" "SELECT key FROM devices WHERE key LIKE '__:__:__:__:__:__' ORDER BY key LIMIT 1 OFFSET 2")
if [ -n "$A" ] && [ -n "$B" ] && [ -n "$C" ]; then pass "store has devices"
else fail "store has devices" "A=$A B=$B C=$C"; fi

# A sensor-written baseline, when the baseline module wrote one: it exports.
L=$(sqlite3 "$DB" "SELECT device_key FROM baselines WHERE kind='learned' ORDER BY device_key LIMIT 1")
if [ -n "$L" ]; then
	expect "policy mud on a sensor-written baseline" 0 "$BIN" policy mud --store "$DB" "$L"
	check "sensor-written baseline: a MUD file" '."ietf-mud:mud"."mud-version" == 1' "$T/out"
fi

# The learned blob (issue 7's format) for device A, written as the sensor
# would: named and nameless remotes, IPv6, a remote client, LAN peers.
cat >"$T/blob.json" <<EOF
{"v":1,"key":"$A","mac":"$A","ip":"192.168.1.129","class":"camera",
 "first_seen":1700000000000000000,"last_seen":1700003600000000000,
 "learn_until":1700086400000000000,"phase":"learning",
 "remotes":[
  {"ip":"52.1.2.3","name":"api.example.com","cc":"US","proto":6,"port":443,"n":12,"first":1,"last":2},
  {"ip":"52.1.2.4","name":"API.example.com","cc":"US","proto":6,"port":443,"n":2,"first":1,"last":2},
  {"ip":"203.0.113.9","name":"","cc":"NL","proto":17,"port":123,"n":4,"first":1,"last":2},
  {"ip":"2001:db8::5","name":"v6.example.net","cc":"","proto":6,"port":8883,"n":1,"first":1,"last":2}],
 "inbound":[{"ip":"198.51.100.7","cc":"US","proto":6,"port":8080,"n":1,"first":1,"last":2}],
 "peers":[{"ip":"192.168.1.1","mac":"aa:bb:cc:dd:ee:01","proto":17,"port":53,"dir":"out","n":5,"first":1,"last":2}],
 "services":[{"proto":6,"port":443}],
 "listen":[{"proto":6,"port":8080,"from":"remote"}],
 "countries":["US","NL"],"apps":["TLS"],"volume":{"bucket_s":60},"hours":[0]}
EOF
sqlite3 "$DB" "INSERT OR REPLACE INTO baselines VALUES('$A','learned',1700003600000000000,CAST(readfile('$T/blob.json') AS TEXT))"

# ---- export ---------------------------------------------------------------
expect "policy mud" 0 "$BIN" policy mud --store "$DB" "$A"
nosan "policy mud"
cp "$T/out" "$T/a.mud.json"
n=$(jq -s length "$T/a.mud.json" 2>/dev/null)
[ "$n" = 1 ] && pass "one JSON document" || fail "one JSON document" "$n"
[ "$(tail -c 1 "$T/a.mud.json" | od -An -c | tr -d ' ')" = '\n' ] &&
	pass "ends with a newline" || fail "ends with a newline"
check "mud-version 1" '."ietf-mud:mud"."mud-version" == 1' "$T/a.mud.json"
check "default mud-url" ".\"ietf-mud:mud\".\"mud-url\" == \"https://edgeward.invalid/mud/$A.json\"" "$T/a.mud.json"
check "last-update from the baseline's time" '."ietf-mud:mud"."last-update" == "2023-11-14T23:13:20Z"' "$T/a.mud.json"
check "is-supported, cache-validity" '."ietf-mud:mud"."is-supported" == true and ."ietf-mud:mud"."cache-validity" == 48' "$T/a.mud.json"
check "every ACL a policy names exists" '[."ietf-access-control-list:acls".acl[].name] as $a |
	[."ietf-mud:mud"["from-device-policy","to-device-policy"]."access-lists"."access-list"[].name] |
	length == 4 and all(. as $n | $a | index([$n]))' "$T/a.mud.json"
check "one ACE for the name (two IPs, any case)" '[."ietf-access-control-list:acls".acl[] | select(.name|endswith("v4fr")) |
	.aces.ace[] | select(.matches.ipv4."ietf-acldns:dst-dnsname" == "api.example.com")] |
	length == 1 and .[0].matches.tcp."destination-port".port == 443 and
	.[0].matches.tcp."ietf-mud:direction-initiated" == "from-device"' "$T/a.mud.json"
check "nameless remote by its /32" '[.. | objects | select(."destination-ipv4-network" == "203.0.113.9/32")] | length == 1' "$T/a.mud.json"
check "IPv6 remote in the v6 ACL" '[."ietf-access-control-list:acls".acl[] | select(.type == "ipv6-acl-type") |
	.aces.ace[].matches.ipv6."ietf-acldns:dst-dnsname"] | index(["v6.example.net"]) != null' "$T/a.mud.json"
check "LAN peer as local-networks" '[.. | objects | select(has("local-networks")) | .["local-networks"] == [null]] | length == 2 and all' "$T/a.mud.json"
check "served port to-device" '[."ietf-access-control-list:acls".acl[] | select(.name|endswith("v4to")) | .aces.ace[] |
	select(.matches.tcp."ietf-mud:direction-initiated" == "to-device" and .matches.tcp."destination-port".port == 8080)] | length == 1' "$T/a.mud.json"
expect "policy mud again" 0 "$BIN" policy mud --store "$DB" "$A"
same "policy mud is deterministic" "$T/out" "$T/a.mud.json"
UA=$(echo "$A" | tr a-f A-F | tr : -)
expect "policy mud with an upper-case, dashed MAC" 0 "$BIN" policy mud --store "$DB" "$UA"
same "upper-case MAC: same file" "$T/out" "$T/a.mud.json"

# the MUD URL the device announced in DHCP option 161
URL=https://vendor.example/mud/cam-2000.json
sqlite3 "$DB" "UPDATE devices SET json = json_insert(json, '\$.evidence[#]',
	json_object('kind','dhcp.mud_url','value','$URL','count',1,
	'first_seen','2023-11-14T22:13:40.000000+0000','last_seen','2023-11-14T22:13:40.000000+0000'))
	WHERE key = '$A'"
expect "policy mud with an announced URL" 0 "$BIN" policy mud --store "$DB" "$A"
cp "$T/out" "$T/a2.mud.json"
check "announced mud-url used" ".\"ietf-mud:mud\".\"mud-url\" == \"$URL\"" "$T/a2.mud.json"

# ---- export errors -------------------------------------------------------
sqlite3 "$DB" "DELETE FROM baselines WHERE device_key = '$C'"
expect "policy mud: device without a baseline" 1 "$BIN" policy mud --store "$DB" "$C"
errhas "device without a baseline" "no learned baseline for $C"
expect "policy mud: unknown device" 1 "$BIN" policy mud --store "$DB" 02:00:00:00:00:99
errhas "unknown device" "no device 02:00:00:00:00:99"
expect "policy mud: missing store" 1 "$BIN" policy mud --store "$T/nope.db" "$A"
[ ! -e "$T/nope.db" ] && pass "missing store not created" || fail "missing store not created"
expect "policy mud: no --store" 2 "$BIN" policy mud "$A"
expect "policy mud: no MAC" 2 "$BIN" policy mud --store "$DB"
expect "policy mud: two MACs" 2 "$BIN" policy mud --store "$DB" "$A" "$B"
expect "policy mud: bad option" 2 "$BIN" policy mud --frob --store "$DB" "$A"
expect "policy mud --help" 0 "$BIN" policy mud --help
grep -q "usage: edgeward policy mud" "$T/out" && pass "policy mud --help text" || fail "policy mud --help text"

# ---- import --------------------------------------------------------------
expect "mud-import by MAC" 0 "$BIN" policy mud-import --store "$DB" "$T/a.mud.json" "$A"
nosan "mud-import by MAC"
grep -q "for device $A" "$T/out" && pass "mud-import says what it did" || fail "mud-import says what it did" "$(cat "$T/out")"
eq=$(sqlite3 "$DB" "SELECT json = CAST(readfile('$T/a.mud.json') AS TEXT) FROM baselines WHERE device_key='$A' AND kind='mud'")
[ "$eq" = 1 ] && pass "mud row holds the file as imported" || fail "mud row holds the file as imported" "$eq"
n=$(sqlite3 "$DB" "SELECT count(*) FROM baselines WHERE device_key='$A' AND kind='learned'")
[ "$n" = 1 ] && pass "learned row kept" || fail "learned row kept" "$n"
expect "policy mud --imported" 0 "$BIN" policy mud --store "$DB" --imported "$A"
check "--imported prints the imported file" ".\"ietf-mud:mud\".\"mud-url\" == \"https://edgeward.invalid/mud/$A.json\"" "$T/out"
expect "policy mud --imported without one" 1 "$BIN" policy mud --store "$DB" --imported "$B"

expect "mud-import by announced URL" 0 "$BIN" policy mud-import --store "$DB" "$T/a2.mud.json"
grep -q "for device $A" "$T/out" && pass "URL found device A" || fail "URL found device A" "$(cat "$T/out")"
eq=$(sqlite3 "$DB" "SELECT json = CAST(readfile('$T/a2.mud.json') AS TEXT) FROM baselines WHERE device_key='$A' AND kind='mud'")
[ "$eq" = 1 ] && pass "import replaces the previous profile" || fail "import replaces the previous profile" "$eq"

# a URL longer than the inventory keeps (its evidence values are cut to
# 119 bytes) still finds its device
LONG=https://vendor.example/mud/$(printf '%0120d' 7).json
CUT=$(printf '%s' "$LONG" | head -c 119)
sqlite3 "$DB" "UPDATE devices SET json = json_insert(json, '\$.evidence[#]',
	json_object('kind','dhcp.mud_url','value','$CUT')) WHERE key = '$C'"
jq --arg u "$LONG" '."ietf-mud:mud"."mud-url" = $u' "$T/a.mud.json" >"$T/long.json"
expect "mud-import by a URL the inventory cut short" 0 "$BIN" policy mud-import --store "$DB" "$T/long.json"
grep -q "for device $C" "$T/out" && pass "cut URL found device C" || fail "cut URL found device C" "$(cat "$T/out")"

# errors leave the store untouched
before=$(sqlite3 "$DB" "SELECT device_key, kind, ts, length(json) FROM baselines ORDER BY 1, 2")
sed 's/"operator": "eq"/"operator": "gt"/' "$T/a.mud.json" >"$T/gt.json"
expect "mud-import: unknown operator" 1 "$BIN" policy mud-import --store "$DB" "$T/gt.json" "$A"
errhas "unknown operator" "ietf-access-control-list:acls.acl[0].aces.ace[0].matches.tcp.destination-port: unknown operator 'gt'"
echo 'not json' >"$T/junk.json"
expect "mud-import: not JSON" 1 "$BIN" policy mud-import --store "$DB" "$T/junk.json" "$A"
errhas "not JSON" "not JSON"
jq 'del(."ietf-mud:mud")' "$T/a.mud.json" >"$T/nomud.json"
expect "mud-import: no ietf-mud:mud" 1 "$BIN" policy mud-import --store "$DB" "$T/nomud.json" "$A"
errhas "no ietf-mud:mud" "ietf-mud:mud: missing"
jq '."ietf-mud:mud"."mud-version" = "1"' "$T/a.mud.json" >"$T/type.json"
expect "mud-import: wrong type" 1 "$BIN" policy mud-import --store "$DB" "$T/type.json" "$A"
errhas "wrong type" "ietf-mud:mud.mud-version: an integer expected, got a string"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big.json"
expect "mud-import: too big" 1 "$BIN" policy mud-import --store "$DB" "$T/big.json" "$A"
errhas "too big" "limit"
expect "mud-import: missing file" 1 "$BIN" policy mud-import --store "$DB" "$T/nofile.json" "$A"
expect "mud-import: unknown device" 1 "$BIN" policy mud-import --store "$DB" "$T/a.mud.json" 02:00:00:00:00:99
errhas "mud-import unknown device" "no device 02:00:00:00:00:99"
jq '."ietf-mud:mud"."mud-url" = "https://nobody.example/x"' "$T/a.mud.json" >"$T/nobody.json"
expect "mud-import: URL nobody announced" 1 "$BIN" policy mud-import --store "$DB" "$T/nobody.json"
errhas "URL nobody announced" "no device in"
sqlite3 "$DB" "UPDATE devices SET json = json_insert(json, '\$.evidence[#]',
	json_object('kind','dhcp.mud_url','value','$URL')) WHERE key = '$B'"
expect "mud-import: URL two devices announced" 1 "$BIN" policy mud-import --store "$DB" "$T/a2.mud.json"
errhas "URL two devices announced" "2 devices announced"
expect "mud-import: missing store" 1 "$BIN" policy mud-import --store "$T/nope.db" "$T/a.mud.json" "$A"
[ ! -e "$T/nope.db" ] && pass "mud-import does not create a store" || fail "mud-import does not create a store"
after=$(sqlite3 "$DB" "SELECT device_key, kind, ts, length(json) FROM baselines ORDER BY 1, 2")
[ "$before" = "$after" ] && pass "failed imports leave the store untouched" ||
	fail "failed imports leave the store untouched"
ic=$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)
[ "$ic" = ok ] && pass "integrity_check ok" || fail "integrity_check ok" "$ic"

expect "mud-import: no --store" 2 "$BIN" policy mud-import "$T/a.mud.json" "$A"
expect "mud-import: no file" 2 "$BIN" policy mud-import --store "$DB"
expect "mud-import: extra argument" 2 "$BIN" policy mud-import --store "$DB" "$T/a.mud.json" "$A" x
expect "mud-import: bad option" 2 "$BIN" policy mud-import --frob --store "$DB" "$T/a.mud.json"
expect "mud-import --help" 0 "$BIN" policy mud-import --help
grep -q "usage: edgeward policy mud-import" "$T/out" && pass "mud-import --help text" || fail "mud-import --help text"

rm -rf "$T"
exit 0
