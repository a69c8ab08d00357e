/* config.h - every cap and tunable of edgeward in one commented place.
 *
 * Values here are compile-time defaults; the ones marked (option) can be
 * overridden at run time by a command-line flag or the config file. */
#ifndef EW_CONFIG_H
#define EW_CONFIG_H

/* ---- decode ----------------------------------------------------------- */

/* 802.1Q tags followed before giving up (2 = QinQ). Deeper stacks are
 * counted as vlan.too_deep and the packet is skipped: nesting is bounded so
 * a hostile frame cannot make us loop. */
#define DEC_MAX_VLAN_DEPTH   2

/* IPv6 extension headers walked before giving up (RFC 8200 expects each
 * type at most once or twice; 8 covers every legitimate chain). */
#define DEC_MAX_IPV6_EXTHDRS 8

/* TCP options walked per segment (40 option bytes make at most 40). */
#define DEC_MAX_TCP_OPTS     40

/* TCP option kinds remembered in order (for SYN fingerprints later). */
#define DEC_TCP_OPT_ORDER    16

/* ---- flows ------------------------------------------------------------ */

/* Memory budget of the flow table, bucket array included (option
 * --flow-memcap). Sized for a home router: at ~290 bytes a flow this is
 * about 55,000 concurrent flows. When full, the least recently active flow
 * is ended with reason "forced" and counted. */
#define FLOW_MEMCAP_DEFAULT  (16u * 1024u * 1024u)

/* Idle timeouts in seconds, by state (Suricata's defaults scaled for a
 * router: half-open and closed TCP flows go quickly, so a SYN flood cannot
 * hold memory for long). */
#define FLOW_TIMEOUT_TCP_NEW          30
#define FLOW_TIMEOUT_TCP_ESTABLISHED 300
#define FLOW_TIMEOUT_TCP_CLOSED       10
#define FLOW_TIMEOUT_UDP              60
#define FLOW_TIMEOUT_ICMP             30
#define FLOW_TIMEOUT_OTHER            60

/* Active timeout: a flow still busy after this many seconds is ended and
 * reported (reason "timeout"), then starts afresh, so long-lived flows show
 * up in the output at least this often. */
#define FLOW_TIMEOUT_ACTIVE         1800

/* How often (packet time, seconds) the table is walked for idle flows. */
#define FLOW_EXPIRE_INTERVAL           1

/* ---- device-ident ----------------------------------------------------- */

/* Default OUI listing (Debian ieee-data); MA-M/MA-S files beside it are
 * loaded too when present. */
#define DEV_OUI_PATH        "/usr/share/ieee-data/oui.txt"
/* Knowledge base: rules in one file; caps keep a hostile file bounded. */
#define DEV_KB_MAX_RULES        4096
#define DEV_KB_MAX_LINE         1024
#define DEV_KB_MAX_BYTES   (4u << 20)	/* largest KB file read */
/* Confidence of the bare OUI organisation when no rule names a brand. */
#define DEV_OUI_VENDOR_CONF       40
/* Enrolment library: caps on what one file may hold. */
#define DEV_FPLIB_MAX_BYTES (16u << 20)
#define DEV_FPLIB_MAX_SAMPLES   8192	/* fingerprints in a library */
#define DEV_FPLIB_MAX_PER_LABEL   64	/* fingerprints kept per label */
#define DEV_FPLIB_MAX_TOKENS     256	/* tokens per fingerprint */
/* Similarity (0..1) below which a library match answers "unknown". */
#define DEV_FPLIB_MIN_SIM       0.45

/* ---- proto ------------------------------------------------------------ */

/* nDPI per-flow state budget in bytes (option --set proto.ndpi_memcap).
 * nDPI 4.2's flow struct is 688 bytes (704 with our size header, plus the
 * strings it copies out of TLS/HTTP), so 4 MiB lets ~5,900 flows be in
 * classification at once (a flow's state is freed as soon as nDPI is done
 * with it, usually within a few packets). Flows arriving while the budget
 * is full are not given to nDPI and are counted (ndpi_skipped_memcap).
 * nDPI's own tables (~6.2 MB, loaded once per instance) are accounted
 * separately (ndpi_module_bytes). */
#define PROTO_NDPI_MEMCAP        (4u << 20)
/* A new flow is admitted only when this much budget is left beyond its
 * flow struct, and a flow whose state pushes usage past
 * memcap - reserve is given up on at once: state grows after admission
 * (strings nDPI copies), and the reserve keeps the peak under the cap. */
#define PROTO_NDPI_RESERVE       (16u << 10)
/* Packets with payload of one flow handed to nDPI before giving up. */
#define PROTO_NDPI_MAX_PKTS      24
/* When the nDPI budget is full, a new flow takes the place of the least
 * recently fed flow if that one has been idle this many seconds (packet
 * time): it is given up on (guess by port) and counted
 * (ndpi_evicted_idle). Up to EVICT_MAX such flows per new flow. Without
 * it a flood of one-packet flows would hold the budget until their flows
 * time out and starve every later flow. */
