/* flow.h - bidirectional flow table with timeouts and a memory cap.
 *
 * A flow is keyed by (addresses, ports, IP protocol, VLAN IDs), the same in
 * both directions. The table owns every struct flow; callers see them only
 * through the pointer flow_update() returns (valid until the next call into
 * the table) and through the end callback (valid during the call).
 *
 * Order is deterministic: expiry walks flows by last activity and flushing
 * walks them by creation, never by hash bucket, so the same capture ends its
 * flows in the same order whatever the hash seed. */
#ifndef EW_FLOW_H
#define EW_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode/decode.h"
#include "util/addr.h"

enum flow_state {
	FLOW_STATE_NEW = 0,	/* one side seen, or TCP handshake incomplete */
	FLOW_STATE_ESTABLISHED,	/* both sides seen (TCP: SYN then ACK back) */
	FLOW_STATE_CLOSED,	/* TCP FIN seen in both directions */
	FLOW_STATE_RESET,	/* TCP RST seen */
};

enum flow_end_reason {
	FLOW_END_TIMEOUT = 0,	/* idle or active timeout ("timeout") */
	FLOW_END_FORCED,	/* evicted to stay under the memcap ("forced") */
	FLOW_END_SHUTDOWN,	/* end of capture ("shutdown") */
};

/* "new", "established", "closed", "reset" */
const char *flow_state_name(enum flow_state s);
/* "timeout", "forced", "shutdown" */
const char *flow_end_reason_name(enum flow_end_reason r);

struct flow_config {
	size_t memcap;			/* bytes, buckets included */
	uint32_t timeout_tcp_new;	/* seconds, idle */
	uint32_t timeout_tcp_established;
	uint32_t timeout_tcp_closed;
	uint32_t timeout_udp;
	uint32_t timeout_icmp;
	uint32_t timeout_other;
	uint32_t timeout_active;	/* seconds since flow start */
};

/* Fill cfg with the defaults from config.h. */
void flow_config_default(struct flow_config *cfg);

struct flow {
	uint64_t flow_id;	/* deterministic: hash of key and start time,
				 * 51 bits so JSON consumers keep it exact */
	/* client = the side that sent first (for TCP, the SYN sender when the
	 * first packet seen is a SYN without ACK; a SYN-ACK first makes its
	 * receiver the client) */
	struct addr cli_addr, srv_addr;
	uint16_t cli_port, srv_port;	/* 0 for ICMP and other protocols */
	uint8_t proto;			/* IP protocol number */
	uint8_t vlan_depth;
	uint16_t vlan[DEC_MAX_VLAN_DEPTH];
	uint8_t has_mac;		/* cli_mac/srv_mac valid */
	uint8_t cli_mac[6], srv_mac[6];
	uint8_t icmp_type, icmp_code;	/* of the first ICMP packet */

	uint64_t start_ns, last_ns;
	uint64_t pkts_toserver, pkts_toclient;
	uint64_t bytes_toserver, bytes_toclient;	/* wire bytes */
	uint8_t tcp_flags_ts, tcp_flags_tc;	/* OR of flags per direction */
	enum flow_state state;
	uint8_t fin_ts, fin_tc;		/* FIN seen per direction */
	uint32_t payload_ts, payload_tc;	/* L4 payload bytes (saturating) */

	/* application layer: written by proto/ only (see proto/proto.h) */
	void *app;			/* proto's per-flow state, or NULL */
	uint16_t app_master, app_id;	/* nDPI protocol ids, 0 = unknown */
	uint8_t app_done;		/* nDPI finished with this flow */
	uint8_t app_guessed;		/* ids guessed from the ports only */
	uint64_t app_risk;		/* nDPI flow risk bits */
};

struct flow_stats {
	uint64_t created;
	uint64_t ended_timeout;
	uint64_t ended_forced;		/* memcap evictions */
	uint64_t ended_shutdown;
	uint64_t alloc_failed;		/* memcap hit with nothing to evict */
	uint64_t not_tracked;		/* packets with no IP layer to key on
					 * (ARP, invalid IP) or later fragments */
	uint64_t active;		/* flows currently in the table */
	uint64_t memuse;		/* bytes currently charged to the memcap */
	uint64_t memuse_peak;
};

struct flow_table;

/* Called once for every flow that ends; the flow is freed after it returns.
 * The callback must not call back into the table; it may update the
 * flow's app fields (proto/ releases its per-flow state there). */
typedef void (*flow_end_fn)(struct flow *f, enum flow_end_reason why,
    void *ud);

/* New table; NULL when cfg->memcap cannot hold the bucket array and a few
 * flows, or on allocation failure. seed randomises the bucket hash (use a
 * random value; output order does not depend on it). on_end is called for
 * every flow that ends (expiry, eviction, flush). */
struct flow_table *flow_table_new(const struct flow_config *cfg,
    uint64_t seed, flow_end_fn on_end, void *ud);
/* Frees the table and its flows WITHOUT calling on_end (call
 * flow_table_flush first to report them). NULL is a no-op. */
void flow_table_free(struct flow_table *ft);

/* Account one decoded packet to its flow, creating it if new (evicting the
 * least recently active flow when at the memcap). Also ends flows whose
 * timeouts passed as of p->ts_ns (at most once per FLOW_EXPIRE_INTERVAL of
 * packet time). Returns the flow, or NULL when the packet has no IP layer,
 * is a non-first fragment, or no memory could be had. *to_server is set to
 * 1 when the packet goes client->server. */
struct flow *flow_update(struct flow_table *ft, const struct packet *p,
    int *to_server);

/* End every flow idle past its timeout (or active past the active timeout)
 * as of now_ns. */
void flow_table_expire(struct flow_table *ft, uint64_t now_ns);

/* End every flow (reason shutdown), oldest first. */
void flow_table_flush(struct flow_table *ft);

const struct flow_stats *flow_table_stats(const struct flow_table *ft);

#endif /* EW_FLOW_H */
