/* check_flood.c - denial of service: SYN, UDP and ICMP floods, TCP floods
 * outside any handshake (ACK, RST, FIN, PSH), connection floods (one host
 * completing hundreds of handshakes a second with one host: HTTP and
 * login floods), floods of other IP protocols (GRE, random protocol
 * numbers), IP fragment floods (fragments with no transport header to
 * read: the rest of a datagram, or a first fragment cut inside its
 * header as hping3 -f sends), spoofed-source floods,
 * reflection/amplification (UDP
 * responses from amplifier ports, unsolicited SYN-ACKs) against a victim,
 * and an internal device taking part in a flood (the dominant sender of a
 * flood is named).
 *
 * State is one record per *victim* (destination address), never per
 * source: a flood from 100,000 spoofed addresses costs one record. Counts
 * run over 1-second tumbling windows; an episode opens when one window's
 * count of a flood type reaches its rate, closes after FLOOD_IDLE_S with
 * the rate below a quarter of it, and is reported once with its peak rate,
 * packets, bytes, the estimated number of distinct sources (episode.h's
 * fixed-size counter) and the top sender (Misra-Gries summary of 4). */
#include "detect/detect_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

enum ftype { T_SYN, T_UDP, T_ICMP, T_REFL, T_SYNACK, T_TCPX, T_IP,
	T_CONN, T_FRAG, T__COUNT };

static const char *const ftype_sig[T__COUNT] = {
	"TCP SYN flood", "UDP flood", "ICMP flood",
	"UDP reflection/amplification flood", "TCP SYN-ACK reflection flood",
	"TCP flood outside any handshake (ACK/PSH/RST/FIN)",
	"IP protocol flood", "TCP connection flood", "IP fragment flood",
};

#define TOPK 4
#define WINDOW_NS EP_SEC

struct vkey {
	struct addr a;
	uint8_t pad[3];
};

struct top {
	struct addr a;
	uint64_t n;
};

struct victim {
	uint64_t win_start;
	uint32_t n[T__COUNT];		/* this window, by type */
	uint32_t done;			/* completed handshakes (window) */
	uint32_t udp_out;		/* victim's own UDP packets (window) */
	uint32_t ip_out;		/* ... of other IP protocols (both
					 * with their fragments) */
	uint32_t tcpx_data;		/* T_TCPX packets carrying data */
	uint64_t refl_bytes, req_bytes;	/* amplifier responses / requests
					 * (window) */
	struct dset srcs;		/* sources this window */
	struct dset ports;		/* destination ports this window */
	/* the open episode */
	struct episode ep;
	uint8_t type;
	uint8_t ipproto;		/* the opening packet's protocol */
	uint8_t port_varies;
	uint16_t port;			/* first destination port */
	double peak;			/* largest window count */
	uint64_t bytes;
	uint64_t ep_done, ep_out;
	uint64_t ep_refl_bytes, ep_req_bytes;
	uint64_t flow_id;
	uint8_t has_mac;
	uint8_t mac[6];			/* sender MAC of the opening packet */
	struct addr opener;		/* its source address */
	struct dset ep_srcs;
	struct top top[TOPK];
};

struct flood {
	const struct detect_ctx *ctx;
	struct lrutab *t;
	double rate[T__COUNT];
	double syn_max_done, udp_max_reply, refl_min_amp, top_share;
	double ip_max_reply, frag_max_reply;
	uint64_t idle_ns;
	uint64_t alerts;
	uint64_t next_ongoing;		/* see ep_ongoing_walk */
};

/* UDP source ports of services abused as amplifiers. */
static int amp_port(uint16_t p)
{
	switch (p) {
	case 17:	/* QOTD */
	case 19:	/* chargen */
	case 53:	/* DNS */
	case 69:	/* TFTP */
	case 111:	/* portmap */
	case 123:	/* NTP */
	case 137:	/* NetBIOS */
	case 161:	/* SNMP */
	case 389:	/* CLDAP */
	case 1900:	/* SSDP */
	case 3283:	/* ARD */
	case 3702:	/* WS-Discovery */
	case 5351:	/* NAT-PMP */
	case 5683:	/* CoAP */
	case 10001:	/* Ubiquiti discovery */
	case 11211:	/* memcached */
	case 37810:	/* DVR/IoT discovery */
	case 47808:	/* BACnet */
		return 1;
	default:
		return 0;
	}
}

