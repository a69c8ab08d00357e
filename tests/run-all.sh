#!/bin/sh
# run-all.sh - run the test suites, time each, end with "N passed, N failed".
#
# Suites (EW_SUITES overrides the list):
#   unit        cmocka unit tests, release build
#   cli         CLI behaviour: exit codes, errors, determinism, JSON validity
#   golden      capture -> expected eve.json (EW_REGEN=1 rewrites expectations)
#   unit-asan   the unit tests built with ASan+UBSan
#   cli-asan    the CLI suite against the ASan+UBSan binary
#   golden-asan the golden suite against the ASan+UBSan binary
#   live        `edgeward run` over a veth pair in a network namespace: end
#               to end with a restart, kill -9 twenty times, full and
#               read-only store (skipped without root or namespaces)
#   api         `edgeward serve` over a real socket: auth, every endpoint's
#               shape, paging, errors, limits, TLS, and a 10,000-request load
#   browser     the dashboard in headless Chromium against `edgeward serve`
#               (skipped when Chromium or playwright-core cannot be had);
#               screenshots in build/test-results/browser
#   corpus      analyze every file under ../shared/data with the ASan binary
#               (skipped with a message when the folder is absent)
#   attacks     every attack capture in ../shared/data raises the right alert
#               naming the attacker; benign captures raise no severity 1-2
#               (skipped when the folder is absent)
# Each suite appends "PASS name" / "FAIL name" lines to a results file.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SUITES=${EW_SUITES:-"unit cli golden unit-asan cli-asan golden-asan live api browser corpus attacks"}
RES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ew-tests.XXXXXX")
# The live suite runs the sensor as nobody below this directory.
chmod 755 "$RES_DIR"
trap 'rm -rf "$RES_DIR"' EXIT INT TERM
export EW_TMP="$RES_DIR"

# Run every cmocka binary in a directory; count its test cases.
run_cmocka_dir() {
	dir=$1 res=$2
	for t in "$dir"/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		out="$RES_DIR/$name.$$.out"
		"$t" >"$out" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$out" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$out" | tail -1)
		p=${p:-0} f=${f:-0}
		i=0; while [ "$i" -lt "$p" ]; do echo "PASS $name" >>"$res"; i=$((i+1)); done
		i=0; while [ "$i" -lt "$f" ]; do echo "FAIL $name" >>"$res"; i=$((i+1)); done
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "FAIL $name (exit $rc, crashed?)" >>"$res"
		fi
		if [ "$rc" -ne 0 ]; then
			echo "---- $name output (tail) ----"
			tail -40 "$out"
		fi
	done
}

run_suite() {
	suite=$1 res=$2
	case $suite in
	unit)        run_cmocka_dir build/tests "$res" ;;
	unit-asan)   run_cmocka_dir build/asan/tests "$res" ;;
	cli)         EW_BIN=build/edgeward tests/cli/run.sh "$res" ;;
	cli-asan)    EW_BIN=build/asan/edgeward tests/cli/run.sh "$res" ;;
	golden)      EW_BIN=build/edgeward tests/golden/run.sh "$res" ;;
	golden-asan) EW_BIN=build/asan/edgeward tests/golden/run.sh "$res" ;;
	corpus)      EW_BIN=build/asan/edgeward tests/corpus/run.sh "$res" ;;
	attacks)     EW_BIN=build/edgeward tests/attacks/run.sh "$res" ;;
	live)        EW_BIN=build/edgeward tests/live/all.sh "$res" ;;
	api)         EW_BIN=build/edgeward tests/api/run.sh "$res"
	             EW_BIN=build/edgeward tests/api/quarantine.sh "$res" \
	                 | grep -E '^not ok|passed, [0-9]+ failed' ;;
	browser)     EW_BIN=build/edgeward tests/browser/run.sh "$res" ;;
	*) echo "unknown suite $suite"; echo "FAIL suite-$suite" >>"$res" ;;
	esac
}

total_p=0 total_f=0
for s in $SUITES; do
	res="$RES_DIR/$s.res"
	: >"$res"
	t0=$(date +%s)
	run_suite "$s" "$res"
	t1=$(date +%s)
	p=$(grep -c '^PASS' "$res")
	f=$(grep -c '^FAIL' "$res")
	# A suite that ran nothing is broken, not green (the suites over
	# ../shared/data skip when it is absent).
	if [ $((p + f)) -eq 0 ] && [ "$s" != corpus ] && [ "$s" != attacks ] &&
	    [ "$s" != live ]; then
		echo "FAIL $s: ran no test" >>"$res"
		f=1
	fi
	echo "suite $s: $p passed, $f failed ($((t1 - t0)) s)"
	grep '^FAIL' "$res" | sort | uniq -c | sed 's/^/    /' | head -30
	total_p=$((total_p + p))
	total_f=$((total_f + f))
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