#define PROTO_NDPI_EVICT_IDLE     2
#define PROTO_NDPI_EVICT_MAX      8
/* Per-flow proto records (nDPI flow pointer + TCP parsing state) for flows
 * that carried payload (UDP ones only while nDPI works on them). A
 * record is ~150 bytes, so this holds ~55,000: about as many as the flow
 * table holds flows. When exhausted a packet needing one is inspected
 * statelessly (TCP) or not given to nDPI, and counted
 * (flow_records_denied). */
#define PROTO_FLOW_MEMCAP        (8u << 20)
/* DNS name decompression: compression pointers followed per name (each
 * must also point backwards, so loops are impossible) and labels per name
 * (a 255-byte wire name has at most 127). */
#define PROTO_DNS_MAX_PTRS       16
#define PROTO_DNS_MAX_LABELS    128
/* DHCPv6 Relay-forward/-reply envelopes unwrapped to reach the client's
 * message (a home network sees at most one relay). */
#define PROTO_DHCP6_MAX_RELAY     4
/* Freed nDPI blocks (up to 4 KiB) kept per thread for reuse instead of
 * going back to malloc (ndpi_glue.c): memory held beyond what the budgets
 * above count, so kept small. */
#define PROTO_NDPI_POOL_BYTES   (512u << 10)

/* ---- device ----------------------------------------------------------- */

/* Memory budget of the device inventory (option --set device.memcap). A
 * device record with its evidence is ~7 KB, so 2 MiB holds ~250 devices:
 * every host of a large home with room to spare (raise it for an office).
 * When full, the least recently seen device is evicted and counted. One
 * eighth goes to the IP -> MAC index. */
#define DEV_MEMCAP_DEFAULT   (2u * 1024u * 1024u)
#define DEV_IPIDX_SHARE      8

/* A device that gained evidence is re-classified at most once per this much
 * packet time (and always at the end of input): classification walks all
 * of its evidence against the knowledge base. */
#define DEV_CLASSIFY_INTERVAL_NS 1000000000ull

/* Distinct remote IPs seen behind one MAC before it is taken for the
 * gateway (one remote address could be a host with a public IP that is not
 * in the home net; several are a router). */
#define DEV_GATEWAY_REMOTE_IPS 3

/* An address another device used this recently is not given to a MAC
 * that merely claims it in ARP (ARP spoofing); DHCP still reassigns. */
#define DEV_IP_HOLD_NS (600ull * 1000000000ull)

/* Evidence entries kept per kind (of DEV_MAX_EVIDENCE per device), so the
 * names a device resolves cannot crowd out its DHCP or mDNS evidence. */
#define DEV_EV_KIND_CAP       6
#define DEV_EV_KIND_CAP_NAMES 10	/* dns.query, tls.sni */

/* ---- model (online anomaly detector, src/model/) ---------------------- */

/* Grace periods, Kitsune's meaning: vectors (IP/ARP packets) for the
 * feature mapper, then for training the autoencoders (options --fm-grace,
 * --ad-grace). Each also lasts at least the given seconds of packet time;
 * whichever ends later applies, so a quiet network still learns over a
 * span of its own behaviour, not just its first burst. Kitsune used
 * 5000/50000 on lab captures at thousands of packets/s; a home network
 * at tens of packets/s would then learn for half an hour, attacks
 * included, so these are smaller (about 10 minutes at 45 packets/s;
 * learning continues afterwards, see keep_learning). */
#define MODEL_FM_GRACE            2000
#define MODEL_AD_GRACE           20000
#define MODEL_FM_GRACE_S          30.0
#define MODEL_AD_GRACE_S         300.0
/* During the grace periods at most this many packets a second (packet
 * time) feed the feature mapper or a training step; the rest are only
 * counted into the features. A learning step costs several scores (the
 * mapper's correlation update is quadratic in the features), so a sensor
 * starting on a busy link would otherwise fall behind, and drop packets,
 * for its first minutes. The time graces still span the whole period. */
#define MODEL_GRACE_MAX_PPS       5000

/* After training, a held-out calibration window (this fraction of the
 * training grace, in vectors and seconds) is scored without alerting and
 * its scores fitted with a log-normal, as Kitsune's authors do. */
#define MODEL_CAL_FRACTION        0.25

#define MODEL_MAX_AE                10	/* m: largest feature cluster */
#define MODEL_LEARNING_RATE        0.1
#define MODEL_HIDDEN_RATIO        0.75
#define MODEL_SEED   0x6564676577617264ull	/* weight init, reproducible */

/* Per-packet tail probability of the fitted benign score distribution
 * beyond which a packet counts as anomalous (option). Alerts need an
 * episode (MIN_COUNT packets, MIN_SHARE of the source's), so isolated
 * benign outliers at this rate do not alert; 1e-4 put the threshold above
 * most packets of real scans on the evaluation captures. */