static void top_add(struct top *t, const struct addr *a)
{
	int empty = -1;
	for (int i = 0; i < TOPK; i++) {
		if (t[i].n && memcmp(&t[i].a, a, sizeof(*a)) == 0) {
			t[i].n++;
			return;
		}
		if (!t[i].n && empty < 0)
			empty = i;
	}
	if (empty >= 0) {
		t[empty].a = *a;
		t[empty].n = 1;
		return;
	}
	for (int i = 0; i < TOPK; i++)	/* Misra-Gries decrement */
		t[i].n--;
}

static const struct top *top_best(const struct top *t)
{
	const struct top *b = NULL;
	for (int i = 0; i < TOPK; i++)
		if (t[i].n && (!b || t[i].n > b->n))
			b = &t[i];
	return b;
}

/* Report v's episode: when it ends, or while it goes on (ongoing: it
 * stays open). */
static void emit(struct flood *fl, const struct addr *victim,
    struct victim *v, int ongoing)
{
	struct alert a;
	char vs[ADDR_STRLEN], ss[ADDR_STRLEN];
	const struct top *tb = top_best(v->top);
	int vhome, shome = 0, named = 0;
	const char *mitre;
	double srcs = dset_estimate(&v->ep_srcs);

	if (!v->ep.open)
		return;
	if (srcs > (double)v->ep.count)
		srcs = (double)v->ep.count;
	if (!ongoing)
		v->ep.open = 0;
	vhome = homenet_contains(&fl->ctx->home, victim);
	/* a source that sent at least top_share of the flood is its sender
	 * (Misra-Gries undercounts, so this errs towards "distributed") */
	if (tb && (double)tb->n >= fl->top_share * (double)v->ep.count) {
		named = 1;
		shome = homenet_contains(&fl->ctx->home, &tb->a);
	}
	switch (v->type) {
	case T_SYN: mitre = "T1499.001"; break;
	case T_REFL: case T_SYNACK: mitre = "T1498.002"; break;
	default: mitre = "T1498.001"; break;
	}
	alert_init(&a, 1100 + v->type, ALERT_CAT_FLOOD,
	    named && shome ? 1 : vhome ? 2 : 3, mitre, "flood", v->ep.start);
	a.ts_end = v->ep.last;
	a.count = v->ep.count;
	a.flow_id = v->flow_id;
	a.dst = *victim;
	if (!v->port_varies)
		a.dest_port = v->port;
	a.proto = v->type == T_ICMP ? (victim->family == 6 ?
	    IPPROTO_NUM_ICMPV6 : IPPROTO_NUM_ICMP) :
	    (v->type == T_UDP || v->type == T_REFL) ? IPPROTO_NUM_UDP :
	    v->type == T_IP || v->type == T_FRAG ? v->ipproto :
	    IPPROTO_NUM_TCP;
	addr_fmt(victim, vs, sizeof(vs));
	if (named) {
		a.src = tb->a;
		addr_fmt(&tb->a, ss, sizeof(ss));
		/* an internal sender's MAC is its own (an external one's is
		 * the router's) */
		if (shome && v->has_mac &&
		    memcmp(&v->opener, &tb->a, sizeof(tb->a)) == 0) {
			a.has_src_mac = 1;
			memcpy(a.src_mac, v->mac, 6);
		}
	}
	a.device_side = named && shome ? ALERT_SIDE_SRC : ALERT_SIDE_DST;
	if (named && shome)
		alert_signature(&a, "%s from internal host %s against %s "
		    "(DDoS participation)", ftype_sig[v->type], ss, vs);
	else if (named)
		alert_signature(&a, "%s from %s against %s",
		    ftype_sig[v->type], ss, vs);
	else
		alert_signature(&a, "%s against %s from %s%.0f sources%s",
		    ftype_sig[v->type], vs, dset_saturated(&v->ep_srcs) ?
		    "at least " : "~", srcs, v->type == T_SYN ||
		    v->type == T_UDP || v->type == T_ICMP ||
		    v->type == T_TCPX || v->type == T_IP ||
		    v->type == T_FRAG ? " (spoofed or "
		    "distributed)" : "");
	alert_text(&a, "%.0f packets/s peak to %s (threshold %.0f/s), "
	    "%" PRIu64 " packets, %" PRIu64 " bytes in %.2f s, %s%.0f "
	    "distinct sources%s%s", v->peak, vs, fl->rate[v->type],
	    v->ep.count, v->bytes,
	    (double)(v->ep.last - v->ep.start) / 1e9,
	    dset_saturated(&v->ep_srcs) ? "at least " : "~", srcs,
	    named ? ", top source " : "", named ? ss : "");
	alert_kv_str(&a, "flood_type", ftype_sig[v->type]);
	alert_kv_num(&a, "peak_pps", v->peak);
	alert_kv_num(&a, "threshold_pps", fl->rate[v->type]);
	alert_kv_num(&a, "packets", (double)v->ep.count);
	alert_kv_num(&a, "bytes", (double)v->bytes);
	alert_kv_num(&a, "distinct_sources", srcs);
	if (tb) {
		addr_fmt(&tb->a, ss, sizeof(ss));
		alert_kv_str(&a, "top_source", ss);
		alert_kv_num(&a, "top_source_share_min",
		    v->ep.count ? (double)tb->n / (double)v->ep.count : 0);
	}
	if (v->type == T_SYN) {
		alert_kv_num(&a, "handshakes_completed_ratio", v->ep.count ?
		    (double)v->ep_done / (double)v->ep.count : 0);
		alert_kv_num(&a, "max_completed_ratio", fl->syn_max_done);
	} else if (v->type == T_UDP || v->type == T_IP ||
	    v->type == T_FRAG) {
		alert_kv_num(&a, "reply_ratio", v->ep.count ?
		    (double)v->ep_out / (double)v->ep.count : 0);
		alert_kv_num(&a, "max_reply_ratio", v->type == T_UDP ?
		    fl->udp_max_reply : v->type == T_IP ? fl->ip_max_reply :
		    fl->frag_max_reply);
		if (v->type == T_FRAG)
			alert_kv_num(&a, "ip_protocol", v->ipproto);
	} else if (v->type == T_REFL) {
		alert_kv_num(&a, "response_bytes", (double)v->ep_refl_bytes);
		alert_kv_num(&a, "request_bytes", (double)v->ep_req_bytes);
		alert_kv_num(&a, "min_amplification", fl->refl_min_amp);
	}
	alert_kv_num(&a, "window_s", 1);
	alert_kv_str(&a, "counting", "sources approximate (512-bit linear "
	    "counter), top source by Misra-Gries");
	a.ongoing = (uint8_t)ongoing;
	alert_emit(fl->ctx->sink, &a);
	fl->alerts++;
}

