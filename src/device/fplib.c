/* fplib.c - enrolment: fingerprints of devices the user named, and
 * matching unknown devices against them.
 *
 * A fingerprint is the set of tokens "kind=value" made from a device's
 * evidence, normalised so that another unit of the same model gives the
 * same set: the MAC and IP never appear (the OUI organisation and prefix
 * do, as the issue allows), and unit-specific runs in names (serial
 * numbers, MAC suffixes: digit runs, long hex runs) become '#'. DNS/SNI
 * names contribute their registered domain too.
 *
 * Matching is nearest neighbour by IDF-weighted Jaccard similarity: a
 * token shared by every label says nothing, one found under a single label
 * decides a lot. The answer is the best fingerprint's label with the
 * similarity as confidence, or nothing below DEV_FPLIB_MIN_SIM.
 *
 * Library file (text, owned by the user, merged on every learn):
 *
 *   edgeward-fplib 1
 *   label<TAB>NAME[<TAB>vendor=V][<TAB>class=C][<TAB>model=M]
 *   fp<TAB>NAME<TAB>TOKEN<TAB>TOKEN...
 *
 * Tokens and values escape '\\', TAB, newline and control bytes as \\,
 * \t, \n, \xHH. Anything else is rejected with the line number. */
#include "device/ident_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "config.h"
#include "pipeline/pipeline.h"
#include "util/alloc.h"

/* ---- tokens -------------------------------------------------------------- */

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* Lower-case s, with unit-specific parts of names replaced by '#': runs
 * of digits, and a trailing run of >= 4 hex digits holding a digit at the
 * end of a word ("dchE143", "ESP_07AEFB", "Lightify-017b5f6b": MAC
 * suffixes and serial numbers). Model names survive ("DCH-S150", "HS110",
 * "WYZEC3"): another unit of the model must give the same tokens. */
static void normalise(const char *s, char *out, size_t size)
{
	size_t n = 0;
	while (*s && n + 1 < size) {
		if (!isalnum((unsigned char)*s)) {
			unsigned char c = (unsigned char)*s++;
			out[n++] = c < 0x20 ? ' ' : (char)tolower(c);
			continue;
		}
		const char *e = s;
		while (*e && isalnum((unsigned char)*e))
			e++;
		/* the trailing hex run of this word */
		const char *h = e;
		int digits = 0, alldig = 1;
		while (h > s && is_hex((unsigned char)h[-1]))
			h--;
		for (const char *q = s; q < e; q++)
			alldig &= isdigit((unsigned char)*q) != 0;
		for (const char *q = h; q < e; q++)
			digits += isdigit((unsigned char)*q) != 0;
		const char *keep_end = e;
		if (alldig)
			keep_end = s;
		else if (e - h >= 4 && digits)
			keep_end = h;
		for (const char *q = s; q < keep_end && n + 1 < size; q++)
			out[n++] = (char)tolower((unsigned char)*q);
		if (keep_end != e && n + 1 < size)
			out[n++] = '#';
		s = e;
	}
	out[n] = '\0';
}

/* "a.b.example.co.uk" -> "example.co.uk" (two labels, three when the
 * second-level one is short like co/com/net/org/gov/ac). */
static const char *registered_domain(const char *name)
{
	const char *last = NULL, *prev = NULL, *prev2 = NULL;
	for (const char *p = name; *p; p++)
		if (*p == '.') {
			prev2 = prev;
			prev = last;
			last = p;
		}
	if (!last)
		return name;
	if (!prev)
		return name;
	size_t sl = (size_t)(last - prev - 1);
	if (sl <= 3 && (size_t)(strlen(last + 1)) == 2 && prev2)
		return prev2 + 1;
	if (sl <= 3 && (size_t)(strlen(last + 1)) == 2 && !prev2)
		return name;
	return prev + 1;
}

struct toks {
	char (*t)[DEV_FP_TOKEN_LEN];
	size_t n, max;
};

static void tok_add(struct toks *tk, const char *kind, const char *val)
{
	if (tk->n >= tk->max || !val[0])
		return;
	/* "kind=value", cut at the token size (a long user agent is
	 * still told apart by its first 90 bytes) */
	char *t = tk->t[tk->n];
	size_t kl = strlen(kind), vl = strlen(val);
	if (kl > DEV_FP_TOKEN_LEN - 2)
		kl = DEV_FP_TOKEN_LEN - 2;
	memcpy(t, kind, kl);
	t[kl] = '=';
	if (vl > DEV_FP_TOKEN_LEN - kl - 2)
		vl = DEV_FP_TOKEN_LEN - kl - 2;
	memcpy(t + kl + 1, val, vl);
	t[kl + 1 + vl] = '\0';
	tk->n++;
}

static int tok_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

