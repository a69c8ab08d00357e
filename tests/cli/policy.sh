#!/bin/sh
# Policy suite: `edgeward quarantine` (refusals, record with who/why, list,
# log, release, expiry, bad usage), `edgeward policy nft` (a ruleset that
# `nft -c -f` accepts, with the quarantined device in its sets, with zone
# rules from --zones), `edgeward policy propose` (from learned baselines
# inserted into the store), and schema v3 on an older (v2) store: migrated
# by read-write commands, left alone by read-only ones.
# usage: EW_BIN=build/edgeward tests/cli/policy.sh RESULTS_FILE
set -u
RES=${1:-/dev/null}
BIN=${EW_BIN:-build/edgeward}
T=$(mktemp -d "${EW_TMP:-/tmp}/policy.XXXXXX")

SUITE=policy
. "$(dirname "$0")/lib.sh"
has() {	# has NAME FILE TEXT
	if grep -qF -- "$3" "$2"; then pass "$1"; else fail "$1" "no '$3' in $(head -c 300 "$2")"; fi
}
hasnt() {
	if grep -qF -- "$3" "$2"; then fail "$1" "'$3' in $2"; else pass "$1"; fi
}
sql() { sqlite3 "$S" "$1"; }
NFT=""
if [ -x /usr/sbin/nft ] && echo 'table inet ewprobe' | /usr/sbin/nft -c -f - >/dev/null 2>&1; then
	NFT=/usr/sbin/nft
else
	echo "skipped: policy: nft -c checks (no nft, or it needs root / CAP_NET_ADMIN)"
fi
nftc() {	# nftc NAME FILE: nft -c -f accepts it
	[ -n "$NFT" ] || return 0
	if "$NFT" -c -f "$2" >"$T/nftc" 2>&1; then pass "$1"; else fail "$1" "$(head -5 "$T/nftc")"; fi
}

if ! command -v sqlite3 >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
	echo "PASS policy: skipped (sqlite3 or jq missing)" >>"$RES"
	rm -rf "$T"; exit 0
fi

S=$T/ew.db
expect "sim writes capture" 0 "$BIN" sim -w "$T/home.pcap" --seed 7 --devices 8 --packets 4000
expect "analyze fills the store" 0 "$BIN" analyze -q -r "$T/home.pcap" -l "$T/ana" --store "$S"
GW=$(sql "SELECT key FROM devices WHERE json_extract(json, '$.roles') LIKE '%gateway%' LIMIT 1")
DEV=$(sql "SELECT key FROM devices WHERE json_extract(json, '$.roles') = '[]' AND mac <> '' ORDER BY key LIMIT 1")
DEV2=$(sql "SELECT key FROM devices WHERE json_extract(json, '$.roles') = '[]' AND mac <> '' ORDER BY key LIMIT 1 OFFSET 1")
[ -n "$GW" ] && [ -n "$DEV" ] && [ -n "$DEV2" ] && pass "store has a gateway and devices" ||
	fail "store has a gateway and devices" "'$GW' '$DEV' '$DEV2'"
ME=$(id -un)

# ---- usage -------------------------------------------------------------------
expect "policy without a command: 2" 2 "$BIN" policy
expect "policy bogus: 2" 2 "$BIN" policy bogus
expect "policy --help: 0" 0 "$BIN" policy --help
expect "policy nft without --store: 2" 2 "$BIN" policy nft
expect "policy nft --help: 0" 0 "$BIN" policy nft --help
expect "quarantine without arguments: 2" 2 "$BIN" quarantine
expect "quarantine --help: 0" 0 "$BIN" quarantine --help
expect "quarantine --for 1x: 2" 2 "$BIN" quarantine --store "$S" "$DEV" --for 1x
has "bad duration names the units" "$T/err" "duration"
expect "quarantine --list --apply: 2" 2 "$BIN" quarantine --store "$S" --list --apply
expect "quarantine MAC --release MAC: 2" 2 "$BIN" quarantine --store "$S" "$DEV" --release "$DEV"
expect "quarantine injection as MAC: 2" 2 "$BIN" quarantine --store "$S" "1.2.3.4; flush ruleset"
expect "quarantine on a missing store: 1" 1 "$BIN" quarantine --store "$T/none.db" --list
[ ! -e "$T/none.db" ] && pass "a missing store is not created" || fail "a missing store is not created"

