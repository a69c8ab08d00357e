/* check_dns.c - DNS abuse: tunnelling / exfiltration, DGA-like names,
 * NXDOMAIN bursts. Unicast DNS only (mDNS is local chatter).
 *
 * Tunnel, per (client, registered domain) within DNS_WINDOW_S: the data
 * rides in the labels left of the registered domain, so a tunnel shows
 * many unique subdomains whose longest label is long and high in entropy
 * (base32/hex/base64 text), or a volume of TXT/NULL queries. Unique
 * subdomains are counted in a 512-bit bitmap (linear counting); the
 * length and Shannon entropy of the longest label are averaged over the
 * unique ones (templated cloud names like ec2-54-1-2-3.compute-1 have
 * short labels). CDN and cloud names with a
 * hash-like label (e1234.dscb.akamaiedge.net) are few per client and
 * short, and DNS blocklist lookups (4.3.2.1.zen.spamhaus.org) are many but
 * short and numeric: both stay under the length/entropy bars.
 *
 * DGA, per client within the window: NXDOMAIN answers for distinct
 * second-level names that look random: at least 8 characters, Shannon
 * entropy >= 3 bits/char and a long consonant run, many digits or few
 * vowels (pronounceable words fail it). Single-label and local names
 * (Chrome's NXDOMAIN-hijack probes, search-domain misses) are ignored.
 * NXDOMAIN burst: many distinct NXDOMAIN names from one client (severity 3).
 *
 * Query flood, per (client, registered domain): DNS_FLOOD_QUERIES within
 * DNS_FLOOD_WINDOW_S, far beyond what any device asks of one domain: a
 * bot taking part in a DNS flood, typically random subdomains of the
 * victim's domain sent through the resolver ("water torture", Mirai's
 * DNS attack), which the resolver answers, so the flood check's one-way
 * rule cannot see it, and answers with SERVFAIL once the victim's
 * servers give out, so the NXDOMAIN burst cannot either. Category
 * flood, severity 1 from a device of the home network.
 *
 * One alert per episode; an episode ends after a window without
 * evidence. */
#include "detect/detect_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "detect/episode.h"
#include "util/alloc.h"
#include "util/lrutab.h"

#define NS 1000000000ull
#define WALK_NS (30ull * NS)
#define BITS 512u
#define DOM_KEEP 64
#define MAX_DGA 64		/* distinct random NX names remembered */

struct tun_key {
	struct addr cli;
	uint64_t dom_h;
};

struct tun_rec {
	uint64_t win_start, first, last;
	uint64_t reported;		/* last progress report, 0 = none */
	uint64_t fwin;			/* the query-flood window's start */
	uint32_t fq, peak_fq;		/* its queries; the most in one */
	uint8_t flood;			/* the episode is a query flood */
	uint32_t queries, txt_null, newsub;
	double sum_len, sum_ent;
	uint64_t bytes;			/* subdomain characters sent */
	uint32_t max_len;
	uint8_t bits[BITS / 8];
	uint8_t active, has_mac;
	uint8_t mac[6];
	struct addr resolver;
	char dom[DOM_KEEP];
};

struct cli_rec {
	uint64_t win_start, first, last;
	uint64_t reported;		/* last progress report, 0 = none */
	uint32_t nx, nx_new, ndga;
	uint32_t dga[MAX_DGA];		/* hashes of random-looking names */
	double max_ent;
	uint8_t bits[BITS / 8];		/* distinct NX names */
	uint8_t dga_active, burst_active, has_mac;
	uint8_t mac[6];
	struct addr resolver;
	char examples[96];		/* first random-looking names */
};

struct dnsc {
	struct detect_walk walk;	/* first: see detect_walk_tick */
	const struct detect_ctx *ctx;
	struct lrutab *tun, *cli;
	uint64_t window, flood_window;
	double tun_unique, tun_len, tun_ent, txt_q, dga_nx, nx_burst;
	double flood_q;
};

/* ---- names -------------------------------------------------------------- */

static uint64_t hash64(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h ? h : 1;
}

