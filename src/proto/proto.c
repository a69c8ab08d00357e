/* proto.c - the proto stage: per-flow records, nDPI driving, and the
 * dispatch of UDP payloads to the parsers (TCP payloads go to
 * proto_tcp.c).
 *
 * Memory. Two budgets, both fixed at start-up:
 *  - per-flow records (struct proto_flow: the nDPI flow pointer and the
 *    TCP parsing state) are created only for a flow that carries payload
 *    (a payload-less SYN allocates nothing) and counted against
 *    cfg->flow_memcap / sizeof(record);
 *  - nDPI's per-flow state is charged byte for byte (ndpi_glue.c measures
 *    it) against cfg->ndpi_memcap, and freed the moment nDPI is done with
 *    a flow (classified, given up after ndpi_max_pkts, or flow end).
 * UDP and other non-TCP records exist only while nDPI works on the flow.
 * Every record is on a list so proto_free() releases what flows still
 * hold when the flow table is freed without end callbacks. */
#include "proto/proto.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "proto/proto_int.h"
#include "proto/proto_tcp.h"
#include "util/alloc.h"

struct proto_flow {
	struct proto_flow *prev, *next;	/* live records */
	/* flows nDPI works on, most recently fed first (nf != NULL) */
	struct proto_flow *nprev, *nnext;
	struct flow *flow;		/* owner (flows do not move) */
	uint64_t ndpi_last_ns;		/* packet time of the last feed */
	void *nf;			/* nDPI flow state, NULL when none */
	int64_t ndpi_bytes;		/* bytes charged for nf */
	uint32_t ndpi_pkts;		/* packets given to nDPI */
	struct proto_tcp_state tcp;
};

struct proto {
	struct proto_config cfg;
	struct proto_stats st;
	struct pndpi *ndpi;		/* NULL: nDPI off */
	struct proto_flow *head;	/* live records, newest first */
	struct proto_flow *nhead, *ntail;	/* nDPI LRU */
	uint64_t max_records;
	int64_t flow_bytes;		/* nDPI bytes of live flows */
	int64_t module_bytes;		/* nDPI bytes of the module */
	struct proto_tcp_state scratch;	/* for TCP when no record */
};

void proto_config_default(struct proto_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ndpi = 1;
	cfg->ndpi_memcap = PROTO_NDPI_MEMCAP;
	cfg->ndpi_max_pkts = PROTO_NDPI_MAX_PKTS;
	cfg->flow_memcap = PROTO_FLOW_MEMCAP;
}

const char *proto_kind_name(enum app_kind k)
{
	static const char *const names[] = {
		"none", "dhcp", "dhcp6", "dns", "mdns", "ssdp", "http",
		"tls_client_hello", "tls_server_hello", "ntp", "ssh_banner",
		"login", "stratum",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == APP__COUNT,
	    "one name per app_kind");
	return (unsigned)k < APP__COUNT ? names[k] : NULL;
}

struct proto *proto_new(const struct proto_config *cfg, char *err,
    size_t errlen)
{
	struct proto *ps = ew_calloc(1, sizeof(*ps));

	if (!ps) {
		snprintf(err, errlen, "proto: out of memory");
		return NULL;
	}
	ps->cfg = *cfg;
	if (ps->cfg.ndpi_max_pkts == 0)
		ps->cfg.ndpi_max_pkts = 1;
	ps->max_records = ps->cfg.flow_memcap / sizeof(struct proto_flow);
	if (cfg->ndpi) {
		ps->ndpi = pndpi_new(err, errlen);
		if (!ps->ndpi) {
			ew_free(ps);
			return NULL;
		}
		ps->module_bytes = pndpi_module_bytes(ps->ndpi);
		ps->st.ndpi_module_bytes = (uint64_t)ps->module_bytes;
	}
	return ps;
}

/* ---- nDPI byte accounting ------------------------------------------- */

static void charge(struct proto *ps, struct proto_flow *r, int64_t delta)
{
	r->ndpi_bytes += delta;
	ps->flow_bytes += delta;
	ps->st.ndpi_memuse = ps->flow_bytes > 0 ? (uint64_t)ps->flow_bytes : 0;
	if (ps->st.ndpi_memuse > ps->st.ndpi_memuse_peak)
		ps->st.ndpi_memuse_peak = ps->st.ndpi_memuse;
}

