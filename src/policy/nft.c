/* nft.c - the nftables ruleset: quarantine sets, zone rules, MUD
 * allow-lists (layout and reasoning in nft.h).
 *
 * Zones are rendered exactly as zones_classify + zones_check decide:
 * chain "zones" classifies the source (goto zsrc_Z), each zsrc_Z
 * classifies the destination (goto zpair_Z_W, or the default verdict when
 * no rule applies to the pair) and zpair_Z_W holds the applicable rules
 * in file order, first match wins, then the default. Classification
 * follows the zones precedence: the inventory's devices are classified by
 * zones_classify itself (MAC, CIDR, class) and dispatched by their
 * addresses first; other hosts then by CIDR members, longest prefix first
 * (declaration order on ties); then the private ranges are "lan"; the
 * rest is "internet". Class members match only devices the inventory
 * knows (by their MAC/IPs at rendering time): re-render when devices
 * change. Allow is "return" (later checks and other tables still apply),
 * deny is "drop". Only new connections are checked: established and
 * related packets are accepted before the zone and MUD chains. */
#include "policy/nft.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

/* Hosts in these ranges are "local" (zone lan when in no declared zone). */
static const char *const private4 = "10.0.0.0/8, 172.16.0.0/12, "
    "192.168.0.0/16, 169.254.0.0/16";
static const char *const private6 = "fc00::/7, fe80::/10";

struct out {
	FILE *fp;
	int err;
};

static void p(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void p(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vfprintf(o->fp, fmt, ap) < 0)
		o->err = 1;
	va_end(ap);
}

/* ---- a small list of unique strings (set elements) -------------------- */

struct strlist {
	char **v;
	size_t n, cap;
	int oom;
};

static int sl_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

static void sl_add(struct strlist *l, const char *s)
{
	if (sl_has(l, s))
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->oom = 1;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		l->oom = 1;
	else
		l->n++;
}

static void sl_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* "{ a, b, c }" of l */
static void p_set(struct out *o, const struct strlist *l)
{
	p(o, "{ ");
	for (size_t i = 0; i < l->n; i++)
		p(o, "%s%s", i ? ", " : "", l->v[i]);
	p(o, " }");
}

/* ---- quarantine ----------------------------------------------------------- */

/* "ADDR" or "ADDR timeout Ts expires Rs"; "" when already expired. */
static void quar_elem(const struct nft_quar *q, uint64_t now, const char *a,
    char *buf, size_t n)
{
	uint64_t left, total;
	if (!q->until) {
		snprintf(buf, n, "%s", a);
		return;
	}
	if (q->until <= now) {
		buf[0] = '\0';
		return;
	}
	left = q->until - now;
	total = q->until > q->since ? q->until - q->since : left;
	if (total < left)
		total = left;
	/* nft refuses values of 10^8 s and more; only an edited store can
	 * ask for more than a year: the kernel then lets go after a year,
	 * the next rendering puts it back */
	if (left > QUAR_DURATION_MAX_S)
		left = QUAR_DURATION_MAX_S;
	if (total > QUAR_DURATION_MAX_S)
		total = QUAR_DURATION_MAX_S;
	snprintf(buf, n, "%s timeout %llus expires %llus", a,
	    (unsigned long long)total, (unsigned long long)left);
}

/* The elements of one quarantine set: kind 0 MACs, 4 IPv4, 6 IPv6. The
 * first entry of an address wins (an address is in a set once). */
static void quar_elems(const struct nft_input *in, int kind,
    struct strlist *out)
{
	struct strlist seen = { 0 };
	char buf[160];
	for (size_t i = 0; i < in->nq; i++) {
		const struct nft_quar *q = &in->q[i];
		if (kind == 0) {
			char mac[MAC_STRLEN];
			/* validated again here: nothing unchecked reaches nft */
			if (!q->d.mac[0] || quar_norm_mac(q->d.mac, mac) != 0 ||
			    sl_has(&seen, mac))
				continue;
			quar_elem(q, in->now_s, mac, buf, sizeof(buf));
			if (buf[0]) {
				sl_add(&seen, mac);
				sl_add(out, buf);
			}
			continue;
		}
		for (size_t j = 0; j < q->d.nips; j++) {
			char ip[ADDR_STRLEN];
			int fam = 0;
			if (quar_norm_ip(q->d.ips[j], ip, &fam) != 0 || fam != kind ||
			    sl_has(&seen, ip))
				continue;
			quar_elem(q, in->now_s, ip, buf, sizeof(buf));
			if (buf[0]) {
				sl_add(&seen, ip);
				sl_add(out, buf);
			}
		}
	}
	if (seen.oom)
		out->oom = 1;
	sl_free(&seen);
}

