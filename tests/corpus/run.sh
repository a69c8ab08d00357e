#!/bin/sh
# Corpus suite: every file under ../shared/data through `analyze` with the
# ASan+UBSan binary. A file passes when analyze exits 0 (read) or 1 (clearly
# refused or damaged), within the time limit, with no sanitizer report.
# Skips (passes nothing, fails nothing) when the folder is absent.
# usage: EW_BIN=build/asan/edgeward tests/corpus/run.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/asan/edgeward}
DATA=${EW_DATA:-../shared/data}
LIMIT=${EW_CORPUS_TIMEOUT:-120}
JOBS=${EW_JOBS:-$(nproc 2>/dev/null || echo 2)}

if [ ! -d "$DATA" ]; then
	echo "corpus: $DATA absent, suite skipped"
	exit 0
fi
T=$(mktemp -d "${EW_TMP:-/tmp}/corpus.XXXXXX")
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# One file: its own output dir; verdict and counts appended to a per-job log.
cat >"$T/one.sh" <<'ONE'
#!/bin/sh
f=$1 bin=$2 t=$3 limit=$4
d=$(mktemp -d "$t/f.XXXXXX")
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    timeout "$limit" "$bin" analyze -q -r "$f" -l "$d" >/dev/null 2>"$d/err"
rc=$?
verdict=PASS why=""
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then verdict=FAIL why="exit $rc"; fi
[ $rc -eq 124 ] && why="timeout (hang?)"
if grep -q -e 'runtime error' -e 'Sanitizer' "$d/err"; then
	verdict=FAIL why="sanitizer: $(grep -m1 -e 'runtime error' -e 'Sanitizer' "$d/err")"
fi
stats=""
[ -s "$d/eve.json" ] && stats=$(tail -1 "$d/eve.json")
printf '%s\t%s\t%s\t%s\t%s\n' "$verdict" "$rc" "$f" "$why" "$stats" >>"$t/log.$$"
rm -rf "$d"
ONE
chmod +x "$T/one.sh"

find "$DATA" -type f | sort >"$T/files"
# Each file appends one line to log.<pid of its one.sh>.
tr '\n' '\0' <"$T/files" | xargs -0 -P "$JOBS" -n 50 \
    sh -c 'b=$1 t=$2 l=$3; shift 3; for f do "$0" "$f" "$b" "$t" "$l"; done' \
    "$T/one.sh" "$BIN" "$T" "$LIMIT" 2>/dev/null
find "$T" -maxdepth 1 -name 'log.*' -exec cat {} + >"$T/all"

nfiles=$(wc -l <"$T/files")
nlog=$(wc -l <"$T/all")
if [ "$nlog" -ne "$nfiles" ]; then
	echo "FAIL corpus: $nlog of $nfiles files reported" >>"$RES"
fi
awk -F'\t' '{ print $1 " corpus: " $3 ($4 != "" ? " (" $4 ")" : "") }' "$T/all" >>"$RES"
grep '^FAIL' "$T/all" | cut -f3,4 | head -20

# Totals for the closing note: files read/refused, packets, invalid by reason.
read_ok=$(awk -F'\t' '$2==0' "$T/all" | wc -l)
refused=$(awk -F'\t' '$2==1' "$T/all" | wc -l)
echo "corpus: $nfiles files: $read_ok read cleanly, $refused refused or damaged (exit 1)"
cut -f5 "$T/all" | grep '"event_type":"stats"' | jq -s -r '
  "corpus: \(map(.stats.capture.packets)|add) packets, \(map(.stats.decoder.invalid)|add) invalid, \(map(.stats.capture.skipped_linktype)|add) skipped (link type), \(map(.stats.flow.created)|add) flows",
  (map(.stats.decoder.event|to_entries)|flatten|group_by(.key)|map({k:.[0].key,v:(map(.value)|add)})|map(select(.v>0))|map("  \(.k): \(.v)")|.[])' 2>/dev/null
rm -rf "$T"