#define MODEL_TAIL_PROB           1e-3
/* Floor on the fitted spread of ln(score) (a factor of ~1.1). */
#define MODEL_MIN_LOG_SIGMA       0.1

/* Normalised inputs are clamped to [-C, 1 + C]: a feature that was
 * constant in training still counts as "far off" without overflowing. */
#define MODEL_NORM_CLAMP          10.0

/* Episodes: a source's anomalous packets belong to one episode until it
 * has been quiet (no packet above threshold) for this long; an episode is
 * reported only once it holds at least MIN_COUNT packets above threshold
 * (benign outliers are isolated packets or short bursts such as a
 * device's periodic reconnections, 10-30 packets in the simulator and the
 * real captures; the attacks detected there had 260 and more). */
#define MODEL_EPISODE_GAP_S       10.0
#define MODEL_EPISODE_MIN_COUNT     25
/* ... and only when at least this share of the source's scored packets
 * during the episode were above threshold: a benign source's rare
 * outliers (a new extreme of some feature) trickle in at a low share
 * however long it talks; an attack's packets are mostly anomalous. */
#define MODEL_EPISODE_MIN_SHARE   0.05
/* DESIGN's benign budget: after an anomaly alert on a device, its next
 * severity-3 anomaly episodes within this time are counted, not
 * reported (severity 1-2 always are). */
#define MODEL_SEV3_HOLDOFF_S   86400.0
/* Severity: 3 just beyond the threshold; 2 when the peak score is SEV2x
 * the threshold over SEV2_COUNT packets; 1 at SEV1x over SEV1_COUNT.
 * Scores saturate at ~20-25x the threshold when inputs hit the
 * normalisation clamp (every scan and flood of the evaluation did);
 * benign outliers there peaked at 13x. */
#define MODEL_SEV2_FACTOR         20.0
#define MODEL_SEV2_COUNT            50
#define MODEL_SEV1_FACTOR         20.0
#define MODEL_SEV1_COUNT         10000
/* Bytes for the per-source table (episodes, learning shares, flags). */
#define MODEL_SRC_MEMCAP   (1u * 1024u * 1024u)

/* Continued learning after the grace periods (option keep_learning):
 * one in SAMPLE eligible vectors is trained on (drift is slow: at 100
 * packets/s that is still 6 steps a second; a training step costs about
 * two scorings); never a vector above the
 * threshold, never from a source with an open episode or flagged by any
 * alert in the last FLAG_HOLD_S; and no source may contribute more than
 * SHARE of the training vectors of a WINDOW_S window beyond SRC_FLOOR. */
#define MODEL_LEARN_SAMPLE          16
#define MODEL_LEARN_WINDOW_S      60.0
#define MODEL_LEARN_SHARE         0.25
#define MODEL_LEARN_SRC_FLOOR       50
#define MODEL_FLAG_HOLD_S       3600.0

/* Largest snapshot file accepted by the loader. */
#define MODEL_SNAPSHOT_MAX (16u * 1024u * 1024u)

/* ---- features --------------------------------------------------------- */

/* Memory budget of all damped-statistics tables (option features.memcap),
 * split between them by FEAT_SHARE_* (per mille). When a table is full its
 * least recently updated entry is evicted and counted. */
#define FEAT_MEMCAP_DEFAULT  (8u * 1024u * 1024u)
#define FEAT_SHARE_MI        150	/* source MAC+IP */
#define FEAT_SHARE_HOST      200	/* per IP: destination load, fan-out */
#define FEAT_SHARE_CHAN      300	/* channel src<->dst IP */
#define FEAT_SHARE_SOCK      250	/* socket src:port<->dst:port */
#define FEAT_SHARE_SVC       100	/* recently contacted (src, dst, dport) */

/* Decay rates (1/s) of Kitsune's damped windows: a packet's weight halves
 * every 1/lambda seconds (windows of ~0.2 s, 0.33 s, 1 s, 10 s, 100 s).
 * FEAT_LAMBDA_REG is the extra, slower window used only for the timing
 * regularity of a channel (C2 beacons repeat every minutes). The feature
 * names in src/features/names.c spell these rates (test_features checks). */
#define FEAT_LAMBDAS         { 5.0, 3.0, 1.0, 0.1, 0.01 }
#define FEAT_LAMBDA_REG      0.001

/* An entry whose slowest weight has decayed below this is empty and is
 * reclaimed; so is any entry idle for longer than FEAT_IDLE_MAX seconds.
 * The LRU head of each table is checked every FEAT_RECLAIM_EVERY packets,
 * up to FEAT_RECLAIM_BATCH entries per table (O(1) amortised). */
#define FEAT_WEIGHT_FLOOR    1e-3
#define FEAT_IDLE_MAX        7200.0
#define FEAT_RECLAIM_EVERY   32
#define FEAT_RECLAIM_BATCH   8

/* A (src, dst, dport) not seen for this long counts as new again for the
 * fan-out features. */
