#!/bin/sh
# Golden suite: simulator capture -> analyze -> eve.json compared byte for
# byte with tests/golden/NAME.eve.json, and for cases with a model past its
# graces the per-packet scores too (their SHA-256 in NAME.scores.sha256, so
# any change of a score's bits fails). EW_REGEN=1 rewrites the expected
# files (review the diff before committing them).
# usage: EW_BIN=build/edgeward tests/golden/run.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/edgeward}
DIR=tests/golden
T=$(mktemp -d "${EW_TMP:-/tmp}/golden.XXXXXX")

# name | simulator arguments | analyze arguments. home-model's short
# graces let the model score and alert within 0.2 h of traffic.
CASES='home-small|--seed 3 --hours 0.1 --devices 4|
home-attacks|--seed 5 --hours 0.1 --attack arpspoof,mining,lateral|
home-model|--seed 7 --hours 0.2 --attack portscan,mining|--fm-grace 2000 --ad-grace 6000 --fm-grace-s 1 --ad-grace-s 1 --scores SCORES'

echo "$CASES" | while IFS='|' read -r name args aargs; do
	scores=""
	case $aargs in *SCORES*)
		scores=$T/$name.scores
		aargs=$(echo "$aargs" | sed "s|SCORES|$scores|") ;;
	esac
	# shellcheck disable=SC2086
	if ! "$BIN" sim -w "$T/$name.pcap" $args >"$T/sim.out" 2>&1; then
		echo "FAIL golden: $name (sim failed)" >>"$RES"
		cat "$T/sim.out"
		continue
	fi
	# shellcheck disable=SC2086
	if ! "$BIN" analyze -q -r "$T/$name.pcap" -l "$T/$name" $aargs 2>"$T/err"; then
		echo "FAIL golden: $name (analyze failed)" >>"$RES"
		cat "$T/err"
		continue
	fi
	if [ -s "$T/err" ]; then
		echo "FAIL golden: $name (stderr not empty)" >>"$RES"
		head -20 "$T/err"
		continue
	fi
	[ -z "$scores" ] || sha256sum <"$scores" | cut -d' ' -f1 >"$T/$name.sha"
	if [ "${EW_REGEN:-0}" = 1 ]; then
		cp "$T/$name/eve.json" "$DIR/$name.eve.json"
		[ -z "$scores" ] || cp "$T/$name.sha" "$DIR/$name.scores.sha256"
		echo "golden: regenerated $DIR/$name.eve.json"
	fi
	if [ -n "$scores" ]; then
		if cmp -s "$T/$name.sha" "$DIR/$name.scores.sha256"; then
			echo "PASS golden: $name scores" >>"$RES"
		else
			echo "FAIL golden: $name scores" >>"$RES"
			echo "golden $name: the per-packet scores changed (EW_REGEN=1 to accept)"
		fi
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