static double entropy(const char *s, size_t n)
{
	uint16_t cnt[256];
	size_t total = 0;
	double e = 0;

	memset(cnt, 0, sizeof(cnt));
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			continue;
		cnt[(uint8_t)s[i]]++;
		total++;
	}
	if (!total)
		return 0;
	for (unsigned i = 0; i < 256; i++) {
		if (!cnt[i])
			continue;
		double p = (double)cnt[i] / (double)total;
		e -= p * log2(p);
	}
	return e;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && memcmp(s + n - m, suf, m) == 0 &&
	    (n == m || s[n - m - 1] == '.');
}

/* Lower-cased copy of name into out; splits it into subdomain (may be
 * empty), the second-level label and the registered domain (an
 * approximation of the public suffix list: a 2-letter country code under
 * a generic second level, "co.uk", "com.au", counts as the suffix).
 * Returns -1 for names not worth scoring (single label, local, reverse). */
/* 1 when the name starts with four decimal octets: a DNS blocklist or
 * reputation lookup of an address (4.3.2.1.zen.spamhaus.org), which is
 * many unique NXDOMAIN names by design. */
static int dnsbl_like(const char *s, size_t n)
{
	size_t i = 0;
	for (unsigned lab = 0; lab < 4; lab++) {
		size_t digits = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
		if (digits < 1 || digits > 3 || i >= n || s[i] != '.')
			return 0;
		i++;
	}
	return 1;
}

struct dname {
	char buf[PROTO_NAME_LEN];
	size_t len;
	size_t sub_len;			/* buf[0..sub_len) is the subdomain */
	size_t sld_off, sld_len;	/* second-level label */
	size_t reg_off;			/* buf + reg_off = registered domain */
};

static int split_name(const char *name, struct dname *d)
{
	static const char *const local[] = { "local", "lan", "home",
	    "arpa", "internal", "localdomain", "home.arpa", "corp",
	    "localhost", "invalid" };
	static const char *const sl[] = { "co", "com", "net", "org", "gov",
	    "edu", "ac", "ne", "or", "go", "gob", "mil" };
	size_t n = strnlen(name, PROTO_NAME_LEN - 1);
	size_t dots[4] = { 0, 0, 0, 0 };	/* last dots, right to left */
	unsigned nd = 0;

	while (n && name[n - 1] == '.')
		n--;
	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		d->buf[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	d->buf[n] = '\0';
	d->len = n;
	for (unsigned i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (ends_with(d->buf, n, local[i]))
			return -1;
	if (dnsbl_like(d->buf, n))
		return -1;
	for (size_t i = n; i-- > 0 && nd < 4;)
		if (d->buf[i] == '.')
			dots[nd++] = i;
	if (nd == 0)
		return -1;	/* single label */
	unsigned take = 1;	/* dots[take-1] separates sld from suffix */
	size_t tld_len = n - dots[0] - 1;
	if (nd >= 2 && tld_len == 2) {
		size_t l = dots[0] - dots[1] - 1;
		for (unsigned i = 0; i < sizeof(sl) / sizeof(sl[0]); i++)
			if (strlen(sl[i]) == l &&
			    memcmp(d->buf + dots[1] + 1, sl[i], l) == 0)
				take = 2;
	}
	size_t sfx = dots[take - 1];		/* dot before the suffix */
	size_t start = take < nd ? dots[take] + 1 : 0;
	if (take == 2 && nd < 2)
		return -1;
	d->sld_off = start;
	d->sld_len = sfx - start;
	d->reg_off = start;
	d->sub_len = start ? start - 1 : 0;
	return d->sld_len ? 0 : -1;
}

/* A random-looking label (see the header comment). */
static int random_looking(const char *s, size_t n, double *ent)
{
	unsigned digits = 0, vowels = 0, letters = 0, run = 0, maxrun = 0;

	*ent = entropy(s, n);
	if (n < 8)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			digits++;
			run = 0;
		} else if (c >= 'a' && c <= 'z') {
			letters++;
			if (strchr("aeiou", c)) {
				vowels++;
				run = 0;
			} else if (++run > maxrun) {
				maxrun = run;
			}
		} else {
			run = 0;
		}
	}
	if (*ent < 3.0)
		return 0;
	return maxrun >= 4 || (double)digits >= 0.25 * (double)n ||
	    (letters && (double)vowels <= 0.2 * (double)letters);
}

