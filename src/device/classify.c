/* classify.c - vendor, class, model, OS and label of a device from its
 * evidence, the knowledge base and the enrolment library.
 *
 * Every KB rule whose pattern matches a piece of evidence (or the MAC's
 * OUI organisation) votes for the values it sets, with its confidence.
 * Votes for the same value combine like independent witnesses
 * (1 - prod(1 - c)), so two weak agreeing rules beat one weak rule, but
 * never a single sure one with a different answer. Per attribute the
 * value with the highest combined score wins (ties: the stronger single
 * vote, then the earlier rule); its strongest vote is the "why". With no
 * rule naming a brand, the vendor is the OUI organisation stripped of its
 * legal suffixes. Cost: rules are indexed by evidence kind, so a device
 * costs (evidence x rules of that kind) glob matches, a few microseconds
 * for the shipped KB. */
#include "device/ident_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define CLS_MAX_CAND 16		/* candidate values per attribute */

struct cand {
	char val[DEV_NAME_LEN];
	double miss;		/* prod(1 - c/100) over its votes */
	uint8_t best;		/* strongest single vote */
	uint32_t line;		/* rule of that vote */
	char why[DEV_EV_VALUE_LEN];
};

struct votes {
	struct cand c[KB__ATTRS][CLS_MAX_CAND];
	unsigned n[KB__ATTRS];
};

static int ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* n bytes of text equal the lower-case pattern bytes. */
static int ieq_n(const char *text, const char *lowpat, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)text[i]) != (unsigned char)lowpat[i])
			return 0;
	return 1;
}

/* value with "$1" replaced by the captured text. */
static void expand(const char *tmpl, const char *cs, size_t cl, char *out,
    size_t size)
{
	size_t n = 0;
	for (const char *t = tmpl; *t && n + 1 < size; t++) {
		if (t[0] == '$' && t[1] == '1') {
			for (size_t i = 0; i < cl && n + 1 < size; i++) {
				unsigned char c = (unsigned char)cs[i];
				out[n++] = c < 0x20 ? ' ' : (char)c;
			}
			t++;
			continue;
		}
		out[n++] = *t;
	}
	/* a capture may end in separators ("BRAVIA 4K;") */
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == ';' ||
	    out[n - 1] == ',' || out[n - 1] == ')'))
		n--;
	out[n] = '\0';
}

static void vote(struct votes *v, enum kb_attr a, const char *val,
    unsigned conf, uint32_t line, const char *kind, const char *evval)
{
	struct cand *c = NULL;
	if (!val[0])
		return;
	for (unsigned i = 0; i < v->n[a]; i++)
		if (ieq(v->c[a][i].val, val)) {
			c = &v->c[a][i];
			break;
		}
	if (!c) {
		if (v->n[a] >= CLS_MAX_CAND)
			return;
		c = &v->c[a][v->n[a]++];
		snprintf(c->val, sizeof(c->val), "%s", val);
		c->miss = 1.0;
		c->best = 0;
	}
	c->miss *= 1.0 - (conf >= 100 ? 0.999 : conf / 100.0);
	if (conf > c->best) {
		c->best = (uint8_t)conf;
		c->line = line;
		snprintf(c->why, sizeof(c->why), "%s=%s", kind, evval);
	}
}

static void apply_rules(const struct dev_kb *kb, unsigned kind,
    const char *value, struct votes *v)
{
	const char *kname = kb_kind_name(kind);
	size_t vl = strlen(value);
	for (size_t i = kb->kind_start[kind]; i < kb->kind_start[kind + 1];
	    i++) {
		const struct kb_rule *r = &kb->r[i];
		const char *cs = NULL;
		size_t cl = 0;
		/* most rules are "starts with" / "ends with": their literal
		 * head or tail rules the value out without the glob */
		if (r->head_len && (vl < r->head_len ||
		    !ieq_n(value, r->pat, r->head_len)))
			continue;
		if (r->tail_len && (vl < r->tail_len ||
		    !ieq_n(value + vl - r->tail_len,
		    r->pat + r->pat_len - r->tail_len, r->tail_len)))
			continue;
		if (!kb_glob(r->pat, value, r->cap, &cs, &cl))
			continue;
		for (int a = 0; a < KB__ATTRS; a++) {
			char val[DEV_NAME_LEN];
			if (!r->set[a])
				continue;
			expand(r->set[a], cs, cl, val, sizeof(val));
			vote(v, (enum kb_attr)a, val, r->conf, r->line, kname,
			    value);
		}
	}
}

/* The winner of one attribute, or NULL. */
static const struct cand *best(const struct votes *v, enum kb_attr a)
{
	const struct cand *b = NULL;
	for (unsigned i = 0; i < v->n[a]; i++) {
		const struct cand *c = &v->c[a][i];
		if (!b || c->miss < b->miss - 1e-9 ||
		    (c->miss <= b->miss + 1e-9 && (c->best > b->best ||
		    (c->best == b->best && c->line < b->line))))
			b = c;
	}
	return b;
}