#define FEAT_SVC_HORIZON     3600.0

/* Inter-arrival times are clamped to this (seconds) before they enter the
 * statistics, so a capture with a gap of years cannot dominate a square. */
#define FEAT_IAT_MAX         86400.0

/* Ratios (coefficient of variation, relative deviation) are capped here. */
#define FEAT_RATIO_MAX       100.0

/* ---- detect-b: brute force, beaconing, mining, cleartext, DNS abuse ---
 * Defaults fit a home and a small office; each is a `--set` key (see
 * `edgeward analyze --list-settings`). Windows and idle times in seconds. */

/* Brute force: attempts (short sessions to a login service, failed logins,
 * login attempts, HTTP/RTSP 401s) from one source to one service. A
 * device reconnecting a few times stays far below. */
#define BF_MEMCAP            (1u * 1024u * 1024u)	/* per-pair + per-target */
#define BF_WINDOW_S          300	/* attempts counted within this */
#define BF_ATTEMPTS          10		/* per source and service */
#define BF_SHORT_S           30		/* a session at most this long ... */
#define BF_SHORT_PKTS        100	/* ... with at most this many packets */
#define BF_DIST_SOURCES      10		/* distributed: distinct sources */
#define BF_DIST_ATTEMPTS     30		/* ... and attempts on one target */

/* Beaconing: new connections of one device to one destination (name when
 * resolved, else IP) and port at a regular interval. jitter is the robust
 * coefficient of variation 1.4826*MAD/median of the intervals. */
#define BEACON_MEMCAP        (3u * 1024u * 1024u)
#define BEACON_RING          16		/* start times kept per pair */
#define BEACON_MIN_CONNS     8		/* repetitions before scoring */
#define BEACON_MAX_JITTER    0.35
#define BEACON_MIN_PERIOD_S  1.0
#define BEACON_MAX_PERIOD_S  21600.0	/* 6 h */
#define BEACON_BURST_S       1.0	/* starts closer than this are one */
#define BEACON_IDLE_PERIODS  4		/* episode ends after this many
					 * missed periods (at least 10 min) */
#define BEACON_LEARN_S       3600	/* destinations a device first uses
					 * after its first hour are "new"
					 * (explained, not scored) */

/* Cryptomining: Stratum calls or nDPI "Mining" flows per device. */
/* Slow HTTP DoS (check_slowdos.c): SLOWDOS_CONNS connections to one web
 * service held open within SLOWDOS_WINDOW_S, each at least MIN_AGE_S old
 * with at most MAX_BYTES from its client and nothing from its server.
 * slowloris.py holds 150 (a header line each every 15 s); Apache's
 * default pool is 150-256 workers, an IoT device's web server a few. */
#define SLOWDOS_CONNS        50
#define SLOWDOS_WINDOW_S     60
#define SLOWDOS_MIN_AGE_S    5
#define SLOWDOS_MAX_BYTES    8192
#define SLOWDOS_IDLE_S       120
#define SLOWDOS_MEMCAP       (256u * 1024u)
#define MINING_MEMCAP        (256u * 1024u)
#define MINING_IDLE_S        3600

/* Cleartext credentials / weak TLS, one alert per (client, server) per
 * day at most. */
#define CLEAR_MEMCAP         (512u * 1024u)
#define CLEAR_IDLE_S         600

/* DNS abuse, per (client, registered domain) and per client. */
#define DNS_MEMCAP           (2u * 1024u * 1024u)
#define DNS_WINDOW_S         600
#define DNS_TUNNEL_UNIQUE    50		/* unique subdomains in the window */
#define DNS_TUNNEL_MIN_LEN   20.0	/* mean longest-label length, chars */
#define DNS_TUNNEL_ENTROPY   3.2	/* mean Shannon entropy, bits/char */
#define DNS_TXT_QUERIES      40		/* TXT/NULL queries to one domain */
#define DNS_DGA_NX           10		/* random-looking NXDOMAIN names */
#define DNS_NX_BURST         100	/* distinct NXDOMAIN names */
/* A query flood: this many queries from one client for one registered
 * domain within the window (100 a second for 10 s; a browser loading a
 * page asks a few dozen names of several domains, a device a few a
 * minute; DNS blocklist lookups are left out by their names). */
#define DNS_FLOOD_QUERIES    1000
#define DNS_FLOOD_WINDOW_S   10

/* ---- detect-a: scan, flood, ARP, DHCP, nDPI risks ---------------------
 * Defaults fit a home and a small office; each is a `--set` key (see
 * `edgeward analyze --list-settings`). Windows and idle gaps in seconds.
 * Memory: each check's tables are sized once from its memcap (lrutab,
 * least recently used entry evicted and counted; an open episode is
 * reported before its entry goes). */

