/* check_scan.c - reconnaissance: horizontal scans (one source, many hosts
 * on one port: Mirai's TCP/23 sweep), vertical scans (many ports or IP
 * protocols on one host; SYN, connect, FIN/NULL/XMAS, ACK/window, Maimon,
 * UDP, IP-protocol probes), ARP scans and ICMP echo sweeps.
 *
 * Two tables: "h" keyed by (scanner, kind, port) counting distinct
 * targets, "v" keyed by (scanner, target) counting distinct ports. Distinct
 * counts are approximate (episode.h's fixed 512-bit linear counter), so a
 * table entry has a fixed size whatever the scan's width. A probe is the
 * first packet of a conversation (a SYN, a stealth flag combination on a
 * new flow, a new UDP flow, an echo request, an ARP who-has); an answer
 * (SYN-ACK, UDP reply, echo reply, ARP reply) is counted against the
 * entry, and an episode only opens when few probes were answered, which is
 * what separates a scan from a busy but ordinary client (a browser opening
 * fifty connections gets fifty SYN-ACKs). */
#include "detect/detect_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

enum kind { K_TCP = 1, K_UDP, K_ICMP, K_ARP, K_IP };

/* probe types, for naming a vertical scan */
enum ptype { P_SYN, P_FIN, P_NULL, P_XMAS, P_ACK, P_MAIMON, P_UDP, P_IP,
	P__COUNT };
static const char *const ptype_name[P__COUNT] = {
	"TCP SYN", "TCP FIN", "TCP NULL", "TCP XMAS", "TCP ACK/window",
	"TCP Maimon", "UDP", "IP protocol",
};

struct hkey {
	struct addr src;	/* ARP: family 0, MAC in a[0..5] */
	uint8_t kind;
	uint8_t pad;
	uint16_t port;
};

struct vkey {
	struct addr src, dst;
	uint16_t pad;
};

/* Shared part of both tables' records. */
struct track {
	struct dset win;		/* targets in the current window */
	struct dset all;		/* targets in the open episode */
	uint64_t win_start, last;
	uint32_t win_probes, win_answered;
	/* the slow tier: a longer window with a higher threshold, for scans
	 * paced to stay under the fast one (nmap -T2, FTP bounce) */
	struct dset swin;
	uint64_t swin_start;
	uint32_t swin_probes, swin_answered;
	uint8_t slow;			/* episode opened on the slow tier */
	uint32_t ep_answered;
	double peak;			/* most targets in one window */
	struct episode ep;
	uint64_t flow_id;
	uint8_t has_mac;
	uint8_t mac[6];
	uint8_t first_target[16];	/* first target of the episode */
	uint8_t first_family;
	uint32_t probes, from20;	/* all probes / from port 20 */
	uint32_t ptypes[P__COUNT];	/* probes by type (episode) */
	uint8_t has_own4;		/* ARP: the sender address used */
	uint8_t own4[4];
};

struct scan {
	const struct detect_ctx *ctx;
	struct lrutab *h, *v;
	uint64_t window_ns, idle_ns, slow_ns;
	double thr_h, thr_v, thr_arp, thr_icmp, max_answered, thr_slow;
	/* Gateways: MACs that deliver traffic from remote addresses to
	 * internal ones. Routers sweep their subnet with ARP to find devices
	 * (ISP boxes do it every few minutes), so a gateway's ARP sweep is
	 * not reported unless scan.gateway_arp is set. */
	uint8_t gw[SCAN_GATEWAYS][6];
	unsigned ngw;
	int gateway_arp;
	/* FTP control connections seen (server -> client), to name whoever
	 * drives an FTP bounce scan: its probes leave the FTP server from
	 * port 20 */
	struct {
		struct addr server, client;
		uint64_t ts;
	} ftp[SCAN_FTP_CTRL];
	uint64_t alerts;
	uint64_t next_ongoing;		/* see ep_ongoing_walk */
	uint32_t nopen;			/* open episodes: no walk while 0 */
};

static double thr_of(const struct scan *s, int vertical, uint8_t kind)
{
	if (vertical)
		return s->thr_v;
	if (kind == K_ARP)
		return s->thr_arp;
	if (kind == K_ICMP)
		return s->thr_icmp;
	return s->thr_h;
}