static void lru_unlink(struct proto *ps, struct proto_flow *r)
{
	if (r->nprev)
		r->nprev->nnext = r->nnext;
	else
		ps->nhead = r->nnext;
	if (r->nnext)
		r->nnext->nprev = r->nprev;
	else
		ps->ntail = r->nprev;
	r->nprev = r->nnext = NULL;
}

static void lru_front(struct proto *ps, struct proto_flow *r)
{
	r->nprev = NULL;
	r->nnext = ps->nhead;
	if (ps->nhead)
		ps->nhead->nprev = r;
	else
		ps->ntail = r;
	ps->nhead = r;
}

/* Free r's nDPI state. Whatever the flow was charged and its free did
 * not give back stayed in nDPI's module (caches it grew while working on
 * the flow): it moves to the module's figure, so the per-flow figure
 * returns to exactly zero when no flow is inspected. */
static void ndpi_release(struct proto *ps, struct proto_flow *r)
{
	int64_t delta;

	if (!r->nf)
		return;
	lru_unlink(ps, r);
	pndpi_flow_free(ps->ndpi, r->nf, &delta);
	r->nf = NULL;
	charge(ps, r, delta);
	ps->module_bytes += r->ndpi_bytes;
	ps->st.ndpi_module_bytes = ps->module_bytes > 0 ?
	    (uint64_t)ps->module_bytes : 0;
	charge(ps, r, -r->ndpi_bytes);
}

/* ---- records -------------------------------------------------------- */

static struct proto_flow *rec_get(struct proto *ps, struct flow *f)
{
	struct proto_flow *r = f->app;

	if (r)
		return r;
	if (ps->st.flow_records >= ps->max_records ||
	    !(r = ew_calloc(1, sizeof(*r)))) {
		ps->st.flow_records_denied++;
		return NULL;
	}
	r->next = ps->head;
	if (ps->head)
		ps->head->prev = r;
	ps->head = r;
	r->flow = f;
	ps->st.flow_records++;
	if (ps->st.flow_records > ps->st.flow_records_peak)
		ps->st.flow_records_peak = ps->st.flow_records;
	f->app = r;
	return r;
}

static void rec_free(struct proto *ps, struct proto_flow *r)
{
	ndpi_release(ps, r);
	if (r->prev)
		r->prev->next = r->next;
	else
		ps->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	ps->st.flow_records--;
	ew_free(r);
}

void proto_free(struct proto *ps)
{
	if (!ps)
		return;
	while (ps->head)
		rec_free(ps, ps->head);
	pndpi_free(ps->ndpi);
	ew_free(ps);
}

/* ---- nDPI per flow -------------------------------------------------- */

static void set_result(struct flow *f, const struct pndpi_result *res)
{
	f->app_master = res->master;
	f->app_id = res->app;
	f->app_risk = res->risk;
	f->app_guessed = res->guessed;
}

/* nDPI is done with f: free its state at once; a non-TCP record has no
 * other use and goes too. */
static void ndpi_done(struct proto *ps, struct flow *f, struct proto_flow *r)
{
	f->app_done = 1;
	if (f->app_master || f->app_id)
		ps->st.ndpi_classified++;
	ndpi_release(ps, r);
	if (f->proto != IPPROTO_NUM_TCP) {
		rec_free(ps, r);
		f->app = NULL;
	}
}

/* Room for one more nDPI flow: under the budget, or made by giving up
 * on the least recently fed flows that have been idle for
 * PROTO_NDPI_EVICT_IDLE seconds (a flood of one-packet flows would
 * otherwise hold the whole budget until the flows time out, and every
 * flow after it would go unclassified). */
static int ndpi_room(struct proto *ps, uint64_t now_ns)
{
	size_t cost = pndpi_flow_cost() + PROTO_NDPI_RESERVE;
	unsigned n;

	for (n = 0;; n++) {
		struct proto_flow *t = ps->ntail;
		struct pndpi_result res;
		int64_t delta;

		if (ps->st.ndpi_memuse + cost <= ps->cfg.ndpi_memcap)
			return 1;
		if (n >= PROTO_NDPI_EVICT_MAX || !t || now_ns < t->ndpi_last_ns ||
		    now_ns - t->ndpi_last_ns <
		    (uint64_t)PROTO_NDPI_EVICT_IDLE * 1000000000u)
			return 0;
		pndpi_giveup(ps->ndpi, t->nf, &res, &delta);
		charge(ps, t, delta);
		set_result(t->flow, &res);
		ps->st.ndpi_evicted_idle++;
		ndpi_done(ps, t->flow, t);
	}
}