static void on_evict(const void *key, void *val, void *ud)
{
	const struct vkey *k = key;
	emit(ud, &k->a, val, 0);
}

static void roll(struct victim *v, uint64_t now)
{
	if (v->win_start && now >= v->win_start &&
	    now - v->win_start < WINDOW_NS)
		return;
	memset(v->n, 0, sizeof(v->n));
	v->done = v->udp_out = v->ip_out = v->tcpx_data = 0;
	v->refl_bytes = v->req_bytes = 0;
	dset_clear(&v->srcs);
	dset_clear(&v->ports);
	v->win_start = now;
}

/* The conditions besides the rate that make a window a flood. */
static int qualifies(const struct flood *fl, const struct victim *v,
    enum ftype t)
{
	double n = v->n[t];
	switch (t) {
	case T_SYN:
	case T_TCPX:
		/* one source sweeping many ports is a port scan (the scan
		 * check's: SYN, or empty ACK/FIN/NULL/Xmas probes), unless far
		 * above the flood rate; floods to random ports carry data */
		if (v->srcs.set <= 2 && v->ports.set > 8 &&
		    n < 10 * fl->rate[t] &&
		    (t == T_SYN || 2.0 * v->tcpx_data < n))
			return 0;
		return t == T_TCPX ||
		    (double)v->done <= fl->syn_max_done * n;
	case T_UDP:
		return (double)v->udp_out <= fl->udp_max_reply * n;
	case T_IP:
		/* a tunnel (GRE, ESP) carries traffic both ways */
		return (double)v->ip_out <= fl->ip_max_reply * n;
	case T_FRAG:
		/* large datagrams a host asked for (its requests) or
		 * exchanges (a tunnel) come with its own traffic back */
		return (double)v->udp_out + v->ip_out <=
		    fl->frag_max_reply * n;
	case T_CONN:
		/* from one or two hosts (an HTTP or login flood); many
		 * clients completing handshakes are a busy server */
		return v->srcs.set <= 2;
	case T_REFL:
		return (double)v->refl_bytes >=
		    fl->refl_min_amp * (double)v->req_bytes;
	default:
		return 1;
	}
}

