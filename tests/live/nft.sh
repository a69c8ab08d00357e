#!/bin/sh
# Live enforcement test: the rendered nftables ruleset in a real kernel.
# Three hosts (network namespaces A, B, C, one veth each) behind a router
# namespace R that forwards between their subnets; a store whose devices
# table holds the hosts' MACs/IPs (and the router as the gateway). Checks:
# `edgeward quarantine --apply` run inside R loads the rules; the
# quarantined host A cannot reach B (nor B reach A, nor A the router except
# DHCP/DNS), C still can (TCP connections, perl on both ends); the kernel set element carries the expiry; the
# release restores A; a quarantine --for 3s ends by itself in the kernel;
# reloading `policy nft` replaces the table; a zone rule (--zones) is
# enforced; refusals (gateway, the router's own address, --apply without
# root) change nothing.
#
# usage: [EW_BIN=build/edgeward] tests/live/nft.sh [RESULTS_FILE]
# Prints "ok"/"FAIL" lines and "N passed, N failed"; exits 0 with a
# "skipped:" line when not root, or namespaces / nft are not available.
set -u
cd "$(dirname "$0")/../.."
SUITE=nft
RES=${1:-}
. tests/live/lib.sh

[ "$(id -u)" = 0 ] || skip "not root"
for _c in ip nft sqlite3 perl; do
	command -v "$_c" >/dev/null 2>&1 || skip "$_c not installed"
done
[ -x "$BIN" ] || skip "no $BIN (run make)"
"$BIN" quarantine --help >/dev/null 2>&1 || skip "$BIN has no quarantine command"

ID=$$$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
R=ewnR$ID A=ewnA$ID B=ewnB$ID C=ewnC$ID
NSS="" PIDS=""
T=$(mktemp -d "${EW_TMP:-/tmp}/live-nft.XXXXXX")
nft_cleanup() {
	for _p in $PIDS; do kill "$_p" 2>/dev/null; done
	for _p in $PIDS; do wait "$_p" 2>/dev/null; done
	for _n in $NSS; do ip netns del "$_n" 2>/dev/null; done
	[ -n "${EW_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap nft_cleanup EXIT
trap 'exit 130' INT TERM

for _n in $R $A $B $C; do
	ip netns add "$_n" 2>"$T/netns.err" || skip "ip netns add failed: $(head -1 "$T/netns.err")"
	NSS="$NSS $_n"
	ip -n "$_n" link set lo up
	ip netns exec "$_n" sh -c 'for c in all default; do
	    echo 1 >/proc/sys/net/ipv6/conf/$c/disable_ipv6; done' 2>/dev/null
done
ip netns exec "$R" nft list tables >/dev/null 2>&1 || skip "nft does not work in a namespace here"

# host NS NAME MAC SUBNET: veth r<NAME> (router side, .1) <-> eth0 (.2)
host() {
	ip -n "$R" link add "r$2" type veth peer name eth0 netns "$1" || return 1
	ip -n "$1" link set eth0 address "$3"
	ip -n "$R" addr add "10.77.$4.1/24" dev "r$2"
	ip -n "$1" addr add "10.77.$4.2/24" dev eth0
	ip -n "$R" link set "r$2" up
	ip -n "$1" link set eth0 up
	ip -n "$1" route add default via "10.77.$4.1"
}
MA=02:77:00:00:00:0a MB=02:77:00:00:00:0b MC=02:77:00:00:00:0c
host "$A" a $MA 1 && host "$B" b $MB 2 && host "$C" c $MC 3 ||
    skip "cannot create veth pairs"
ip netns exec "$R" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
RMAC=$(ip -n "$R" -o link show ra | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

# serve NS PORT: a TCP server answering "ok" (perl: no extra packages)
serve() {
	ip netns exec "$1" perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => $ARGV[0],
	        Listen => 16, ReuseAddr => 1) or die "listen: $!";
	    while (my $c = $s->accept) { print $c "ok\n"; close $c; }' "$2" &
	PIDS="$PIDS $!"
}
# reach FROM-NS IP [PORT]: a TCP connection answered within 1 s
reach() {
	ip netns exec "$1" perl -MIO::Socket::INET -e '
	    $SIG{ALRM} = sub { exit 1 }; alarm 2;
	    my $c = IO::Socket::INET->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1],
	        Timeout => 1) or exit 1;
	    my $l = <$c>; exit(defined $l && $l eq "ok\n" ? 0 : 1);' "$2" "${3:-7777}"
}
serve "$A" 7777
serve "$B" 7777
serve "$R" 7778
serve "$R" 53
sleep 0.5
reach "$A" 10.77.2.2 && reach "$C" 10.77.2.2 && reach "$B" 10.77.1.2 ||
    skip "no forwarding between the namespaces"