static __attribute__((noinline)) void ndpi_step(struct proto *ps,
    const struct packet *p, struct flow *f)
{
	struct proto_flow *r;
	struct pndpi_result res;
	int64_t delta;
	int done;

	if (!ps->ndpi || f->app_done || !p->l3 || p->ip_len == 0)
		return;
	/* Payload-less TCP/UDP packets teach nDPI nothing worth a flow
	 * state (and a SYN flood must not allocate). */
	if ((p->l4proto == IPPROTO_NUM_TCP || p->l4proto == IPPROTO_NUM_UDP) &&
	    p->payload_len == 0)
		return;
	if (p->frag && !p->frag_first)
		return;
	r = rec_get(ps, f);
	if (!r)
		return;
	if (!r->nf) {
		if (!ndpi_room(ps, p->ts_ns) ||
		    !(r->nf = pndpi_flow_new(ps->ndpi, &delta))) {
			ps->st.ndpi_skipped_memcap++;
			f->app_done = 1;
			if (f->proto != IPPROTO_NUM_TCP) {
				rec_free(ps, r);
				f->app = NULL;
			}
			return;
		}
		charge(ps, r, delta);
		ps->st.ndpi_flows++;
	} else {
		lru_unlink(ps, r);
	}
	lru_front(ps, r);
	r->ndpi_last_ns = p->ts_ns;
	done = pndpi_feed(ps->ndpi, r->nf, p->l3, p->ip_len,
	    p->ts_ns / 1000000u, &res, &delta);
	charge(ps, r, delta);
	r->ndpi_pkts++;
	ps->st.ndpi_packets++;
	set_result(f, &res);
	if (!done && (r->ndpi_pkts >= ps->cfg.ndpi_max_pkts ||
	    ps->st.ndpi_memuse + PROTO_NDPI_RESERVE > ps->cfg.ndpi_memcap)) {
		pndpi_giveup(ps->ndpi, r->nf, &res, &delta);
		charge(ps, r, delta);
		set_result(f, &res);
		done = 1;
	}
	if (done)
		ndpi_done(ps, f, r);
}

void proto_flow_end(struct proto *ps, struct flow *f)
{
	struct proto_flow *r = f->app;
	struct pndpi_result res;
	int64_t delta;

	if (!r)
		return;
	if (r->nf) {
		pndpi_giveup(ps->ndpi, r->nf, &res, &delta);
		charge(ps, r, delta);
		set_result(f, &res);
		f->app_done = 1;
		if (f->app_master || f->app_id)
			ps->st.ndpi_classified++;
	}
	rec_free(ps, r);
	f->app = NULL;
}

/* ---- per packet ----------------------------------------------------- */

static void count(struct proto *ps, struct app_meta *m, enum app_kind k,
    int rc)
{
	if (rc == 0) {
		m->kind = k;
		ps->st.parsed[k]++;
	} else {
		m->kind = APP_NONE;
		ps->st.malformed++;
	}
}

static int either(const struct packet *p, uint16_t a, uint16_t b)
{
	return p->sport == a || p->dport == a || p->sport == b ||
	    p->dport == b;
}

static __attribute__((noinline)) void inspect_udp(struct proto *ps,
    const struct packet *p, struct app_meta *m)
{
	const uint8_t *d = p->payload;
	size_t n = p->payload_len;

	if (n == 0)
		return;
	if (either(p, 5353, 5353))
		count(ps, m, APP_MDNS, proto_parse_dns(d, n, &m->u.dns));
	else if (either(p, 53, 53))
		count(ps, m, APP_DNS, proto_parse_dns(d, n, &m->u.dns));
	else if (either(p, 67, 68))
		count(ps, m, APP_DHCP, proto_parse_dhcp(d, n, &m->u.dhcp));
	else if (either(p, 546, 547))
		count(ps, m, APP_DHCP6, proto_parse_dhcp6(d, n, &m->u.dhcp6));
	else if (either(p, 1900, 1900))
		count(ps, m, APP_SSDP, proto_parse_ssdp(d, n, &m->u.ssdp));
	else if (either(p, 123, 123))
		count(ps, m, APP_NTP, proto_parse_ntp(d, n, &m->u.ntp));
}