/* "Amazon Technologies Inc." -> "Amazon Technologies": legal-form
 * suffixes say nothing about the brand. */
static void org_brand(const char *org, char *out, size_t size)
{
	static const char *const suffix[] = {
		" co., ltd.", " co.,ltd.", " co., ltd", " co.,ltd", " co. ltd",
		" co ltd", " corporation", " corp.", " corp", " inc.", " inc",
		" ltd.", " ltd", " llc", " gmbh", " ag", " s.a.", " sa",
		" b.v.", " bv", " limited", " pte", " co.", " co", " l.p.",
		" oy", " ab", " s.p.a.", " srl", " kg", " & co",
	};
	snprintf(out, size, "%s", org);
	for (int again = 1; again;) {
		size_t n = strlen(out);
		again = 0;
		while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == ',' ||
		    out[n - 1] == '.'))
			out[--n] = '\0';
		for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]);
		    i++) {
			size_t sl = strlen(suffix[i]);
			if (n > sl + 2 && ieq(out + n - sl, suffix[i])) {
				out[n - sl] = '\0';
				again = 1;
				break;
			}
		}
	}
}

static int set_attr(struct dev_attr *at, const char *val, unsigned conf,
    const char *why)
{
	int changed = strcmp(at->value, val) != 0;
	snprintf(at->value, sizeof(at->value), "%s", val);
	at->confidence = (uint8_t)(conf > 100 ? 100 : conf);
	snprintf(at->why, sizeof(at->why), "%s", why);
	return changed;
}

static unsigned score(const struct cand *c)
{
	double s = (1.0 - c->miss) * 100.0;
	unsigned v = (unsigned)(s + 0.5);
	if (v > 99 && c->best < 100)
		v = 99;
	return v > 100 ? 100 : v;
}

void dev_classify(const struct dev_kb *kb, const struct dev_oui *oui,
    const struct dev_fplib *lib, struct device *d)
{
	struct votes v;
	const char *org = NULL;
	int have_oui_ev = 0, changed = 0;

	memset(v.n, 0, sizeof(v.n));
	if (d->has_mac && !d->mac_random)
		org = dev_oui_lookup(oui, d->mac);
	for (unsigned i = 0; i < d->nev && i < DEV_MAX_EVIDENCE; i++) {
		const struct dev_evidence *e = &d->ev[i];
		if (e->kind >= DEV_EV__COUNT)
			continue;
		if (e->kind == DEV_EV_OUI) {
			have_oui_ev = 1;
			if (!org)
				org = e->value;
		}
		if (kb)
			apply_rules(kb, e->kind, e->value, &v);
	}
	if (org && !have_oui_ev && kb)
		apply_rules(kb, DEV_EV_OUI, org, &v);

	/* vendor */
	const struct cand *c = best(&v, KB_VENDOR);
	char why[DEV_EV_VALUE_LEN];
	if (c) {
		changed |= set_attr(&d->vendor, c->val, score(c), c->why);
	} else if (org) {
		char brand[DEV_NAME_LEN];
		org_brand(org, brand, sizeof(brand));
		snprintf(why, sizeof(why), "oui=%s", org);
		changed |= set_attr(&d->vendor, brand, DEV_OUI_VENDOR_CONF,
		    why);
	} else {
		changed |= set_attr(&d->vendor, "", 0, "");
	}
	c = best(&v, KB_CLASS);
	if (c)
		changed |= set_attr(&d->cls, c->val, score(c), c->why);
	else
		changed |= set_attr(&d->cls, "unknown", 0, "");
	c = best(&v, KB_MODEL);
	changed |= c ? set_attr(&d->model, c->val, score(c), c->why) :
	    set_attr(&d->model, "", 0, "");
	c = best(&v, KB_OS);
	changed |= c ? set_attr(&d->os, c->val, score(c), c->why) :
	    set_attr(&d->os, "", 0, "");

	/* enrolment library: the user's own labels refine the KB's answer
	 * when they are surer than it */
	struct dev_fp_match m;
	if (lib && dev_fplib_match(lib, d, org, &m)) {
		unsigned conf = (unsigned)(m.sim * 100.0 + 0.5);
		snprintf(why, sizeof(why), "library match %.2f (label %s)",
		    m.sim, m.label);
		changed |= set_attr(&d->label, m.label, conf, why);
		if (m.vendor[0] && conf > d->vendor.confidence)
			changed |= set_attr(&d->vendor, m.vendor, conf, why);
		if (m.cls[0] && conf > d->cls.confidence)
			changed |= set_attr(&d->cls, m.cls, conf, why);
		if (m.model[0] && conf > d->model.confidence)
			changed |= set_attr(&d->model, m.model, conf, why);
	} else {
		changed |= set_attr(&d->label, "", 0, "");
	}

	unsigned overall = d->cls.confidence;
	if (d->vendor.confidence > overall)
		overall = (overall + d->vendor.confidence) / 2;
	d->confidence = (uint8_t)overall;
	if (changed)
		d->ident_version++;
}
