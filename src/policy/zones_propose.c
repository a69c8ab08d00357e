/* zones_propose.c - write a zones policy from observed traffic between
 * device classes (what `edgeward policy propose` prints): allow what was
 * seen, deny LAN-to-LAN otherwise. Output depends only on the set of
 * edges, never on their order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "policy/zones.h"
#include "util/alloc.h"

/* Class zones are 0..ncls-1 (zones_class_name order); one more is the
 * internet. */
#define MAXZ 32

struct pedge {
	unsigned src, dst;
	uint8_t proto;
	uint16_t port;
	uint64_t n;
};

/* A port spec being built for one (src, dst) group. */
struct pspec {
	uint8_t proto;
	uint16_t lo, hi;
	uint64_t n;		/* connections */
	unsigned nports;	/* distinct ports folded in */
};

struct gap {
	unsigned size, at;	/* merge spec at with at + 1 */
};

static int cmp_edge(const void *a, const void *b)
{
	const struct pedge *x = a, *y = b;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return 0;
}

static int cmp_gap(const void *a, const void *b)
{
	const struct gap *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static int has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Zone of a class word: "internet", a class, or unknown. */
static unsigned zone_of(const char *cls, unsigned inet, unsigned *unrec)
{
	if (cls && strcmp(cls, "internet") == 0)
		return inet;
	int c = zones_class_parse(cls);
	if (c < 0) {
		(*unrec)++;
		c = zones_class_parse(NULL);
	}
	return (unsigned)c;
}

/* Zone name of class c: the first half of the inventory's name. */
static void zname(unsigned c, unsigned inet, char *buf, size_t n)
{
	if (c == inet) {
		snprintf(buf, n, "internet");
		return;
	}
	const char *s = zones_class_name(c);
	size_t l = strcspn(s, "/");
	snprintf(buf, n, "%.*s", (int)l, s);
}

static int is_general(unsigned c)
{
	const char *s = zones_class_name(c);
	return strcmp(s, "phone") == 0 || strcmp(s, "computer") == 0 ||
	    strcmp(s, "unknown") == 0;
}

static void spec_text(const struct pspec *p, char *buf, size_t n)
{
	const char *pn = p->proto == 6 ? "tcp" : "udp";
	if (p->proto == 0)
		snprintf(buf, n, "any");
	else if (p->proto == 1)
		snprintf(buf, n, "icmp");
	else if (p->proto == 58)
		snprintf(buf, n, "icmpv6");
	else if (!has_ports(p->proto))
		snprintf(buf, n, "proto/%u", p->proto);
	else if (p->lo == p->hi)
		snprintf(buf, n, "%s/%u", pn, p->lo);
	else
		snprintf(buf, n, "%s/%u-%u", pn, p->lo, p->hi);
}

/* Specs of one group e[0..k): one per (proto, port), ranges merged over
 * the smallest gaps until ZONES_MAX_PORTS remain; a single "any" when
 * even one spec per protocol is too many. sp holds k entries. Returns
 * the spec count. gp and join are scratch for k entries. */
static size_t group_specs(const struct pedge *e, size_t k, struct pspec *sp,
    struct gap *gp, unsigned char *join)
{
	size_t ns = 0, ng = 0, nproto = 0;

	for (size_t i = 0; i < k; i++) {
		struct pspec *p = &sp[ns++];
		p->proto = e[i].proto;
		p->lo = p->hi = e[i].port;
		p->n = e[i].n;
		p->nports = 1;
		if (i == 0 || e[i - 1].proto != e[i].proto)
			nproto++;
		else if (has_ports(e[i].proto)) {
			gp[ng].size = (unsigned)(e[i].port - e[i - 1].port);
			gp[ng].at = (unsigned)(ns - 2);
			ng++;
		}
	}
	if (ns <= ZONES_MAX_PORTS)
		return ns;
	if (nproto > ZONES_MAX_PORTS) {
		uint64_t n = 0;
		for (size_t i = 0; i < ns; i++)
			n = sat_add(n, sp[i].n);
		sp[0].proto = 0;
		sp[0].lo = sp[0].hi = 0;
		sp[0].n = n;
		sp[0].nports = (unsigned)ns;
		return 1;
	}
	/* mark the smallest gaps: spec at absorbs spec at + 1 */
	qsort(gp, ng, sizeof(*gp), cmp_gap);
	size_t merge = ns - ZONES_MAX_PORTS;
	memset(join, 0, ns);
	for (size_t i = 0; i < merge; i++)
		join[gp[i].at] = 1;
	size_t out = 0;
	for (size_t i = 0; i < ns; i++) {
		if (i > 0 && join[i - 1]) {
			struct pspec *q = &sp[out - 1];
			q->hi = sp[i].hi;
			q->n = sat_add(q->n, sp[i].n);
			q->nports += sp[i].nports;
		} else {
			sp[out++] = sp[i];
		}
	}
	return out;
}

struct group {
	size_t first, k;	/* edges e[first .. first + k) */
};

int zones_propose(const struct zone_edge *in, size_t n, FILE *out)
{
	unsigned ncls = zones_class_count(), inet = ncls;
	struct pedge *e = NULL;
	struct pspec *sp = NULL;
	struct gap *gp = NULL;
	unsigned char *join = NULL;
	struct group *grp = NULL;
	size_t ne = 0, ngrp = 0;
	unsigned unrec = 0, skipped = 0;
	uint64_t total = 0;
	uint8_t seen[MAXZ] = { 0 }, talked[MAXZ][MAXZ];
	char a[32], b[32];
	int rc = -1, err = ENOMEM;

	if (ncls + 1 > MAXZ) {
		errno = EINVAL;
		return -1;
	}
	memset(talked, 0, sizeof(talked));
	if (n) {
		e = ew_calloc(n, sizeof(*e));
		sp = ew_calloc(n, sizeof(*sp));
		gp = ew_calloc(n, sizeof(*gp));
		join = ew_calloc(n, 1);
		grp = ew_calloc(n, sizeof(*grp));
		if (!e || !sp || !gp || !join || !grp)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned s = zone_of(in[i].src_cls, inet, &unrec);
		unsigned d = zone_of(in[i].dst_cls, inet, &unrec);
		if (s == inet && d == inet) {
			skipped++;
			continue;
		}
		e[ne].src = s;
		e[ne].dst = d;
		e[ne].proto = in[i].proto;
		e[ne].port = has_ports(in[i].proto) ? in[i].port : 0;
		e[ne].n = in[i].n;
		ne++;
	}
	if (ne)
		qsort(e, ne, sizeof(*e), cmp_edge);
	/* merge duplicates, then cut into (src, dst) groups */
	size_t m = 0;
	for (size_t i = 0; i < ne; i++) {
		if (m && cmp_edge(&e[m - 1], &e[i]) == 0) {
			e[m - 1].n = sat_add(e[m - 1].n, e[i].n);
			continue;
		}
		e[m++] = e[i];
	}
	ne = m;
	for (size_t i = 0; i < ne; i++) {
		total = sat_add(total, e[i].n);
		if (e[i].src != inet)
			seen[e[i].src] = 1;
		if (e[i].dst != inet)
			seen[e[i].dst] = 1;
		talked[e[i].src][e[i].dst] = 1;
		if (i == 0 || e[i].src != e[i - 1].src ||
		    e[i].dst != e[i - 1].dst)
			grp[ngrp++].first = i;
		grp[ngrp - 1].k++;
	}

	/* rules: allows, explicit denies, one catch-all per class zone, and
	 * lan/internet -> local; explicit denies go first when over the cap */
	size_t nseen = 0, nexplicit = 0;
	for (unsigned s = 0; s < ncls; s++)
		nseen += seen[s];
	for (unsigned s = 0; s < ncls; s++)
		for (unsigned d = 0; d < ncls; d++)
			nexplicit += seen[s] && seen[d] && !talked[s][d];
	size_t base = ngrp + nseen + 2;
	if (base > ZONES_MAX_RULES) {
		err = E2BIG;
		goto out;
	}
	int explicit_denies = base + nexplicit <= ZONES_MAX_RULES;

	fprintf(out, "# Zone policy proposed by edgeward from %llu connections "
	    "in %zu observed\n# (source class, destination, protocol, port) "
	    "edges. It allows what was seen\n# while learning and denies "
	    "other connections between local zones.\n# Review before use. "
	    "Built-in zones: internet, lan (a local host of a class\n# not "
	    "listed here), local (every zone but internet), any.\n",
	    (unsigned long long)total, ne);
	if (unrec)
		fprintf(out, "# %u edge end(s) had an unrecognised class and "
		    "were counted as unknown.\n", unrec);
	if (skipped)
		fprintf(out, "# %u internet-to-internet edge(s) ignored.\n",
		    skipped);
	fprintf(out, "\n");
	for (unsigned c = 0; c < ncls; c++) {
		if (!seen[c])
			continue;
		zname(c, inet, a, sizeof(a));
		fprintf(out, "zone %s class %s\n", a, a);
	}

	for (unsigned s = 0; s <= ncls; s++) {
		if (s != inet && !seen[s])
			continue;
		zname(s, inet, a, sizeof(a));
		fprintf(out, "\n# ---- connections opened by %s%s\n", a,
		    s == inet ? " (inbound)" : "");
		for (size_t g = 0; g < ngrp; g++) {
			const struct pedge *ge = &e[grp[g].first];
			if (ge->src != s)
				continue;
			size_t ns = group_specs(ge, grp[g].k, sp, gp, join);
			uint64_t gn = 0;
			for (size_t i = 0; i < ns; i++)
				gn = sat_add(gn, sp[i].n);
			zname(ge->dst, inet, b, sizeof(b));
			fprintf(out, "# %s -> %s: %llu connections:", a, b,
			    (unsigned long long)gn);
			for (size_t i = 0; i < ns; i++) {
				char t[32];
				spec_text(&sp[i], t, sizeof(t));
				fprintf(out, "%s %s x%llu", i ? "," : "", t,
				    (unsigned long long)sp[i].n);
				if (sp[i].nports > 1)
					fprintf(out, " (%u ports)",
					    sp[i].nports);
			}
			fprintf(out, "\nallow %s -> %s", a, b);
			for (size_t i = 0; i < ns; i++) {
				char t[32];
				spec_text(&sp[i], t, sizeof(t));
				fprintf(out, " %s", t);
			}
			fprintf(out, "\n");
		}
		if (s == inet) {
			fprintf(out, "deny internet -> local\t# nothing else "
			    "from outside\n");
			continue;
		}
		if (explicit_denies)
			for (unsigned d = 0; d < ncls; d++)
				if (seen[d] && !talked[s][d]) {
					zname(d, inet, b, sizeof(b));
					fprintf(out, "deny %s -> %s\t# never "
					    "seen\n", a, b);
				}
		fprintf(out, "deny %s -> local\t# other connections to local "
		    "hosts\n", a);
		if (!is_general(s))
			fprintf(out, "# deny %s -> internet\t# uncomment to "
			    "allow only the internet ports above\n", a);
	}
	fprintf(out, "\n# ---- local hosts of classes not seen while "
	    "learning\ndeny lan -> local\n");
	fprintf(out, "\n# connections to the internet not listed above\n"
	    "default allow\n");
	if (fflush(out) != 0 || ferror(out)) {
		err = EIO;
		goto out;
	}
	rc = 0;
out:
	ew_free(grp);
	ew_free(join);
	ew_free(gp);
	ew_free(sp);
	ew_free(e);
	if (rc < 0)
		errno = err;
	return rc;
}