static void quar_set(struct out *o, const struct nft_input *in,
    const char *name, const char *type, int kind)
{
	struct strlist el = { 0 };
	quar_elems(in, kind, &el);
	p(o, "\tset %s {\n\t\ttype %s\n\t\tflags timeout\n", name, type);
	if (el.n) {
		p(o, "\t\telements = ");
		p_set(o, &el);
		p(o, "\n");
	}
	p(o, "\t}\n\n");
	if (el.oom)
		o->err = 1;
	sl_free(&el);
}

/* ---- zones ----------------------------------------------------------------- */

/* The zones chains are numbered: internet, lan, then declared zones. */
static int zone_used(const struct zones *z, int i)
{
	return i == ZONES_INTERNET || i == ZONES_LAN ||
	    (i >= ZONES_FIRST && (unsigned)i < zones_count(z));
}

static int rule_side_matches(int rz, int zone)
{
	return rz == zone || rz == ZONES_ANY ||
	    (rz == ZONES_LOCAL && zone != ZONES_INTERNET);
}

static int pair_has_rules(const struct zones *z, int src, int dst)
{
	for (unsigned r = 0; r < zones_rule_count(z); r++) {
		const struct zones_rule *ru = zones_rule(z, (int)r);
		if (ru && rule_side_matches(ru->src, src) &&
		    rule_side_matches(ru->dst, dst))
			return 1;
	}
	return 0;
}

static const char *default_verdict(const struct zones *z)
{
	return zones_default_allow(z) ? "return" : "drop";
}

/* The inventory's addresses per zone: what zones_classify says of each
 * (host, address). macs: only used on the source side (a routed
 * packet's destination MAC is the router's). */
struct zone_addrs {
	struct strlist mac, v4, v6;
};

static void classify_hosts(const struct nft_input *in, struct zone_addrs *za)
{
	const struct zones *z = in->zones;
	for (size_t i = 0; i < in->nhosts; i++) {
		const struct nft_host *h = &in->hosts[i];
		uint8_t m[6];
		struct addr a;
		struct zone_host zh = { NULL, NULL, h->cls, 1 };
		char mac[MAC_STRLEN], ip[ADDR_STRLEN];
		int have_mac = h->d.mac[0] && quar_norm_mac(h->d.mac, mac) == 0 &&
		    mac_parse(mac, m) == 0;
		if (have_mac)
			zh.mac = m;
		for (size_t j = 0; j < h->d.nips; j++) {
			int fam, zi;
			if (quar_norm_ip(h->d.ips[j], ip, &fam) != 0 ||
			    addr_parse(ip, &a) != 0)
				continue;
			zh.ip = &a;
			zi = zones_classify(z, &zh);
			if (!zone_used(z, zi))
				continue;
			sl_add(fam == 4 ? &za[zi].v4 : &za[zi].v6, ip);
		}
		if (have_mac) {
			int zi;
			zh.ip = NULL;
			if (h->d.nips && quar_norm_ip(h->d.ips[0], ip, NULL) == 0 &&
			    addr_parse(ip, &a) == 0)
				zh.ip = &a;
			zi = zones_classify(z, &zh);
			if (zone_used(z, zi))
				sl_add(&za[zi].mac, mac);
		}
	}
}

/* The target of a dispatch to zone w: "goto zsrc_W" (source side) or the
 * pair chain / default verdict (destination side of source zone src). */