# ---- refusals ------------------------------------------------------------------
expect "quarantine the gateway: 1" 1 "$BIN" quarantine --store "$S" "$GW"
has "gateway refusal says why" "$T/err" "gateway"
expect "quarantine an unknown MAC: 1" 1 "$BIN" quarantine --store "$S" 02:00:00:00:00:99
has "unknown refusal says why" "$T/err" "no such device"
[ "$(sql 'SELECT count(*) FROM policy_log')" = 0 ] && pass "refusals recorded nothing" ||
	fail "refusals recorded nothing"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" quarantine --store "$S" "$DEV" --apply >"$T/out" 2>"$T/err"
	[ $? = 1 ] && grep -q "needs root" "$T/err" && pass "--apply without root: 1, says so" ||
		fail "--apply without root: 1, says so" "$(cat "$T/err")"
elif [ "$(id -u)" != 0 ]; then
	expect "--apply without root: 1" 1 "$BIN" quarantine --store "$S" "$DEV" --apply
	has "--apply without root says so" "$T/err" "needs root"
fi

# ---- quarantine, list, log, render, release -----------------------------------------
expect "quarantine a device for 2h" 0 "$BIN" quarantine --store "$S" "$DEV" --for 2h --why "cli test"
has "quarantine says what it did" "$T/out" "quarantined $DEV"
expect "quarantine --list" 0 "$BIN" quarantine --store "$S" --list
has "--list shows the device" "$T/out" "$DEV"
expect "quarantine --list --json" 0 "$BIN" quarantine --store "$S" --list --json
jq -e --arg k "$DEV" --arg me "$ME" '.[0].key == $k and .[0].who == $me and .[0].why == "cli test" and
	(.[0].until - .[0].since) == 7200' "$T/out" >/dev/null 2>&1 &&
	pass "--list --json: key, who, why, 2h" || fail "--list --json" "$(cat "$T/out")"
expect "policy nft" 0 "$BIN" policy nft --store "$S" -o "$T/r.nft"
has "ruleset: own table, replaced atomically" "$T/r.nft" "table inet edgeward
delete table inet edgeward"
has "ruleset: the device in quarantine_mac with its expiry" "$T/r.nft" "$DEV timeout 7200s expires"
nftc "nft -c accepts the ruleset" "$T/r.nft"
expect "quarantine a second device until released" 0 "$BIN" quarantine --store "$S" "$DEV2"
expect "release the first" 0 "$BIN" quarantine --store "$S" --release "$DEV" --why "done"
expect "release it again: 1" 1 "$BIN" quarantine --store "$S" --release "$DEV"
has "release again says not quarantined" "$T/err" "not quarantined"
expect "policy nft after the release" 0 "$BIN" policy nft --store "$S" -o "$T/r2.nft"
hasnt "released device left the ruleset" "$T/r2.nft" "$DEV timeout"
has "the other stays, without expiry" "$T/r2.nft" "elements = { $DEV2 }"

# expiry in the store
expect "quarantine for 1s" 0 "$BIN" quarantine --store "$S" "$DEV" --for 1s
sleep 2
expect "quarantine --list after the expiry" 0 "$BIN" quarantine --store "$S" --list
hasnt "expired entry not listed" "$T/out" "$DEV "
expect "quarantine --list --log" 0 "$BIN" quarantine --store "$S" --list --log --json
acts=$(jq -r '[.[].action] | join(",")' "$T/out")
[ "$acts" = "quarantine,quarantine,release,quarantine,expire" ] && pass "log: $acts" ||
	fail "log actions" "$acts"
