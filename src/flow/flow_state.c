/* flow_state.c - the light per-flow state machine, timeout classes, names.
 *
 * TCP, kept deliberately simple (we watch, we do not reassemble):
 *   NEW          until the handshake is seen to complete: after a SYN, an
 *                ACK in each direction (the SYN-ACK counts for the server
 *                side); for a flow picked up mid-stream (no SYN seen),
 *                a packet in each direction;
 *   ESTABLISHED  from then on;
 *   CLOSED       once a FIN went each way (from any earlier state);
 *   RESET        on any RST, final.
 * Other protocols: NEW until both directions have been seen, then
 * ESTABLISHED. The timeout class of each state is flow_class_of() in
 * flow_internal.h. */
#include "flow/flow_internal.h"

const char *flow_state_name(enum flow_state s)
{
	switch (s) {
	case FLOW_STATE_NEW:
		return "new";
	case FLOW_STATE_ESTABLISHED:
		return "established";
	case FLOW_STATE_CLOSED:
		return "closed";
	case FLOW_STATE_RESET:
		return "reset";
	}
	return "unknown";
}

const char *flow_end_reason_name(enum flow_end_reason r)
{
	switch (r) {
	case FLOW_END_TIMEOUT:
		return "timeout";
	case FLOW_END_FORCED:
		return "forced";
	case FLOW_END_SHUTDOWN:
		return "shutdown";
	}
	return "unknown";
}

void flow_config_default(struct flow_config *cfg)
{
	cfg->memcap = FLOW_MEMCAP_DEFAULT;
	cfg->timeout_tcp_new = FLOW_TIMEOUT_TCP_NEW;
	cfg->timeout_tcp_established = FLOW_TIMEOUT_TCP_ESTABLISHED;
	cfg->timeout_tcp_closed = FLOW_TIMEOUT_TCP_CLOSED;
	cfg->timeout_udp = FLOW_TIMEOUT_UDP;
	cfg->timeout_icmp = FLOW_TIMEOUT_ICMP;
	cfg->timeout_other = FLOW_TIMEOUT_OTHER;
	cfg->timeout_active = FLOW_TIMEOUT_ACTIVE;
}

static void tcp_update(struct flow_node *n, uint8_t flags, int to_server)
{
	struct flow *f = &n->f;

	if (f->state == FLOW_STATE_RESET)
		return;
	if (flags & TCP_RST) {
		f->state = FLOW_STATE_RESET;
		return;
	}
	if (flags & TCP_SYN)
		n->tcp |= FLOW_TCP_SYN_SEEN;
	if ((flags & TCP_ACK) && (n->tcp & FLOW_TCP_SYN_SEEN))
		n->tcp |= to_server ? FLOW_TCP_ACK_TS : FLOW_TCP_ACK_TC;
	if (flags & TCP_FIN) {
		if (to_server)
			f->fin_ts = 1;
		else
			f->fin_tc = 1;
	}
	if (f->fin_ts && f->fin_tc) {
		f->state = FLOW_STATE_CLOSED;
		return;
	}
	if (f->state != FLOW_STATE_NEW)
		return;
	if (n->tcp & FLOW_TCP_SYN_SEEN) {
		if ((n->tcp & (FLOW_TCP_ACK_TS | FLOW_TCP_ACK_TC)) ==
		    (FLOW_TCP_ACK_TS | FLOW_TCP_ACK_TC))
			f->state = FLOW_STATE_ESTABLISHED;
	} else if (f->pkts_toserver && f->pkts_toclient) {
		f->state = FLOW_STATE_ESTABLISHED;
	}
}

void flow_state_update(struct flow_node *n, uint8_t tcp_flags, int to_server)
{
	struct flow *f = &n->f;

	if (n->proto == IPPROTO_NUM_TCP) {
		tcp_update(n, tcp_flags, to_server);
		return;
	}
	if (f->state == FLOW_STATE_NEW && f->pkts_toserver &&
	    f->pkts_toclient)
		f->state = FLOW_STATE_ESTABLISHED;
}
