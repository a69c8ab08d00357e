/* features.c - the per-packet feature vector: bounded tables of damped
 * statistics and the vector assembly (layout in feat_internal.h).
 *
 * Per packet with IP (or ARP, from the ARP header's sender/target) we touch
 * at most six table entries: the source MAC+IP, the channel (unordered IP
 * pair), the socket (unordered IP:port pair), the source and destination
 * IP hosts, and a recency record of the contacted service (only when the
 * socket is new). The damped sums are kept in forward-decay form against a
 * base time shared by all entries (incstat.h), so an update is a few adds
 * with the packet's growth factors; an entry is rescaled only when the
 * base has moved since it was last touched. Time is the packet timestamp
 * relative to the first packet, made monotone: a packet older than one
 * already seen counts as simultaneous (dt = 0).
 *
 * Entries are evicted least-recently-updated first when a table is full
 * (counted), and reclaimed when their slowest weight has decayed below
 * FEAT_WEIGHT_FLOOR or they have been idle FEAT_IDLE_MAX: the LRU heads
 * are checked every FEAT_RECLAIM_EVERY packets (counted). */
#include "features/features.h"

#include <math.h>
#include <string.h>

#include "config.h"
#include "features/feat_internal.h"
#include "features/incstat.h"
#include "util/alloc.h"
#include "util/lrutab.h"

_Static_assert(FEAT_N <= FEAT_MAX, "feature vector longer than FEAT_MAX");

/* ---- keys (byte arrays only: no padding to zero) ---------------------- */

struct ip_key {
	uint8_t fam;
	uint8_t a[16];
};

struct mi_key {
	uint8_t mac[6];
	struct ip_key ip;
};

struct chan_key {
	struct ip_key x, y;	/* x <= y bytewise */
};

struct sock_side {
	struct ip_key ip;
	uint8_t port[2];
};

struct sock_key {
	struct sock_side x, y;	/* x <= y bytewise */
	uint8_t proto;
};

struct svc_key {
	struct ip_key src, dst;
	uint8_t proto;
	uint8_t dport[2];
};

/* ---- values ------------------------------------------------------------
 * Each starts with its last update time and (but for svc_val) the base
 * time t0 its forward-decayed sums are expressed against (incstat.h). */

struct mi_val {
	double t_last, t0, t_first, count;
	struct is1 s[FEAT_NL];
};

struct host_val {
	double t_last, t0;
	double act;		/* activity weight at the slowest lambda */
	struct is1 dst[FEAT_NH];	/* sizes of packets to this IP */
	double newsrc[FEAT_NH];	/* new channels with this IP as target */
	double newdst[FEAT_NH];	/* new channels opened by this IP */
	double newsvc[FEAT_NH];	/* new (dst, dport) contacted */
	double probed[FEAT_NH];	/* new (this IP, port) contacted by others:
				 * a scanned host answers with these */
	double macchg[FEAT_NB];	/* MAC behind this IP changed */
	uint8_t mac[6];
	uint8_t has_mac;
};

struct chan_val {
	double t_last, t0, t_first;
	double last_pkt[2];	/* per direction, for inter-arrival */
	struct is2 sz[FEAT_NL];
	struct is1 jit[FEAT_NL][2];
	struct is1 reg[2];	/* inter-arrival at FEAT_LAMBDA_REG */
	uint8_t seen[2];
};

struct sock_val {
	double t_last, t0;
	struct is2 sz[FEAT_NL];
	uint8_t opener;		/* side (in key order) that sent first */
};

struct svc_val {
	double t_last;
};

enum { T_MI, T_HOST, T_CHAN, T_SOCK, T_SVC, T__N };

/* The two entries of a table looked up last, with their keys: traffic
 * comes in bursts (consecutive packets of one conversation share every
 * key, a reply swaps source and destination), and a hit here saves the
 * keyed hash and the chain walk. Exact LRU semantics: slot 0 is always the
 * table's most recent entry; slot 1 the one before and is touched (made
 * most recent) on a hit, as lrutab_get would. Valid while nothing is
 * deleted (cleared by reclaim()); eviction only takes the least recent
 * entry and tables hold >= 16. */
#define TC_KEYMAX 40
struct tcache {
	void *val[2];
	uint8_t key[2][TC_KEYMAX];
};