/* scan: tumbling window; an episode opens when the distinct targets in
 * one window reach the threshold and at most SCAN_MAX_ANSWERED of the
 * probes were answered (SYN-ACK, UDP reply, echo/ARP reply): real
 * clients get answers, scans mostly meet RSTs, ICMP errors or silence. */
#define SCAN_MEMCAP          (4u * 1024u * 1024u)
#define SCAN_WINDOW_S        30
#define SCAN_HORIZONTAL_DESTS 40	/* hosts on one port */
#define SCAN_VERTICAL_PORTS  40	/* ports/protocols on one host */
#define SCAN_ARP_TARGETS     40	/* who-has targets from one MAC */
#define SCAN_ICMP_TARGETS    40	/* echo requests to distinct hosts */
#define SCAN_MAX_ANSWERED    0.5
#define SCAN_IDLE_S          60
#define SCAN_SLOW_WINDOW_S   600	/* slow tier for paced scans ... */
#define SCAN_SLOW_TARGETS    150	/* ... hosts or ports per window */
#define SCAN_GATEWAYS        4	/* gateway MACs remembered (ARP sweeps) */
#define SCAN_FTP_CTRL        16	/* FTP control sessions remembered */

/* flood: per-victim counts over 1-second windows (never per source, so
 * a spoofed flood costs one entry). Rates are packets per second. */
#define FLOOD_MEMCAP         (2u * 1024u * 1024u)
#define FLOOD_SYN_RATE       300	/* SYNs to one host */
#define FLOOD_SYN_MAX_DONE   0.2	/* completed handshakes / SYNs */
#define FLOOD_UDP_RATE       1000
#define FLOOD_UDP_MAX_REPLY  0.1	/* victim's packets back / packets in */
#define FLOOD_ICMP_RATE      300
#define FLOOD_REFL_RATE      300	/* from amplifier ports (SSDP, DNS...) */
#define FLOOD_REFL_MIN_AMP   5.0	/* response bytes / request bytes */
#define FLOOD_SYNACK_RATE    300	/* SYN-ACKs to a host that sent no SYN */
#define FLOOD_TCP_RATE       300	/* TCP outside any handshake (ACK, RST) */
#define FLOOD_CONN_RATE      300	/* handshakes one host completes with
				 * one host (browsers keep 6, reuse them) */