static void count(struct flood *fl, const struct detect_pkt *dp,
    enum ftype t)
{
	const struct packet *p = dp->p;
	uint64_t now = p->ts_ns;
	struct vkey k;

	memset(&k, 0, sizeof(k));
	k.a = p->dst;
	struct victim *v = lrutab_get(fl->t, &k, NULL);
	roll(v, now);
	v->n[t]++;
	if (t == T_TCPX && p->payload_len)
		v->tcpx_data++;
	if (t == T_REFL)
		v->refl_bytes += p->wirelen;
	dset_add(&v->srcs, ep_hash_bytes(p->src.a, 16, p->src.family));
	dset_add(&v->ports, ep_mix64(p->dport));
	if (v->ep.open && v->type != t) {
		/* another kind of flood against the same victim (Mirai's SYN
		 * flood after its UDP flood): once the first has died down
		 * (its rate below a quarter of the threshold), it is
		 * reported and the new one opens its own episode */
		if ((double)v->n[t] < fl->rate[t] || !qualifies(fl, v, t) ||
		    (double)v->n[v->type] * 4 >= fl->rate[v->type])
			return;
		emit(fl, &k.a, v, 0);
	}
	if (v->ep.open) {
		v->ep.count++;
		v->bytes += p->wirelen;
		if (t == T_REFL)
			v->ep_refl_bytes += p->wirelen;
		dset_add(&v->ep_srcs,
		    ep_hash_bytes(p->src.a, 16, p->src.family));
		top_add(v->top, &p->src);
		if (p->dport != v->port)
			v->port_varies = 1;
		if (v->n[t] > v->peak)
			v->peak = v->n[t];
		/* the episode goes on while the rate stays above a quarter
		 * of the threshold */
		if ((double)v->n[t] * 4 >= fl->rate[t])
			v->ep.last = now;
		return;
	}
	if ((double)v->n[t] < fl->rate[t] || !qualifies(fl, v, t))
		return;
	episode_open(&v->ep, v->win_start, now);
	v->type = (uint8_t)t;
	v->ep.count = v->n[t];
	v->peak = v->n[t];
	v->bytes = (uint64_t)p->wirelen * v->n[t];	/* window estimate */
	v->ep_done = v->done;
	v->ep_out = t == T_IP ? v->ip_out : t == T_FRAG ? (uint64_t)
	    v->udp_out + v->ip_out : v->udp_out;
	v->ipproto = p->l4proto;
	v->ep_refl_bytes = v->refl_bytes;
	v->ep_req_bytes = v->req_bytes;
	v->ep_srcs = v->srcs;
	memset(v->top, 0, sizeof(v->top));
	top_add(v->top, &p->src);
	/* the window's packets go to the sender that crossed the threshold
	 * only when the window had a single source */
	if (v->srcs.set == 1)
		v->top[0].n = v->n[t];
	v->port = p->dport;
	v->port_varies = 0;
	v->flow_id = dp->f ? dp->f->flow_id : 0;
	v->opener = p->src;
	v->has_mac = p->has_eth;
	if (p->has_eth)
		memcpy(v->mac, p->src_mac, 6);
}