static int bit_set(uint8_t *bits, uint64_t h)
{
	unsigned i = (unsigned)(h % BITS);
	uint8_t m = (uint8_t)(1u << (i & 7));
	if (bits[i >> 3] & m)
		return 0;
	bits[i >> 3] |= m;
	return 1;
}

/* Linear counting: distinct items from the share of zero bits. */
static double distinct(const uint8_t *bits)
{
	unsigned zeros = 0;
	for (unsigned i = 0; i < BITS / 8; i++)
		zeros += 8u - (unsigned)__builtin_popcount(bits[i]);
	if (!zeros)
		zeros = 1;
	return (double)BITS * log((double)BITS / (double)zeros);
}

/* The most distinct() can say (one bit left clear). */
static double distinct_max(void)
{
	return (double)BITS * log((double)BITS);
}

/* ---- alerts ------------------------------------------------------------- */

static void emit_flood(struct dnsc *c, const struct tun_key *k,
    const struct tun_rec *r, int ongoing)
{
	struct alert a;
	double uniq = distinct(r->bits);
	int home = homenet_contains(&c->ctx->home, &k->cli);
	/* most names new: random subdomains */
	int torture = uniq * 2 >= (double)(r->queries < BITS ? r->queries :
	    BITS);

	alert_init(&a, 2403, ALERT_CAT_FLOOD, home ? 1 :
	    homenet_contains(&c->ctx->home, &r->resolver) ? 2 : 3,
	    "T1499.002", "dns", r->first);
	alert_signature(&a, "DNS query flood %s %s%s", torture ?
	    "(random subdomains) for" : "for", r->dom,
	    home ? " (DDoS participation)" : "");
	detect_alert_episode(&a, r->last, r->queries, 0);
	detect_alert_hosts(&a, &k->cli, &r->resolver, 53, 17,
	    r->has_mac ? r->mac : NULL);
	alert_text(&a, "%u queries for %s, at most %u within %.0f s "
	    "(threshold %.0f), about %.0f unique subdomains (the count "
	    "saturates near %.0f)", r->queries, r->dom, r->peak_fq,
	    (double)c->flood_window / 1e9, c->flood_q, floor(uniq + 0.5),
	    floor(distinct_max() + 0.5));
	alert_kv_str(&a, "domain", r->dom);
	alert_kv_num(&a, "queries", r->queries);
	alert_kv_num(&a, "peak_window_queries", r->peak_fq);
	alert_kv_num(&a, "unique_subdomains", floor(uniq + 0.5));
	alert_kv_num(&a, "threshold_queries", c->flood_q);
	alert_kv_num(&a, "window_seconds", (double)c->flood_window / 1e9);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(c->ctx->sink, &a);
}

