# shellcheck shell=sh
# lib.sh - the result helpers the CLI sub-suites share (sourced, not run).
# The sourcing script sets SUITE (the name in "PASS SUITE: ..." lines), RES
# (the results file) and T (its scratch directory) first.
NF=0
# what the sanitizers print (a usage text may say "runtime error" too)
SANRE='runtime error: \|ERROR: AddressSanitizer\|ERROR: LeakSanitizer'
pass() { echo "PASS $SUITE: $1" >>"$RES"; }
fail() {
	NF=$((NF + 1))
	echo "FAIL $SUITE: $1" >>"$RES"
	echo "FAIL $SUITE: $1${2:+ ($2)}"
}
# expect NAME EXIT CMD...: stdout in $T/out, stderr in $T/err; a sanitizer
# report on stderr is a failure too
expect() {
	name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then pass "$name"; else
		fail "$name" "exit $got, want $want: $(head -3 "$T/err")"; fi
	if grep -q "$SANRE" "$T/err"; then
		fail "$name: sanitizer report" "$(head -5 "$T/err")"; fi
}
nosan() {
	if grep -q "$SANRE" "$T/err"; then
		fail "$1: sanitizer report" "$(head -5 "$T/err")"
	else pass "$1: no sanitizer report"; fi
}
same() {	# same NAME FILE1 FILE2
	if cmp -s "$2" "$3"; then pass "$1"; else
		fail "$1" "$(diff "$2" "$3" | head -4 | tr '\n' ' ')"; fi
}