# ---- a store whose inventory holds the three hosts and the router ----------
S=$T/ew.db
"$BIN" sim -w "$T/tiny.pcap" --seed 1 --devices 2 --packets 50 >/dev/null 2>&1 &&
    "$BIN" analyze -q -r "$T/tiny.pcap" -l "$T/out" --store "$S" >/dev/null 2>&1 ||
    { bad "make a store"; finish; exit 1; }
dev() {	# dev MAC IP CLASS ROLES
	echo "INSERT OR REPLACE INTO devices(key, mac, ip, vendor, class, model, name,
	    first_seen, last_seen, json, state) VALUES('$1', '$1', '$2', '', '$3', '', '',
	    1, 2, '{\"mac\":\"$1\",\"ips\":[\"$2\"],\"class\":\"$3\",\"roles\":$4}', x'');"
}
{
	dev $MA 10.77.1.2 camera '[]'
	dev $MB 10.77.2.2 computer '[]'
	dev $MC 10.77.3.2 camera '[]'
	dev "$RMAC" 10.77.1.1 router/ap '["gateway","dhcp-server","dns-server"]'
} | sqlite3 "$S" || { bad "insert the devices"; finish; exit 1; }
ok "store with the hosts A, B, C and the router"

EWR() { ip netns exec "$R" "$BIN" "$@"; }	# edgeward inside the router

# ---- refusals: nothing changes -------------------------------------------------
EWR quarantine --store "$S" "$RMAC" >"$T/o" 2>&1
[ $? = 1 ] && grep -q gateway "$T/o" && ok "the gateway is refused (exit 1)" ||
    bad "the gateway is refused" "$(cat "$T/o")"