static void emit_tun(struct dnsc *c, const struct tun_key *k,
    const struct tun_rec *r, int ongoing)
{
	if (r->flood) {
		emit_flood(c, k, r, ongoing);
		return;
	}
	struct alert a;
	double uniq = distinct(r->bits);
	double ml = r->newsub ? r->sum_len / r->newsub : 0;
	double me = r->newsub ? r->sum_ent / r->newsub : 0;
	int txt = !(uniq >= c->tun_unique && ml >= c->tun_len &&
	    me >= c->tun_ent);
	int exfil = r->bytes >= 100000;

	alert_init(&a, txt ? 2401 : exfil ? 2402 : 2400, ALERT_CAT_DNS_TUNNEL,
	    exfil ? 1 : 2, exfil ? "T1048.003" : "T1071.004", "dns",
	    r->first);
	alert_signature(&a, "DNS %s via %s", txt ? "tunnel (TXT/NULL volume)" :
	    exfil ? "exfiltration" : "tunnel", r->dom);
	detect_alert_episode(&a, r->last, r->queries, 0);
	detect_alert_hosts(&a, &k->cli, &r->resolver, 53, 17,
	    r->has_mac ? r->mac : NULL);
	alert_text(&a, "%u queries for about %.0f unique subdomains of %s "
	    "(longest label: mean length %.1f, entropy %.2f bits/char, %u TXT/NULL, %llu "
	    "bytes in names); thresholds %.0f unique with label length >= %.0f "
	    "and entropy >= %.1f, or %.0f TXT/NULL, per %.0f s",
	    r->queries, uniq, r->dom, ml, me, r->txt_null,
	    (unsigned long long)r->bytes, c->tun_unique, c->tun_len,
	    c->tun_ent, c->txt_q, (double)c->window / 1e9);
	alert_kv_str(&a, "domain", r->dom);
	alert_kv_num(&a, "queries", r->queries);
	alert_kv_num(&a, "unique_subdomains", floor(uniq + 0.5));
	alert_kv_num(&a, "mean_label_length", ml);
	alert_kv_num(&a, "max_label_length", r->max_len);
	alert_kv_num(&a, "mean_entropy", me);
	alert_kv_num(&a, "txt_null_queries", r->txt_null);
	alert_kv_num(&a, "name_bytes", (double)r->bytes);
	alert_kv_num(&a, "threshold_unique", c->tun_unique);
	alert_kv_num(&a, "threshold_length", c->tun_len);
	alert_kv_num(&a, "threshold_entropy", c->tun_ent);
	alert_kv_num(&a, "threshold_txt_null", c->txt_q);
	alert_kv_num(&a, "window_seconds", (double)c->window / 1e9);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(c->ctx->sink, &a);
}

static void emit_cli(struct dnsc *c, const struct addr *cli,
    const struct cli_rec *r, int dga, int ongoing)
{
	struct alert a;
	double uniq = distinct(r->bits);
	int home = homenet_contains(&c->ctx->home, cli);

	if (dga) {
		alert_init(&a, 2410, ALERT_CAT_DGA, home ? 1 : 2, "T1568.002",
		    "dns", r->first);
		alert_signature(&a, "DGA-like NXDOMAIN names (%u random-looking "
		    "domains)", r->ndga);
		alert_text(&a, "%u distinct random-looking domains answered "
		    "NXDOMAIN (entropy >= 3.0 bits/char and a consonant run "
		    ">= 4, digits >= 25%% or vowels <= 20%%; max entropy %.2f), "
		    "e.g. %s; threshold %.0f per %.0f s", r->ndga, r->max_ent,
		    r->examples, c->dga_nx, (double)c->window / 1e9);
	} else {
		alert_init(&a, 2420, ALERT_CAT_DGA, 3, "T1568.002", "dns",
		    r->first);
		alert_signature(&a, "NXDOMAIN burst (%.0f distinct names)",
		    floor(uniq + 0.5));
		alert_text(&a, "%u NXDOMAIN answers for about %.0f distinct "
		    "names; threshold %.0f per %.0f s", r->nx, uniq,
		    c->nx_burst, (double)c->window / 1e9);
	}
	detect_alert_episode(&a, r->last, dga ? r->ndga : r->nx, 0);
	detect_alert_hosts(&a, cli, &r->resolver, 53, 17,
	    r->has_mac ? r->mac : NULL);
	alert_kv_num(&a, "nxdomain_answers", r->nx);
	alert_kv_num(&a, "distinct_nxdomain_names", floor(uniq + 0.5));
	alert_kv_num(&a, "random_looking_domains", r->ndga);
	alert_kv_num(&a, "max_entropy", r->max_ent);
	if (r->examples[0])
		alert_kv_str(&a, "examples", r->examples);
	alert_kv_num(&a, "threshold_random_domains", c->dga_nx);
	alert_kv_num(&a, "threshold_nxdomain_names", c->nx_burst);
	alert_kv_num(&a, "window_seconds", (double)c->window / 1e9);
	a.ongoing = (uint8_t)ongoing;
	alert_emit(c->ctx->sink, &a);
}