/* Traffic the victim itself sends (replies, requests to amplifiers);
 * udp: 1 UDP, 0 TCP or ICMP, -1 another IP protocol (a fragment counts
 * as its datagram's protocol). */
static void outgoing(struct flood *fl, const struct packet *p, int udp)
{
	struct vkey k;

	memset(&k, 0, sizeof(k));
	k.a = p->src;
	struct victim *v = lrutab_find(fl->t, &k);
	if (!v)
		return;
	roll(v, p->ts_ns);
	if (udp < 0) {
		v->ip_out++;
		if (v->ep.open && (v->type == T_IP || v->type == T_FRAG))
			v->ep_out++;
	} else if (udp) {
		v->udp_out++;
		if (v->ep.open && (v->type == T_UDP || v->type == T_FRAG))
			v->ep_out++;
		if (p->frag && !p->frag_first)
			return;		/* no port to read */
		if (amp_port(p->dport)) {
			v->req_bytes += p->wirelen;
			if (v->ep.open)
				v->ep_req_bytes += p->wirelen;
		}
	}
}

static int group_addr(const struct addr *a)
{
	if (a->family == 4)
		return (a->a[0] & 0xf0) == 0xe0 || (a->a[0] == 255 &&
		    a->a[1] == 255 && a->a[2] == 255 && a->a[3] == 255) ||
		    a->a[3] == 255;
	return a->family == 6 && a->a[0] == 0xff;
}

static int icmp_error(const struct packet *p)
{
	if (p->l4proto == IPPROTO_NUM_ICMP)
		return p->icmp_type == 3 || p->icmp_type == 4 ||
		    p->icmp_type == 5 || p->icmp_type == 11 ||
		    p->icmp_type == 12;
	return p->icmp_type < 128;
}

static int known_l4(uint8_t proto)
{
	return proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP ||
	    proto == IPPROTO_NUM_ICMP || proto == IPPROTO_NUM_ICMPV6;
}

/* A TCP packet (no SYN) outside any handshake, from the side that opened
 * its flow (the other side's are reactions: a scanned host's resets):
 * the flow never carried a SYN either way, and the packet is one of the
 * first two its side sent (an ACK/RST/FIN flood opens a new flow with
 * nearly every packet, its source port or address random; a connection
 * open before the capture began shows its first two once) or the other
 * side has only answered with resets. */
static int out_of_state(const struct flow *f, int to_server)
{
	if (!f)
		return 1;
	if (!to_server || ((f->tcp_flags_ts | f->tcp_flags_tc) & TCP_SYN))
		return 0;
	return f->pkts_toserver <= 2 || ((f->tcp_flags_tc & TCP_RST) &&
	    !(f->tcp_flags_tc & ~(TCP_RST | TCP_ACK)));
}