size_t dev_fp_tokens(const struct device *d, const char *oui_org,
    char (*tok)[DEV_FP_TOKEN_LEN], size_t max)
{
	struct toks tk = { tok, 0, max };
	char buf[DEV_EV_VALUE_LEN];

	if (oui_org)
		tok_add(&tk, "oui", oui_org);
	if (d->has_mac && !d->mac_random) {
		snprintf(buf, sizeof(buf), "%02x%02x%02x", d->mac[0],
		    d->mac[1], d->mac[2]);
		tok_add(&tk, "oui.prefix", buf);
	}
	for (unsigned i = 0; i < d->nev && i < DEV_MAX_EVIDENCE; i++) {
		const struct dev_evidence *e = &d->ev[i];
		const char *kn = kb_kind_name(e->kind);
		if (!kn)
			continue;
		switch (e->kind) {
		case DEV_EV_OUI:
			if (!oui_org)
				tok_add(&tk, kn, e->value);
			break;
		case DEV_EV_DHCP_CLIENTID:	/* holds the MAC */
			break;
		case DEV_EV_DHCP_PRL: case DEV_EV_DHCP_OPTIONS:
		case DEV_EV_DHCP6_ORO: case DEV_EV_MDNS_SERVICE:
		case DEV_EV_SSDP_TYPE: case DEV_EV_JA3: case DEV_EV_JA4:
		case DEV_EV_TCP_SYN: case DEV_EV_APP_PROTO:
			tok_add(&tk, kn, e->value);
			break;
		case DEV_EV_NTP_SERVER:
			/* public pool addresses change from run to run: only
			 * the fact of a LAN time server is a trait */
			if (strncmp(e->value, "10.", 3) == 0 ||
			    strncmp(e->value, "192.168.", 8) == 0)
				tok_add(&tk, kn, "lan");
			break;
		case DEV_EV_DNS_QUERY: case DEV_EV_TLS_SNI:
		case DEV_EV_HTTP_HOST: {
			char low[DEV_EV_VALUE_LEN];
			normalise(e->value, low, sizeof(low));
			tok_add(&tk, kn, low);
			snprintf(buf, sizeof(buf), "%s",
			    registered_domain(low));
			tok_add(&tk, "domain", buf);
			break;
		}
		case DEV_EV_DHCP_VENDOR: case DEV_EV_DHCP6_VENDOR:
		case DEV_EV_SSDP_SERVER: case DEV_EV_HTTP_UA:
		case DEV_EV_HTTP_SERVER: case DEV_EV_SSH_BANNER:
			/* software banners: the normalised form, plus the
			 * exact one, which ties firmware builds together */
			normalise(e->value, buf, sizeof(buf));
			tok_add(&tk, kn, buf);
			if (strcmp(buf, e->value) != 0) {
				char k2[40];
				snprintf(k2, sizeof(k2), "%s.raw", kn);
				tok_add(&tk, k2, e->value);
			}
			break;
		default:
			/* names (hostnames, mDNS instances, TXT): only the
			 * normalised form, the exact one may hold the MAC */
			normalise(e->value, buf, sizeof(buf));
			tok_add(&tk, kn, buf);
			break;
		}
	}
	if (tk.n == 0)
		return 0;
	qsort(tok, tk.n, sizeof(*tok), tok_cmp);
	size_t w = 1;
	for (size_t i = 1; i < tk.n; i++)
		if (strcmp(tok[i], tok[w - 1]) != 0) {
			if (w != i)
				memcpy(tok[w], tok[i], sizeof(*tok));
			w++;
		}
	return w;
}

/* ---- the library --------------------------------------------------------- */

/* Token weights by kind (see kind_weight). */
#define FPLIB_W_MODEL 3.0	/* names the model: host names, UPnP
				 * device types, mDNS model keys */
#define FPLIB_W_NAME  1.5	/* other discovery records and banners */
#define FPLIB_W_STACK 0.5
/* Rare tokens a partial view must show before containment counts. */
#define FPLIB_CONTAIN_TOKENS 6.0

struct fp_label {
	char name[DEV_NAME_LEN];
	char vendor[DEV_NAME_LEN], cls[DEV_NAME_LEN], model[DEV_NAME_LEN];
	unsigned nsamples;
};

struct fp_sample {
	uint32_t label;			/* index into labels */
	uint32_t first, n;		/* its token ids: ids[first..first+n) */
	double weight;			/* sum of its token weights */
};

struct fp_token {
	char *s;
	uint32_t df;			/* labels holding it */
	uint32_t last_label;		/* df bookkeeping while counting */
	double w;
	uint32_t post_first, post_n;	/* samples holding it */
};