static const char *kind_name(uint8_t kind)
{
	switch (kind) {
	case K_TCP: return "TCP";
	case K_UDP: return "UDP";
	case K_ICMP: return "ICMP echo";
	case K_ARP: return "ARP";
	default: return "IP";
	}
}

static void fmt_target(const struct track *t, char *buf, size_t n)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	a.family = t->first_family;
	memcpy(a.a, t->first_target, 16);
	addr_fmt(&a, buf, n);
}

/* A /24 (or /64) around an address, for naming a sweep. */
static void fmt_net(const struct track *t, char *buf, size_t n)
{
	if (t->first_family == 4)
		snprintf(buf, n, "%u.%u.%u.0/24", t->first_target[0],
		    t->first_target[1], t->first_target[2]);
	else if (t->first_family == 6) {
		struct addr a;
		char tmp[ADDR_STRLEN];
		memset(&a, 0, sizeof(a));
		a.family = 6;
		memcpy(a.a, t->first_target, 8);
		addr_fmt(&a, tmp, sizeof(tmp));
		snprintf(buf, n, "%s/64", tmp);
	} else
		snprintf(buf, n, "the local network");
}

static enum ptype main_ptype(const struct track *t)
{
	enum ptype best = P_SYN;
	for (int i = 1; i < P__COUNT; i++)
		if (t->ptypes[i] > t->ptypes[best])
			best = (enum ptype)i;
	return best;
}

static void ftp_control(struct scan *s, const struct packet *p)
{
	unsigned old = 0;
	for (unsigned i = 0; i < SCAN_FTP_CTRL; i++) {
		if (memcmp(&s->ftp[i].server, &p->dst, sizeof(p->dst)) == 0) {
			old = i;
			break;
		}
		if (s->ftp[i].ts < s->ftp[old].ts)
			old = i;
	}
	s->ftp[old].server = p->dst;
	s->ftp[old].client = p->src;
	s->ftp[old].ts = p->ts_ns;
}

static const struct addr *ftp_client_of(const struct scan *s,
    const struct addr *server)
{
	for (unsigned i = 0; i < SCAN_FTP_CTRL; i++)
		if (s->ftp[i].ts &&
		    memcmp(&s->ftp[i].server, server, sizeof(*server)) == 0)
			return &s->ftp[i].client;
	return NULL;
}

/* Report t's episode: when it ends, or while it goes on (ongoing: it
 * stays open). */
static void emit(struct scan *s, int vertical, const void *key,
    struct track *t, int ongoing)
{
	struct alert a;
	char tgt[ADDR_STRLEN + 8], net[ADDR_STRLEN + 8];
	double distinct = dset_estimate(&t->all);
	double thr;
	double ans;
	uint8_t kind;
	int home;

	if (!t->ep.open)
		return;
	if (!ongoing) {
		t->ep.open = 0;
		s->nopen--;
	}
	if (vertical) {
		const struct vkey *k = key;
		kind = K_TCP;
		home = homenet_contains(&s->ctx->home, &k->src);
	} else {
		const struct hkey *k = key;
		kind = k->kind;
		home = k->kind == K_ARP ? 1 :
		    homenet_contains(&s->ctx->home, &k->src);
	}
	thr = thr_of(s, vertical, kind);
	if (t->slow && s->thr_slow > thr)
		thr = s->thr_slow;
	double wsec = (double)(t->slow ? s->slow_ns : s->window_ns) / 1e9;
	/* the counter estimates; it cannot have seen more than the probes */
	if (t->peak > (double)t->ep.count)
		t->peak = (double)t->ep.count;
	if (distinct < t->peak)
		distinct = t->peak;
	if (distinct > (double)t->ep.count)
		distinct = (double)t->ep.count;
	fmt_target(t, tgt, sizeof(tgt));
	fmt_net(t, net, sizeof(net));

