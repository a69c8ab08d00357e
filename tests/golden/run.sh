#!/bin/sh
# Golden suite: simulator capture -> analyze -> eve.json compared byte for
# byte with tests/golden/NAME.eve.json. EW_REGEN=1 rewrites the expected
# files (review the diff before committing them).
# usage: EW_BIN=build/edgeward tests/golden/run.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/edgeward}
DIR=tests/golden
T=$(mktemp -d "${EW_TMP:-/tmp}/golden.XXXXXX")

# name | simulator arguments
CASES='home-small|--seed 3 --hours 0.1 --devices 4
home-attacks|--seed 5 --hours 0.1 --attack arpspoof,mining,lateral'

echo "$CASES" | while IFS='|' read -r name args; do
	# shellcheck disable=SC2086
	if ! "$BIN" sim -w "$T/$name.pcap" $args >"$T/sim.out" 2>&1; then
		echo "FAIL golden: $name (sim failed)" >>"$RES"
		cat "$T/sim.out"
		continue
	fi
	if ! "$BIN" analyze -q -r "$T/$name.pcap" -l "$T/$name" 2>"$T/err"; then
		echo "FAIL golden: $name (analyze failed)" >>"$RES"
		cat "$T/err"
		continue
	fi
	if [ -s "$T/err" ]; then
		echo "FAIL golden: $name (stderr not empty)" >>"$RES"
		head -20 "$T/err"
		continue
	fi
	if [ "${EW_REGEN:-0}" = 1 ]; then
		cp "$T/$name/eve.json" "$DIR/$name.eve.json"
		echo "golden: regenerated $DIR/$name.eve.json"
	fi
	if cmp -s "$T/$name/eve.json" "$DIR/$name.eve.json"; then
		echo "PASS golden: $name" >>"$RES"
	else
		echo "FAIL golden: $name" >>"$RES"
		echo "golden $name differs (EW_REGEN=1 to accept):"
		diff "$DIR/$name.eve.json" "$T/$name/eve.json" | head -20
	fi
done
rm -rf "$T"