jq -e --arg me "$ME" 'all(.[]; .ts > 1700000000) and (.[0].who == $me) and (.[2].why == "done")
	and (.[4].who == "edgeward")' "$T/out" >/dev/null 2>&1 &&
	pass "log: wall-clock times, who, why" || fail "log: who/why" "$(head -c 400 "$T/out")"

# ---- propose from learned baselines, then nft --zones ------------------------------
cp "$S" "$T/nobl.db"
sqlite3 "$T/nobl.db" "DELETE FROM baselines"
expect "propose with no baselines: 0" 0 "$BIN" policy propose --store "$T/nobl.db"
has "propose without baselines says so" "$T/err" "no learned baselines"
GWIP=$(sql "SELECT ip FROM devices WHERE key = '$GW'")
DEV2IP=$(sql "SELECT ip FROM devices WHERE key = '$DEV2'")
blob() {	# blob KEY: a learned baseline talking to the gateway, DEV2 and the internet
	printf '{"v":1,"key":"%s","mac":"%s","ip":"","class":"","first_seen":1,"last_seen":2,
"learn_until":3,"phase":"active","remotes":[{"ip":"52.1.2.3","name":"a.example.com","cc":"US",
"proto":6,"port":443,"n":12,"first":1,"last":2}],"inbound":[],"peers":[{"ip":"%s","mac":"",
"proto":17,"port":53,"dir":"out","n":5,"first":1,"last":2},{"ip":"%s","mac":"","proto":6,
"port":8080,"dir":"out","n":2,"first":1,"last":2}],"services":[{"proto":6,"port":443},
{"proto":17,"port":123}],"listen":[],"countries":["US"],"apps":[],"volume":{},"hours":[1],
"future_key":{"x":1}}' "$1" "$1" "$GWIP" "$DEV2IP"
}
sql "INSERT OR REPLACE INTO baselines(device_key, kind, ts, json) VALUES('$DEV', 'learned', 1, '$(blob "$DEV")')"
expect "policy propose" 0 "$BIN" policy propose --store "$S"
cp "$T/out" "$T/zones.conf"
has "proposal: tcp/443 to the internet" "$T/zones.conf" "tcp/443"
has "proposal: udp/123 from services" "$T/zones.conf" "udp/123"
has "proposal: tcp/8080 to a peer's class" "$T/zones.conf" "tcp/8080"
expect "policy nft --zones (the proposal)" 0 "$BIN" policy nft --store "$S" --zones "$T/zones.conf" -o "$T/z.nft"
has "zones ruleset has the zones chain" "$T/z.nft" "jump zones"
nftc "nft -c accepts the zones ruleset" "$T/z.nft"
printf 'zone a cidr 10.0.0.0/33\n' >"$T/bad.conf"
expect "policy nft --zones with an error: 1" 1 "$BIN" policy nft --store "$S" --zones "$T/bad.conf"
has "zones error names the line" "$T/err" "bad.conf:1"

# ---- schema v3 on a v2 store -----------------------------------------------------------
cp "$S" "$T/v2.db"
sqlite3 "$T/v2.db" "DROP TABLE quarantine; DROP TABLE policy_log; PRAGMA user_version = 2;"
expect "propose on a v2 store (read-only)" 0 "$BIN" policy propose --store "$T/v2.db"
[ "$(sqlite3 "$T/v2.db" 'PRAGMA user_version')" = 2 ] && pass "read-only use leaves v2 alone" ||
	fail "read-only use leaves v2 alone"
expect "quarantine --list on a v2 store" 0 "$BIN" quarantine --store "$T/v2.db" --list
[ "$(sqlite3 "$T/v2.db" 'PRAGMA user_version')" = 3 ] && pass "read-write use migrates v2 to v3" ||
	fail "read-write use migrates v2 to v3"
expect "quarantine on the migrated store" 0 "$BIN" quarantine --store "$T/v2.db" "$DEV"
[ "$(sqlite3 "$T/v2.db" 'PRAGMA integrity_check')" = ok ] && pass "migrated store: integrity ok" ||
	fail "migrated store: integrity ok"

rm -rf "$T"
[ "$NF" -eq 0 ]