	const char *mitre = home ? "T1046" : "T1595";
	if (!vertical && (kind == K_ARP || kind == K_ICMP))
		mitre = home ? "T1018" : "T1595.001";
	alert_init(&a, 1000, ALERT_CAT_SCAN, home ? 1 : 2, mitre, "scan",
	    t->ep.start);
	a.ts_end = t->ep.last;
	a.count = t->ep.count;
	a.flow_id = t->flow_id;
	if (t->has_mac) {
		a.has_src_mac = 1;
		memcpy(a.src_mac, t->mac, 6);
	}
	ans = t->ep.count ? (double)t->ep_answered / (double)t->ep.count : 0;
	if (vertical) {
		const struct vkey *k = key;
		enum ptype pt = main_ptype(t);
		a.sid = 1001 + (uint32_t)pt;
		a.src = k->src;
		a.dst = k->dst;
		a.proto = pt == P_UDP ? IPPROTO_NUM_UDP :
		    pt == P_IP ? 0 : IPPROTO_NUM_TCP;
		const struct addr *drv = NULL;
		if (pt == P_SYN && (uint64_t)t->from20 * 10 >=
		    (uint64_t)t->probes * 9)
			drv = ftp_client_of(s, &k->src);
		if (drv) {
			/* an FTP bounce: the FTP server sends the probes for
			 * the client that gave it PORT commands */
			char vs[ADDR_STRLEN], ds[ADDR_STRLEN];
			addr_fmt(&k->src, vs, sizeof(vs));
			addr_fmt(drv, ds, sizeof(ds));
			a.sid = 1009;
			a.src = *drv;
			a.via = k->src;
			a.has_src_mac = 0;
			alert_signature(&a, "FTP bounce port scan of %s via %s",
			    tgt, vs);
			alert_kv_str(&a, "bounce_via", vs);
			alert_kv_str(&a, "driven_by", ds);
			home = homenet_contains(&s->ctx->home, drv);
			a.severity = home ? 1 : 2;
		} else
			alert_signature(&a, "%s port scan of %s",
			    ptype_name[pt], tgt);
		alert_text(&a, "%.0f distinct %s on %s within %.0f s "
		    "(%" PRIu64 " probes, %.0f%% answered); threshold %.0f",
		    t->peak, pt == P_IP ? "IP protocols" : "ports", tgt, wsec,
		    t->ep.count, ans * 100, thr);
		alert_kv_str(&a, "scan_type", "vertical");
		alert_kv_str(&a, "probe", ptype_name[pt]);
		alert_kv_num(&a, "distinct_ports", distinct);
	} else {
		const struct hkey *k = key;
		if (k->kind == K_ARP) {
			a.sid = 1020;
			if (t->has_mac == 0) {
				a.has_src_mac = 1;
				memcpy(a.src_mac, k->src.a, 6);
			}
			/* the MAC's own IPv4, when its requests gave one */
			if (t->has_own4)
				addr_set4(&a.src, t->own4);
			alert_signature(&a, "ARP scan of %s", net);
			alert_text(&a, "who-has for %.0f distinct addresses "
			    "within %.0f s (%" PRIu64 " requests, %.0f%% "
			    "answered); threshold %.0f", t->peak,
			    wsec, t->ep.count,
			    ans * 100, thr);
		} else if (k->kind == K_ICMP) {
			a.sid = 1021;
			a.src = k->src;
			a.proto = k->src.family == 6 ? IPPROTO_NUM_ICMPV6 :
			    IPPROTO_NUM_ICMP;
			alert_signature(&a, "ICMP ping sweep of %s", net);
			alert_text(&a, "echo requests to %.0f distinct hosts "
			    "within %.0f s (%" PRIu64 " requests, %.0f%% "
			    "answered); threshold %.0f", t->peak,
			    wsec, t->ep.count,
			    ans * 100, thr);
		} else {
			int mirai = k->kind == K_TCP &&
			    (k->port == 23 || k->port == 2323);
			a.sid = mirai ? 1012 : k->kind == K_UDP ? 1011 : 1010;
			a.src = k->src;
			a.dest_port = k->port;
			a.proto = k->kind == K_UDP ? IPPROTO_NUM_UDP :
			    IPPROTO_NUM_TCP;
			alert_signature(&a, "%s/%u horizontal scan%s",
			    kind_name(k->kind), k->port, mirai ?
			    " (Mirai-style telnet sweep)" : "");
			alert_text(&a, "%.0f distinct destinations on %s/%u "
			    "within %.0f s (%" PRIu64 " probes, %.0f%% "
			    "answered); threshold %.0f", t->peak,
			    kind_name(k->kind), k->port,
			    wsec, t->ep.count,
			    ans * 100, thr);
		}
		alert_kv_str(&a, "scan_type", k->kind == K_ARP ? "arp" :
		    k->kind == K_ICMP ? "icmp-sweep" : "horizontal");
		alert_kv_num(&a, "distinct_hosts", distinct);
		alert_kv_str(&a, "first_target", tgt);
	}
	alert_kv_num(&a, "peak_in_window", t->peak);
	alert_kv_num(&a, "threshold", thr);
	alert_kv_num(&a, "window_s", wsec);
	alert_kv_str(&a, "tier", t->slow ? "slow" : "fast");
	alert_kv_num(&a, "probes", (double)t->ep.count);
	alert_kv_num(&a, "answered_ratio", ans);
	alert_kv_num(&a, "max_answered_ratio", s->max_answered);
	alert_kv_str(&a, "counting", "approximate (512-bit linear counter)");
	a.ongoing = (uint8_t)ongoing;
	alert_emit(s->ctx->sink, &a);
	s->alerts++;
}