#define FLOOD_IP_RATE        1000	/* other IP protocols (GRE, ...) */
#define FLOOD_IP_MAX_REPLY   0.1	/* ... the target's own back / in */
#define FLOOD_FRAG_RATE      1000	/* IP fragments with no transport
					 * header to read (the rest of a
					 * datagram, hping3 -f's cut ones) */
#define FLOOD_FRAG_MAX_REPLY 0.1	/* ... the target's own UDP and other
					 * IP packets, fragments included,
					 * back / in */
#define FLOOD_TOP_SHARE      0.5	/* one source with this share of a
					 * flood is named as its sender */
#define FLOOD_IDLE_S         10

/* arp: bindings IP -> MAC and what each MAC claims. */
#define ARP_MEMCAP           (1u * 1024u * 1024u)
#define ARP_ALIVE_S          300	/* a binding this fresh is "alive" */
#define ARP_MANY_IPS         8	/* one MAC claiming this many IPs */
/* A spoofer must re-claim before its victims' caches refresh (Linux
 * revalidates a neighbour after 15-45 s of reachable time, Windows
 * likewise): arpspoof does every 2 s, ettercap every 10 s */
#define ARP_REPOISON_S       60
/* ... replies nobody asked for, in a row: a poisoner's; a new router only
 * answers questions */
#define ARP_UNSOLICITED      3
#define ARP_IDLE_S           300

/* dhcp: starvation / floods and rogue servers. */
#define DHCP_MEMCAP          (256u * 1024u)
#define DHCP_WINDOW_S        60	/* per-MAC message counts */
#define DHCP_STARVE_WINDOW_S 10	/* network-wide distinct clients ... */
#define DHCP_CLIENT_IDS      64	/* ... asking for a lease in it */
#define DHCP_MSGS_PER_MAC    30	/* client messages from one MAC / window */
/* ... when they stay one client (under 3 identities: unbound, bound):
 * RFC 2131 retransmits after 4 s and backs off, so a client that restarts
 * its exchange over and over sends well under one message a second; 2/s
 * for a minute is a flood */
#define DHCP_MSGS_ONE_CLIENT 120
#define DHCP_IDLE_S          120

/* ndpi-risk: one episode per (device) per day listing the risks seen. */
#define NDPI_RISK_MEMCAP     (512u * 1024u)
#define NDPI_RISK_EPISODE_S  86400

/* ---- proto-tcp -------------------------------------------------------- */

/* Payload segments per direction of a TCP flow that the TCP inspectors
 * (TLS hellos, HTTP heads, SSH banners, Stratum) look at; past this, a
 * segment costs one comparison. Hellos and banners come first, 8 leaves
 * room for a few keep-alive requests and a server that talks first. HTTP
 * flows are still checked when a later segment starts with a method or
 * status line (keep-alive), Stratum flows when it starts with '{'. */
#define PROTO_TCP_MAX_PKTS         8
/* Same for flows on a cleartext login protocol (telnet, FTP, POP3, IMAP,
 * SMTP, MQTT): telnet clients type one character per segment, and a brute
 * forcer tries a few credentials per connection. */
#define PROTO_TCP_LOGIN_MAX_PKTS 128

/* ---- alerts (detect/alert.c) ------------------------------------------ */

/* DESIGN.md's budget on benign traffic allows at most one severity-3 alert
 * per device per day. Each check already limits itself; the sink enforces
 * the budget across checks: a further severity-3 alert about the same
 * device within this window is counted as suppressed (stats.alerts) and
 * not written. Severity 1-2 alerts are never suppressed. */
#define ALERT_SEV3_WINDOW_S   86400
/* Devices remembered for that budget (LRU beyond it). */
#define ALERT_BUDGET_DEVICES   4096
/* An episode is reported when it ends. One of severity 1-2 is also
 * reported when it opens, at its detector's next look (detectors look
 * every 1-60 s of packet time, the beacon check every 300 s), and again
 * each time it has gone on EVERY_S more (episode.ongoing true, counts so
 * far), so a live sensor tells of an attack, a miner or a C2 beacon
 * within seconds, as Zeek's notices and ntopng's engaged alerts do, and
 * not when it stops. Consumers that want one event per episode keep the
 * events without episode.ongoing. Severity 3 waits for the end (the daily
 * budget above would keep only a partial report); live, only until it
 * has gone on for EVERY_S: a beacon that was there before the sensor
 * started may never end. */
#define ALERT_ONGOING_EVERY_S  3600

/* ---- run (live sensor, `edgeward run`; pipeline store hooks) ---------- */

/* The pipeline hands queued store rows to the writer every this many
 * seconds of packet time (and at the end): devices changed since the last
 * flush, then one commit. A kill -9 loses at most this much. */
#define STORE_FLUSH_S            5
/* analyze --store: the same every this much packet time. A capture
 * replays hours in seconds; flushing every 5 s of it would spend more time
 * re-exporting devices than analysing (2x on a 7-hour capture), and a
 * crash only means analysing the file again. */
#define STORE_FLUSH_OFFLINE_S  300
/* Devices whose counters and times changed, but not their identity, are
 * written to the store this often (packet time) and at the end; identity
 * changes go out with every flush. */
#define STORE_DEVICE_FULL_S    300
/* analyze --store: a stats row when this much packet time has passed,
 * checked at each flush (live mode writes one with every stats event
 * instead). */
#define STORE_STATS_S          300
/* Live mode defaults (options --stats-interval, --model-interval,
 * --eve-max-size, --eve-keep; capture defaults are CAP_LIVE_*). */
#define RUN_STATS_INTERVAL_S    60
#define RUN_MODEL_INTERVAL_S   600
#define RUN_EVE_MAX_SIZE   (100ull << 20)	/* rotate eve.json past this */
#define RUN_EVE_KEEP             5	/* eve.json.1 .. eve.json.N */
/* Pipeline time is advanced to the wall clock minus this on a quiet
 * network, so a frame still in the kernel ring when the clock was read is
 * not older than pipeline time. */
#define RUN_ADVANCE_LAG_MS     500	/* > CAP_LIVE_TIMEOUT_MS: a block of
					 * frames may wait that long */

/* ---- service (live capture, privileges, sandbox, config file) -------- */

/* cap_live_config_default(): whole jumbo/GRO frames (libpcap's own
 * default), a kernel ring that rides out a few hundred ms of stall at
 * gigabit rates on a router, and a read timeout short enough that signals
 * and timers are handled promptly on a quiet network. */
#define CAP_LIVE_SNAPLEN     262144
#define CAP_LIVE_BUFFER     (8u << 20)
#define CAP_LIVE_TIMEOUT_MS     200
/* 0: TPACKET_V3 (frames packed densely in blocks, a block handed over
 * when full or CAP_LIVE_TIMEOUT_MS after it opened). 1: libpcap's
 * immediate mode (TPACKET_V2, one slot per frame sized for the largest
 * frame: ~64 KiB on interfaces with offloads, so 8 MiB is ~128 frames).
 * Measured on a veth pair, 187 k simulated frames (136 MB): V3 lost none
 * at 3.6 Gbit/s; immediate lost 63% at that rate and 14% at 200 Mbit/s.
 * A sensor needs no sub-200 ms latency, it needs no drops. */
#define CAP_LIVE_IMMEDIATE        0
/* Capture files: the window of a plain pcap file mapped at a time
 * (pcap_mmap.c). Bigger saves remaps (one per window) but counts in RSS
 * as file pages; must hold two of the largest frames (2 x 256 KiB). */
#define CAP_MMAP_WINDOW     (4u << 20)
/* svc_drop_privileges(NULL, ...) */
#define SVC_DEFAULT_USER   "nobody"
/* Configuration file: larger files are refused (a config is a few KiB;
 * this bounds what a mistaken path, e.g. a capture, makes us read), and
 * so are more options than this. */
#define SVC_CONF_MAX_BYTES  (1u << 20)
#define SVC_CONF_MAX_OPTS      4096

/* ---- store (SQLite persistent store, src/output/store.c) -------------- */

/* Rows waiting for the writer thread; past it rows are dropped, counted
 * (a stalled disk must not grow memory). */
#define STORE_QUEUE_MEMCAP     (8u << 20)
/* Retention, in packet time against the newest row: alerts, devices not
 * seen. 0 = keep forever. */
#define STORE_ALERT_MAX_AGE_S  (90ull * 86400)
#define STORE_DEVICE_MAX_AGE_S (365ull * 86400)
/* Size cap for the file: oldest alerts go first. */
#define STORE_MAX_BYTES        (256ull << 20)
/* Retention runs after every this many commits (or when the file grew
 * past max_bytes); alerts are trimmed by size this many at a time. */
#define STORE_RETENTION_EVERY  10
#define STORE_TRIM_CHUNK       500
/* SQLite waits this long for a lock held by another connection. */
#define STORE_BUSY_TIMEOUT_MS  5000
/* Per-device traffic samples (device_traffic, one row per device per
 * 300 s bucket) older than this, against the newest alert/device time, are
 * deleted: a week of history for the dashboard's chart plus a day. */
#define STORE_TRAFFIC_MAX_AGE_S (8ull * 86400)
#define STORE_TRAFFIC_BUCKET_S   300

/* ---- api (HTTP API and dashboard, src/api/, `edgeward serve`) -------- */

/* Loopback by default: the API is for this host unless asked otherwise. */
#define API_DEFAULT_HOST        "127.0.0.1"
#define API_DEFAULT_PORT        8765
/* Request limits: longer URLs get 414, larger bodies 413; headers are
 * bounded by MHD's per-connection memory. */
#define API_MAX_URL             2048
#define API_MAX_BODY            4096
#define API_CONN_MEMORY        (32u << 10)
#define API_MAX_CONNECTIONS       64
#define API_CONN_TIMEOUT_S        15
/* At most this many query parameters (the most any endpoint takes is 9). */
#define API_MAX_PARAMS            16
/* Page sizes: default and largest limit for the list endpoints. */
#define API_LIMIT_DEFAULT        100
#define API_LIMIT_MAX           1000
/* Largest offset accepted (a bound, so it always fits the store's ints). */
#define API_OFFSET_MAX    1000000000
/* Newest alerts shown on a device page; traffic points per answer. */
#define API_DEVICE_ALERTS         50
#define API_TRAFFIC_POINTS      2016
/* overview?days= default and largest. */
#define API_DAYS_DEFAULT          30
#define API_DAYS_MAX             365
/* Ack note length (characters) and token file bounds. */
#define API_NOTE_MAX             200
#define API_TOKEN_MIN             32
#define API_TOKEN_MAX            256
/* Largest JSON answer built (a page of 1000 alerts with their events). */
#define API_MAX_RESPONSE       (16u << 20)

/* ---- baseline (per-device behaviour baselines, src/baseline/) -------- */
/* Each device learns for this long from its first packet (packet time)
 * before deviations alert: a day covers the daily cycle of most devices.
 * `--baseline-learn DURATION` changes it. */
#define BL_LEARN_S            86400
/* Device table: ~12 KiB a device (the per-device sets below), 4 MiB holds
 * ~330 devices; LRU eviction beyond. */
#define BL_MEMCAP            (4u << 20)
/* Per-device set sizes: what one IoT device talks to fits easily; a
 * general-purpose device overflows them, which only costs MUD detail
 * (the oldest entry is replaced). */
#define BL_MAX_REMOTES         96	/* (remote IP, proto, port) */
#define BL_MAX_NAMES           32	/* DNS names of remotes, for MUD */
#define BL_NAME_LEN            64
#define BL_MAX_PEERS           32	/* (LAN host, proto, port, dir) */
#define BL_MAX_LISTEN          16	/* (proto, port) it served */
#define BL_MAX_SERVICES        32	/* (proto, remote port) */
#define BL_MAX_COUNTRIES       24
#define BL_MAX_DOMAINS         64	/* registered domains (hashes) */
#define BL_MAX_APPS            16
#define BL_APP_LEN             24
/* DNS answers remembered to name remote endpoints (address -> name). */
#define BL_DNS_ENTRIES       4096
/* Volume: bytes a device sends per bucket. A bucket alerts when it is at
 * least BL_VOL_RATIO times the learned peak (which decays with a 7-day
 * half-life so a one-off firmware download is forgotten) and at least
 * BL_VOL_MIN bytes; the episode is severity 2 when the ratio reached
 * BL_VOL_SEV2_RATIO (the "20x its normal rate") and it moved
 * BL_VOL_SEV2_BYTES. BL_VOL_FLOOR keeps a near-silent device's peak from
 * making every small burst a "spike". */
#define BL_BUCKET_S            60
#define BL_VOL_RATIO            4.0
#define BL_VOL_MIN            (1u << 20)
#define BL_VOL_FLOOR          (64u << 10)
#define BL_VOL_SEV2_RATIO      20.0
#define BL_VOL_SEV2_BYTES     (10u << 20)
#define BL_VOL_PEAK_HALFLIFE_S (7 * 86400)
/* Hours: a bucket sending at least BL_HOUR_ACTIVE bytes marks its UTC
 * hour active while learning; afterwards BL_HOUR_ALERT bytes in a bucket
 * of an hour never active is a deviation (only when learning saw 24 h). */
#define BL_HOUR_ACTIVE        1024
#define BL_HOUR_ALERT        (64u << 10)
/* An episode (one alert) closes after this long without a new item. */
#define BL_EPISODE_IDLE_S     120
/* The same policy violation (rule and peer) is reported once in this
 * long per device. */
#define BL_POLICY_REPEAT_S    86400
/* Lateral movement is severity 2 from this many new internal peers (or
 * new ports of peers) in one episode: a sweep, not a new printer; also
 * when one of them is a remote shell/share/desktop port (22, 23, 445,
 * 3389, ...; baseline.c's remote_service). */
#define BL_LATERAL_SEV2        4
/* Novelty budget per kind and day for general-purpose devices (phones,
 * computers, TVs, routers) on top of the rate each device showed in the
 * second half of its learning period; fixed-function devices get only
 * their learned rate. Order: country, destination, peer, serve, hours. */
#define BL_GP_BUDGET { 10.0, 500.0, 20.0, 5.0, 24.0 }

/* ---- geo (country lookup, src/geo/) ---------------------------------- */
/* Debian's tor-geoipdb files, the default country source. */
#define GEO_TOR4_DEFAULT     "/usr/share/tor/geoip"
#define GEO_TOR6_DEFAULT     "/usr/share/tor/geoip6"
/* Longest line of a tor geoip file accepted (real lines are < 90 bytes);
 * longer is refused as malformed, so a binary file fails fast. */
#define GEO_LINE_MAX          512
/* Files are read in chunks of this size: the raw text never sits in
 * memory whole (the two files are ~20 MB, the tables ~5 MB). */
#define GEO_READ_CHUNK       (64u << 10)

/* ---- zones (segmentation policy file, src/policy/zones*.c) ------------ */
/* Caps on what one zones file may hold, so a hostile or runaway file stays
 * bounded; real home policies use a handful of each. */
#define ZONES_MAX_FILE     (1u << 20)	/* bytes read */
#define ZONES_MAX_LINE         4096	/* bytes per line */
#define ZONES_MAX_ZONES          64	/* declared zones (built-ins extra) */
#define ZONES_MAX_RULES         256
#define ZONES_MAX_MEMBERS       256	/* cidr + mac members per zone */
#define ZONES_MAX_PORTS          16	/* port specs per rule */

/* ---- mud (RFC 8520 export/import, src/policy/mud*.c) ------------------ */
/* A MUD file larger than this is refused before parsing (real ones are a
 * few KiB; the bound keeps a hostile file from costing memory). */
#define MUD_MAX_BYTES        (1u << 20)
/* ACLs in a file and ACEs referenced by its policies; export never writes
 * more (it fails instead), so an exported file always imports. */
#define MUD_MAX_ACLS           64
#define MUD_MAX_ACES         4096
/* Largest MUD file export writes (compact JSON): a third of the import
 * limit, so the indented form `policy mud` prints (about 2.5 times the
 * compact size) still imports. */
#define MUD_EXPORT_MAX_BYTES  (MUD_MAX_BYTES / 3u)
/* URL for a device that announced none (the MAC, colons kept, + ".json").
 * .invalid (RFC 2606) so nobody tries to fetch it. */
#define MUD_URL_BASE         "https://edgeward.invalid/mud/"
/* cache-validity written on export, in hours (RFC 8520 default). */
#define MUD_CACHE_VALIDITY_H   48

/* ---- enforcement (quarantine, nftables, src/policy/quarantine.c nft.c) */
#define QUAR_DURATION_MAX_S (366ull * 86400)	/* --for at most a year (nft takes < 10^8 s) */
#define QUAR_WHY_MAX           256	/* bytes of a quarantine reason kept */
#define QUAR_MAX_IPS            16	/* addresses kept per quarantined device */
#define QUAR_MAX_LOCAL          64	/* sensor / protected MACs and IPs looked at */

/* ---- output ----------------------------------------------------------- */

/* Largest single EVE line we build; longer objects are truncated safely and
 * counted (no detector should come near it). */
#define EVE_MAX_LINE         (64u * 1024u)

#endif /* EW_CONFIG_H */
