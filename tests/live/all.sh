#!/bin/sh
# The live suite for tests/run-all.sh: the end-to-end test (run.sh), the
# kill -9 test (kill9.sh), the full-disk / read-only test (diskfull.sh)
# and the nftables enforcement test (nft.sh),
# each over a veth pair in a private network namespace. Appends
# "PASS live: ..." / "FAIL live: ..." lines to RESULTS_FILE and prints each
# script's summary, its failures and the kill -9 count (the full output of
# a script: run it alone). Without root or network namespaces every script
# prints "skipped: ..." and nothing is recorded.
#
# usage: EW_BIN=build/edgeward tests/live/all.sh RESULTS_FILE
set -u
cd "$(dirname "$0")/../.."
RES=${1:-/dev/null}
OUT=$(mktemp "${EW_TMP:-/tmp}/live-out.XXXXXX")
trap 'rm -f "$OUT"' EXIT
for t in run kill9 diskfull nft; do
	tests/live/$t.sh "$RES" >"$OUT" 2>&1
	grep -E '^(FAIL|skipped:|kill -9:)|passed, [0-9]+ failed$' "$OUT"
done
exit 0