static void on_evict_h(const void *key, void *val, void *ud)
{
	emit(ud, 0, key, val, 0);
}

static void on_evict_v(const void *key, void *val, void *ud)
{
	emit(ud, 1, key, val, 0);
}

/* Count one probe of target hash th against t; open an episode when the
 * window's distinct targets reach thr with few answers. */
static void probe(struct scan *s, struct track *t, uint64_t th, double thr,
    int need_unanswered, const struct detect_pkt *dp,
    const uint8_t *target, uint8_t family, enum ptype pt)
{
	uint64_t now = dp->p->ts_ns;

	if (t->win_start == 0 || now < t->win_start ||
	    now - t->win_start >= s->window_ns) {
		dset_clear(&t->win);
		t->win_start = now;
		t->win_probes = 0;
		t->win_answered = 0;
	}
	if (t->swin_start == 0 || now < t->swin_start ||
	    now - t->swin_start >= s->slow_ns) {
		dset_clear(&t->swin);
		t->swin_start = now;
		t->swin_probes = 0;
		t->swin_answered = 0;
	}
	t->probes++;
	if (dp->p->sport == 20 && dp->p->l4proto == IPPROTO_NUM_TCP)
		t->from20++;
	t->last = now;
	dset_add(&t->win, th);
	t->win_probes++;
	dset_add(&t->swin, th);
	t->swin_probes++;
	if (t->ep.open) {
		dset_add(&t->all, th);
		t->ep.count++;
		t->ep.last = now;
		t->ptypes[pt]++;
		double est = dset_estimate(t->slow ? &t->swin : &t->win);
		if (est > t->peak)
			t->peak = est;
		return;
	}
	if (!t->first_family) {
		t->first_family = family;
		memcpy(t->first_target, target, family == 6 ? 16 : 4);
		if (dp->f)
			t->flow_id = dp->f->flow_id;
	}
	double est = dset_estimate(&t->win);
	double sest = dset_estimate(&t->swin);
	int slow = 0;
	if (est >= thr) {
		if (need_unanswered && (double)t->win_answered >
		    s->max_answered * (double)t->win_probes)
			return;
	} else if (pt != P_IP && t->swin_start != t->win_start &&
	    sest >= s->thr_slow && sest >= thr) {
		if (need_unanswered && (double)t->swin_answered >
		    s->max_answered * (double)t->swin_probes)
			return;
		slow = 1;
	} else
		return;
	t->slow = (uint8_t)slow;
	episode_open(&t->ep, slow ? t->swin_start : t->win_start, now);
	s->nopen++;
	t->ep.count = slow ? t->swin_probes : t->win_probes;
	t->ep_answered = slow ? t->swin_answered : t->win_answered;
	t->all = slow ? t->swin : t->win;
	t->peak = slow ? sest : est;
	memset(t->ptypes, 0, sizeof(t->ptypes));
	t->ptypes[pt] = (uint32_t)t->ep.count;
	if (dp->p->has_eth && family != 0) {
		t->has_mac = 1;
		memcpy(t->mac, dp->p->src_mac, 6);
	}
}

static void answer(struct track *t)
{
	t->win_answered++;
	t->swin_answered++;
	if (t->ep.open)
		t->ep_answered++;
}