static void target(const struct zones *z, int src, int w, char *buf,
    size_t n)
{
	if (src < 0)
		snprintf(buf, n, "goto zsrc_%d", w);
	else if (pair_has_rules(z, src, w))
		snprintf(buf, n, "goto zpair_%d_%d", src, w);
	else
		snprintf(buf, n, "%s", default_verdict(z));
}

static int cidr_cmp(const void *a, const void *b)
{
	const struct zones_cidr *x = *(const struct zones_cidr *const *)a;
	const struct zones_cidr *y = *(const struct zones_cidr *const *)b;
	if (x->bits != y->bits)
		return x->bits > y->bits ? -1 : 1;	/* longest first */
	return x < y ? -1 : x > y;		/* then declaration order */
}

/* One classification: src < 0 classifies the source, else the
 * destination of a connection from zone src. */
static void dispatch(struct out *o, const struct nft_input *in,
    struct zone_addrs *za, const struct zones_cidr **cidr, size_t ncidr,
    int src)
{
	const struct zones *z = in->zones;
	const char *dir = src < 0 ? "saddr" : "daddr";
	unsigned nz = zones_count(z);
	char t[64], net[ADDR_STRLEN];

	for (unsigned w = 0; src < 0 && w < nz; w++)
		if (zone_used(z, (int)w) && za[w].mac.n) {
			target(z, src, (int)w, t, sizeof(t));
			p(o, "\t\tether saddr ");
			p_set(o, &za[w].mac);
			p(o, " %s\n", t);
		}
	for (unsigned w = 0; w < nz; w++) {
		if (!zone_used(z, (int)w))
			continue;
		target(z, src, (int)w, t, sizeof(t));
		if (za[w].v4.n) {
			p(o, "\t\tip %s ", dir);
			p_set(o, &za[w].v4);
			p(o, " %s\n", t);
		}
		if (za[w].v6.n) {
			p(o, "\t\tip6 %s ", dir);
			p_set(o, &za[w].v6);
			p(o, " %s\n", t);
		}
	}
	for (size_t i = 0; i < ncidr; i++) {
		const struct zones_cidr *c = cidr[i];
		if (!zone_used(z, c->zone))
			continue;
		addr_fmt(&c->net, net, sizeof(net));
		if (!net[0])
			continue;
		target(z, src, c->zone, t, sizeof(t));
		p(o, "\t\t%s %s %s/%u %s\n", c->net.family == 6 ? "ip6" : "ip",
		    dir, net, c->bits, t);
	}
	target(z, src, ZONES_LAN, t, sizeof(t));
	p(o, "\t\tip %s { %s } %s\n", dir, private4, t);
	p(o, "\t\tip6 %s { %s } %s\n", dir, private6, t);
	target(z, src, ZONES_INTERNET, t, sizeof(t));
	p(o, "\t\t%s\n", t);
}

/* One port spec as an nft match ("" = any). */
static void port_match(const struct zones_port *pt, char *buf, size_t n)
{
	const char *l4 = pt->proto == 6 ? "tcp" : "udp";
	if (pt->proto == 0)
		buf[0] = '\0';
	else if ((pt->proto == 6 || pt->proto == 17) && pt->lo == 0 &&
	    pt->hi == 65535)
		snprintf(buf, n, "meta l4proto %s ", l4);
	else if (pt->proto == 6 || pt->proto == 17) {
		if (pt->lo == pt->hi)
			snprintf(buf, n, "%s dport %u ", l4, pt->lo);
		else
			snprintf(buf, n, "%s dport %u-%u ", l4, pt->lo, pt->hi);
	} else if (pt->proto == 1)
		snprintf(buf, n, "meta l4proto icmp ");
	else if (pt->proto == 58)
		snprintf(buf, n, "meta l4proto ipv6-icmp ");
	else
		snprintf(buf, n, "meta l4proto %u ", pt->proto);
}

/* A zone name for a comment: only when it is plain (the parser's names
 * are; this is the last line of defence against breaking the syntax). */
static const char *safe_name(const struct zones *z, int i)
{
	const char *s = zones_name(z, i);
	size_t n = 0;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '_' && s[n] != '-' &&
		    s[n] != '.')
			return "?";
	return n && n <= ZONES_NAME_MAX ? s : "?";
}