/* A TCP segment with payload that proto_tcp_inspect reads. */
static __attribute__((noinline)) void inspect_tcp(struct proto *ps,
    const struct packet *p, struct flow *f, struct proto_flow *r,
    int to_server, struct app_meta *meta)
{
	struct proto_tcp_state *st = &ps->scratch;

	if (r)
		st = &r->tcp;
	else
		memset(st, 0, sizeof(*st));
	proto_tcp_inspect(st, p, f, to_server, meta);
	if (meta->kind != APP_NONE && (unsigned)meta->kind <
	    sizeof(ps->st.parsed) / sizeof(ps->st.parsed[0]))
		ps->st.parsed[meta->kind]++;
}

/* proto_tcp_past's equivalence with proto_tcp_inspect's own test needs
 * the limits below the counters' saturation. */
_Static_assert(PROTO_TCP_MAX_PKTS < 255 && PROTO_TCP_LOGIN_MAX_PKTS < 255,
    "TCP inspection limits below the saturating segment counters");

/* The per-packet entry stays small (most packets are bulk TCP data past
 * the inspected segments of a flow nDPI is done with): the work is in
 * functions it calls. */
void proto_inspect(struct proto *ps, const struct packet *p,
    struct flow *f, int to_server, struct app_meta *meta)
{
	meta->kind = APP_NONE;
	meta->to_server = (uint8_t)(to_server != 0);
	if (f && !f->app_done)
		ndpi_step(ps, p, f);
	if (!p->has_l4)
		return;
	if (p->l4proto == IPPROTO_NUM_UDP) {
		/* stateless: parsed even when the flow table had no room */
		inspect_udp(ps, p, meta);
	} else if (p->l4proto == IPPROTO_NUM_TCP && f && p->payload_len > 0) {
		struct proto_flow *r = f->app ? f->app : rec_get(ps, f);
		int dir = to_server ? 1 : 0;

		/* bulk data past the inspected segments: count it, as
		 * proto_tcp_inspect would, and stop */
		if (r && p->payload && proto_tcp_past(&r->tcp, dir,
		    PROTO_TCP_MAX_PKTS, PROTO_TCP_LOGIN_MAX_PKTS)) {
			proto_tcp_count(&r->tcp, dir);
			return;
		}
		inspect_tcp(ps, p, f, r, to_server, meta);
	}
}

/* ---- flow-level answers --------------------------------------------- */

const char *proto_app_name(const struct proto *ps, const struct flow *f,
    char *buf, size_t size)
{
	if (!ps->ndpi)
		return NULL;
	return pndpi_name(ps->ndpi, f->app_master, f->app_id, buf, size);
}

/* Ports whose protocol is (almost always) encrypted / cleartext, for
 * flows nDPI did not name. */
static const uint16_t tcp_enc[] = { 22, 443, 465, 563, 636, 853, 990, 992,
	993, 994, 995, 3389, 5061, 5223, 8443, 8883 };
static const uint16_t tcp_clear[] = { 21, 23, 25, 80, 110, 119, 143, 389,
	513, 554, 1883, 2323, 5060, 6379, 8000, 8080, 8081 };
static const uint16_t udp_enc[] = { 443, 500, 853, 1194, 4500, 51820 };
static const uint16_t udp_clear[] = { 53, 67, 68, 69, 123, 161, 162, 514,
	546, 547, 1900, 5060, 5353, 5355 };

static int in_list(const uint16_t *l, size_t n, uint16_t port)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == port)
			return 1;
	return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int proto_flow_cleartext(const struct proto *ps, const struct flow *f)
{
	uint16_t port = f->srv_port;

	/* no application data at all (a scan, a refused connection): the
	 * question has no answer, whatever the port */
	if (f->payload_ts == 0 && f->payload_tc == 0)
		return -1;
	if (ps->ndpi && (f->app_master || f->app_id)) {
		int c = pndpi_cleartext(ps->ndpi, f->app_master, f->app_id);
		if (c >= 0)
			return c;
	}
	if (f->proto == IPPROTO_NUM_TCP) {
		if (in_list(tcp_enc, NELEM(tcp_enc), port))
			return 0;
		if (in_list(tcp_clear, NELEM(tcp_clear), port))
			return 1;
	} else if (f->proto == IPPROTO_NUM_UDP) {
		if (in_list(udp_enc, NELEM(udp_enc), port))
			return 0;
		if (in_list(udp_clear, NELEM(udp_clear), port))
			return 1;
	}
	return -1;
}

const char *proto_risk_name(unsigned bit)
{
	return pndpi_risk_name(bit);
}

const struct proto_stats *proto_stats(const struct proto *ps)
{
	return &ps->st;
}