struct feat {
	struct feat_stats st;
	struct is_plan plan;
	struct lrutab *tab[T__N];
	struct tcache tc[T__N];
	uint64_t epoch_ns;
	int have_epoch;
	double now;		/* seconds since epoch_ns, monotone */
	int attempt;		/* the last packet opened a new service */
	int reply;		/* ... went against its socket's first packet */
	double t0;		/* forward-decay base time (<= now) */
	double gnow;		/* the time g and ig are for */
	double lmax;		/* largest lambda */
	double g[IS_NL];	/* 2^(lambda (now - t0)) */
	double ig[IS_NL];	/* 1 / g */
	uint64_t tick;		/* packets since the last reclaim walk */
};

static const unsigned host_l[FEAT_NH] = { 0, 2, 3 };	/* 5, 1, 0.1 */
static const unsigned bind_l[FEAT_NB] = { 2, 3 };	/* 1, 0.1 */
#define SLOW (FEAT_NL - 1)	/* index of the slowest Kitsune lambda */

void feat_config_default(struct feat_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memcap = FEAT_MEMCAP_DEFAULT;
}

unsigned feat_count(void)
{
	return FEAT_N;
}

int feat_last_attempt(const struct feat *fx)
{
	return fx->attempt;
}

int feat_last_reply(const struct feat *fx)
{
	return fx->reply;
}

const struct feat_stats *feat_stats(const struct feat *fx)
{
	return &fx->st;
}

void feat_free(struct feat *fx)
{
	if (!fx)
		return;
	for (unsigned i = 0; i < T__N; i++)
		lrutab_free(fx->tab[i]);
	ew_free(fx);
}

struct feat *feat_new(const struct feat_config *cfg, uint64_t seed)
{
	static const size_t ksz[T__N] = { sizeof(struct mi_key),
		sizeof(struct ip_key), sizeof(struct chan_key),
		sizeof(struct sock_key), sizeof(struct svc_key) };
	static const size_t vsz[T__N] = { sizeof(struct mi_val),
		sizeof(struct host_val), sizeof(struct chan_val),
		sizeof(struct sock_val), sizeof(struct svc_val) };
	static const unsigned share[T__N] = { FEAT_SHARE_MI, FEAT_SHARE_HOST,
		FEAT_SHARE_CHAN, FEAT_SHARE_SOCK, FEAT_SHARE_SVC };
	size_t memcap = cfg && cfg->memcap ? cfg->memcap : FEAT_MEMCAP_DEFAULT;
	struct feat *fx = ew_calloc(1, sizeof(*fx));

	if (!fx)
		return NULL;
	is_plan_init(&fx->plan);
	for (unsigned i = 0; i < IS_NL; i++)
		if (fx->plan.lambda[i] > fx->lmax)
			fx->lmax = fx->plan.lambda[i];
	is_growth(&fx->plan, 0.0, fx->g, fx->ig);
	for (unsigned i = 0; i < T__N; i++) {
		size_t bytes = memcap / 1000u * share[i];
		size_t n = lrutab_entries_for(ksz[i], vsz[i], bytes);
		/* At least 16: two entries of one table are held at once
		 * (source and destination host), so the second lookup must
		 * never evict the first. */
		if (n < 16)
			n = 16;
		fx->tab[i] = lrutab_new(ksz[i], vsz[i], n,
		    seed + 0x9e3779b97f4a7c15ull * (i + 1), NULL, NULL);
		if (!fx->tab[i]) {
			feat_free(fx);
			return NULL;
		}
		fx->st.memuse += lrutab_footprint(ksz[i], vsz[i], n);
	}
	return fx;
}

_Static_assert(sizeof(struct ip_key) >= 8 && sizeof(struct mi_key) >= 8 &&
    sizeof(struct chan_key) >= 8 && sizeof(struct sock_side) >= 8,
    "key_eq and key_le read 8-byte words");
_Static_assert(sizeof(struct mi_key) <= TC_KEYMAX &&
    sizeof(struct chan_key) <= TC_KEYMAX &&
    sizeof(struct sock_key) <= TC_KEYMAX &&
    sizeof(struct ip_key) <= TC_KEYMAX, "key longer than TC_KEYMAX");

/* memcmp(a, b, n) == 0 for the key sizes here (n >= 8, a constant once
 * inlined): 8-byte words, the last one overlapping, no library call
 * (memcmp was 5% of the extractor's time). */