static int render_zones(struct out *o, const struct nft_input *in)
{
	const struct zones *z = in->zones;
	unsigned nz = zones_count(z);
	size_t ncidr = 0;
	const struct zones_cidr *cidrs = zones_cidrs(z, &ncidr);
	const struct zones_cidr **sorted = NULL;
	struct zone_addrs *za = calloc(nz ? nz : 1, sizeof(*za));
	int ret = 0;

	if (!za)
		return -1;
	if (ncidr) {
		sorted = malloc(ncidr * sizeof(*sorted));
		if (!sorted) {
			free(za);
			return -1;
		}
		for (size_t i = 0; i < ncidr; i++)
			sorted[i] = &cidrs[i];
		qsort(sorted, ncidr, sizeof(*sorted), cidr_cmp);
	}
	classify_hosts(in, za);
	{
		/* MAC members the inventory does not know still match on the
		 * source side */
		size_t nm = 0;
		const struct zones_mac *zm = zones_macs(z, &nm);
		for (size_t i = 0; i < nm; i++) {
			char mac[MAC_STRLEN], norm[MAC_STRLEN];
			mac_fmt(zm[i].mac, mac, sizeof(mac));
			if (zone_used(z, zm[i].zone) &&
			    quar_norm_mac(mac, norm) == 0)
				sl_add(&za[zm[i].zone].mac, norm);
		}
	}

	p(o, "\t# zones: classify the source, then the destination, then the "
	    "rules of the pair in file order; default %s\n",
	    zones_default_allow(z) ? "allow" : "deny");
	p(o, "\tchain zones {\n");
	dispatch(o, in, za, sorted, ncidr, -1);
	p(o, "\t}\n\n");
	for (unsigned s = 0; s < nz; s++) {
		if (!zone_used(z, (int)s))
			continue;
		p(o, "\tchain zsrc_%u {\n\t\t# from zone %s\n", s,
		    safe_name(z, (int)s));
		dispatch(o, in, za, sorted, ncidr, (int)s);
		p(o, "\t}\n\n");
		for (unsigned d = 0; d < nz; d++) {
			if (!zone_used(z, (int)d) ||
			    !pair_has_rules(z, (int)s, (int)d))
				continue;
			p(o, "\tchain zpair_%u_%u {\n\t\t# %s -> %s\n", s, d,
			    safe_name(z, (int)s), safe_name(z, (int)d));
			for (unsigned r = 0; r < zones_rule_count(z); r++) {
				const struct zones_rule *ru = zones_rule(z, (int)r);
				const char *v;
				if (!ru || !rule_side_matches(ru->src, (int)s) ||
				    !rule_side_matches(ru->dst, (int)d))
					continue;
				v = ru->allow ? "return" : "drop";
				if (ru->nport == 0)
					p(o, "\t\tcounter %s comment \"line %u\"\n", v,
					    ru->line);
				for (unsigned k = 0; k < ru->nport; k++) {
					char m[64];
					port_match(&ru->port[k], m, sizeof(m));
					p(o, "\t\t%scounter %s comment \"line %u\"\n",
					    m, v, ru->line);
				}
			}
			p(o, "\t\tcounter %s comment \"default\"\n",
			    default_verdict(z));
			p(o, "\t}\n\n");
		}
	}
	for (unsigned i = 0; i < nz; i++) {
		if (za[i].mac.oom || za[i].v4.oom || za[i].v6.oom)
			ret = -1;
		sl_free(&za[i].mac);
		sl_free(&za[i].v4);
		sl_free(&za[i].v6);
	}
	free(za);
	free(sorted);
	return ret;
}

/* ---- MUD --------------------------------------------------------------------- */

static void ports_match(const char *l4, const char *which,
    const struct mud_ports *pt, char *buf, size_t n)
{
	if (!pt->set)
		buf[0] = '\0';
	else if (pt->neq)
		snprintf(buf, n, "%s %s != %u ", l4, which, pt->lo);
	else if (pt->lo == pt->hi)
		snprintf(buf, n, "%s %s %u ", l4, which, pt->lo);
	else
		snprintf(buf, n, "%s %s %u-%u ", l4, which, pt->lo, pt->hi);
}