static void hkey_set(struct hkey *k, const struct addr *src, uint8_t kind,
    uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->src = *src;
	k->kind = kind;
	k->port = port;
}

static void vkey_set(struct vkey *k, const struct addr *src,
    const struct addr *dst)
{
	memset(k, 0, sizeof(*k));
	k->src = *src;
	k->dst = *dst;
}

static uint64_t addr_hash(const struct addr *a)
{
	return ep_hash_bytes(a->a, a->family == 6 ? 16 : 4, a->family);
}

static void do_horizontal(struct scan *s, const struct detect_pkt *dp,
    uint8_t kind, uint16_t port, enum ptype pt, int need_unanswered)
{
	const struct packet *p = dp->p;
	struct hkey k;

	hkey_set(&k, &p->src, kind, port);
	struct track *t = lrutab_get(s->h, &k, NULL);
	probe(s, t, addr_hash(&p->dst), thr_of(s, 0, kind), need_unanswered,
	    dp, p->dst.a, p->dst.family, pt);
}

static void do_vertical(struct scan *s, const struct detect_pkt *dp,
    uint32_t item, enum ptype pt)
{
	const struct packet *p = dp->p;
	struct vkey k;

	vkey_set(&k, &p->src, &p->dst);
	struct track *t = lrutab_get(s->v, &k, NULL);
	probe(s, t, ep_mix64(item + UINT64_C(0x51ed2701)), s->thr_v, 1, dp,
	    p->dst.a, p->dst.family, pt);
}

/* An answer from p->src to the prober p->dst. */
static void do_answer(struct scan *s, const struct packet *p, uint8_t kind,
    uint16_t port, int vertical)
{
	struct hkey hk;
	struct track *t;

	hkey_set(&hk, &p->dst, kind, port);
	if ((t = lrutab_find(s->h, &hk)) != NULL)
		answer(t);
	if (vertical) {
		struct vkey vk;
		vkey_set(&vk, &p->dst, &p->src);
		if ((t = lrutab_find(s->v, &vk)) != NULL)
			answer(t);
	}
}

static int is_gateway(const struct scan *s, const uint8_t *mac)
{
	for (unsigned i = 0; i < s->ngw; i++)
		if (memcmp(s->gw[i], mac, 6) == 0)
			return 1;
	return 0;
}

static void learn_gateway(struct scan *s, const struct detect_pkt *dp)
{
	const struct packet *p = dp->p;

	if (!p->has_eth || dp->src_home || !dp->dst_home ||
	    is_gateway(s, p->src_mac) || s->ngw >= SCAN_GATEWAYS)
		return;
	memcpy(s->gw[s->ngw++], p->src_mac, 6);
}

static void on_arp(struct scan *s, const struct detect_pkt *dp)
{
	const struct packet *p = dp->p;
	struct hkey k;
	struct addr a;

	memset(&k, 0, sizeof(k));
	k.kind = K_ARP;
	if (p->arp.op == 2) {
		/* a reply to the scanner's MAC */
		memcpy(k.src.a, p->arp.tha, 6);
		struct track *t = lrutab_find(s->h, &k);
		if (t)
			answer(t);
		return;
	}
	if (p->arp.op != 1)
		return;
	/* gratuitous announcements and probes for one's own address are not
	 * targets */
	if (memcmp(p->arp.spa, p->arp.tpa, 4) == 0)
		return;
	if (!s->gateway_arp && is_gateway(s, p->arp.sha))
		return;
	memcpy(k.src.a, p->arp.sha, 6);
	addr_set4(&a, p->arp.tpa);
	struct track *t = lrutab_get(s->h, &k, NULL);
	if (!t->has_own4 && (p->arp.spa[0] | p->arp.spa[1] | p->arp.spa[2] |
	    p->arp.spa[3])) {
		t->has_own4 = 1;
		memcpy(t->own4, p->arp.spa, 4);
	}
	probe(s, t, addr_hash(&a), s->thr_arp, 1, dp, p->arp.tpa, 4, P_IP);
}

static int is_echo_req(const struct packet *p)
{
	return p->l4proto == IPPROTO_NUM_ICMP ? p->icmp_type == 8 :
	    p->icmp_type == 128;
}