/* The client's episode, DGA or NXDOMAIN burst (a DGA episode already
 * explains the burst). */
static void report_cli(struct dnsc *c, const struct addr *cli,
    const struct cli_rec *r, int ongoing)
{
	if (r->dga_active || r->burst_active)
		emit_cli(c, cli, r, r->dga_active, ongoing);
}

static void close_cli(struct dnsc *c, const struct addr *cli,
    struct cli_rec *r)
{
	report_cli(c, cli, r, 0);
	c->walk.nactive -= (uint32_t)(r->dga_active + r->burst_active);
	r->dga_active = r->burst_active = 0;
}

static void evict_tun(const void *key, void *val, void *ud)
{
	struct dnsc *c = ud;
	struct tun_rec *r = val;
	if (r->active) {
		emit_tun(c, key, r, 0);
		c->walk.nactive--;
	}
}

static void evict_cli(const void *key, void *val, void *ud)
{
	close_cli(ud, key, val);
}

/* ---- evidence ----------------------------------------------------------- */

static void on_query(struct dnsc *c, const struct packet *p,
    const struct app_dns_rr *q)
{
	struct dname d;
	struct tun_key k;
	struct tun_rec *r;
	uint64_t ts = p->ts_ns;

	if (split_name(q->name, &d) != 0)
		return;
	memset(&k, 0, sizeof(k));
	k.cli = p->src;
	k.dom_h = hash64(d.buf + d.reg_off, d.len - d.reg_off);
	r = lrutab_get(c->tun, &k, NULL);
	if (r->active && ep_past(ts, r->last, c->window)) {
		/* the last episode ended; no tick closed it yet */
		emit_tun(c, &k, r, 0);
		r->active = 0;
		c->walk.nactive--;
	}
	if (!r->active && ep_past(ts, r->win_start, c->window)) {
		memset(r, 0, sizeof(*r));
		r->win_start = r->first = ts;
		snprintf(r->dom, sizeof(r->dom), "%s", d.buf + d.reg_off);
	}
	if (ts > r->last)
		r->last = ts;
	r->queries++;
	if (!r->fwin || ts < r->fwin || ts - r->fwin >= c->flood_window) {
		r->fwin = ts;
		r->fq = 0;
	}
	if (++r->fq > r->peak_fq)
		r->peak_fq = r->fq;
	r->resolver = p->dst;
	ep_keep_mac(&r->has_mac, r->mac, p->has_eth ? p->src_mac : NULL);
	if (q->type == 16 || q->type == 10)
		r->txt_null++;
	if (d.sub_len) {
		r->bytes += d.sub_len;
		if (bit_set(r->bits, hash64(d.buf, d.sub_len))) {
			/* the data rides in the longest label */
			size_t lo = 0, ll = 0, st = 0;
			for (size_t i = 0; i <= d.sub_len; i++) {
				if (i < d.sub_len && d.buf[i] != '.')
					continue;
				if (i - st > ll) {
					ll = i - st;
					lo = st;
				}
				st = i + 1;
			}
			r->newsub++;
			r->sum_len += (double)ll;
			r->sum_ent += entropy(d.buf + lo, ll);
			if (ll > r->max_len)
				r->max_len = (uint32_t)ll;
		}
	}
	if (!r->flood && r->fq >= c->flood_q) {
		r->flood = 1;
		if (r->active)
			r->reported = 0;	/* a new finding: report it */
		else
			c->walk.nactive++;
		r->active = 1;
	}
	if (r->active)
		return;
	double uniq = distinct(r->bits);
	double ml = r->newsub ? r->sum_len / r->newsub : 0;
	double me = r->newsub ? r->sum_ent / r->newsub : 0;
	if ((uniq >= c->tun_unique && ml >= c->tun_len && me >= c->tun_ent) ||
	    (r->txt_null >= c->txt_q && uniq >= c->txt_q / 2)) {
		r->active = 1;
		c->walk.nactive++;
	}
}