static void net_match(const char *dir, const struct mud_net *nt, char *buf,
    size_t n)
{
	char a[ADDR_STRLEN];
	buf[0] = '\0';
	if (!nt->set)
		return;
	addr_fmt(&nt->net, a, sizeof(a));
	if (a[0])
		snprintf(buf, n, "%s %s %s/%u ", nt->net.family == 6 ? "ip6" : "ip",
		    dir, a, nt->plen);
}

/* One ACE as nft rule(s) in a from (dir 0) or to (dir 1) chain. Returns 1
 * when rendered, 0 when it cannot be (a DNS name; unsupported matches
 * never match anyway and count as rendered). */
static int mud_ace_rule(struct out *o, const struct mud_ace *a)
{
	char l3[128] = "", l3b[128] = "", l4[96] = "", sp[48], dp[48], loc[96];
	const char *v = a->accept ? "return" : "drop";
	const char *remote = a->dir == MUD_FROM_DEVICE ? "daddr" : "saddr";
	int fam = a->family;

	if (a->unsupported)
		return 1;
	if (a->src_dnsname || a->dst_dnsname)
		return 0;
	net_match("saddr", &a->src_net, l3, sizeof(l3));
	net_match("daddr", &a->dst_net, l3b, sizeof(l3b));
	if (a->src_net.set)
		fam = a->src_net.net.family;
	if (a->dst_net.set)
		fam = a->dst_net.net.family;
	if (a->proto == 6 || a->proto == 17) {
		const char *n = a->proto == 6 ? "tcp" : "udp";
		ports_match(n, "sport", &a->src_port, sp, sizeof(sp));
		ports_match(n, "dport", &a->dst_port, dp, sizeof(dp));
		if (!sp[0] && !dp[0])
			snprintf(l4, sizeof(l4), "meta l4proto %s ", n);
		else
			snprintf(l4, sizeof(l4), "%s%s", sp, dp);
	} else if (a->proto == 1)
		snprintf(l4, sizeof(l4), "meta l4proto icmp ");
	else if (a->proto == 58)
		snprintf(l4, sizeof(l4), "meta l4proto ipv6-icmp ");
	else if (a->proto >= 0)
		snprintf(l4, sizeof(l4), "meta l4proto %d ", a->proto);
	/* the family the ACL is for, when no address says it */
	if (!a->src_net.set && !a->dst_net.set && fam) {
		snprintf(l3, sizeof(l3), "meta nfproto %s ", fam == 6 ? "ipv6" :
		    "ipv4");
	}
	if (a->local_networks) {
		if (fam != 6) {
			snprintf(loc, sizeof(loc), "ip %s { %s } ", remote, private4);
			p(o, "\t\t%s%s%s%scounter %s\n", l3, l3b, loc, l4, v);
		}
		if (fam != 4) {
			snprintf(loc, sizeof(loc), "ip6 %s { %s } ", remote,
			    private6);
			p(o, "\t\t%s%s%s%scounter %s\n", fam ? l3 : "", l3b, loc,
			    l4, v);
		}
		return 1;
	}
	p(o, "\t\t%s%s%scounter %s\n", l3, l3b, l4, v);
	return 1;
}

static void addr_sets(const struct quar_device *d, struct strlist *v4,
    struct strlist *v6)
{
	char ip[ADDR_STRLEN];
	int fam;
	for (size_t j = 0; j < d->nips; j++)
		if (quar_norm_ip(d->ips[j], ip, &fam) == 0)
			sl_add(fam == 4 ? v4 : v6, ip);
}

