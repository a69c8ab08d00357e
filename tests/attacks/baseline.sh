#!/bin/sh
# Baseline suite (issue 7): per-device baselines on the week-long
# tjoconnor captures in ../shared/data/iot-devices, with the attack
# captures of ../shared/data/attacks spliced in as if each device did them
# (scripts/eval-baseline does the splicing and writes everything as JSON;
# this script only asserts). Appends to the results file:
#   PASS/FAIL attacks: baseline benign DEVICE: no severity 1-2 after learning
#   PASS/FAIL attacks: baseline benign DEVICE: at most one severity 3 per
#       device per day
#       (both over every device named in that capture's alerts, each after
#       its own learning period)
#   PASS/FAIL attacks: baseline ATTACK as DEVICE
#       for every pair the evaluation expects to be caught as a deviation:
#       the spliced attack makes the device open flows to an internal
#       peer/port, a remote (protocol, port) or a country it did not use
#       while learning, resolve a registered domain it did not, or send at
#       least twice the volume-spike threshold (derived from the packets,
#       not from edgeward's output); PASS when an alert of a baseline
#       category names the device within the attack + 5 min.
# Skipped (exit 0) when the data folder is absent.
# usage: EW_BIN=build/edgeward tests/attacks/baseline.sh RESULTS_FILE
set -u
RES=$1
BIN=${EW_BIN:-build/edgeward}
DATA=${EW_DATA:-../shared/data}
if [ ! -d "$DATA/iot-devices/tjoconnor" ] || [ ! -d "$DATA/attacks" ]; then
	echo "SKIP: no $DATA/iot-devices/tjoconnor or $DATA/attacks"
	exit 0
fi
if ! command -v jq >/dev/null 2>&1; then
	echo "FAIL attacks: baseline (jq missing)" >>"$RES"
	exit 0
fi
OUT=$(mktemp "${EW_TMP:-/tmp}/baseline.XXXXXX")
JSON=$(mktemp "${EW_TMP:-/tmp}/baseline-json.XXXXXX")
EDGEWARD=$BIN EW_DATA=$DATA scripts/eval-baseline --json "$JSON" >"$OUT" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || [ ! -s "$JSON" ]; then
	tail -30 "$OUT"
	echo "FAIL attacks: baseline (eval-baseline exit $rc)" >>"$RES"
	rm -f "$OUT" "$JSON"
	exit 0
fi
# one line per assertion; reasons on the FAIL lines
# Pairs expected from the packets that the baseline does not catch, each
# for a stated reason (every other expected pair must be caught; a pair
# listed here that starts being caught simply passes):
#  - budget: its severity-3 new-country/new-destination alerts are raised
#    but held back by DESIGN.md's one-severity-3-a-day budget (the device
#    had one that day); the c2-beacon and cryptomining checks name it;
#  - spoofed: the flood's source addresses are not the device's, so no
#    byte of it is the device's (the flood checks name the victim);
#  - ack: a pure-ACK probe cannot be told from a segment picked up
#    mid-stream, so it opens nothing (the scan check names the scanner).
KNOWN='{
  "beacon-semiperiodic.pcap blink-cam-01": "budget",
  "beacon-semiperiodic.pcap schlage-lock-01": "budget",
  "stratum-mining.pcapng blink-cam-01": "budget",
  "stratum-mining.pcapng schlage-lock-01": "budget",
  "pkt.TCP.synflood.spoofed.pcap#spoofed lockly-hub-01": "spoofed",
  "pkt.TCP.synflood.spoofed.pcap#spoofed schlage-lock-01": "spoofed",
  "nmap-scans/ACK_SCAN.pcap blink-cam-01": "ack",
  "nmap-scans/ACK_SCAN.pcap lockly-hub-01": "ack",
  "nmap-scans/ACK_SCAN.pcap schlage-lock-01": "ack",
  "nmap-scans/WINDOW_SCAN.pcap blink-cam-01": "ack",
  "nmap-scans/WINDOW_SCAN.pcap lockly-hub-01": "ack",
  "nmap-scans/WINDOW_SCAN.pcap schlage-lock-01": "ack"
}'
jq -r --argjson known "$KNOWN" '
  def verdict(ok): if ok then "PASS" else "FAIL" end;
  (if .learn_option_passed then empty else
     "FAIL attacks: baseline (analyze has no --baseline-learn)" end),
  (.benign[] |
    if .error then "FAIL attacks: baseline benign \(.device) (analyze failed)"
    else
      "\(verdict(.all_sev12 == 0)) attacks: baseline benign \(.device): no severity 1-2 after learning" +
        (if .all_sev12 == 0 then "" else
           " (" + ([.by_device | to_entries[] | .key as $k |
                    .value.high[] | "\($k) \(.)"] | .[:3] | join("; ")) + ")"
         end),
      "\(verdict(.all_max_sev3_day <= 1)) attacks: baseline benign \(.device): at most one severity 3 per device per day" +
        (if .all_max_sev3_day <= 1 then "" else
           " (max \(.all_max_sev3_day) a day)" end)
    end),
  (.pairs[] | select(.error) |
    "FAIL attacks: baseline \(.attack) as \(.device) (analyze failed)"),
  (.pairs[] | select(.expect.expected and (.error | not)) |
    ($known[.attack + " " + .device] // null) as $k |
    if .detected_baseline then
      "PASS attacks: baseline \(.attack) as \(.device)"
    elif $k then
      "PASS attacks: baseline \(.attack) as \(.device) (known miss: \($k))"
    else
      "FAIL attacks: baseline \(.attack) as \(.device) (no baseline alert; expected: " +
        (.expect.reasons | join("; ")) + ")"
    end)
' "$JSON" >>"$RES"
grep '^totals:' "$OUT"
rm -f "$OUT" "$JSON"
exit 0