static void on_nxdomain(struct dnsc *c, const struct packet *p,
    const struct app_dns_rr *q)
{
	struct dname d;
	struct cli_rec *r;
	uint64_t ts = p->ts_ns;
	double ent;

	if (split_name(q->name, &d) != 0)
		return;
	r = lrutab_get(c->cli, &p->dst, NULL);
	if ((r->dga_active || r->burst_active) &&
	    ep_past(ts, r->last, c->window))
		close_cli(c, &p->dst, r);
	if (!r->dga_active && !r->burst_active &&
	    ep_past(ts, r->win_start, c->window)) {
		memset(r, 0, sizeof(*r));
		r->win_start = r->first = ts;
	}
	if (ts > r->last)
		r->last = ts;
	r->nx++;
	r->resolver = p->src;
	ep_keep_mac(&r->has_mac, r->mac, p->has_eth ? p->dst_mac : NULL);
	if (bit_set(r->bits, hash64(d.buf, d.len)))
		r->nx_new++;
	if (random_looking(d.buf + d.sld_off, d.sld_len, &ent)) {
		uint32_t h = (uint32_t)hash64(d.buf + d.reg_off,
		    d.len - d.reg_off);
		uint32_t i;
		for (i = 0; i < r->ndga && i < MAX_DGA; i++)
			if (r->dga[i] == h)
				break;
		if (i == r->ndga && r->ndga < MAX_DGA) {
			r->dga[r->ndga++] = h;
			if (ent > r->max_ent)
				r->max_ent = ent;
			size_t off = strlen(r->examples);
			if (r->ndga <= 3 && off + 2 < sizeof(r->examples))
				snprintf(r->examples + off,
				    sizeof(r->examples) - off, "%s%.40s",
				    off ? "," : "", d.buf + d.reg_off);
		}
	}
	if (!r->dga_active && r->ndga >= c->dga_nx) {
		r->dga_active = 1;
		c->walk.nactive++;
	}
	if (!r->burst_active && distinct(r->bits) >= c->nx_burst) {
		r->burst_active = 1;
		c->walk.nactive++;
	}
}

static void on_packet(void *st, const struct detect_pkt *dp)
{
	struct dnsc *c = st;
	const struct app_dns *d;

	if (!dp->m || dp->m->kind != APP_DNS || !dp->p->ip_version)
		return;
	d = &dp->m->u.dns;
	if (d->opcode != 0)
		return;
	for (unsigned i = 0; i < d->nrr && i < PROTO_MAX_RR; i++) {
		const struct app_dns_rr *q = &d->rr[i];
		if (q->section != DNS_SEC_QUESTION)
			continue;
		if (!d->is_response)
			on_query(c, dp->p, q);
		else if (d->rcode == 3)
			on_nxdomain(c, dp->p, q);
		break;		/* one question per message in practice */
	}
}

static void sweep(void *st, uint64_t now, int force)
{
	struct dnsc *c = st;
	void *v, *next;

	for (v = lrutab_first(c->tun); v && c->walk.nactive; v = next) {
		struct tun_rec *r = v;
		next = lrutab_next(c->tun, v);
		if (!force && !ep_past(now, r->last, c->window))
			break;	/* LRU order: the rest are more recent */
		if (r->active) {
			emit_tun(c, lrutab_key(c->tun, v), r, 0);
			c->walk.nactive--;
			lrutab_del(c->tun, v);
		}
	}
	for (v = lrutab_first(c->cli); v && c->walk.nactive; v = next) {
		struct cli_rec *r = v;
		next = lrutab_next(c->cli, v);
		if (!force && !ep_past(now, r->last, c->window))
			break;
		if (r->dga_active || r->burst_active) {
			close_cli(c, lrutab_key(c->cli, v), r);
			lrutab_del(c->cli, v);
		}
	}
	if (force || !c->walk.nactive)
		return;
	/* the episodes still going on */
	for (v = lrutab_first(c->tun); v; v = lrutab_next(c->tun, v)) {
		struct tun_rec *r = v;
		if (r->active &&
		    alert_ongoing_due(r->last, r->reported)) {
			emit_tun(c, lrutab_key(c->tun, v), r, 1);
			r->reported = now;
		}
	}
	for (v = lrutab_first(c->cli); v; v = lrutab_next(c->cli, v)) {
		struct cli_rec *r = v;
		if ((r->dga_active || r->burst_active) &&
		    alert_ongoing_due(r->last, r->reported)) {
			report_cli(c, lrutab_key(c->cli, v), r, 1);
			r->reported = now;
		}
	}
}