static inline __attribute__((always_inline)) int key_eq(const void *a,
    const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;
	uint64_t x, y, acc = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		memcpy(&y, q + i, 8);
		acc |= x ^ y;
	}
	if (i < n) {
		memcpy(&x, p + n - 8, 8);
		memcpy(&y, q + n - 8, 8);
		acc |= x ^ y;
	}
	return acc == 0;
}

/* memcmp(a, b, n) <= 0 (bytewise order), n >= 8 and constant: 8-byte
 * words read big-endian, the last one overlapping (its bytes already
 * compared equal), and the first difference decides. */
static inline __attribute__((always_inline)) int key_le(const void *a,
    const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;
	uint64_t x, y;
	size_t i = 0;

	for (;; i += 8) {
		if (i + 8 > n)
			i = n - 8;
		memcpy(&x, p + i, 8);
		memcpy(&y, q + i, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		x = __builtin_bswap64(x);	/* big-endian words order */
		y = __builtin_bswap64(y);	/* as memcmp orders bytes */
#endif
		if (x != y)
			return x < y;
		if (i + 8 >= n)
			return 1;
	}
}

/* Entries evicted from all tables: they change only when an entry is
 * created (five calls per packet showed in the profile otherwise). */
static uint64_t evictions(const struct feat *fx)
{
	uint64_t ev = 0;

	for (unsigned i = 0; i < T__N; i++)
		ev += lrutab_evictions(fx->tab[i]);
	return ev;
}

/* lrutab_get through the table's two-entry cache (struct tcache). */
static inline __attribute__((always_inline)) void *tab_get(struct feat *fx,
    unsigned t, const void *key, size_t ksz, int *created)
{
	struct tcache *c = &fx->tc[t];
	void *v;

	if (c->val[0] && key_eq(c->key[0], key, ksz)) {
		*created = 0;
		return c->val[0];
	}
	if (c->val[1] && key_eq(c->key[1], key, ksz)) {
		v = c->val[1];
		lrutab_touch(fx->tab[t], v);
		*created = 0;
	} else {
		v = lrutab_get(fx->tab[t], key, created);
		memcpy(c->key[1], key, ksz);
		if (*created)
			fx->st.evicted = evictions(fx);
	}
	/* v becomes slot 0 (most recent); the old slot 0 moves to 1 */
	uint8_t tmp[TC_KEYMAX];
	memcpy(tmp, c->key[1], ksz);
	memcpy(c->key[1], c->key[0], ksz);
	memcpy(c->key[0], tmp, ksz);
	c->val[1] = c->val[0];
	c->val[0] = v;
	return v;
}

/* Packet time in seconds since the first packet, never going backwards;
 * moves the forward-decay base before the growth factors could reach
 * 2^IS_G_MAX and computes them for this time. */
static double pkt_time(struct feat *fx, uint64_t ts_ns)
{
	if (!fx->have_epoch) {
		fx->epoch_ns = ts_ns;
		fx->have_epoch = 1;
	}
	if (ts_ns > fx->epoch_ns) {
		double t = (double)(ts_ns - fx->epoch_ns) * 1e-9;
		if (t > fx->now)
			fx->now = t;
	}
	if (fx->now != fx->gnow) {
		if (fx->lmax * (fx->now - fx->t0) > IS_G_MAX)
			fx->t0 = fx->now;
		is_growth(&fx->plan, fx->now - fx->t0, fx->g, fx->ig);
		fx->gnow = fx->now;
	}
	return fx->now;
}

/* Factors bringing an entry's sums from its base *t0 to the current base;
 * updates *t0. 0 when the entry is already on the current base (the
 * common case: then nothing is multiplied at all). */
static int rebase(const struct feat *fx, double *t0, double f[IS_NL])
{
	if (*t0 == fx->t0)
		return 0;
	is_decay_factors(&fx->plan, fx->t0 - *t0, f);
	*t0 = fx->t0;
	return 1;
}

static void ip_key_set(struct ip_key *k, const struct addr *a)
{
	k->fam = a->family;
	memcpy(k->a, a->a, sizeof(k->a));
}

double feat_log2(double v)
{
	uint64_t b;
	double m;

	memcpy(&b, &v, sizeof(b));
	int e = (int)((b >> 52) & 0x7ff) - 1023;
	b = (b & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
	memcpy(&m, &b, sizeof(m));		/* v = m 2^e, m in [1, 2) */
	if (m > 1.41421356237309504880) {	/* m in [0.707, 1.414]: */
		m *= 0.5;			/* exact */
		e++;
	}
	/* ln m = 2 atanh(s) = 2 (s + s^3/3 + ... + s^19/19 + ...), |s| <=
	 * 0.1716: the first omitted term is below 1e-16 relative. */
	double s = (m - 1.0) / (m + 1.0), s2 = s * s;
	double p = 1.0 / 19.0;
	p = p * s2 + 1.0 / 17.0;
	p = p * s2 + 1.0 / 15.0;
	p = p * s2 + 1.0 / 13.0;
	p = p * s2 + 1.0 / 11.0;
	p = p * s2 + 1.0 / 9.0;
	p = p * s2 + 1.0 / 7.0;
	p = p * s2 + 1.0 / 5.0;
	p = p * s2 + 1.0 / 3.0;
	p = p * s2 + 1.0;
	return (double)e + (2.0 * s * p) * 1.44269504088896340736;
}

/* log2(1 + x) for x >= 0, with x capped so the result stays small. */
static double log_cap(double x, double cap)
{
	if (!(x > 0))
		return 0.0;
	return feat_log2(1.0 + (x < cap ? x : cap));
}

static double ratio_cap(double num, double den)
{
	if (!(den > 1e-9))
		return 0.0;
	double r = num / den;
	return r < FEAT_RATIO_MAX ? r : FEAT_RATIO_MAX;
}

/* ratio_cap(is1_std(s), is1_mean(s)), inline and with the mean divided
 * out once (the same operations, so the same value): the calls' latency
 * stood out in the extractor's profile. */
static inline double cv_of(const struct is1 *s)
{
	if (!(s->w > IS_W_EPS))
		return 0.0;
	double m = s->ls / s->w;
	return ratio_cap(sqrt(fabs(s->ss / s->w - m * m)), m);
}

/* ---- per-table updates ------------------------------------------------- */

static void mi_update(struct feat *fx, const uint8_t mac[6],
    const struct addr *ip, double t, double v, double *out)
{
	struct mi_key k;
	double f[IS_NL];
	int created;

	memcpy(k.mac, mac, 6);
	ip_key_set(&k.ip, ip);
	struct mi_val *m = tab_get(fx, T_MI, &k, sizeof(k), &created);
	if (created) {
		m->t_first = t;
		m->t0 = fx->t0;
	} else if (rebase(fx, &m->t0, f)) {
		for (unsigned i = 0; i < FEAT_NL; i++)
			is1_decay(&m->s[i], f[i]);
	}
	m->t_last = t;
	m->count += 1.0;
	for (unsigned i = 0; i < FEAT_NL; i++) {
		is1_add_g(&m->s[i], v, fx->g[i]);
		is1_read(&m->s[i], fx->ig[i], out + FEAT_OFF_MI + 3 * i);
	}
	out[FEAT_OFF_NEW] = log_cap(t - m->t_first, 365.0 * 86400.0);
	out[FEAT_OFF_NEW + 1] = log_cap(m->count, 1e12);
}

/* Returns 1 when the channel is new (created now). */
static int chan_update(struct feat *fx, const struct ip_key *src,
    const struct ip_key *dst, double t, double v, double *out)
{
	struct chan_key k;
	double f[IS_NL];
	int created;
	unsigned d = key_le(src, dst, sizeof(*src)) ? 0u : 1u;

	k.x = d ? *dst : *src;
	k.y = d ? *src : *dst;
	struct chan_val *c = tab_get(fx, T_CHAN, &k, sizeof(k), &created);
	if (created) {
		c->t_first = t;
		c->t0 = fx->t0;
	} else if (rebase(fx, &c->t0, f)) {
		for (unsigned i = 0; i < FEAT_NL; i++) {
			is2_decay(&c->sz[i], f[i]);
			is1_decay(&c->jit[i][0], f[i]);
			is1_decay(&c->jit[i][1], f[i]);
		}
		is1_decay(&c->reg[0], f[IS_L_REG]);
		is1_decay(&c->reg[1], f[IS_L_REG]);
	}
	c->t_last = t;
	for (unsigned i = 0; i + 1 < FEAT_NL; i += 2)
		is2_add_read2(&c->sz[i], &c->sz[i + 1], d, v, fx->g + i,
		    fx->ig + i, out + FEAT_OFF_HH + 7 * i,
		    out + FEAT_OFF_HH + 7 * (i + 1));
	if (FEAT_NL % 2)
		is2_add_read(&c->sz[FEAT_NL - 1], d, v, fx->g[FEAT_NL - 1],
		    fx->ig[FEAT_NL - 1], out + FEAT_OFF_HH + 7 * (FEAT_NL - 1));

	/* Inter-arrival of this direction; the first packet of a direction
	 * has no interval and inserts nothing (Kitsune inserts a 0, which
	 * would make every channel look bursty at its start). */
	double dev = 0.0;
	if (c->seen[d]) {
		double iat = t - c->last_pkt[d];
		if (!(iat > 0))
			iat = 0.0;
		if (iat > FEAT_IAT_MAX)
			iat = FEAT_IAT_MAX;
		double usual = is1_mean(&c->reg[d]);
		if (c->reg[d].w * fx->ig[IS_L_REG] > 0.5)
			dev = ratio_cap(fabs(iat - usual), usual);
		for (unsigned i = 0; i < FEAT_NL; i++)
			is1_add_g(&c->jit[i][d], iat, fx->g[i]);
		is1_add_g(&c->reg[d], iat, fx->g[IS_L_REG]);
	}
	c->seen[d] = 1;
	c->last_pkt[d] = t;
	for (unsigned i = 0; i < FEAT_NL; i++)
		is1_read(&c->jit[i][d], fx->ig[i], out + FEAT_OFF_JIT + 3 * i);
	/* Regularity: coefficient of variation of the gaps over ~10 s,
	 * ~100 s and ~17 min, and how unusual this gap is. A beacon has CV
	 * near 0 over the long windows; it needs two gaps to say so. */
	const struct is1 *r[3] = { &c->jit[3][d], &c->jit[4][d], &c->reg[d] };
	const double rig[3] = { fx->ig[3], fx->ig[4], fx->ig[IS_L_REG] };
	for (unsigned i = 0; i < 3; i++)
		out[FEAT_OFF_REG + i] = r[i]->w * rig[i] > 1.5 ?
		    cv_of(r[i]) : 0.0;
	out[FEAT_OFF_REG + 3] = dev;
	out[FEAT_OFF_NEW + 2] = log_cap(t - c->t_first, 365.0 * 86400.0);
	return created;
}

static void sock_side_set(struct sock_side *s, const struct ip_key *ip,
    uint16_t port)
{
	s->ip = *ip;
	s->port[0] = (uint8_t)(port >> 8);
	s->port[1] = (uint8_t)port;
}

/* Returns 1 when the socket is new (created now). */
static int sock_update(struct feat *fx, const struct ip_key *src,
    const struct ip_key *dst, uint16_t sport, uint16_t dport, uint8_t proto,
    double t, double v, double *out)
{
	struct sock_side a, b;
	struct sock_key k;
	double f[IS_NL];
	int created;

	sock_side_set(&a, src, sport);
	sock_side_set(&b, dst, dport);
	unsigned d = key_le(&a, &b, sizeof(a)) ? 0u : 1u;
	k.x = d ? b : a;
	k.y = d ? a : b;
	k.proto = proto;
	struct sock_val *s = tab_get(fx, T_SOCK, &k, sizeof(k), &created);
	if (created) {
		s->t0 = fx->t0;
		s->opener = (uint8_t)d;
	} else if (rebase(fx, &s->t0, f))
		for (unsigned i = 0; i < FEAT_NL; i++)
			is2_decay(&s->sz[i], f[i]);
	s->t_last = t;
	fx->reply = !created && d != s->opener;
	for (unsigned i = 0; i + 1 < FEAT_NL; i += 2)
		is2_add_read2(&s->sz[i], &s->sz[i + 1], d, v, fx->g + i,
		    fx->ig + i, out + FEAT_OFF_HP + 7 * i,
		    out + FEAT_OFF_HP + 7 * (i + 1));
	if (FEAT_NL % 2)
		is2_add_read(&s->sz[FEAT_NL - 1], d, v, fx->g[FEAT_NL - 1],
		    fx->ig[FEAT_NL - 1], out + FEAT_OFF_HP + 7 * (FEAT_NL - 1));
	return created;
}

static struct host_val *host_get(struct feat *fx, const struct ip_key *ip,
    double t)
{
	double f[IS_NL];
	int created;
	struct host_val *h = tab_get(fx, T_HOST, ip, sizeof(*ip), &created);

	if (created) {
		h->t0 = fx->t0;
	} else if (rebase(fx, &h->t0, f)) {
		for (unsigned i = 0; i < FEAT_NH; i++) {
			double g = f[host_l[i]];
			is1_decay(&h->dst[i], g);
			h->newsrc[i] *= g;
			h->newdst[i] *= g;
			h->newsvc[i] *= g;
			h->probed[i] *= g;
		}
		for (unsigned i = 0; i < FEAT_NB; i++)
			h->macchg[i] *= f[bind_l[i]];
		h->act *= f[SLOW];
	}
	h->t_last = t;
	h->act += fx->g[SLOW];
	return h;
}

/* 1 when (src, dst, dport) is a service src had not contacted within
 * FEAT_SVC_HORIZON. Only attempts count: a TCP SYN, or any other packet
 * that is not a reply to a service the other side contacted (the reverse
 * record is checked first). TCP packets without SYN count too: FIN, NULL,
 * Xmas, ACK and Maimon scans probe with them, and a reply (SYN-ACK, RST)
 * is recognised by the reverse record. */
static int svc_new(struct feat *fx, const struct packet *p,
    const struct ip_key *src, const struct ip_key *dst, double t)
{
	struct svc_key k;
	int created;

	if (p->l4proto == IPPROTO_NUM_TCP || p->l4proto == IPPROTO_NUM_UDP) {
		if (!p->has_l4)
			return 0;	/* later fragment: no ports */
	}
	if (p->l4proto != IPPROTO_NUM_TCP ||
	    (p->tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN) {
		k.src = *dst;
		k.dst = *src;
		k.proto = p->l4proto;
		k.dport[0] = (uint8_t)(p->sport >> 8);
		k.dport[1] = (uint8_t)p->sport;
		struct svc_val *r = lrutab_find(fx->tab[T_SVC], &k);
		if (r && t - r->t_last <= FEAT_SVC_HORIZON)
			return 0;	/* a reply */
	}
	k.src = *src;
	k.dst = *dst;
	k.proto = p->l4proto;
	k.dport[0] = (uint8_t)(p->dport >> 8);
	k.dport[1] = (uint8_t)p->dport;
	struct svc_val *s = lrutab_get(fx->tab[T_SVC], &k, &created);
	if (created)
		fx->st.evicted = evictions(fx);
	int fresh = created || t - s->t_last > FEAT_SVC_HORIZON;
	s->t_last = t;
	return fresh;
}

/* ---- reclaiming decayed entries ---------------------------------------- */

/* Stored weight at the slowest lambda of an entry (against its t0). */
static double slow_weight(unsigned tab, const void *val)
{
	switch (tab) {
	case T_MI:
		return ((const struct mi_val *)val)->s[SLOW].w;
	case T_HOST:
		return ((const struct host_val *)val)->act;
	case T_CHAN: {
		const struct is2 *s = &((const struct chan_val *)val)->sz[SLOW];
		return s->w[0] + s->w[1];
	}
	case T_SOCK: {
		const struct is2 *s = &((const struct sock_val *)val)->sz[SLOW];
		return s->w[0] + s->w[1];
	}
	default:
		return 0.0;	/* service records: idle time only */
	}
}

static void reclaim(struct feat *fx, double t)
{
	double lam = fx->plan.lambda[SLOW];

	for (unsigned i = 0; i < T__N; i++) {
		struct lrutab *tab = fx->tab[i];
		for (unsigned n = 0; n < FEAT_RECLAIM_BATCH; n++) {
			void *v = lrutab_first(tab);
			if (!v)
				break;
			double hdr[2], idle, w;
			/* t_last, and t0 but for service records */
			memcpy(hdr, v, (i == T_SVC ? 1 : 2) * sizeof(double));
			idle = t - hdr[0];
			if (i == T_SVC) {
				if (!(idle > FEAT_SVC_HORIZON))
					break;
			} else if (!(idle > FEAT_IDLE_MAX)) {
				/* the weight now: stored sum decayed from t0 */
				w = slow_weight(i, v);
				if (!(w * exp2(-lam * (t - hdr[1])) <
				    FEAT_WEIGHT_FLOOR))
					break;
			}
			lrutab_del(tab, v);
			fx->st.reclaimed++;
			/* the cached pointers may be this one */
			memset(&fx->tc[i], 0, sizeof(fx->tc[i]));
		}
	}
}

/* ---- the vector --------------------------------------------------------- */

int feat_packet(struct feat *fx, const struct packet *p, double *out)
{
	static const uint8_t no_mac[6];
	struct addr sa, da;
	const uint8_t *smac;
	int arp = 0, has_mac, newsvc = 0;

	fx->attempt = fx->reply = 0;
	if ((p->ip_version == 4 || p->ip_version == 6) &&
	    (p->src.family == 4 || p->src.family == 6)) {
		sa = p->src;
		da = p->dst;
		has_mac = p->has_eth;
		smac = has_mac ? p->src_mac : no_mac;
	} else if (p->has_arp) {
		addr_set4(&sa, p->arp.spa);
		addr_set4(&da, p->arp.tpa);
		smac = p->arp.sha;
		has_mac = 1;
		arp = 1;
	} else {
		return 0;
	}

	double t = pkt_time(fx, p->ts_ns);
	double v = (double)p->wirelen;
	struct ip_key ks, kd;
	ip_key_set(&ks, &sa);
	ip_key_set(&kd, &da);

	mi_update(fx, smac, &sa, t, v, out);
	int newchan = chan_update(fx, &ks, &kd, t, v, out);
	if (arp) {
		memset(out + FEAT_OFF_HP, 0, 7 * FEAT_NL * sizeof(*out));
	} else {
		uint16_t sp = p->has_l4 ? p->sport : 0;
		uint16_t dp = p->has_l4 ? p->dport : 0;
		/* A service can only be new on a new socket (same addresses
		 * and ports seen before means the service was too), so the
		 * recency table is consulted only then. */
		if (sock_update(fx, &ks, &kd, sp, dp, p->l4proto, t, v, out))
			newsvc = svc_new(fx, p, &ks, &kd, t);
	}
	fx->attempt = newsvc;

	/* Source side: fan-out and the MAC behind the IP. */
	struct host_val *hs = host_get(fx, &ks, t);
	if (has_mac && memcmp(smac, no_mac, 6) != 0) {
		if (hs->has_mac && memcmp(hs->mac, smac, 6) != 0)
			for (unsigned i = 0; i < FEAT_NB; i++)
				hs->macchg[i] += fx->g[bind_l[i]];
		memcpy(hs->mac, smac, 6);
		hs->has_mac = 1;
	}
	for (unsigned i = 0; i < FEAT_NH; i++) {
		double g = fx->g[host_l[i]], ig = fx->ig[host_l[i]];
		if (newchan)
			hs->newdst[i] += g;
		if (newsvc)
			hs->newsvc[i] += g;
		out[FEAT_OFF_NDST + i] = hs->newdst[i] * ig;
		out[FEAT_OFF_NSVC + i] = hs->newsvc[i] * ig;
		out[FEAT_OFF_PROBED + i] = hs->probed[i] * ig;
	}
	for (unsigned i = 0; i < FEAT_NB; i++)
		out[FEAT_OFF_BIND + i] = hs->macchg[i] * fx->ig[bind_l[i]];

	/* Destination side: the load a victim sees, whatever the sources.
	 * hs stays valid: it is the most recent entry and tables hold >= 16,
	 * so this lookup cannot evict it (and it may be the same entry). */
	struct host_val *hd = host_get(fx, &kd, t);
	for (unsigned i = 0; i < FEAT_NH; i++) {
		double g = fx->g[host_l[i]], ig = fx->ig[host_l[i]];
		is1_add_g(&hd->dst[i], v, g);
		if (newchan)
			hd->newsrc[i] += g;
		if (newsvc)
			hd->probed[i] += g;
		is1_read(&hd->dst[i], ig, out + FEAT_OFF_DST + 3 * i);
		out[FEAT_OFF_NSRC + i] = hd->newsrc[i] * ig;
	}

	/* No NaN or Inf by construction: every division and square root
	 * above is guarded, sizes are < 2^32, gaps are capped, ratios and
	 * logarithms are capped and weights are bounded by packet counts.
	 * The unit tests and fuzz/fuzz_features.c check every vector (a
	 * per-value check here cost 14% of the extractor's time). */
	if (++fx->tick >= FEAT_RECLAIM_EVERY) {
		fx->tick = 0;
		reclaim(fx, t);
	}
	fx->st.vectors++;
	return 1;
}