static int is_echo_rep(const struct packet *p)
{
	return p->l4proto == IPPROTO_NUM_ICMP ? p->icmp_type == 0 :
	    p->icmp_type == 129;
}

static void on_tcp(struct scan *s, const struct detect_pkt *dp)
{
	const struct packet *p = dp->p;
	const struct flow *f = dp->f;
	uint8_t fl = p->tcp_flags;
	enum ptype pt;

	if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
		do_answer(s, p, K_TCP, p->sport, 1);
		return;
	}
	if (fl & TCP_RST)
		return;
	if (p->dport == 21 && dp->to_server && p->payload_len)
		ftp_control(s, p);
	if ((fl & TCP_SYN) && !(fl & TCP_ACK)) {
		do_horizontal(s, dp, K_TCP, p->dport, P_SYN, 1);
		do_vertical(s, dp, (uint32_t)IPPROTO_NUM_TCP << 16 | p->dport,
		    P_SYN);
		return;
	}
	/* stealth probes: a flag combination opening a conversation that
	 * never had a SYN and got no answer yet */
	if (!f || !dp->to_server || f->pkts_toserver > 2 ||
	    f->pkts_toclient > 1 || (f->tcp_flags_ts & TCP_SYN))
		return;
	fl &= (uint8_t)~(TCP_ECE | TCP_CWR);
	if (fl == 0)
		pt = P_NULL;
	else if (fl == TCP_FIN)
		pt = P_FIN;
	else if (fl == (TCP_FIN | TCP_PSH | TCP_URG))
		pt = P_XMAS;
	else if (fl == TCP_ACK)
		pt = P_ACK;
	else if (fl == (TCP_FIN | TCP_ACK))
		pt = P_MAIMON;
	else
		return;
	do_vertical(s, dp, (uint32_t)IPPROTO_NUM_TCP << 16 | p->dport, pt);
}

static void scan_packet(void *st, const struct detect_pkt *dp)
{
	struct scan *s = st;
	const struct packet *p = dp->p;
	const struct flow *f = dp->f;

	if (p->has_arp) {
		on_arp(s, dp);
		return;
	}
	if (!p->ip_version || (p->frag && !p->frag_first))
		return;
	learn_gateway(s, dp);
	switch (p->l4proto) {
	case IPPROTO_NUM_TCP:
		if (p->has_l4)
			on_tcp(s, dp);
		return;
	case IPPROTO_NUM_UDP:
		if (!p->has_l4)
			return;
		if (f && !dp->to_server) {
			if (f->pkts_toclient == 1)
				do_answer(s, p, K_UDP, p->sport, 1);
			return;
		}
		if (f && f->pkts_toserver != 1)
			return;
		/* a DHCP server's offers to each client are new flows */
		if (p->sport == 67 || p->sport == 547)
			return;
		do_horizontal(s, dp, K_UDP, p->dport, P_UDP, 1);
		do_vertical(s, dp, (uint32_t)IPPROTO_NUM_UDP << 16 | p->dport,
		    P_UDP);
		return;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		if (!p->has_l4)
			return;
		if (is_echo_req(p))
			do_horizontal(s, dp, K_ICMP, 0, P_IP, 0);
		else if (is_echo_rep(p))
			do_answer(s, p, K_ICMP, 0, 0);
		return;
	default:
		/* nmap -sO: one probe per IP protocol number */
		if (f && (!dp->to_server || f->pkts_toserver != 1))
			return;
		do_vertical(s, dp, p->l4proto, P_IP);
		return;
	}
}

static void expire(struct scan *s, struct lrutab *t, int vertical,
    uint64_t now, int all)
{
	struct track *v, *nx;

	for (v = lrutab_first(t); v; v = nx) {
		nx = lrutab_next(t, v);
		/* LRU order is the order of last probes: stop at the first
		 * entry still active */
		if (!all && (now < v->last || now - v->last < s->idle_ns))
			break;
		emit(s, vertical, lrutab_key(t, v), v, 0);
		lrutab_del(t, v);
	}
}

/* The scans still going on. */
static void ongoing(struct scan *s, struct lrutab *t, int vertical,
    uint64_t now)
{
	for (struct track *v = lrutab_first(t); v; v = lrutab_next(t, v))
		if (episode_ongoing(&v->ep, now))
			emit(s, vertical, lrutab_key(t, v), v, 1);
}