static void destroy(void *st)
{
	struct dnsc *c = st;
	if (!c)
		return;
	lrutab_free(c->tun);
	lrutab_free(c->cli);
	ew_free(c);
}

static void *create(const struct detect_ctx *ctx,
    struct detect_settings *set, char *err, size_t errlen)
{
	struct dnsc *c = ew_calloc(1, sizeof(*c));
	size_t nt, nc;

	if (!c)
		return detect_oom(err, errlen, "dns");
	c->ctx = ctx;
	c->walk.sweep = sweep;
	c->walk.period = WALK_NS;
	c->window = (uint64_t)(detect_setting(set, "dns.window_s",
	    DNS_WINDOW_S, "seconds within which DNS evidence is counted") *
	    1e9);
	c->tun_unique = detect_setting(set, "dns.tunnel_unique",
	    DNS_TUNNEL_UNIQUE, "unique subdomains of one domain (tunnel)");
	c->tun_len = detect_setting(set, "dns.tunnel_min_len",
	    DNS_TUNNEL_MIN_LEN, "mean length of the longest subdomain label, "
	    "chars (tunnel)");
	c->tun_ent = detect_setting(set, "dns.tunnel_entropy",
	    DNS_TUNNEL_ENTROPY, "mean Shannon entropy of the longest "
	    "subdomain label, bits/char (tunnel)");
	c->txt_q = detect_setting(set, "dns.txt_queries", DNS_TXT_QUERIES,
	    "TXT/NULL queries to one domain (tunnel)");
	c->dga_nx = detect_setting(set, "dns.dga_nxdomains", DNS_DGA_NX,
	    "distinct random-looking NXDOMAIN domains (DGA)");
	c->nx_burst = detect_setting(set, "dns.nx_burst", DNS_NX_BURST,
	    "distinct NXDOMAIN names (burst)");
	c->flood_q = detect_setting(set, "dns.flood_queries",
	    DNS_FLOOD_QUERIES, "queries from one client for one domain "
	    "within dns.flood_window_s (query flood)");
	c->flood_window = (uint64_t)(detect_setting(set,
	    "dns.flood_window_s", DNS_FLOOD_WINDOW_S, "seconds the query "
	    "flood is counted in") * 1e9);
	if (c->flood_q < 1)
		c->flood_q = 1;
	if (c->flood_window < 1000000000u)
		c->flood_window = 1000000000u;
	if (c->dga_nx > MAX_DGA)
		c->dga_nx = MAX_DGA;
	if (c->dga_nx < 1)
		c->dga_nx = 1;
	nt = lrutab_entries_for(sizeof(struct tun_key), sizeof(struct tun_rec),
	    DNS_MEMCAP * 3 / 4);
	nc = lrutab_entries_for(sizeof(struct addr), sizeof(struct cli_rec),
	    DNS_MEMCAP / 4);
	c->tun = lrutab_new(sizeof(struct tun_key), sizeof(struct tun_rec),
	    nt, ctx->seed, evict_tun, c);
	c->cli = lrutab_new(sizeof(struct addr), sizeof(struct cli_rec), nc,
	    ctx->seed ^ 1, evict_cli, c);
	if (!c->tun || !c->cli) {
		destroy(c);
		return detect_oom(err, errlen, "dns");
	}
	return c;
}

const struct check_ops check_dns = {
	.name = "dns",
	.create = create,
	.destroy = destroy,
	.packet = on_packet,
	.tick = detect_walk_tick,
	.finish = detect_walk_finish,
};