static void flood_packet(void *st, const struct detect_pkt *dp)
{
	struct flood *fl = st;
	const struct packet *p = dp->p;
	const struct flow *f = dp->f;

	if (!p->ip_version)
		return;
	if (p->frag && (!p->frag_first ||
	    (known_l4(p->l4proto) && !p->has_l4))) {
		/* no transport header to read: counted by the fragments
		 * (a first fragment with one counts as its protocol) */
		outgoing(fl, p, p->l4proto == IPPROTO_NUM_UDP ? 1 :
		    known_l4(p->l4proto) ? 0 : -1);
		if (!group_addr(&p->dst))
			count(fl, dp, T_FRAG);
		return;
	}
	if (!known_l4(p->l4proto)) {
		/* GRE, ESP, random protocol numbers; routing and group
		 * protocols go to multicast groups */
		outgoing(fl, p, -1);
		if (!group_addr(&p->dst))
			count(fl, dp, T_IP);
		return;
	}
	if (!p->has_l4)
		return;
	switch (p->l4proto) {
	case IPPROTO_NUM_TCP: {
		uint8_t x = p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST |
		    TCP_FIN);
		if (x == TCP_SYN) {
			count(fl, dp, T_SYN);
		} else if (x == (TCP_SYN | TCP_ACK)) {
			/* unsolicited: the flow's client (the receiver of a
			 * first SYN-ACK) never sent a SYN */
			if (!f || (!dp->to_server &&
			    !(f->tcp_flags_ts & TCP_SYN)))
				count(fl, dp, T_SYNACK);
		} else if (x == TCP_ACK && f && dp->to_server &&
		    f->pkts_toserver == 2 && (f->tcp_flags_ts & TCP_SYN)) {
			struct vkey k;
			memset(&k, 0, sizeof(k));
			k.a = p->dst;
			struct victim *v = lrutab_find(fl->t, &k);
			if (v) {
				roll(v, p->ts_ns);
				v->done++;
				if (v->ep.open)
					v->ep_done++;
			}
			count(fl, dp, T_CONN);
		} else if (!(x & TCP_SYN) && out_of_state(f, dp->to_server)) {
			count(fl, dp, T_TCPX);
		}
		return;
	}
	case IPPROTO_NUM_UDP:
		outgoing(fl, p, 1);
		/* multicast and broadcast streams (IPTV, discovery) are not
		 * floods against one host */
		if (group_addr(&p->dst))
			return;
		count(fl, dp, amp_port(p->sport) && !amp_port(p->dport) ?
		    T_REFL : T_UDP);
		return;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		/* errors are a victim's reactions, not the flood */
		if (!icmp_error(p))
			count(fl, dp, T_ICMP);
		return;
	default:
		return;
	}
}

static void expire(struct flood *fl, uint64_t now, int all)
{
	struct victim *v, *nx;

	for (v = lrutab_first(fl->t); v; v = nx) {
		nx = lrutab_next(fl->t, v);
		const struct vkey *k = lrutab_key(fl->t, v);
		if (all) {
			emit(fl, &k->a, v, 0);
			continue;
		}
		if (v->ep.open) {
			if (episode_idle(&v->ep, now, fl->idle_ns)) {
				emit(fl, &k->a, v, 0);
				lrutab_del(fl->t, v);
			}
			continue;
		}
		/* LRU order: entries after an active one are active too;
		 * quiet ones without an episode are dropped to keep the
		 * table small */
		if (now < v->win_start || now - v->win_start < fl->idle_ns)
			break;
		lrutab_del(fl->t, v);
	}
	if (all || !ep_ongoing_walk(&fl->next_ongoing, now))
		return;
	for (v = lrutab_first(fl->t); v; v = lrutab_next(fl->t, v))
		if (episode_ongoing(&v->ep, now))
			emit(fl, &((const struct vkey *)lrutab_key(fl->t,
			    v))->a, v, 1);
}

static void flood_tick(void *st, uint64_t now)
{
	expire(st, now, 0);
}

static void flood_finish(void *st, uint64_t now)
{
	expire(st, now, 1);
}

static void flood_destroy(void *st)
{
	struct flood *fl = st;
	if (!fl)
		return;
	lrutab_free(fl->t);
	ew_free(fl);
}

