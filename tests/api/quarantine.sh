#!/bin/sh
# API quarantine suite: POST /api/v1/devices/KEY/quarantine and .../release
# over a real socket on a store built from a simulated capture. Records in
# the store (quarantine row, policy_log who "api" / why), the same refusal
# rules as the CLI (409 for the gateway / DHCP / DNS server, 404 unknown),
# body validation (400), methods (405), release and release-again (409),
# and `edgeward policy nft` rendering what the API recorded. The API never
# loads rules into the kernel.
# usage: EW_BIN=build/edgeward tests/api/quarantine.sh [RESULTS_FILE]
set -u
RES=${1:-}
BIN=${EW_BIN:-build/edgeward}
T=$(mktemp -d "${EW_TMP:-/tmp}/apiq.XXXXXX")
NP=0 NF=0 SRV=""

ok() {
	NP=$((NP + 1)); echo "ok - $1"
	[ -z "$RES" ] || echo "PASS api: quarantine: $1" >>"$RES"
}
bad() {
	NF=$((NF + 1)); echo "not ok - $1${2:+ ($2)}"
	[ -z "$RES" ] || echo "FAIL api: quarantine: $1" >>"$RES"
}
cleanup() {
	[ -z "$SRV" ] || kill "$SRV" 2>/dev/null
	[ -z "$SRV" ] || wait "$SRV" 2>/dev/null
	[ -n "${EW_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for tool in curl jq sqlite3; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "skipped: api quarantine: $tool missing"
		exit 0
	fi
done

mkdir -p "$T/db"
S=$T/db/ew.db
"$BIN" sim -w "$T/home.pcap" --seed 5 --devices 6 --packets 3000 >/dev/null 2>&1 &&
	"$BIN" analyze -q -r "$T/home.pcap" -l "$T/out" --store "$S" >/dev/null 2>&1 ||
	{ bad "store built from a simulated capture"; echo "api quarantine: $NP passed, $NF failed"; exit 1; }
GW=$(sqlite3 "$S" "SELECT key FROM devices WHERE json_extract(json, '$.roles') LIKE '%gateway%' LIMIT 1")
DEV=$(sqlite3 "$S" "SELECT key FROM devices WHERE json_extract(json, '$.roles') = '[]' AND mac <> '' ORDER BY key LIMIT 1")
[ -n "$GW" ] && [ -n "$DEV" ] && ok "store has a gateway ($GW) and a device ($DEV)" ||
	bad "store has a gateway and a device" "gw '$GW' dev '$DEV'"

"$BIN" serve --listen 127.0.0.1:0 --store "$S" >/dev/null 2>"$T/serve.err" </dev/null &
SRV=$!
PORT="" i=0
while [ $i -lt 50 ] && [ -z "$PORT" ]; do
	PORT=$(sed -n 's|.*://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/serve.err")
	[ -n "$PORT" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$PORT" ] || { bad "server starts" "$(cat "$T/serve.err")"; echo "api quarantine: $NP passed, $NF failed"; exit 1; }
U="http://127.0.0.1:$PORT/api/v1/devices"
AUTH="Authorization: Bearer $(cat "$T/db/api.token")"
JSON="Content-Type: application/json"

req() {	# req NAME WANT_STATUS CURL_ARGS...: body in $T/body
	_n=$1 _w=$2; shift 2
	_c=$(curl -s -m 10 -D "$T/hdr" -o "$T/body" -w '%{http_code}' "$@")
	if [ "$_c" = "$_w" ]; then ok "$_n: $_w"; return 0; fi
	bad "$_n: $_w" "got $_c: $(head -c 200 "$T/body")"
	return 1
}
jqt() {
	if jq -e "$2" "$T/body" >/dev/null 2>&1; then ok "$1"; else
		bad "$1" "$(head -c 300 "$T/body")"; fi
}

req "quarantine without token" 401 -X POST "$U/$DEV/quarantine"
req "quarantine" 200 -H "$AUTH" -H "$JSON" -X POST \
	-d '{"for": "1h", "why": "api test <script>"}' "$U/$DEV/quarantine"
jqt "quarantine: reply" ".key == \"$DEV\" and .quarantined == true and .who == \"api\" and
	.why == \"api test <script>\" and .applied == false and (.until - .since) == 3600 and
	(.ips | length) >= 1"
n=$(sqlite3 "$S" "SELECT count(*) FROM quarantine WHERE device_key = '$DEV' AND until - since = 3600")
[ "$n" = 1 ] && ok "store: quarantine row with the expiry" || bad "store: quarantine row" "$n"
n=$(sqlite3 "$S" "SELECT count(*) FROM policy_log WHERE action = 'quarantine' AND who = 'api' AND why = 'api test <script>'")
[ "$n" = 1 ] && ok "store: policy_log row (who api, why)" || bad "store: policy_log row" "$n"
"$BIN" quarantine --store "$S" --list >"$T/list" 2>&1
grep -q "$DEV" "$T/list" && ok "CLI --list shows the API's quarantine" || bad "CLI --list" "$(cat "$T/list")"
"$BIN" policy nft --store "$S" >"$T/r.nft" 2>&1
grep -q "$DEV timeout 3600s" "$T/r.nft" && ok "policy nft renders the API's quarantine" ||
	bad "policy nft renders the API's quarantine" "$(grep -A3 'set quarantine_mac' "$T/r.nft")"

req "quarantine the gateway" 409 -H "$AUTH" -X POST "$U/$GW/quarantine"
jqt "gateway: JSON error naming the role" '.error.status == 409 and (.error.message | contains("gateway"))'
req "quarantine an unknown device" 404 -H "$AUTH" -X POST "$U/02:00:00:00:00:99/quarantine"
req "bad duration" 400 -H "$AUTH" -H "$JSON" -X POST -d '{"for": "1x"}' "$U/$DEV/quarantine"
jqt "bad duration: message names for" '.error.message | startswith("for:")'
req "duration too long" 400 -H "$AUTH" -H "$JSON" -X POST -d '{"for": "400d"}' "$U/$DEV/quarantine"
req "unknown member" 400 -H "$AUTH" -H "$JSON" -X POST -d '{"apply": true}' "$U/$DEV/quarantine"
req "not JSON" 400 -H "$AUTH" -H "$JSON" -X POST -d '{"for":' "$U/$DEV/quarantine"
req "why not a string" 400 -H "$AUTH" -H "$JSON" -X POST -d '{"why": 5}' "$U/$DEV/quarantine"
req "wrong content type" 400 -H "$AUTH" -H "Content-Type: text/plain" -X POST -d '{}' "$U/$DEV/quarantine"
req "quarantine by GET" 405 -H "$AUTH" "$U/$DEV/quarantine"
req "release by GET" 405 -H "$AUTH" "$U/$DEV/release"
req "release takes no duration" 400 -H "$AUTH" -H "$JSON" -X POST -d '{"for": "1h"}' "$U/$DEV/release"
n=$(sqlite3 "$S" "SELECT count(*) FROM policy_log")
[ "$n" = 1 ] && ok "refused requests recorded nothing" || bad "refused requests recorded nothing" "$n rows"

req "release" 200 -H "$AUTH" -H "$JSON" -X POST -d '{"why": "fixed"}' "$U/$DEV/release"
jqt "release: reply" ".key == \"$DEV\" and .quarantined == false and .why == \"fixed\""
req "release again" 409 -H "$AUTH" -X POST "$U/$DEV/release"
jqt "release again: not quarantined" '.error.message | contains("not quarantined")'
req "release an unknown device" 404 -H "$AUTH" -X POST "$U/02:00:00:00:00:99/release"
req "quarantine without a body: until released" 200 -H "$AUTH" -X POST "$U/$DEV/quarantine"
jqt "no body: until is null" '.until == null and .why == ""'
acts=$(sqlite3 "$S" "SELECT group_concat(action || ':' || who, ',') FROM (SELECT * FROM policy_log ORDER BY id)")
[ "$acts" = "quarantine:api,release:api,quarantine:api" ] && ok "policy_log: $acts" ||
	bad "policy_log" "$acts"

kill -TERM "$SRV" 2>/dev/null
wait "$SRV"; rc=$?
SRV=""
[ "$rc" = 0 ] && ok "SIGTERM: clean exit 0" || bad "SIGTERM: clean exit 0" "$rc"
if grep -q -e 'runtime error' -e 'AddressSanitizer' -e 'LeakSanitizer' "$T/serve.err"; then
	bad "no sanitizer report" "$(head -5 "$T/serve.err")"; else ok "no sanitizer report"; fi
echo "api quarantine: $NP passed, $NF failed"
[ "$NF" -eq 0 ]
