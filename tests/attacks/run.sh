#!/bin/sh
# Attack suite: every capture in ../shared/data/attacks raises the alert
# its README names, naming the right attacker (or victim, for floods), and
# no benign capture in ../shared/data/iot-devices raises severity 1-2.
# One "PASS attacks: NAME" / "FAIL attacks: NAME" line per capture in the
# results file; skipped (exit 0) when the data folder is absent.
# usage: EW_BIN=build/edgeward tests/attacks/run.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/edgeward}
DATA=${EW_DATA:-../shared/data}
if [ ! -d "$DATA/attacks" ]; then
	echo "SKIP: no $DATA"
	exit 0
fi
OUT=$(mktemp "${EW_TMP:-/tmp}/attacks.XXXXXX")
EDGEWARD=$BIN scripts/eval-attacks --results "$RES" "$DATA" >"$OUT" 2>&1
rc=$?
# the table only when something failed (the results file has the lines)
if [ "$rc" -ne 0 ]; then
	grep -v ' yes \| 0     0 ' "$OUT" | head -60
	grep -q '^FAIL' "$RES" || echo "FAIL attacks: eval-attacks exit $rc" >>"$RES"
else
	tail -1 "$OUT"
fi
rm -f "$OUT"
# per-device baselines: the tjoconnor week-long captures with the attacks
# spliced in as if each device did them (scripts/eval-baseline)
EW_BIN=$BIN EW_DATA=$DATA sh "$(dirname "$0")/baseline.sh" "$RES"
exit 0