static void *flood_create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct flood *fl = ew_calloc(1, sizeof(*fl));
	if (!fl) {
		snprintf(err, errlen, "flood: out of memory");
		return NULL;
	}
	fl->ctx = ctx;
	fl->rate[T_SYN] = detect_setting(set, "flood.syn_rate",
	    FLOOD_SYN_RATE, "flood: SYNs per second to one host");
	fl->syn_max_done = detect_setting(set, "flood.syn_max_completed",
	    FLOOD_SYN_MAX_DONE, "flood: largest share of completed "
	    "handshakes in a SYN flood (0..1)");
	fl->rate[T_UDP] = detect_setting(set, "flood.udp_rate",
	    FLOOD_UDP_RATE, "flood: UDP packets per second to one host");
	fl->udp_max_reply = detect_setting(set, "flood.udp_max_reply",
	    FLOOD_UDP_MAX_REPLY, "flood: largest share of packets the "
	    "target sends back in a UDP flood (0..1)");
	fl->rate[T_ICMP] = detect_setting(set, "flood.icmp_rate",
	    FLOOD_ICMP_RATE, "flood: ICMP packets per second to one host");
	fl->rate[T_REFL] = detect_setting(set, "flood.reflection_rate",
	    FLOOD_REFL_RATE, "flood: responses per second from amplifier "
	    "ports (DNS, NTP, SSDP, memcached, ...) to one host");
	fl->refl_min_amp = detect_setting(set, "flood.reflection_min_amp",
	    FLOOD_REFL_MIN_AMP, "flood: response bytes per request byte "
	    "the target sent");
	fl->rate[T_SYNACK] = detect_setting(set, "flood.synack_rate",
	    FLOOD_SYNACK_RATE, "flood: unsolicited SYN-ACKs per second to "
	    "one host");
	fl->rate[T_TCPX] = detect_setting(set, "flood.tcp_rate",
	    FLOOD_TCP_RATE, "flood: TCP packets per second to one host "
	    "outside any handshake (ACK, RST, FIN floods)");
	fl->rate[T_IP] = detect_setting(set, "flood.ip_rate",
	    FLOOD_IP_RATE, "flood: packets per second to one host of IP "
	    "protocols other than TCP, UDP and ICMP (GRE, ...)");
	fl->ip_max_reply = detect_setting(set, "flood.ip_max_reply",
	    FLOOD_IP_MAX_REPLY, "flood: largest share of packets the target "
	    "sends back in an IP protocol flood (0..1)");
	fl->rate[T_FRAG] = detect_setting(set, "flood.frag_rate",
	    FLOOD_FRAG_RATE, "flood: IP fragments per second to one host "
	    "that carry no transport header (the rest of a datagram)");
	fl->frag_max_reply = detect_setting(set, "flood.frag_max_reply",
	    FLOOD_FRAG_MAX_REPLY, "flood: largest share of packets the "
	    "target sends back in a fragment flood (0..1)");
	fl->rate[T_CONN] = detect_setting(set, "flood.conn_rate",
	    FLOOD_CONN_RATE, "flood: connections per second one or two "
	    "hosts complete with one host (HTTP and login floods)");
	fl->top_share = detect_setting(set, "flood.top_share",
	    FLOOD_TOP_SHARE, "flood: share of a flood one source must send "
	    "to be named as its sender (0..1)");
	double idle = detect_setting(set, "flood.idle_s", FLOOD_IDLE_S,
	    "flood: an episode ends after this long below a quarter of the "
	    "rate (s)");
	double mem = 1024 * detect_setting(set, "flood.memcap_kb",
	    FLOOD_MEMCAP / 1024, "flood: memory for its table (KiB)");
	for (int i = 0; i < T__COUNT; i++)
		if (fl->rate[i] < 1)
			fl->rate[i] = 1;
	fl->idle_ns = (uint64_t)(idle * 1e9);
	fl->t = lrutab_new(sizeof(struct vkey), sizeof(struct victim),
	    lrutab_entries_for(sizeof(struct vkey), sizeof(struct victim),
	    (size_t)mem), ctx->seed ^ 2, on_evict, fl);
	if (!fl->t) {
		snprintf(err, errlen, "flood: cannot allocate its table");
		flood_destroy(fl);
		return NULL;
	}
	return fl;
}

const struct check_ops check_flood = {
	.name = "flood",
	.create = flood_create,
	.destroy = flood_destroy,
	.packet = flood_packet,
	.tick = flood_tick,
	.finish = flood_finish,
};