static void render_mud_chains(struct out *o, const struct nft_input *in)
{
	for (size_t i = 0; i < in->nmud; i++) {
		const struct nft_mud *m = &in->mud[i];
		for (int dir = 0; dir < 2; dir++) {
			unsigned skipped = 0;
			p(o, "\tchain mud_%s_%zu {\n", dir ? "to" : "from", i);
			for (size_t k = 0; k < mud_ace_count(m->p); k++) {
				const struct mud_ace *a = mud_ace_at(m->p, k);
				if (a && a->dir == dir && !mud_ace_rule(o, a))
					skipped++;
			}
			if (skipped)
				/* a DNS name cannot be matched by address at
				 * load time without trusting a resolver: the
				 * profile is not enforced rather than cutting
				 * the device off its cloud */
				p(o, "\t\tcounter return comment \"not enforced: "
				    "%u ACEs name DNS names\"\n", skipped);
			else
				p(o, "\t\tcounter drop comment \"outside the MUD "
				    "profile\"\n");
			p(o, "\t}\n\n");
		}
	}
}

static void render_mud_dispatch(struct out *o, const struct nft_input *in)
{
	for (size_t i = 0; i < in->nmud; i++) {
		const struct nft_mud *m = &in->mud[i];
		struct strlist v4 = { 0 }, v6 = { 0 };
		char mac[MAC_STRLEN];
		addr_sets(&m->d, &v4, &v6);
		if (m->d.mac[0] && quar_norm_mac(m->d.mac, mac) == 0)
			p(o, "\t\tether saddr %s jump mud_from_%zu\n", mac, i);
		if (v4.n) {
			p(o, "\t\tip saddr ");
			p_set(o, &v4);
			p(o, " jump mud_from_%zu\n\t\tip daddr ", i);
			p_set(o, &v4);
			p(o, " jump mud_to_%zu\n", i);
		}
		if (v6.n) {
			p(o, "\t\tip6 saddr ");
			p_set(o, &v6);
			p(o, " jump mud_from_%zu\n\t\tip6 daddr ", i);
			p_set(o, &v6);
			p(o, " jump mud_to_%zu\n", i);
		}
		sl_free(&v4);
		sl_free(&v6);
	}
}

/* ---- the ruleset ------------------------------------------------------------- */

static void header(struct out *o, const struct nft_input *in)
{
	char when[32] = "?";
	time_t t = (time_t)in->now_s;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	p(o, "#!/usr/sbin/nft -f\n"
	    "# edgeward enforcement ruleset, rendered %s (wall clock; quarantine\n"
	    "# expiries count from then). Load with: nft -f FILE. It replaces the\n"
	    "# table inet %s atomically and touches no other table.\n"
	    "# %zu quarantined, %s, %zu MUD profile(s).\n",
	    when, NFT_TABLE, in->nq, in->zones ? "zone rules" : "no zone rules",
	    in->nmud);
}

int nft_render(const struct nft_input *in, FILE *fp, char *err,
    size_t errlen)
{
	struct out o = { fp, 0 };
	int more = in->zones || in->nmud;

	header(&o, in);
	p(&o, "table inet %s\ndelete table inet %s\n\n", NFT_TABLE, NFT_TABLE);
	p(&o, "table inet %s {\n", NFT_TABLE);
	quar_set(&o, in, "quarantine_mac", "ether_addr", 0);
	quar_set(&o, in, "quarantine_v4", "ipv4_addr", 4);
	quar_set(&o, in, "quarantine_v6", "ipv6_addr", 6);
	if (in->zones && render_zones(&o, in) != 0)
		o.err = 1;
	render_mud_chains(&o, in);

	p(&o, "\t# what a quarantined host may still ask of this host: an "
	    "address (DHCP),\n\t# names (DNS), IPv6 neighbour discovery\n"
	    "\tchain quarantined_in {\n"
	    "\t\tudp dport { 53, 67, 547 } accept\n"
	    "\t\ttcp dport 53 accept\n"
	    "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, "
	    "nd-neighbor-advert } accept\n"
	    "\t\tcounter drop\n"
	    "\t}\n\n");
	p(&o, "\tchain input {\n"
	    "\t\ttype filter hook input priority filter - 10; policy accept;\n"
	    "\t\tether saddr @quarantine_mac jump quarantined_in\n"
	    "\t\tip saddr @quarantine_v4 jump quarantined_in\n"
	    "\t\tip6 saddr @quarantine_v6 jump quarantined_in\n"
	    "\t}\n\n");
	p(&o, "\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter - 10; policy accept;\n"
	    "\t\tether saddr @quarantine_mac counter drop\n"
	    "\t\tip saddr @quarantine_v4 counter drop\n"
	    "\t\tip daddr @quarantine_v4 counter drop\n"
	    "\t\tip6 saddr @quarantine_v6 counter drop\n"
	    "\t\tip6 daddr @quarantine_v6 counter drop\n");
	if (more)
		p(&o, "\t\tct state established,related accept\n");
	if (in->zones)
		p(&o, "\t\tjump zones\n");
	render_mud_dispatch(&o, in);
	p(&o, "\t}\n}\n");
	if (fflush(fp) != 0 || ferror(fp))
		o.err = 1;
	if (o.err) {
		snprintf(err, errlen, "cannot write the ruleset (write error or "
		    "out of memory)");
		return -1;
	}
	return 0;
}

