/* zones.c - the zones policy file: parser and validator (errors name the
 * line), the per-flow matcher (zones_classify/zones_check, no allocation)
 * and the read-only accessors. Format and semantics: zones.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "device/device_int.h"
#include "policy/zones.h"
#include "util/alloc.h"
#include "util/hex.h"

#define NZONE_ALL (ZONES_FIRST + ZONES_MAX_ZONES)

struct zones {
	unsigned nzone;			/* built-ins included */
	struct zones_zone zone[NZONE_ALL];
	struct zones_cidr *cidr;
	size_t ncidr, ccidr;
	struct zones_mac *mac;
	size_t nmac, cmac;
	struct zones_rule rule[ZONES_MAX_RULES];
	struct zones_port port[ZONES_MAX_RULES][ZONES_MAX_PORTS];
	char *text[ZONES_MAX_RULES];	/* owned, normalised rule texts */
	unsigned nrule;
	int default_allow;
	unsigned default_line;
	char default_text[16];
	uint32_t any_class;		/* union of every zone's classes */
};

/* ---- device classes ----------------------------------------------------- */

static const char *const class_names[] = {
#define ZONES_CLASS_NAME(name, str) str,
	DEV_CLASSES(ZONES_CLASS_NAME)
#undef ZONES_CLASS_NAME
};

/* Words people write for a class that the inventory names otherwise. */
static const struct {
	const char *word;
	unsigned cls;
} class_alias[] = {
	{ "bulb", DEV_CLASS_LIGHT }, { "lamp", DEV_CLASS_LIGHT },
	{ "laptop", DEV_CLASS_COMPUTER }, { "desktop", DEV_CLASS_COMPUTER },
	{ "pc", DEV_CLASS_COMPUTER }, { "tablet", DEV_CLASS_PHONE },
	{ "smartphone", DEV_CLASS_PHONE }, { "watch", DEV_CLASS_WEARABLE },
	{ "doorbell", DEV_CLASS_CAMERA },
};

unsigned zones_class_count(void)
{
	return DEV_CLASS__COUNT;
}

const char *zones_class_name(unsigned c)
{
	return c < DEV_CLASS__COUNT ? class_names[c] : NULL;
}

/* Case-insensitive equality of s[0..n) and w[0..wn) (w lower case). */
static int word_eq(const char *s, size_t n, const char *w, size_t wn)
{
	if (n != wn)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int a = s[i];
		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (a != w[i])
			return 0;
	}
	return 1;
}

/* The canonical name, either half of a "a/b" name, or an alias. */
static int class_parse_n(const char *s, size_t n)
{
	if (n == 0)
		return DEV_CLASS_UNKNOWN;
	for (unsigned i = 0; i < DEV_CLASS__COUNT; i++) {
		const char *c = class_names[i];
		const char *slash = strchr(c, '/');
		if (word_eq(s, n, c, strlen(c)))
			return (int)i;
		if (slash && (word_eq(s, n, c, (size_t)(slash - c)) ||
		    word_eq(s, n, slash + 1, strlen(slash + 1))))
			return (int)i;
	}
	for (size_t i = 0; i < sizeof(class_alias) / sizeof(class_alias[0]);
	    i++)
		if (word_eq(s, n, class_alias[i].word,
		    strlen(class_alias[i].word)))
			return (int)class_alias[i].cls;
	return -1;
}

int zones_class_parse(const char *word)
{
	return word ? class_parse_n(word, strlen(word)) : DEV_CLASS_UNKNOWN;
}

/* ---- matcher ------------------------------------------------------------ */

/* First bits bits of a equal net's (net is masked). */
static int prefix_match(const struct addr *net, unsigned bits,
    const struct addr *a)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(net->a, a->a, full) != 0)
		return 0;
	if (rest) {
		uint8_t m = (uint8_t)(0xffu << (8 - rest));
		if ((a->a[full] & m) != net->a[full])
			return 0;
	}
	return 1;
}

