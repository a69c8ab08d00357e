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
 * --flow-memcap). Sized for a home router: at ~250 bytes a flow this is
 * about 60,000 concurrent flows. When full, the least recently active flow
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

/* ---- output ----------------------------------------------------------- */

/* Largest single EVE line we build; longer objects are truncated safely and
 * counted (no detector should come near it). */
#define EVE_MAX_LINE         (64u * 1024u)

#endif /* EW_CONFIG_H */