static void scan_tick(void *st, uint64_t now)
{
	struct scan *s = st;
	expire(s, s->h, 0, now, 0);
	expire(s, s->v, 1, now, 0);
	if (s->nopen && ep_ongoing_walk(&s->next_ongoing, now)) {
		ongoing(s, s->h, 0, now);
		ongoing(s, s->v, 1, now);
	}
}

static void scan_finish(void *st, uint64_t now)
{
	struct scan *s = st;
	expire(s, s->h, 0, now, 1);
	expire(s, s->v, 1, now, 1);
}

static void scan_destroy(void *st)
{
	struct scan *s = st;
	if (!s)
		return;
	lrutab_free(s->h);
	lrutab_free(s->v);
	ew_free(s);
}

static void *scan_create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct scan *s = ew_calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "scan: out of memory");
		return NULL;
	}
	s->ctx = ctx;
	double win = detect_setting(set, "scan.window_s", SCAN_WINDOW_S,
	    "scan: window in which distinct targets are counted (s)");
	s->thr_h = detect_setting(set, "scan.horizontal_dests",
	    SCAN_HORIZONTAL_DESTS, "scan: distinct hosts on one port per "
	    "window");
	s->thr_v = detect_setting(set, "scan.vertical_ports",
	    SCAN_VERTICAL_PORTS, "scan: distinct ports/protocols on one host "
	    "per window");
	s->thr_arp = detect_setting(set, "scan.arp_targets", SCAN_ARP_TARGETS,
	    "scan: distinct who-has targets from one MAC per window");
	s->thr_icmp = detect_setting(set, "scan.icmp_targets",
	    SCAN_ICMP_TARGETS, "scan: distinct hosts pinged per window");
	s->max_answered = detect_setting(set, "scan.max_answered",
	    SCAN_MAX_ANSWERED, "scan: largest share of answered probes "
	    "that still counts as a scan (0..1)");
	double slow = detect_setting(set, "scan.slow_window_s",
	    SCAN_SLOW_WINDOW_S, "scan: the slow tier's window, for paced "
	    "scans (s)");
	s->thr_slow = detect_setting(set, "scan.slow_targets",
	    SCAN_SLOW_TARGETS, "scan: distinct hosts or ports per slow "
	    "window");
	s->gateway_arp = detect_setting(set, "scan.gateway_arp", 0,
	    "scan: 1 reports ARP sweeps by the gateway (routers sweep their "
	    "subnet to find devices), 0 ignores them") != 0;
	double idle = detect_setting(set, "scan.idle_s", SCAN_IDLE_S,
	    "scan: an episode ends after this long without probes (s)");
	double mem = 1024 * detect_setting(set, "scan.memcap_kb",
	    SCAN_MEMCAP / 1024, "scan: memory for both tables (KiB)");
	if (win < 1)
		win = 1;
	if (s->thr_h < 2)
		s->thr_h = 2;
	if (s->thr_v < 2)
		s->thr_v = 2;
	if (s->thr_arp < 2)
		s->thr_arp = 2;
	if (s->thr_icmp < 2)
		s->thr_icmp = 2;
	s->window_ns = (uint64_t)(win * 1e9);
	if (slow < win)
		slow = win;
	s->slow_ns = (uint64_t)(slow * 1e9);
	s->idle_ns = (uint64_t)(idle * 1e9);
	size_t half = (size_t)(mem / 2);
	s->h = lrutab_new(sizeof(struct hkey), sizeof(struct track),
	    lrutab_entries_for(sizeof(struct hkey), sizeof(struct track),
	    half), ctx->seed, on_evict_h, s);
	s->v = lrutab_new(sizeof(struct vkey), sizeof(struct track),
	    lrutab_entries_for(sizeof(struct vkey), sizeof(struct track),
	    half), ctx->seed ^ 1, on_evict_v, s);
	if (!s->h || !s->v) {
		snprintf(err, errlen, "scan: cannot allocate tables");
		scan_destroy(s);
		return NULL;
	}
	return s;
}

const struct check_ops check_scan = {
	.name = "scan",
	.create = scan_create,
	.destroy = scan_destroy,
	.packet = scan_packet,
	.tick = scan_tick,
	.finish = scan_finish,
};