int zones_classify(const struct zones *z, const struct zone_host *h)
{
	if (!z || !h)
		return ZONES_INTERNET;
	if (h->mac)
		for (size_t i = 0; i < z->nmac; i++)
			if (memcmp(z->mac[i].mac, h->mac, 6) == 0)
				return z->mac[i].zone;
	if (h->ip && (h->ip->family == 4 || h->ip->family == 6)) {
		int best = -1;
		unsigned best_bits = 0;
		for (size_t i = 0; i < z->ncidr; i++) {
			const struct zones_cidr *c = &z->cidr[i];
			/* strictly longer only: ties go to the first declared */
			if (c->net.family != h->ip->family ||
			    (best >= 0 && c->bits <= best_bits))
				continue;
			if (prefix_match(&c->net, c->bits, h->ip)) {
				best = c->zone;
				best_bits = c->bits;
			}
		}
		if (best >= 0)
			return best;
	}
	if (h->local && z->any_class) {
		int c = h->cls ? class_parse_n(h->cls, strlen(h->cls)) :
		    DEV_CLASS_UNKNOWN;
		if (c >= 0) {
			uint32_t bit = 1u << c;
			for (unsigned i = ZONES_FIRST; i < z->nzone; i++)
				if (z->zone[i].classes & bit)
					return (int)i;
		}
	}
	return h->local ? ZONES_LAN : ZONES_INTERNET;
}

static int zone_match(const struct zones *z, int rz, int zone)
{
	if (rz == ZONES_ANY)
		return 1;
	if (zone < 0 || (unsigned)zone >= z->nzone || zone == ZONES_LOCAL ||
	    zone == ZONES_ANY)
		return 0;
	if (rz == ZONES_LOCAL)
		return zone != ZONES_INTERNET;
	return rz == zone;
}

static int port_match(const struct zones_rule *r, uint8_t proto,
    uint16_t dport)
{
	if (r->nport == 0)
		return 1;
	for (unsigned i = 0; i < r->nport; i++) {
		const struct zones_port *p = &r->port[i];
		if (p->proto == 0)
			return 1;
		if (p->proto != proto)
			continue;
		if (proto != 6 && proto != 17)
			return 1;
		if (dport >= p->lo && dport <= p->hi)
			return 1;
	}
	return 0;
}

void zones_check(const struct zones *z, int zsrc, int zdst, uint8_t proto,
    uint16_t dport, struct zone_verdict *out)
{
	out->rule = -1;
	out->allow = 1;
	if (!z)
		return;
	for (unsigned i = 0; i < z->nrule; i++) {
		const struct zones_rule *r = &z->rule[i];
		if (zone_match(z, r->src, zsrc) && zone_match(z, r->dst, zdst) &&
		    port_match(r, proto, dport)) {
			out->rule = (int)i;
			out->allow = r->allow;
			return;
		}
	}
	out->allow = z->default_allow;
}

/* ---- accessors ------------------------------------------------------------ */

const char *zones_name(const struct zones *z, int zone)
{
	if (!z || zone < 0 || (unsigned)zone >= z->nzone)
		return "?";
	return z->zone[zone].name;
}

const char *zones_rule_text(const struct zones *z, int rule)
{
	if (!z)
		return "";
	if (rule == -1)
		return z->default_text;
	if (rule < 0 || (unsigned)rule >= z->nrule)
		return "";
	return z->rule[rule].text;
}

unsigned zones_rule_line(const struct zones *z, int rule)
{
	if (!z)
		return 0;
	if (rule == -1)
		return z->default_line;
	if (rule < 0 || (unsigned)rule >= z->nrule)
		return 0;
	return z->rule[rule].line;
}

unsigned zones_count(const struct zones *z)
{
	return z ? z->nzone : 0;
}