int nft_render_sets(const struct nft_input *in, FILE *fp, char *err,
    size_t errlen)
{
	static const struct {
		const char *name;
		int kind;
	} sets[] = { { "quarantine_mac", 0 }, { "quarantine_v4", 4 },
	    { "quarantine_v6", 6 } };
	struct out o = { fp, 0 };
	header(&o, in);
	for (size_t i = 0; i < 3; i++) {
		struct strlist el = { 0 };
		quar_elems(in, sets[i].kind, &el);
		p(&o, "flush set inet %s %s\n", NFT_TABLE, sets[i].name);
		if (el.n) {
			p(&o, "add element inet %s %s ", NFT_TABLE, sets[i].name);
			p_set(&o, &el);
			p(&o, "\n");
		}
		if (el.oom)
			o.err = 1;
		sl_free(&el);
	}
	if (fflush(fp) != 0 || ferror(fp))
		o.err = 1;
	if (o.err) {
		snprintf(err, errlen, "cannot write the ruleset");
		return -1;
	}
	return 0;
}

/* ---- from the store -------------------------------------------------------- */

struct load {
	struct nft_input *in;
	size_t cap_q, cap_h, cap_m;
	unsigned mud_bad;
	int oom;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	void *nv = realloc(*v, nc * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = nc;
	return 0;
}

static int load_quar(const struct store_quarantine *q, void *ud)
{
	struct load *l = ud;
	struct nft_input *in = l->in;
	struct nft_quar *e;
	if (grow((void **)&in->q, &l->cap_q, in->nq, sizeof(*in->q)) != 0) {
		l->oom = 1;
		return 1;
	}
	e = &in->q[in->nq];
	memset(e, 0, sizeof(*e));
	if (quar_norm_key(q->device_key, e->d.key) != 0)
		return 0;		/* not ours: never rendered */
	if (q->mac[0] && quar_norm_mac(q->mac, e->d.mac) != 0)
		e->d.mac[0] = '\0';
	e->d.nips = quar_split_ips(q->ips, e->d.ips, QUAR_MAX_IPS);
	e->since = q->since;
	e->until = q->until;
	in->nq++;
	return 0;
}

static int load_host(const struct store_device *row, void *ud)
{
	struct load *l = ud;
	struct nft_input *in = l->in;
	struct nft_host *h;
	if (grow((void **)&in->hosts, &l->cap_h, in->nhosts,
	    sizeof(*in->hosts)) != 0) {
		l->oom = 1;
		return 1;
	}
	h = &in->hosts[in->nhosts];
	memset(h, 0, sizeof(*h));
	if (quar_device_from_row(row, &h->d) != 0)
		return 0;
	snprintf(h->cls, sizeof(h->cls), "%s", row->cls ? row->cls : "");
	in->nhosts++;
	return 0;
}

static int load_mud(const char *key, const char *kind, uint64_t ts,
    const char *json, void *ud)
{
	struct load *l = ud;
	struct nft_input *in = l->in;
	char err[256];
	struct nft_mud *m;
	(void)ts;
	if (strcmp(kind, "mud") != 0)
		return 0;
	if (grow((void **)&in->mud, &l->cap_m, in->nmud, sizeof(*in->mud)) != 0) {
		l->oom = 1;
		return 1;
	}
	m = &in->mud[in->nmud];
	memset(m, 0, sizeof(*m));
	/* the device's addresses from the inventory (loaded before); else
	 * what its key says */
	for (size_t i = 0; i < in->nhosts; i++)
		if (strcmp(in->hosts[i].d.key, key) == 0)
			m->d = in->hosts[i].d;
	if (!m->d.key[0]) {
		struct store_device row;
		memset(&row, 0, sizeof(row));
		row.key = key;
		if (quar_device_from_row(&row, &m->d) != 0) {
			l->mud_bad++;
			return 0;
		}
	}
	m->p = mud_parse(json, strlen(json), err, sizeof(err));
	if (!m->p) {
		l->mud_bad++;
		return 0;
	}
	in->nmud++;
	return 0;
}

int nft_input_from_store(struct nft_input *in, struct store *st,
    uint64_t now_s, unsigned *mud_bad, char *err, size_t errlen)
{
	struct load l = { in, 0, 0, 0, 0, 0 };
	const struct zones *z = in->zones;
	const char *src = in->source;
	memset(in, 0, sizeof(*in));
	in->zones = z;
	in->source = src;
	in->now_s = now_s;
	if (store_quarantine_each(st, now_s, load_quar, &l) != 0 ||
	    store_each_device(st, load_host, &l) != 0 ||
	    store_each_baseline(st, load_mud, &l) != 0) {
		snprintf(err, errlen, "%s", l.oom ? "out of memory" :
		    "store error reading quarantines, devices or baselines");
		return -1;
	}
	if (l.oom) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (mud_bad)
		*mud_bad = l.mud_bad;
	return 0;
}

void nft_input_free(struct nft_input *in)
{
	for (size_t i = 0; i < in->nmud; i++)
		mud_free(in->mud[i].p);
	free(in->mud);
	free(in->hosts);
	free(in->q);
	in->mud = NULL;
	in->hosts = NULL;
	in->q = NULL;
	in->nq = in->nhosts = in->nmud = 0;
}

/* ---- loading --------------------------------------------------------------- */

const char *nft_binary(void)
{
	static const char *const paths[] = { "/usr/sbin/nft", "/sbin/nft" };
	for (size_t i = 0; i < 2; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

int nft_run(const char *const *args, const char *text, size_t len,
    int quiet, char *err, size_t errlen)
{
	const char *bin = nft_binary();
	char *argv[16];
	int fd[2], status = 0;
	size_t n = 0;
	pid_t pid;

	if (!bin) {
		snprintf(err, errlen, "nft not found (/usr/sbin/nft; Debian: apt "
		    "install nftables)");
		return -1;
	}
	argv[n++] = (char *)(uintptr_t)"nft";
	for (; args[n - 1] && n < 15; n++)
		argv[n] = (char *)(uintptr_t)args[n - 1];
	argv[n] = NULL;
	if (pipe(fd) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		if (quiet) {
			int dn = open("/dev/null", O_WRONLY);
			if (dn >= 0) {
				dup2(dn, 1);
				dup2(dn, 2);
				close(dn);
			}
		}
		execv(bin, argv);
		_exit(127);
	}
	close(fd[0]);
	{
		/* nft may exit before reading everything: no SIGPIPE */
		struct sigaction ign, old;
		memset(&ign, 0, sizeof(ign));
		ign.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &ign, &old);
		for (size_t off = 0; text && off < len;) {
			ssize_t w = write(fd[1], text + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(fd[1]);
		sigaction(SIGPIPE, &old, NULL);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(err, errlen, "cannot run %s", bin);
		return -1;
	}
	if (!WIFEXITED(status)) {
		snprintf(err, errlen, "%s killed by signal %d", bin,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		return -1;
	}
	return WEXITSTATUS(status);
}

int nft_table_loaded(void)
{
	static const char *const args[] = { "list", "table", "inet", NFT_TABLE,
	    NULL };
	char err[128];
	int rc = nft_run(args, NULL, 0, 1, err, sizeof(err));
	return rc < 0 ? -1 : rc == 0;
}