# the router's own rb interface MAC, put into the inventory as a device
RBMAC=$(ip -n "$R" -o link show rb | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
dev "$RBMAC" 10.77.2.1 computer '[]' | sqlite3 "$S"
EWR quarantine --store "$S" "$RBMAC" >"$T/o" 2>&1
[ $? = 1 ] && grep -q "this sensor" "$T/o" && ok "the sensor's own address is refused" ||
    bad "the sensor's own address is refused" "$(cat "$T/o")"
sqlite3 "$S" "DELETE FROM devices WHERE key = '$RBMAC'"
if command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" quarantine --store "$S" $MA --apply >"$T/o" 2>&1
	[ $? = 1 ] && grep -q "needs root" "$T/o" && ok "--apply without root is refused" ||
	    bad "--apply without root is refused" "$(cat "$T/o")"
fi
n=$(sqlite3 "$S" "SELECT count(*) FROM quarantine")
[ "$n" = 0 ] && ok "refusals recorded nothing" || bad "refusals recorded nothing" "$n rows"

# ---- quarantine A and apply: enforced by the kernel ---------------------------
EWR quarantine --store "$S" $MA --for 1h --why "live test" --apply >"$T/o" 2>&1 &&
    ok "quarantine A --apply" || bad "quarantine A --apply" "$(cat "$T/o")"
grep -q "whole ruleset loaded" "$T/o" && ok "first apply loads the whole ruleset" ||
    bad "first apply loads the whole ruleset" "$(cat "$T/o")"
reach "$A" 10.77.2.2 && bad "quarantined A cannot reach B" || ok "quarantined A cannot reach B"
reach "$B" 10.77.1.2 && bad "B cannot reach quarantined A" || ok "B cannot reach quarantined A"
reach "$A" 10.77.1.1 7778 && bad "A cannot reach the router itself" ||
    ok "A cannot reach the router itself (tcp/7778)"
reach "$A" 10.77.1.1 53 && ok "A still reaches the router's DNS port (tcp/53)" ||
    bad "A still reaches the router's DNS port"
reach "$C" 10.77.2.2 && ok "unquarantined C reaches B" || bad "unquarantined C reaches B"
ip netns exec "$R" nft list set inet edgeward quarantine_mac >"$T/set" 2>&1
grep -q "$MA timeout 1h expires" "$T/set" && ok "kernel set element carries the expiry" ||
    bad "kernel set element carries the expiry" "$(cat "$T/set")"
cnt=$(ip netns exec "$R" nft list chain inet edgeward forward | sed -n 's/.*ether saddr @quarantine_mac counter packets \([0-9]*\).*/\1/p')
[ "${cnt:-0}" -gt 0 ] && ok "drop counter counted A's packets ($cnt)" || bad "drop counter counted" "$cnt"

# ---- reload replaces the table (idempotent), no duplicate ----------------------
EWR policy nft --store "$S" >"$T/r.nft" 2>"$T/o" && ip netns exec "$R" nft -f "$T/r.nft" &&
    ip netns exec "$R" nft -f "$T/r.nft" && ok "policy nft loads twice (replaces the table)" ||
    bad "policy nft loads twice" "$(cat "$T/o")"
n=$(ip netns exec "$R" nft list tables | grep -c "inet edgeward")
[ "$n" = 1 ] && ok "one edgeward table" || bad "one edgeward table" "$n"
reach "$A" 10.77.2.2 && bad "A still cut off after reload" || ok "A still cut off after reload"

# ---- release restores A ------------------------------------------------------------
EWR quarantine --store "$S" --release $MA --why "cleaned" --apply >"$T/o" 2>&1 &&
    ok "release A --apply" || bad "release A --apply" "$(cat "$T/o")"
grep -q "quarantine sets replaced" "$T/o" && ok "later applies replace only the sets" ||
    bad "later applies replace only the sets" "$(cat "$T/o")"
reach "$A" 10.77.2.2 && ok "released A reaches B again" || bad "released A reaches B again"

# ---- kernel-side expiry ----------------------------------------------------------------
EWR quarantine --store "$S" $MC --for 3s --apply >"$T/o" 2>&1 || bad "quarantine C for 3s" "$(cat "$T/o")"
reach "$C" 10.77.2.2 && bad "C cut off during its 3 s" || ok "C cut off during its 3 s"
sleep 4
reach "$C" 10.77.2.2 && ok "the kernel expired C's quarantine (no re-render)" ||
    bad "the kernel expired C's quarantine"
"$BIN" quarantine --store "$S" --list >"$T/o" 2>&1
grep -q "$MC" "$T/o" && bad "store: expired C gone from --list" "$(cat "$T/o")" ||
    ok "store: expired C gone from --list"
acts=$(sqlite3 "$S" "SELECT group_concat(action, ',') FROM (SELECT action FROM policy_log ORDER BY id)")
[ "$acts" = "quarantine,apply,release,apply,quarantine,apply,expire" ] &&
    ok "policy_log: $acts" || bad "policy_log order" "$acts"
who=$(sqlite3 "$S" "SELECT who || '/' || why FROM policy_log WHERE action = 'quarantine' ORDER BY id LIMIT 1")
case $who in root*"/live test") ok "policy_log has who/why ($who)" ;; *) bad "policy_log who/why" "$who" ;; esac

# ---- a zone rule ----------------------------------------------------------------------
cat >"$T/zones.conf" <<'EOF'
# A's subnet may not open tcp/7777 on B's; everything else is allowed
zone sidea cidr 10.77.1.0/24
zone sideb cidr 10.77.2.0/24
deny sidea -> sideb tcp/7777
default allow
EOF
EWR policy nft --store "$S" --zones "$T/zones.conf" >"$T/z.nft" 2>"$T/o" &&
    ip netns exec "$R" nft -f "$T/z.nft" 2>>"$T/o" && ok "zones ruleset loads" ||
    bad "zones ruleset loads" "$(cat "$T/o")"
reach "$A" 10.77.2.2 && bad "zone rule: A (sidea) cannot open tcp/7777 on B (sideb)" ||
    ok "zone rule: A (sidea) cannot open tcp/7777 on B (sideb)"
reach "$C" 10.77.2.2 && ok "zone rule: C (lan) still reaches B" || bad "zone rule: C (lan) still reaches B"
reach "$B" 10.77.1.2 && ok "zone rule: B -> A allowed (not the denied direction)" ||
    bad "zone rule: B -> A allowed"

finish