int zones_find(const struct zones *z, const char *name)
{
	if (!z || !name)
		return -1;
	for (unsigned i = 0; i < z->nzone; i++)
		if (strcmp(z->zone[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct zones_zone *zones_zone(const struct zones *z, int zone)
{
	if (!z || zone < 0 || (unsigned)zone >= z->nzone)
		return NULL;
	return &z->zone[zone];
}

const struct zones_cidr *zones_cidrs(const struct zones *z, size_t *n)
{
	*n = z ? z->ncidr : 0;
	return z ? z->cidr : NULL;
}

const struct zones_mac *zones_macs(const struct zones *z, size_t *n)
{
	*n = z ? z->nmac : 0;
	return z ? z->mac : NULL;
}

unsigned zones_rule_count(const struct zones *z)
{
	return z ? z->nrule : 0;
}

const struct zones_rule *zones_rule(const struct zones *z, int rule)
{
	if (!z || rule < 0 || (unsigned)rule >= z->nrule)
		return NULL;
	return &z->rule[rule];
}

int zones_default_allow(const struct zones *z)
{
	return z ? z->default_allow : 1;
}

void zones_free(struct zones *z)
{
	if (!z)
		return;
	for (unsigned i = 0; i < z->nrule; i++)
		ew_free(z->text[i]);
	ew_free(z->cidr);
	ew_free(z->mac);
	ew_free(z);
}

/* ---- parser --------------------------------------------------------------- */

#define MAX_TOKENS (ZONES_MAX_LINE / 2 + 2)
#define SHOW 40			/* longest piece of input quoted in an error */

struct tok {
	const char *p;
	size_t n;
};

/* Rule names are resolved after the whole file is read (zones may be
 * declared after the rules that use them). */
struct pending {
	char src[ZONES_NAME_MAX + 1], dst[ZONES_NAME_MAX + 1];
};

struct pstate {
	struct zones *z;
	const char *name;
	char *err;
	size_t errlen;
	unsigned line;
	struct tok tok[MAX_TOKENS];
	size_t ntok;
	struct pending pend[ZONES_MAX_RULES];
	unsigned class_line[DEV_CLASS__COUNT];	/* where each class was put */
};

static const char *const builtin_names[ZONES_FIRST] = {
	"internet", "lan", "local", "any"
};

/* Words that may not name a zone (built-ins and the file's keywords). */
static const char *const reserved[] = {
	"internet", "lan", "local", "any", "zone", "allow", "deny", "default",
	"cidr", "mac", "class", "tcp", "udp", "icmp", "icmpv6", "proto"
};

__attribute__((format(printf, 3, 4)))
static int fail(struct pstate *st, unsigned line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->errlen) {
		if (line)
			snprintf(st->err, st->errlen, "%s:%u: %s", st->name, line,
			    msg);
		else
			snprintf(st->err, st->errlen, "%s: %s", st->name, msg);
	}
	return -1;
}

static int tok_is(const struct tok *t, const char *w)
{
	return strlen(w) == t->n && memcmp(t->p, w, t->n) == 0;
}

/* Shown length of a token in messages. */
static int shown(const struct tok *t)
{
	return t->n > SHOW ? SHOW : (int)t->n;
}

static unsigned edit_distance(const char *a, const char *b)
{
	unsigned d[ZONES_NAME_MAX + 2][ZONES_NAME_MAX + 2];
	size_t la = strlen(a), lb = strlen(b);
	if (la > ZONES_NAME_MAX || lb > ZONES_NAME_MAX)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			unsigned del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			unsigned m = sub < del ? sub : del;
			d[i][j] = m < ins ? m : ins;
		}
	return d[la][lb];
}

static int valid_name(const struct tok *t)
{
	if (t->n == 0 || t->n > ZONES_NAME_MAX)
		return 0;
	if (!((t->p[0] >= 'a' && t->p[0] <= 'z') ||
	    (t->p[0] >= 'A' && t->p[0] <= 'Z')))
		return 0;
	for (size_t i = 1; i < t->n; i++) {
		char c = t->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int find_zone_n(const struct zones *z, const char *s, size_t n)
{
	for (unsigned i = 0; i < z->nzone; i++)
		if (strlen(z->zone[i].name) == n &&
		    memcmp(z->zone[i].name, s, n) == 0)
			return (int)i;
	return -1;
}

static int parse_cidr(const struct tok *t, struct addr *net, unsigned *bits,
    int *host_bits)
{
	char buf[64];
	const char *slash;
	unsigned max;

	if (t->n >= sizeof(buf))
		return -1;
	memcpy(buf, t->p, t->n);
	buf[t->n] = '\0';
	slash = strchr(buf, '/');
	memset(net, 0, sizeof(*net));
	if (slash)
		buf[slash - buf] = '\0';
	if (inet_pton(AF_INET, buf, net->a) == 1) {
		net->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, net->a) == 1) {
		net->family = 6;
		max = 128;
	} else {
		return -1;
	}
	*bits = max;
	if (slash) {
		const char *d = slash + 1;
		unsigned v = 0;
		if (!*d || strlen(d) > 3)
			return -1;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return -1;
			v = v * 10 + (unsigned)(*d - '0');
		}
		if (v > max)
			return -1;
		*bits = v;
	}
	*host_bits = 0;
	for (unsigned b = *bits; b < max; b++) {
		uint8_t m = (uint8_t)(0x80u >> (b % 8));
		if (net->a[b / 8] & m) {
			*host_bits = 1;
			net->a[b / 8] = (uint8_t)(net->a[b / 8] & ~m);
		}
	}
	return 0;
}

/* aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, either case. */
static int parse_mac(const struct tok *t, uint8_t mac[6])
{
	if (t->n != 17)
		return -1;
	for (unsigned i = 0; i < 6; i++) {
		int hi = hex_digit((unsigned char)t->p[i * 3]);
		int lo = hex_digit((unsigned char)t->p[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		if (i < 5 && t->p[i * 3 + 2] != ':' && t->p[i * 3 + 2] != '-')
			return -1;
		if (i > 0 && i < 5 && t->p[i * 3 + 2] != t->p[2])
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_num(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* One port spec into p; a message in why on error. */
static int parse_port(const struct tok *t, struct zones_port *p,
    const char **why)
{
	const char *slash = memchr(t->p, '/', t->n);
	size_t head = slash ? (size_t)(slash - t->p) : t->n;
	uint8_t proto;
	unsigned lo, hi;

	memset(p, 0, sizeof(*p));
	*why = "want tcp/N, udp/N, tcp/N-M, udp/N-M, tcp, udp, icmp, "
	    "icmpv6, proto/N or any";
	if (!slash) {
		if (tok_is(t, "any"))
			return 0;
		if (tok_is(t, "icmp"))
			p->proto = 1;
		else if (tok_is(t, "icmpv6"))
			p->proto = 58;
		else if (tok_is(t, "tcp") || tok_is(t, "udp")) {
			p->proto = t->p[0] == 't' ? 6 : 17;
			p->hi = 65535;
		} else
			return -1;
		return 0;
	}
	const char *rest = slash + 1;
	size_t rn = t->n - head - 1;
	if (head == 5 && memcmp(t->p, "proto", 5) == 0) {
		if (parse_num(rest, rn, 255, &lo) < 0 || lo == 0) {
			*why = "protocol number must be 1..255";
			return -1;
		}
		p->proto = (uint8_t)lo;
		return 0;
	}
	if (head == 3 && memcmp(t->p, "tcp", 3) == 0)
		proto = 6;
	else if (head == 3 && memcmp(t->p, "udp", 3) == 0)
		proto = 17;
	else
		return -1;
	const char *dash = memchr(rest, '-', rn);
	size_t ln = dash ? (size_t)(dash - rest) : rn;
	if (parse_num(rest, ln, 65535, &lo) < 0) {
		*why = "port must be 0..65535";
		return -1;
	}
	hi = lo;
	if (dash && parse_num(dash + 1, rn - ln - 1, 65535, &hi) < 0) {
		*why = "port must be 0..65535";
		return -1;
	}
	if (hi < lo) {
		*why = "range runs backwards";
		return -1;
	}
	p->proto = proto;
	p->lo = (uint16_t)lo;
	p->hi = (uint16_t)hi;
	return 0;
}

static void port_text(const struct zones_port *p, char *buf, size_t n)
{
	if (p->proto == 0)
		snprintf(buf, n, "any");
	else if (p->proto == 1)
		snprintf(buf, n, "icmp");
	else if (p->proto == 58)
		snprintf(buf, n, "icmpv6");
	else if (p->proto == 6 || p->proto == 17) {
		const char *pn = p->proto == 6 ? "tcp" : "udp";
		if (p->lo == 0 && p->hi == 65535)
			snprintf(buf, n, "%s", pn);
		else if (p->lo == p->hi)
			snprintf(buf, n, "%s/%u", pn, p->lo);
		else
			snprintf(buf, n, "%s/%u-%u", pn, p->lo, p->hi);
	} else
		snprintf(buf, n, "proto/%u", p->proto);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	void *p = ew_realloc(*arr, nc * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = nc;
	return 0;
}

static int add_cidr(struct pstate *st, int zi, const struct tok *t)
{
	struct zones *z = st->z;
	struct addr net;
	unsigned bits;
	int host;
	char txt[ADDR_STRLEN];

	if (parse_cidr(t, &net, &bits, &host) < 0)
		return fail(st, st->line, "bad cidr '%.*s' (want ADDRESS or "
		    "ADDRESS/PREFIX, IPv4 or IPv6)", shown(t), t->p);
	addr_fmt(&net, txt, sizeof(txt));
	if (host)
		return fail(st, st->line, "cidr '%.*s' has host bits set (the "
		    "network is %s/%u)", shown(t), t->p, txt, bits);
	for (size_t i = 0; i < z->ncidr; i++) {
		const struct zones_cidr *c = &z->cidr[i];
		if (c->bits == bits && addr_cmp(&c->net, &net) == 0)
			return fail(st, st->line, "duplicate cidr %s/%u: "
			    "already in zone '%s' (line %u)", txt, bits,
			    z->zone[c->zone].name, c->line);
	}
	if (grow((void **)&z->cidr, &z->ccidr, z->ncidr + 1,
	    sizeof(*z->cidr)) < 0)
		return fail(st, st->line, "out of memory");
	struct zones_cidr *c = &z->cidr[z->ncidr++];
	c->net = net;
	c->bits = (uint8_t)bits;
	c->zone = (uint16_t)zi;
	c->line = st->line;
	z->zone[zi].ncidr++;
	return 0;
}

static int add_mac(struct pstate *st, int zi, const struct tok *t)
{
	struct zones *z = st->z;
	uint8_t mac[6];
	static const uint8_t zero[6];
	char txt[MAC_STRLEN];

	if (parse_mac(t, mac) < 0)
		return fail(st, st->line, "bad mac '%.*s' (want "
		    "aa:bb:cc:dd:ee:ff)", shown(t), t->p);
	mac_fmt(mac, txt, sizeof(txt));
	if ((mac[0] & 1) || memcmp(mac, zero, 6) == 0)
		return fail(st, st->line, "mac %s is not a host address "
		    "(multicast, broadcast or zero)", txt);
	for (size_t i = 0; i < z->nmac; i++) {
		const struct zones_mac *m = &z->mac[i];
		if (memcmp(m->mac, mac, 6) == 0)
			return fail(st, st->line, "duplicate mac %s: already "
			    "in zone '%s' (line %u)", txt,
			    z->zone[m->zone].name, m->line);
	}
	if (grow((void **)&z->mac, &z->cmac, z->nmac + 1,
	    sizeof(*z->mac)) < 0)
		return fail(st, st->line, "out of memory");
	struct zones_mac *m = &z->mac[z->nmac++];
	memcpy(m->mac, mac, 6);
	m->zone = (uint16_t)zi;
	m->line = st->line;
	z->zone[zi].nmac++;
	return 0;
}

static int add_class(struct pstate *st, int zi, const struct tok *t)
{
	struct zones *z = st->z;
	int c = class_parse_n(t->p, t->n);

	if (c < 0) {
		char list[512];
		size_t o = 0;
		for (unsigned i = 0; i < DEV_CLASS__COUNT; i++) {
			int k = snprintf(list + o, sizeof(list) - o, "%s%s",
			    i ? ", " : "", class_names[i]);
			if (k < 0 || (size_t)k >= sizeof(list) - o)
				break;
			o += (size_t)k;
		}
		return fail(st, st->line, "unknown class '%.*s' (classes: %s)",
		    shown(t), t->p, list);
	}
	uint32_t bit = 1u << c;
	for (unsigned i = ZONES_FIRST; i < z->nzone; i++)
		if (z->zone[i].classes & bit)
			return fail(st, st->line, "duplicate class %s: already "
			    "in zone '%s' (line %u)", class_names[c],
			    z->zone[i].name, st->class_line[c]);
	z->zone[zi].classes |= bit;
	z->any_class |= bit;
	st->class_line[c] = st->line;
	return 0;
}

enum { K_NONE, K_CIDR, K_MAC, K_CLASS };

static int stmt_zone(struct pstate *st)
{
	struct zones *z = st->z;
	const struct tok *t = st->tok;
	int kind = K_NONE;
	size_t nval = 0;

	if (st->ntok < 2)
		return fail(st, st->line, "zone needs a name (want: zone NAME "
		    "cidr|mac|class VALUE...)");
	if (!valid_name(&t[1]))
		return fail(st, st->line, "bad zone name '%.*s' (a letter, then "
		    "letters, digits, '_' or '-'; at most %d)", shown(&t[1]),
		    t[1].p, ZONES_NAME_MAX);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (tok_is(&t[1], reserved[i]))
			return fail(st, st->line, "'%s' is reserved and cannot "
			    "name a zone", reserved[i]);
	if (st->ntok < 3)
		return fail(st, st->line, "zone '%.*s' lists no members (want: "
		    "zone NAME cidr|mac|class VALUE...)", shown(&t[1]),
		    t[1].p);
	int zi = find_zone_n(z, t[1].p, t[1].n);
	if (zi < 0) {
		if (z->nzone >= NZONE_ALL)
			return fail(st, st->line, "too many zones (at most %d)",
			    ZONES_MAX_ZONES);
		zi = (int)z->nzone++;
		memcpy(z->zone[zi].name, t[1].p, t[1].n);
		z->zone[zi].name[t[1].n] = '\0';
		z->zone[zi].line = st->line;
	}
	for (size_t i = 2; i < st->ntok; i++) {
		int next = tok_is(&t[i], "cidr") ? K_CIDR :
		    tok_is(&t[i], "mac") ? K_MAC :
		    tok_is(&t[i], "class") ? K_CLASS : K_NONE;
		if (next != K_NONE) {
			if (kind != K_NONE && nval == 0)
				return fail(st, st->line, "'%.*s' needs at "
				    "least one value", shown(&t[i - 1]),
				    t[i - 1].p);
			kind = next;
			nval = 0;
			continue;
		}
		if (kind == K_NONE)
			return fail(st, st->line, "expected cidr, mac or class "
			    "before '%.*s'", shown(&t[i]), t[i].p);
		if (kind != K_CLASS &&
		    z->zone[zi].ncidr + z->zone[zi].nmac >= ZONES_MAX_MEMBERS)
			return fail(st, st->line, "zone '%s' has too many "
			    "members (at most %d cidr and mac)",
			    z->zone[zi].name, ZONES_MAX_MEMBERS);
		int rc = kind == K_CIDR ? add_cidr(st, zi, &t[i]) :
		    kind == K_MAC ? add_mac(st, zi, &t[i]) :
		    add_class(st, zi, &t[i]);
		if (rc < 0)
			return -1;
		nval++;
	}
	if (nval == 0)
		return fail(st, st->line, "'%.*s' needs at least one value",
		    shown(&t[st->ntok - 1]), t[st->ntok - 1].p);
	return 0;
}

static int stmt_rule(struct pstate *st, int allow)
{
	struct zones *z = st->z;
	const struct tok *t = st->tok;

	if (st->ntok < 4 || !tok_is(&t[2], "->"))
		return fail(st, st->line, "expected '%s SRC -> DST [PORT...]'",
		    allow ? "allow" : "deny");
	for (int k = 1; k <= 3; k += 2)
		if (!valid_name(&t[k]))
			return fail(st, st->line, "bad zone name '%.*s'",
			    shown(&t[k]), t[k].p);
	if (z->nrule >= ZONES_MAX_RULES)
		return fail(st, st->line, "too many rules (at most %d)",
		    ZONES_MAX_RULES);
	if (st->ntok - 4 > ZONES_MAX_PORTS)
		return fail(st, st->line, "too many port specs (at most %d; use "
		    "a range tcp/N-M)", ZONES_MAX_PORTS);
	unsigned ri = z->nrule;
	struct zones_rule *r = &z->rule[ri];
	struct pending *pd = &st->pend[ri];
	memset(r, 0, sizeof(*r));
	memcpy(pd->src, t[1].p, t[1].n);
	pd->src[t[1].n] = '\0';
	memcpy(pd->dst, t[3].p, t[3].n);
	pd->dst[t[3].n] = '\0';
	r->allow = (uint8_t)allow;
	r->line = st->line;
	r->port = z->port[ri];
	for (size_t i = 4; i < st->ntok; i++) {
		struct zones_port *p = &z->port[ri][r->nport];
		const char *why;
		if (parse_port(&t[i], p, &why) < 0)
			return fail(st, st->line, "bad port spec '%.*s' (%s)",
			    shown(&t[i]), t[i].p, why);
		for (unsigned j = 0; j < r->nport; j++)
			if (memcmp(&z->port[ri][j], p, sizeof(*p)) == 0)
				return fail(st, st->line, "duplicate port spec "
				    "'%.*s'", shown(&t[i]), t[i].p);
		r->nport++;
	}
	z->nrule++;
	return 0;
}

static int stmt_default(struct pstate *st)
{
	struct zones *z = st->z;
	if (st->ntok != 2 ||
	    !(tok_is(&st->tok[1], "allow") || tok_is(&st->tok[1], "deny")))
		return fail(st, st->line, "expected 'default allow' or "
		    "'default deny'");
	if (z->default_line)
		return fail(st, st->line, "second default (the first is on "
		    "line %u)", z->default_line);
	z->default_allow = tok_is(&st->tok[1], "allow");
	z->default_line = st->line;
	return 0;
}

/* Split one line (comment already cut) into tokens; "->" is a token of
 * its own even when written without spaces. */
static int tokenize(struct pstate *st, const char *p, size_t n)
{
	size_t i = 0;
	st->ntok = 0;
	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c < 0x21 || c > 0x7e)
			return fail(st, st->line, "unexpected byte 0x%02x", c);
		size_t s = i;
		if (c == '-' && i + 1 < n && p[i + 1] == '>') {
			i += 2;
		} else {
			while (i < n && p[i] != ' ' && p[i] != '\t' &&
			    p[i] != '\r' && !(p[i] == '-' && i + 1 < n &&
			    p[i + 1] == '>')) {
				c = (unsigned char)p[i];
				if (c < 0x21 || c > 0x7e)
					return fail(st, st->line, "unexpected "
					    "byte 0x%02x", c);
				i++;
			}
		}
		if (st->ntok >= MAX_TOKENS)
			return fail(st, st->line, "too many words");
		st->tok[st->ntok].p = p + s;
		st->tok[st->ntok].n = i - s;
		st->ntok++;
	}
	return 0;
}

static int parse_line(struct pstate *st, const char *p, size_t n)
{
	const char *hash = memchr(p, '#', n);
	if (hash)
		n = (size_t)(hash - p);
	if (tokenize(st, p, n) < 0)
		return -1;
	if (st->ntok == 0)
		return 0;
	const struct tok *k = &st->tok[0];
	if (tok_is(k, "zone"))
		return stmt_zone(st);
	if (tok_is(k, "allow"))
		return stmt_rule(st, 1);
	if (tok_is(k, "deny"))
		return stmt_rule(st, 0);
	if (tok_is(k, "default"))
		return stmt_default(st);
	return fail(st, st->line, "unknown statement '%.*s' (want zone, allow, "
	    "deny or default)", shown(k), k->p);
}

static int resolve_name(struct pstate *st, const char *name, unsigned line,
    int *out)
{
	struct zones *z = st->z;
	char list[640];
	size_t o = 0;
	const char *best = NULL;
	unsigned bestd = 3;

	*out = find_zone_n(z, name, strlen(name));
	if (*out >= 0)
		return 0;
	list[0] = '\0';
	for (unsigned i = 0; i < z->nzone; i++) {
		unsigned d = edit_distance(name, z->zone[i].name);
		if (d < bestd && d < strlen(name)) {
			bestd = d;
			best = z->zone[i].name;
		}
		if (i < ZONES_FIRST)
			continue;
		int k = snprintf(list + o, sizeof(list) - o, "%s%s",
		    o ? ", " : "", z->zone[i].name);
		if (k > 0 && (size_t)k < sizeof(list) - o)
			o += (size_t)k;
	}
	char hint[64] = "";
	if (best)
		snprintf(hint, sizeof(hint), "; did you mean '%s'?", best);
	return fail(st, line, "unknown zone '%s' (declared: %s; built-in: "
	    "internet, lan, local, any%s)", name, o ? list : "none", hint);
}

/* After the last line: every zone has members, rule names resolve, and
 * each rule gets its normalised text. */
static int finish(struct pstate *st)
{
	struct zones *z = st->z;

	for (unsigned i = ZONES_FIRST; i < z->nzone; i++)
		if (!z->zone[i].classes && !z->zone[i].ncidr &&
		    !z->zone[i].nmac)
			return fail(st, z->zone[i].line, "zone '%s' has no "
			    "members", z->zone[i].name);
	for (unsigned i = 0; i < z->nrule; i++) {
		struct zones_rule *r = &z->rule[i];
		char buf[ZONES_NAME_MAX * 2 + ZONES_MAX_PORTS * 20 + 32];
		size_t o;
		if (resolve_name(st, st->pend[i].src, r->line, &r->src) < 0 ||
		    resolve_name(st, st->pend[i].dst, r->line, &r->dst) < 0)
			return -1;
		o = (size_t)snprintf(buf, sizeof(buf), "%s %s -> %s",
		    r->allow ? "allow" : "deny", z->zone[r->src].name,
		    z->zone[r->dst].name);
		for (unsigned j = 0; j < r->nport && o < sizeof(buf); j++) {
			char pt[24];
			port_text(&r->port[j], pt, sizeof(pt));
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %s",
			    pt);
		}
		size_t len = strlen(buf);
		z->text[i] = ew_malloc(len + 1);
		if (!z->text[i])
			return fail(st, r->line, "out of memory");
		memcpy(z->text[i], buf, len + 1);
		r->text = z->text[i];
	}
	snprintf(z->default_text, sizeof(z->default_text), "default %s",
	    z->default_allow ? "allow" : "deny");
	return 0;
}

struct zones *zones_parse(const char *text, size_t len, const char *name,
    char *err, size_t errlen)
{
	struct pstate *st = NULL;
	struct zones *z = NULL;
	size_t off = 0;

	if (errlen)
		err[0] = '\0';
	st = ew_calloc(1, sizeof(*st));
	if (!st) {
		if (errlen)
			snprintf(err, errlen, "%s: out of memory",
			    name ? name : "zones");
		return NULL;
	}
	st->name = name ? name : "zones";
	st->err = err;
	st->errlen = errlen;
	if (len > ZONES_MAX_FILE) {
		fail(st, 0, "too large (%zu bytes, at most %u)", len,
		    ZONES_MAX_FILE);
		goto fail;
	}
	if (!text && len) {
		fail(st, 0, "no text");
		goto fail;
	}
	z = ew_calloc(1, sizeof(*z));
	if (!z) {
		fail(st, 0, "out of memory");
		goto fail;
	}
	st->z = z;
	z->nzone = ZONES_FIRST;
	for (unsigned i = 0; i < ZONES_FIRST; i++)
		snprintf(z->zone[i].name, sizeof(z->zone[i].name), "%s",
		    builtin_names[i]);
	z->default_allow = 1;
	while (off < len) {
		const char *p = text + off;
		const char *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off;
		st->line++;
		if (n > ZONES_MAX_LINE) {
			fail(st, st->line, "line too long (at most %d bytes)",
			    ZONES_MAX_LINE);
			goto fail;
		}
		if (memchr(p, '\0', n)) {
			fail(st, st->line, "NUL byte");
			goto fail;
		}
		if (parse_line(st, p, n) < 0)
			goto fail;
		off += n + (nl != NULL);
	}
	if (finish(st) < 0)
		goto fail;
	ew_free(st);
	return z;
fail:
	zones_free(z);
	ew_free(st);
	return NULL;
}

struct zones *zones_load(const char *path, char *err, size_t errlen)
{
	struct zones *z = NULL;
	char *buf = NULL;
	struct stat sb;
	size_t have = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)sb.st_size > ZONES_MAX_FILE) {
		snprintf(err, errlen, "%s: too large (%lld bytes, at most %u)",
		    path, (long long)sb.st_size, ZONES_MAX_FILE);
		goto out;
	}
	/* one byte more than allowed, to notice a file that grew */
	buf = ew_malloc(ZONES_MAX_FILE + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + have, ZONES_MAX_FILE + 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		have += (size_t)r;
		if (have > ZONES_MAX_FILE) {
			snprintf(err, errlen, "%s: too large (more than %u "
			    "bytes)", path, ZONES_MAX_FILE);
			goto out;
		}
	}
	z = zones_parse(buf, have, path, err, errlen);
out:
	ew_free(buf);
	close(fd);
	return z;
}