struct dev_fplib {
	struct fp_label *labels;
	size_t nlabels, cap_labels;
	struct fp_sample *samples;
	size_t nsamples, cap_samples;
	uint32_t *ids;			/* sample token ids */
	size_t nids, cap_ids;
	struct fp_token *tokens;
	size_t ntokens, cap_tokens;
	uint32_t *hash;			/* token index + 1, open addressing */
	size_t hcap;
	uint32_t *post;			/* posting lists (sample indices) */
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *np = ew_realloc(*p, ncap * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* How much a token's kind says about the model rather than the firmware
 * it shares with its siblings: names and device types the vendor gives
 * a model (DHCP/mDNS names, UPnP device URNs, mDNS services and model
 * keys, banners) count most; clouds it talks to next; the network stack
 * (DHCP option lists, TLS and TCP fingerprints, protocols) least, since
 * one vendor's SDK is in all its products. */
static double kind_weight(const char *tok)
{
	static const struct { const char *prefix; double w; } kw[] = {
		{ "dhcp.hostname=", FPLIB_W_MODEL },
		{ "dhcp6.hostname=", FPLIB_W_MODEL },
		{ "mdns.instance=", FPLIB_W_MODEL },
		{ "mdns.hostname=", FPLIB_W_MODEL },
		{ "mdns.txt=md=", FPLIB_W_MODEL },
		{ "mdns.txt=model=", FPLIB_W_MODEL },
		{ "dhcp.mud_url=", FPLIB_W_MODEL },
		{ "mdns.", FPLIB_W_NAME }, { "ssdp.", FPLIB_W_NAME },
		{ "http.user_agent", FPLIB_W_NAME },
		{ "http.server", FPLIB_W_NAME },
		{ "dns.query=", 1.0 }, { "tls.sni=", 1.0 }, { "http.host=", 1.0 },
		{ "domain=", 1.0 },
	};
	/* a UPnP device type names the model; its services are shared */
	if (strncmp(tok, "ssdp.type=", 10) == 0 && strstr(tok, ":device:"))
		return FPLIB_W_MODEL;
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strncmp(tok, kw[i].prefix, strlen(kw[i].prefix)) == 0)
			return kw[i].w;
	return FPLIB_W_STACK;
}

static long token_find(const struct dev_fplib *lib, const char *s)
{
	if (!lib->hcap)
		return -1;
	size_t j = str_hash(s) & (lib->hcap - 1);
	while (lib->hash[j]) {
		uint32_t id = lib->hash[j] - 1;
		if (strcmp(lib->tokens[id].s, s) == 0)
			return (long)id;
		j = (j + 1) & (lib->hcap - 1);
	}
	return -1;
}

static int rehash(struct dev_fplib *lib)
{
	size_t ncap = lib->hcap ? lib->hcap * 2 : 1024;
	uint32_t *nh = ew_calloc(ncap, sizeof(*nh));
	if (!nh)
		return -1;
	for (size_t i = 0; i < lib->ntokens; i++) {
		size_t j = str_hash(lib->tokens[i].s) & (ncap - 1);
		while (nh[j])
			j = (j + 1) & (ncap - 1);
		nh[j] = (uint32_t)i + 1;
	}
	ew_free(lib->hash);
	lib->hash = nh;
	lib->hcap = ncap;
	return 0;
}

static long token_intern(struct dev_fplib *lib, const char *s)
{
	long id = token_find(lib, s);
	if (id >= 0)
		return id;
	if ((lib->ntokens + 1) * 2 > lib->hcap && rehash(lib) < 0)
		return -1;
	if (grow((void **)&lib->tokens, &lib->cap_tokens, lib->ntokens + 1,
	    sizeof(*lib->tokens)) < 0)
		return -1;
	size_t n = strlen(s) + 1;
	char *c = ew_malloc(n);
	if (!c)
		return -1;
	memcpy(c, s, n);
	struct fp_token *t = &lib->tokens[lib->ntokens];
	memset(t, 0, sizeof(*t));
	t->s = c;
	t->last_label = UINT32_MAX;
	size_t j = str_hash(s) & (lib->hcap - 1);
	while (lib->hash[j])
		j = (j + 1) & (lib->hcap - 1);
	lib->hash[j] = (uint32_t)lib->ntokens + 1;
	return (long)lib->ntokens++;
}

static long label_find(const struct dev_fplib *lib, const char *name)
{
	for (size_t i = 0; i < lib->nlabels; i++)
		if (strcmp(lib->labels[i].name, name) == 0)
			return (long)i;
	return -1;
}

static long label_get(struct dev_fplib *lib, const char *name)
{
	long i = label_find(lib, name);
	if (i >= 0)
		return i;
	if (grow((void **)&lib->labels, &lib->cap_labels, lib->nlabels + 1,
	    sizeof(*lib->labels)) < 0)
		return -1;
	struct fp_label *l = &lib->labels[lib->nlabels];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	return (long)lib->nlabels++;
}

static int same_sample(const struct dev_fplib *lib, const struct fp_sample *a,
    const uint32_t *ids, size_t n)
{
	if (a->n != n)
		return 0;
	return memcmp(lib->ids + a->first, ids, n * sizeof(*ids)) == 0;
}

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

struct dev_fplib *dev_fplib_new(void)
{
	return ew_calloc(1, sizeof(struct dev_fplib));
}

/* Add one fingerprint (tokens as strings). Duplicates of a fingerprint
 * the label has are dropped; beyond DEV_FPLIB_MAX_PER_LABEL the oldest
 * is replaced. Returns 1 added, 0 duplicate, -1 error (msg in err). */
int dev_fplib_add(struct dev_fplib *lib, const char *label,
    char (*tok)[DEV_FP_TOKEN_LEN], size_t n, char *err, size_t errlen)
{
	uint32_t ids[DEV_FPLIB_MAX_TOKENS];
	if (n > DEV_FPLIB_MAX_TOKENS)
		n = DEV_FPLIB_MAX_TOKENS;
	if (lib->nsamples >= DEV_FPLIB_MAX_SAMPLES) {
		snprintf(err, errlen, "library full (%u fingerprints)",
		    DEV_FPLIB_MAX_SAMPLES);
		return -1;
	}
	long li = label_get(lib, label);
	if (li < 0)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		long id = token_intern(lib, tok[i]);
		if (id < 0)
			goto nomem;
		ids[i] = (uint32_t)id;
	}
	qsort(ids, n, sizeof(ids[0]), id_cmp);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (w == 0 || ids[i] != ids[w - 1])
			ids[w++] = ids[i];
	n = w;
	for (size_t s = 0; s < lib->nsamples; s++)
		if (lib->samples[s].label == (uint32_t)li &&
		    same_sample(lib, &lib->samples[s], ids, n))
			return 0;
	if (lib->labels[li].nsamples >= DEV_FPLIB_MAX_PER_LABEL) {
		/* drop the label's oldest (ids stay, unreferenced) */
		for (size_t s = 0; s < lib->nsamples; s++)
			if (lib->samples[s].label == (uint32_t)li) {
				memmove(&lib->samples[s], &lib->samples[s + 1],
				    (lib->nsamples - s - 1) *
				    sizeof(*lib->samples));
				lib->nsamples--;
				lib->labels[li].nsamples--;
				break;
			}
	}
	if (grow((void **)&lib->samples, &lib->cap_samples,
	    lib->nsamples + 1, sizeof(*lib->samples)) < 0 ||
	    grow((void **)&lib->ids, &lib->cap_ids, lib->nids + n + 1,
	    sizeof(*lib->ids)) < 0)
		goto nomem;
	struct fp_sample *sm = &lib->samples[lib->nsamples++];
	sm->label = (uint32_t)li;
	sm->first = (uint32_t)lib->nids;
	sm->n = (uint32_t)n;
	sm->weight = 0;
	memcpy(lib->ids + lib->nids, ids, n * sizeof(*ids));
	lib->nids += n;
	lib->labels[li].nsamples++;
	return 1;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Token weights (IDF over labels) and posting lists; call after the last
 * lib_add, before matching. */
int dev_fplib_reindex(struct dev_fplib *lib)
{
	double L = (double)(lib->nlabels ? lib->nlabels : 1);
	for (size_t t = 0; t < lib->ntokens; t++) {
		lib->tokens[t].df = 0;
		lib->tokens[t].post_n = 0;
		lib->tokens[t].last_label = UINT32_MAX;
	}
	/* samples are not grouped by label: count distinct labels per token
	 * with a seen-matrix free approach (mark by label in order) */
	for (size_t l = 0; l < lib->nlabels; l++)
		for (size_t s = 0; s < lib->nsamples; s++) {
			const struct fp_sample *sm = &lib->samples[s];
			if (sm->label != l)
				continue;
			for (uint32_t i = 0; i < sm->n; i++) {
				struct fp_token *tk =
				    &lib->tokens[lib->ids[sm->first + i]];
				if (tk->last_label != l) {
					tk->last_label = (uint32_t)l;
					tk->df++;
				}
			}
		}
	size_t total = 0;
	for (size_t s = 0; s < lib->nsamples; s++) {
		const struct fp_sample *sm = &lib->samples[s];
		for (uint32_t i = 0; i < sm->n; i++)
			lib->tokens[lib->ids[sm->first + i]].post_n++;
		total += sm->n;
	}
	ew_free(lib->post);
	lib->post = ew_malloc((total ? total : 1) * sizeof(*lib->post));
	if (!lib->post)
		return -1;
	size_t off = 0;
	for (size_t t = 0; t < lib->ntokens; t++) {
		struct fp_token *tk = &lib->tokens[t];
		tk->w = tk->df ? log(1.0 + L / tk->df) * kind_weight(tk->s) :
		    0;
		tk->post_first = (uint32_t)off;
		off += tk->post_n;
		tk->post_n = 0;
	}
	for (size_t s = 0; s < lib->nsamples; s++) {
		struct fp_sample *sm = &lib->samples[s];
		sm->weight = 0;
		for (uint32_t i = 0; i < sm->n; i++) {
			struct fp_token *tk = &lib->tokens[lib->ids[sm->first + i]];
			lib->post[tk->post_first + tk->post_n++] = (uint32_t)s;
			sm->weight += tk->w;
		}
	}
	return 0;
}

int dev_fplib_set_label(struct dev_fplib *lib, const char *label,
    const char *vendor, const char *cls, const char *model)
{
	long li = label_get(lib, label);
	if (li < 0)
		return -1;
	struct fp_label *lb = &lib->labels[li];
	if (vendor)
		snprintf(lb->vendor, sizeof(lb->vendor), "%s", vendor);
	if (cls) {
		int c = kb_class_parse(cls);
		if (c < 0)
			return -1;
		snprintf(lb->cls, sizeof(lb->cls), "%s",
		    kb_class_str((unsigned)c));
	}
	if (model)
		snprintf(lb->model, sizeof(lb->model), "%s", model);
	return 0;
}

size_t dev_fplib_labels(const struct dev_fplib *lib)
{
	return lib ? lib->nlabels : 0;
}

size_t dev_fplib_samples(const struct dev_fplib *lib)
{
	return lib ? lib->nsamples : 0;
}

void dev_fplib_free(struct dev_fplib *lib)
{
	if (!lib)
		return;
	for (size_t i = 0; i < lib->ntokens; i++)
		ew_free(lib->tokens[i].s);
	ew_free(lib->tokens);
	ew_free(lib->labels);
	ew_free(lib->samples);
	ew_free(lib->ids);
	ew_free(lib->hash);
	ew_free(lib->post);
	ew_free(lib);
}

static int match_tokens(const struct dev_fplib *lib,
    char (*tok)[DEV_FP_TOKEN_LEN], size_t n, struct dev_fp_match *m)
{
	double *inter;
	double dw = 0, unseen_w = log(1.0 + (double)(lib->nlabels ?
	    lib->nlabels : 1));

	memset(m, 0, sizeof(*m));
	if (lib->nsamples == 0 || n == 0)
		return 0;
	inter = ew_calloc(lib->nsamples, sizeof(*inter));
	if (!inter)
		return 0;
	for (size_t i = 0; i < n; i++) {
		long id = token_find(lib, tok[i]);
		if (id < 0) {
			dw += unseen_w * kind_weight(tok[i]);
			continue;
		}
		const struct fp_token *tk = &lib->tokens[id];
		dw += tk->w;
		for (uint32_t k = 0; k < tk->post_n; k++)
			inter[lib->post[tk->post_first + k]] += tk->w;
	}
	/* best similarity per label, then the best label (ties: the label
	 * enrolled first, so the answer is deterministic) */
	long best = -1;
	double bsim = 0, second = 0;
	double *per = ew_calloc(lib->nlabels ? lib->nlabels : 1,
	    sizeof(*per));
	if (!per) {
		ew_free(inter);
		return 0;
	}
	for (size_t s = 0; s < lib->nsamples; s++) {
		const struct fp_sample *sm = &lib->samples[s];
		double uni = dw + sm->weight - inter[s];
		double sim = uni > 0 ? inter[s] / uni : 0;
		/* a device seen briefly shows a subset of what was enrolled:
		 * when what it shows is distinctive enough (weight of a few
		 * rare tokens), being contained in a fingerprint counts too,
		 * a little below an equal set */
		if (dw > 0 && sm->weight > 0) {
			double cont = inter[s] / dw;
			double enough = dw / (FPLIB_CONTAIN_TOKENS * unseen_w);
			double alt = 0.9 * cont * (enough < 1 ? enough : 1);
			if (alt > sim)
				sim = alt;
		}
		if (sim > per[sm->label])
			per[sm->label] = sim;
	}
	for (size_t l = 0; l < lib->nlabels; l++) {
		if (best < 0 || per[l] > bsim) {
			if (best >= 0)
				second = bsim > second ? bsim : second;
			best = (long)l;
			bsim = per[l];
		} else if (per[l] > second) {
			second = per[l];
		}
	}
	ew_free(per);
	ew_free(inter);
	if (best < 0)
		return 0;
	const struct fp_label *lb = &lib->labels[best];
	snprintf(m->label, sizeof(m->label), "%s", lb->name);
	snprintf(m->vendor, sizeof(m->vendor), "%s", lb->vendor);
	snprintf(m->cls, sizeof(m->cls), "%s", lb->cls);
	snprintf(m->model, sizeof(m->model), "%s", lb->model);
	m->sim = bsim;
	m->second = second;
	return bsim >= DEV_FPLIB_MIN_SIM;
}

int dev_fplib_match(const struct dev_fplib *lib, const struct device *d,
    const char *oui_org, struct dev_fp_match *m)
{
	char (*tok)[DEV_FP_TOKEN_LEN];
	memset(m, 0, sizeof(*m));
	if (!lib || !d)
		return 0;
	tok = ew_malloc(DEV_FPLIB_MAX_TOKENS * sizeof(*tok));
	if (!tok)
		return 0;
	size_t n = dev_fp_tokens(d, oui_org, tok, DEV_FPLIB_MAX_TOKENS);
	int r = match_tokens(lib, tok, n, m);
	ew_free(tok);
	return r;
}

/* ---- file format --------------------------------------------------------- */

#define FPLIB_MAGIC "edgeward-fplib 1"

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* Unescape field [s, e) into out; -1 on a bad escape or overflow. */
static int unescape(const char *s, const char *e, char *out, size_t size)
{
	size_t n = 0;
	while (s < e) {
		unsigned char c = (unsigned char)*s++;
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c == '\\') {
			if (s >= e)
				return -1;
			char k = *s++;
			if (k == '\\')
				c = '\\';
			else if (k == 't')
				c = '\t';
			else if (k == 'n')
				c = '\n';
			else if (k == 'x' && e - s >= 2 && is_hex(s[0]) &&
			    is_hex(s[1])) {
				c = (unsigned char)(strtol((char[]){ s[0], s[1],
				    0 }, NULL, 16));
				s += 2;
				if (c == 0)
					return -1;
			} else
				return -1;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

static int fp_fail(char *err, size_t errlen, const char *name, unsigned line,
    const char *what)
{
	snprintf(err, errlen, "%s:%u: %s", name, line, what);
	return -1;
}

static int parse_fp_line(struct dev_fplib *lib, const char *p, const char *e,
    const char *name, unsigned line, char (*tok)[DEV_FP_TOKEN_LEN],
    char *err, size_t errlen)
{
	const char *f[DEV_FPLIB_MAX_TOKENS + 3];
	const char *fe[DEV_FPLIB_MAX_TOKENS + 3];
	size_t nf = 0;
	char label[DEV_NAME_LEN];

	while (p <= e) {
		const char *tab = memchr(p, '\t', (size_t)(e - p));
		const char *end = tab ? tab : e;
		if (nf >= DEV_FPLIB_MAX_TOKENS + 2)
			return fp_fail(err, errlen, name, line,
			    "too many tokens");
		f[nf] = p;
		fe[nf] = end;
		nf++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (nf < 2)
		return fp_fail(err, errlen, name, line,
		    "expected \"label\" or \"fp\" then a label name");
	if (unescape(f[1], fe[1], label, sizeof(label)) < 0 || !label[0])
		return fp_fail(err, errlen, name, line, "bad label name");
	if ((size_t)(fe[0] - f[0]) == 5 && memcmp(f[0], "label", 5) == 0) {
		long li = label_get(lib, label);
		if (li < 0)
			return fp_fail(err, errlen, name, line,
			    "out of memory");
		struct fp_label *l = &lib->labels[li];
		for (size_t i = 2; i < nf; i++) {
			char kv[DEV_NAME_LEN + 16];
			if (unescape(f[i], fe[i], kv, sizeof(kv)) < 0)
				return fp_fail(err, errlen, name, line,
				    "bad label attribute");
			char *eq = strchr(kv, '=');
			char *dst;
			if (!eq || strlen(eq + 1) >= DEV_NAME_LEN)
				return fp_fail(err, errlen, name, line,
				    "label attribute is not KEY=VALUE");
			*eq = '\0';
			if (strcmp(kv, "vendor") == 0)
				dst = l->vendor;
			else if (strcmp(kv, "class") == 0) {
				int c = kb_class_parse(eq + 1);
				if (c < 0)
					return fp_fail(err, errlen, name, line,
					    "unknown class");
				snprintf(l->cls, DEV_NAME_LEN, "%s",
				    kb_class_str((unsigned)c));
				continue;
			} else if (strcmp(kv, "model") == 0)
				dst = l->model;
			else
				return fp_fail(err, errlen, name, line,
				    "unknown label attribute (vendor, class, "
				    "model)");
			snprintf(dst, DEV_NAME_LEN, "%s", eq + 1);
		}
		return 0;
	}
	if ((size_t)(fe[0] - f[0]) != 2 || memcmp(f[0], "fp", 2) != 0)
		return fp_fail(err, errlen, name, line,
		    "unknown record (want \"label\" or \"fp\")");
	size_t n = 0;
	for (size_t i = 2; i < nf; i++) {
		if (unescape(f[i], fe[i], tok[n], DEV_FP_TOKEN_LEN) < 0 ||
		    !tok[n][0] || !strchr(tok[n], '='))
			return fp_fail(err, errlen, name, line,
			    "bad token (want kind=value)");
		n++;
	}
	if (n == 0)
		return fp_fail(err, errlen, name, line,
		    "fingerprint without tokens");
	char e2[128];
	if (dev_fplib_add(lib, label, tok, n, e2, sizeof(e2)) < 0)
		return fp_fail(err, errlen, name, line, e2);
	return 0;
}

struct dev_fplib *dev_fplib_parse(const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	struct dev_fplib *lib = ew_calloc(1, sizeof(*lib));
	char (*tok)[DEV_FP_TOKEN_LEN] = ew_malloc(DEV_FPLIB_MAX_TOKENS *
	    sizeof(*tok));
	const char *p = text, *end = text + len;
	unsigned line = 0;
	int magic = 0;

	if (errlen)
		err[0] = '\0';
	if (!lib || !tok) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: not a text file (NUL byte)", name);
		goto fail;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p || *p == '#') {
			/* blank or comment */
		} else if (!magic) {
			if ((size_t)(le - p) != strlen(FPLIB_MAGIC) ||
			    memcmp(p, FPLIB_MAGIC, (size_t)(le - p)) != 0) {
				fp_fail(err, errlen, name, line,
				    "not an edgeward fingerprint library "
				    "(first line must be \"" FPLIB_MAGIC "\")");
				goto fail;
			}
			magic = 1;
		} else if (parse_fp_line(lib, p, le, name, line, tok, err,
		    errlen) < 0) {
			goto fail;
		}
		p = nl ? nl + 1 : end;
	}
	if (!magic) {
		snprintf(err, errlen, "%s: empty, or not an edgeward fingerprint "
		    "library", name);
		goto fail;
	}
	if (dev_fplib_reindex(lib) < 0) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	ew_free(tok);
	return lib;
fail:
	ew_free(tok);
	dev_fplib_free(lib);
	return NULL;
}

static char *slurp(const char *path, size_t max, size_t *len, char *err,
    size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = ew_malloc(max + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	size_t n = fread(buf, 1, max + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || n > max) {
		snprintf(err, errlen, bad ? "%s: read error" :
		    "%s: file too large", path);
		ew_free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

struct dev_fplib *dev_fplib_load(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *buf = slurp(path, DEV_FPLIB_MAX_BYTES, &len, err, errlen);
	if (!buf)
		return NULL;
	struct dev_fplib *lib = dev_fplib_parse(buf, len, path, err, errlen);
	ew_free(buf);
	return lib;
}

int dev_fplib_save(const struct dev_fplib *lib, const char *path, char *err,
    size_t errlen)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%.300s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, FPLIB_MAGIC "\n# edgeward enrolment library: one \"label\" "
	    "line per name, one \"fp\" line per\n# enrolled fingerprint "
	    "(tokens from the device's evidence, no MAC/IP).\n");
	for (size_t l = 0; l < lib->nlabels; l++) {
		const struct fp_label *lb = &lib->labels[l];
		fputs("label\t", f);
		put_escaped(f, lb->name);
		if (lb->vendor[0]) {
			fputs("\tvendor=", f);
			put_escaped(f, lb->vendor);
		}
		if (lb->cls[0]) {
			fputs("\tclass=", f);
			put_escaped(f, lb->cls);
		}
		if (lb->model[0]) {
			fputs("\tmodel=", f);
			put_escaped(f, lb->model);
		}
		fputc('\n', f);
		for (size_t s = 0; s < lib->nsamples; s++) {
			const struct fp_sample *sm = &lib->samples[s];
			if (sm->label != l)
				continue;
			fputs("fp\t", f);
			put_escaped(f, lb->name);
			/* tokens in text order: the file diffs well */
			const char *sorted[DEV_FPLIB_MAX_TOKENS];
			uint32_t n = sm->n < DEV_FPLIB_MAX_TOKENS ? sm->n :
			    DEV_FPLIB_MAX_TOKENS;
			for (uint32_t i = 0; i < n; i++)
				sorted[i] = lib->tokens[lib->ids[sm->first +
				    i]].s;
			for (uint32_t i = 1; i < n; i++)
				for (uint32_t j = i; j > 0 &&
				    strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
					const char *t = sorted[j];
					sorted[j] = sorted[j - 1];
					sorted[j - 1] = t;
				}
			for (uint32_t i = 0; i < n; i++) {
				fputc('\t', f);
				put_escaped(f, sorted[i]);
			}
			fputc('\n', f);
		}
	}
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		snprintf(err, errlen, "%.300s: write error", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- `edgeward devices learn` ---------------------------------------------- */

/* Run one capture through the pipeline up to the inventory (no output).
 * The caller reads pipeline_devices(*out) and frees *out. */
static int learn_run(const char *path, const char *kb_path,
    struct pipeline **out, char *err, size_t errlen)
{
	struct capture *cap = NULL;
	struct pipeline_config cfg;
	struct pipeline *pl;
	char ferr[256];

	*out = NULL;
	if (cap_open_file(&cap, path, err, errlen) != 0)
		return -1;
	pipeline_config_default(&cfg);
	cfg.last_stage = PL_STAGE_DEVICE;
	cfg.dev.kb_path = kb_path;
	cfg.dev.events = 0;
	pl = pipeline_new(&cfg, NULL, err, errlen);
	if (!pl) {
		cap_close(cap);
		return -1;
	}
	if (pipeline_run_capture(pl, cap) < 0)
		fprintf(stderr, "edgeward devices learn: warning: %s: %s (using "
		    "what was read)\n", path, cap_error(cap));
	if (pipeline_finish(pl, ferr, sizeof(ferr)) < 0)
		fprintf(stderr, "edgeward devices learn: warning: %s: %s\n",
		    path, ferr);
	cap_close(cap);
	if (!pipeline_devices(pl)) {
		snprintf(err, errlen, "the pipeline has no device inventory");
		pipeline_free(pl);
		return -1;
	}
	*out = pl;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char extra;
	if (sscanf(s, "%2x%*[:-]%2x%*[:-]%2x%*[:-]%2x%*[:-]%2x%*[:-]%2x%c",
	    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

struct mac_label {
	uint8_t mac[6];
	char label[DEV_NAME_LEN];
};

static int read_labels(const char *path, struct mac_label **out, size_t *n,
    char *err, size_t errlen)
{
	size_t len, cap = 0;
	char *buf = slurp(path, 1u << 20, &len, err, errlen);
	unsigned line = 0;
	*out = NULL;
	*n = 0;
	if (!buf)
		return -1;
	for (char *p = buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line++;
		char mac[64], label[DEV_NAME_LEN + 1];
		if (*p == '#' || strspn(p, " \t\r") == strlen(p))
			continue;
		if (sscanf(p, "%63s %64[^\r\n]", mac, label) != 2 ||
		    strlen(label) >= DEV_NAME_LEN ||
		    grow((void **)out, &cap, *n + 1, sizeof(**out)) < 0 ||
		    parse_mac(mac, (*out)[*n].mac) < 0) {
			snprintf(err, errlen, "%s:%u: expected \"MAC LABEL\"",
			    path, line);
			ew_free(buf);
			ew_free(*out);
			*out = NULL;
			return -1;
		}
		size_t ll = strlen(label);
		while (ll && (label[ll - 1] == ' ' || label[ll - 1] == '\t'))
			label[--ll] = '\0';
		/* checked above: ll < DEV_NAME_LEN */
		memcpy((*out)[*n].label, label, ll + 1);
		(*n)++;
	}
	ew_free(buf);
	return 0;
}

/* The local, non-infrastructure device with the most evidence. */
static const struct device *busiest(const struct dev_inv *inv)
{
	const struct device *b = NULL;
	for (const struct device *d = dev_inv_first(inv); d;
	    d = dev_inv_next(inv, d)) {
		if (d->roles || !d->has_mac)
			continue;
		if (!b || d->nev > b->nev ||
		    (d->nev == b->nev && d->pkts > b->pkts))
			b = d;
	}
	return b;
}

static void learn_usage(FILE *f)
{
	fprintf(f,
	    "usage: edgeward devices learn --label NAME [--mac MAC] "
	    "[--vendor V] [--class C]\n"
	    "                [--model M] [-o LIBRARY] CAPTURE...\n"
	    "       edgeward devices learn --labels FILE -o LIBRARY "
	    "CAPTURE...\n"
	    "       edgeward devices learn --identify LIBRARY [--mac MAC] "
	    "CAPTURE...\n"
	    "Builds (or extends) a fingerprint library from devices you "
	    "name. Without\n--mac or --labels the busiest local device of "
	    "each capture is taken.\n--identify prints, for each capture, "
	    "what the knowledge base and LIBRARY\nsay about the device(s) "
	    "instead of learning.\n"
	    "  --kb FILE   knowledge base (default data/devices.kb)\n"
	    "  -v          with --identify: the evidence and why\n");
}

/* One line per device: what the KB (and the library) conclude. */
static void print_ident(const char *capfile, const struct device *dev,
    const struct dev_kb *kb, const struct dev_fplib *lib,
    const struct dev_oui *oui, int verbose)
{
	char mac[MAC_STRLEN];
	struct dev_fp_match m;
	struct device *d = ew_malloc(sizeof(*d));
	if (!d)
		return;
	memcpy(d, dev, sizeof(*d));
	dev_classify(kb, oui, lib, d);
	const char *org = d->has_mac ? dev_oui_lookup(oui, d->mac) : NULL;
	if (!lib || !dev_fplib_match(lib, d, org, &m))
		if (!lib)
			memset(&m, 0, sizeof(m));
	mac_fmt(d->mac, mac, sizeof(mac));
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%.3f\t%s\t%.3f\n", capfile, mac,
	    d->vendor.value[0] ? d->vendor.value : "-", d->cls.value[0] ?
	    d->cls.value : "unknown", d->model.value[0] ? d->model.value :
	    "-", d->label.value[0] ? d->label.value : "unknown", m.sim,
	    m.label[0] ? m.label : "-", m.second);
	if (verbose) {
		printf("\tvendor %s (%u, %s)\n\tclass %s (%u, %s)\n"
		    "\tmodel %s (%u, %s)\n\tos %s (%u, %s)\n",
		    d->vendor.value, d->vendor.confidence, d->vendor.why,
		    d->cls.value, d->cls.confidence, d->cls.why,
		    d->model.value, d->model.confidence, d->model.why,
		    d->os.value, d->os.confidence, d->os.why);
		for (unsigned i = 0; i < d->nev && i < DEV_MAX_EVIDENCE; i++) {
			const char *kn = kb_kind_name(d->ev[i].kind);
			printf("\t\t%s=%s\n", kn ? kn : "?", d->ev[i].value);
		}
	}
	ew_free(d);
}

int dev_learn_main(int argc, char **argv)
{
	const char *label = NULL, *mac_s = NULL, *labels_file = NULL;
	const char *out = "edgeward.fplib", *identify = NULL, *kb_path = NULL;
	const char *vendor = NULL, *cls = NULL, *model = NULL;
	char err[512];
	struct mac_label *ml = NULL;
	size_t nml = 0;
	uint8_t mac[6];
	int i, rc = 1, o_given = 0, verbose = 0;
	struct dev_fplib *lib = NULL;
	struct dev_oui *oui = NULL;
	struct dev_kb *kb = NULL;
	char (*tok)[DEV_FP_TOKEN_LEN] = NULL;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			learn_usage(stdout);
			return 0;
		}
		if (strcmp(a, "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		if (strcmp(a, "--label") == 0) dst = &label;
		else if (strcmp(a, "--mac") == 0) dst = &mac_s;
		else if (strcmp(a, "--labels") == 0) dst = &labels_file;
		else if (strcmp(a, "-o") == 0) dst = &out;
		else if (strcmp(a, "--identify") == 0) dst = &identify;
		else if (strcmp(a, "--kb") == 0) dst = &kb_path;
		else if (strcmp(a, "--vendor") == 0) dst = &vendor;
		else if (strcmp(a, "--class") == 0) dst = &cls;
		else if (strcmp(a, "--model") == 0) dst = &model;
		if (!dst || i + 1 >= argc) {
			fprintf(stderr, "edgeward devices learn: %s %s\n",
			    dst ? "missing value for" : "unknown option", a);
			learn_usage(stderr);
			return 2;
		}
		*dst = argv[++i];
		if (dst == &out)
			o_given = 1;
	}
	if (i >= argc || (!label && !labels_file && !identify) ||
	    (label && labels_file) || (identify && (label || labels_file)) ||
	    (labels_file && !o_given)) {
		learn_usage(stderr);
		return 2;
	}
	if (label && (!label[0] || strlen(label) >= DEV_NAME_LEN ||
	    strpbrk(label, "\t\n\r"))) {
		fprintf(stderr, "edgeward devices learn: bad label \"%s\"\n",
		    label);
		return 2;
	}
	if (cls && kb_class_parse(cls) < 0) {
		fprintf(stderr, "edgeward devices learn: unknown class \"%s\"\n",
		    cls);
		return 2;
	}
	if (mac_s && parse_mac(mac_s, mac) < 0) {
		fprintf(stderr, "edgeward devices learn: bad MAC \"%s\"\n",
		    mac_s);
		return 2;
	}
	if (labels_file && read_labels(labels_file, &ml, &nml, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "edgeward devices learn: %s\n", err);
		return 1;
	}
	oui = dev_oui_load(NULL, err, sizeof(err));	/* optional */
	if (identify) {
		kb = dev_kb_load(kb_path, err, sizeof(err));
		if (!kb) {
			fprintf(stderr, "edgeward devices learn: %s\n", err);
			goto done;
		}
	}
	const char *libpath = identify ? identify : out;
	if (access(libpath, F_OK) == 0 || identify) {
		lib = dev_fplib_load(libpath, err, sizeof(err));
		if (!lib) {
			fprintf(stderr, "edgeward devices learn: %s\n", err);
			goto done;
		}
	} else {
		lib = dev_fplib_new();
		if (!lib)
			goto done;
	}
	tok = ew_malloc(DEV_FPLIB_MAX_TOKENS * sizeof(*tok));
	if (!tok)
		goto done;
	unsigned added = 0, dups = 0;
	for (; i < argc; i++) {
		struct pipeline *pl;
		if (learn_run(argv[i], kb_path, &pl, err, sizeof(err)) < 0) {
			fprintf(stderr, "edgeward devices learn: %s\n", err);
			goto done;
		}
		const struct dev_inv *inv = pipeline_devices(pl);
		const struct device *take[64];
		const char *names[64];
		size_t ntake = 0;
		if (identify) {
			if (mac_s) {
				take[0] = dev_inv_find_mac(inv, mac);
				ntake = take[0] != NULL;
			} else {
				for (const struct device *d =
				    dev_inv_first(inv); d && ntake < 64;
				    d = dev_inv_next(inv, d))
					if (!d->roles && d->has_mac)
						take[ntake++] = d;
			}
			for (size_t k = 0; k < ntake; k++)
				print_ident(argv[i], take[k], kb, lib, oui, verbose);
			pipeline_free(pl);
			continue;
		}
		if (labels_file) {
			for (size_t k = 0; k < nml && ntake < 64; k++) {
				const struct device *d = dev_inv_find_mac(inv,
				    ml[k].mac);
				if (d) {
					take[ntake] = d;
					names[ntake++] = ml[k].label;
				}
			}
		} else if (mac_s) {
			take[0] = dev_inv_find_mac(inv, mac);
			names[0] = label;
			ntake = take[0] != NULL;
		} else {
			take[0] = busiest(inv);
			names[0] = label;
			ntake = take[0] != NULL;
			if (ntake) {
				char ms[MAC_STRLEN];
				mac_fmt(take[0]->mac, ms, sizeof(ms));
				fprintf(stderr, "edgeward devices learn: "
				    "warning: %s: no --mac given, taking the "
				    "busiest device %s\n", argv[i], ms);
			}
		}
		if (ntake == 0)
			fprintf(stderr, "edgeward devices learn: warning: %s: "
			    "no labelled device in this capture\n", argv[i]);
		for (size_t k = 0; k < ntake; k++) {
			const struct device *d = take[k];
			const char *org = dev_oui_lookup(oui, d->mac);
			size_t n = dev_fp_tokens(d, org, tok,
			    DEV_FPLIB_MAX_TOKENS);
			if (n == 0) {
				fprintf(stderr, "edgeward devices learn: "
				    "warning: %s: device has no evidence\n",
				    argv[i]);
				continue;
			}
			int r = dev_fplib_add(lib, names[k], tok, n, err,
			    sizeof(err));
			if (r < 0) {
				fprintf(stderr, "edgeward devices learn: %s\n",
				    err);
				pipeline_free(pl);
				goto done;
			}
			added += r == 1;
			dups += r == 0;
			if (label && (vendor || cls || model))
				dev_fplib_set_label(lib, label, vendor, cls,
				    model);
		}
		pipeline_free(pl);
	}
	if (identify) {
		rc = 0;
		goto done;
	}
	if (dev_fplib_save(lib, out, err, sizeof(err)) < 0) {
		fprintf(stderr, "edgeward devices learn: %s\n", err);
		goto done;
	}
	fprintf(stderr, "edgeward devices learn: %u fingerprint(s) added "
	    "(%u already known) to %s: %zu label(s), %zu fingerprint(s)\n",
	    added, dups, out, lib->nlabels, lib->nsamples);
	rc = 0;
done:
	ew_free(tok);
	ew_free(ml);
	dev_fplib_free(lib);
	dev_oui_free(oui);
	dev_kb_free(kb);
	return rc;
}
