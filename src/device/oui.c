/* oui.c - MAC prefix -> organisation, from Debian's ieee-data listings.
 *
 * oui.txt (MA-L, 24-bit prefixes) is required; mam.txt (MA-M, 28 bits)
 * and oui36.txt (MA-S, 36 bits) beside it are read when present, so the
 * longest registered prefix wins. Each table is a sorted array of
 * {prefix, name offset} searched by bisection; organisation names are
 * interned once in one arena (Apple alone owns hundreds of prefixes).
 * This runs at every analyze start, so the parser is a single pass over
 * the file read in one piece (~10 ms for the 5 MB listing). */
#include "device/device_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "util/alloc.h"
#include "util/hex.h"

struct oui_ent {
	uint64_t prefix;		/* the top `bits` bits of the MAC */
	uint32_t name;			/* offset into the arena */
};

struct oui_tab {
	struct oui_ent *e;
	size_t n, cap;
	unsigned bits;			/* 24, 28 or 36 */
};

struct dev_oui {
	struct oui_tab tab[3];		/* longest prefix first: 36, 28, 24 */
	char *arena;
	size_t alen, acap;
	/* name interning during load only: arena offset and the name's
	 * hash, so probes compare names only when the hashes agree */
	struct oui_slot {
		uint32_t off, hash;
	} *hslot;
	size_t hcap, hused;
};

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int hash_grow(struct dev_oui *o)
{
	size_t ncap = o->hcap ? o->hcap * 2 : 65536;
	struct oui_slot *ns = ew_calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t i = 0; i < o->hcap; i++) {
		if (!o->hslot[i].off)
			continue;
		size_t j = o->hslot[i].hash & (ncap - 1);
		while (ns[j].off)
			j = (j + 1) & (ncap - 1);
		ns[j] = o->hslot[i];
	}
	ew_free(o->hslot);
	o->hslot = ns;
	o->hcap = ncap;
	return 0;
}

/* Offset of name s[0..n) in the arena (added when new); 0 on failure
 * (offset 0 is a reserved empty string). */
static uint32_t intern(struct dev_oui *o, const char *s, size_t n)
{
	if ((o->hused + 1) * 2 > o->hcap && hash_grow(o) < 0)
		return 0;
	uint32_t h = name_hash(s, n);
	size_t j = h & (o->hcap - 1);
	while (o->hslot[j].off) {
		const char *t = o->arena + o->hslot[j].off;
		if (o->hslot[j].hash == h && strncmp(t, s, n) == 0 &&
		    t[n] == '\0')
			return o->hslot[j].off;
		j = (j + 1) & (o->hcap - 1);
	}
	if (o->alen + n + 1 > o->acap) {
		size_t ncap = o->acap ? o->acap * 2 : 256 * 1024;
		while (ncap < o->alen + n + 1)
			ncap *= 2;
		char *na = ew_realloc(o->arena, ncap);
		if (!na)
			return 0;
		o->arena = na;
		o->acap = ncap;
	}
	if (o->alen > UINT32_MAX - n - 1)
		return 0;
	uint32_t off = (uint32_t)o->alen;
	memcpy(o->arena + off, s, n);
	o->arena[off + n] = '\0';
	o->alen += n + 1;
	o->hslot[j].off = off;
	o->hslot[j].hash = h;
	o->hused++;
	return off;
}

static int tab_add(struct oui_tab *t, uint64_t prefix, uint32_t name)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct oui_ent *ne = ew_realloc(t->e, ncap * sizeof(*ne));
		if (!ne)
			return -1;
		t->e = ne;
		t->cap = ncap;
	}
	t->e[t->n].prefix = prefix;
	t->e[t->n].name = name;
	t->n++;
	return 0;
}

/* Sort by prefix with a stable LSD radix sort (8 bits a pass): the
 * listing is unsorted and qsort was half of the load time. Stability
 * keeps the first-listed organisation first among duplicate prefixes. */
static int tab_sort(struct oui_tab *t)
{
	struct oui_ent *tmp = ew_malloc(t->n * sizeof(*tmp));
	if (!tmp)
		return -1;
	struct oui_ent *src = t->e, *dst = tmp;
	for (unsigned shift = 0; shift < t->bits; shift += 8) {
		size_t count[257] = { 0 };
		for (size_t i = 0; i < t->n; i++)
			count[((src[i].prefix >> shift) & 0xff) + 1]++;
		for (int i = 0; i < 256; i++)
			count[i + 1] += count[i];
		for (size_t i = 0; i < t->n; i++)
			dst[count[(src[i].prefix >> shift) & 0xff]++] = src[i];
		struct oui_ent *x = src;
		src = dst;
		dst = x;
	}
	if (src != t->e)
		memcpy(t->e, src, t->n * sizeof(*src));
	ew_free(tmp);
	return 0;
}

/* Sort and drop duplicate prefixes (the listing has a few). */
static int tab_finish(struct oui_tab *t)
{
	if (t->n == 0)
		return 0;
	if (tab_sort(t) < 0)
		return -1;
	size_t w = 1;
	for (size_t i = 1; i < t->n; i++)
		if (t->e[i].prefix != t->e[w - 1].prefix)
			t->e[w++] = t->e[i];
	t->n = w;
	return 0;
}

/* n hex digits at s (optionally separated by '-' every two) -> value. */
static int parse_hex(const char *s, const char *end, unsigned ndig,
    int dashes, uint64_t *out)
{
	uint64_t v = 0;
	unsigned got = 0;
	while (got < ndig && s < end) {
		int h = hex_digit((unsigned char)*s);
		if (h < 0)
			return -1;
		v = v << 4 | (uint64_t)h;
		got++;
		s++;
		if (dashes && got % 2 == 0 && got < ndig) {
			if (s >= end || *s != '-')
				return -1;
			s++;
		}
	}
	if (got != ndig)
		return -1;
	*out = v;
	return 0;
}

/* The organisation after the marker: skip blanks, trim the end. */
static int org_span(const char *p, const char *end, const char **s,
    size_t *n)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	const char *e = end;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*s = p;
	*n = (size_t)(e - p);
	/* "Private" registrations say nothing about the maker */
	if (*n == 0 || (*n == 7 && strncmp(p, "Private", 7) == 0))
		return -1;
	if (*n > DEV_NAME_LEN - 1)
		*n = DEV_NAME_LEN - 1;
	return 0;
}

static char *read_all(const char *path, size_t *len, char *err,
    size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* one allocation of the file's size (+1 so the loop below sees
	 * the end without growing); growing from 1 MB copied 7 MB */
	size_t cap = 1u << 20, n = 0;
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size > 0 && (uint64_t)sb.st_size < (64u << 20))
		cap = (size_t)sb.st_size + 1;
	char *buf = ew_malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= (64u << 20)) {
				snprintf(err, errlen, "%s: too large", path);
				ew_free(buf);
				buf = NULL;
				break;
			}
			char *nb = ew_realloc(buf, cap * 2);
			if (!nb) {
				ew_free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (!buf && !err[0])
		snprintf(err, errlen, "%s: out of memory", path);
	if (buf && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		ew_free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Parse one listing. extra_bits 0: MA-L "(hex)" lines; 4 or 12: MA-M /
 * MA-S, where "(base 16)" lines give the range under the last "(hex)"
 * prefix. Returns the number of entries, -1 on memory failure. */
/* parse_listing for MA-L (extra_bits 0): only "(hex)" lines count, so
 * jump from '(' to '(' with memchr instead of visiting the five other
 * lines of every entry. The same lines are taken as the line walk would:
 * longer than 11 bytes, and the marker is the line's first '('. */
static long parse_mal(struct dev_oui *o, const char *buf, size_t len,
    struct oui_tab *t)
{
	const char *p = buf, *end = buf + len;
	long count = 0;

	while (p < end) {
		const char *mark = memchr(p, '(', (size_t)(end - p));
		if (!mark)
			break;
		if ((size_t)(end - mark) < 5 || memcmp(mark, "(hex)", 5) != 0) {
			p = mark + 1;
			continue;
		}
		const char *ls = mark;
		while (ls > buf && ls[-1] != '\n')
			ls--;
		const char *nl = memchr(mark, '\n', (size_t)(end - mark));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - ls);
		uint64_t v;
		if (ll > 11 && memchr(ls, '(', (size_t)(mark - ls)) == NULL &&
		    parse_hex(ls, mark, 6, 1, &v) == 0) {
			const char *s;
			size_t n;
			if (org_span(mark + 5, le, &s, &n) == 0) {
				uint32_t off = intern(o, s, n);
				if (!off || tab_add(t, v, off) < 0)
					return -1;
				count++;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return count;
}

static long parse_listing(struct dev_oui *o, const char *buf, size_t len,
    struct oui_tab *t, unsigned extra_bits)
{
	if (extra_bits == 0)
		return parse_mal(o, buf, len, t);

	const char *p = buf, *end = buf + len;
	uint64_t ma_l = 0;
	int have_ma_l = 0;
	long count = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *mark;
		size_t ll = (size_t)(le - p);
		if (ll > 11 && (mark = memchr(p, '(', ll)) != NULL) {
			size_t rest = (size_t)(le - mark);
			if (rest >= 5 && memcmp(mark, "(hex)", 5) == 0) {
				uint64_t v;
				have_ma_l = parse_hex(p, mark, 6, 1, &v) == 0;
				ma_l = v;
			} else if (have_ma_l && rest >= 9 &&
			    memcmp(mark, "(base 16)", 9) == 0) {
				uint64_t lo;
				const char *s;
				size_t n;
				if (parse_hex(p, mark, 6, 0, &lo) == 0 &&
				    org_span(mark + 9, le, &s, &n) == 0) {
					uint64_t pre = ma_l << extra_bits |
					    lo >> (24 - extra_bits);
					uint32_t off = intern(o, s, n);
					if (!off || tab_add(t, pre, off) < 0)
						return -1;
					count++;
				}
				have_ma_l = 0;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return count;
}

/* The sibling file name of path with base replaced. */
static void sibling(const char *path, const char *base, char *out,
    size_t size)
{
	const char *slash = strrchr(path, '/');
	int dir = slash ? (int)(slash - path + 1) : 0;
	snprintf(out, size, "%.*s%s", dir, path, base);
}

struct dev_oui *dev_oui_load(const char *path, char *err, size_t errlen)
{
	static const struct { const char *file; unsigned bits; } extra[] = {
		{ "oui36.txt", 36 }, { "mam.txt", 28 },
	};
	struct dev_oui *o;
	size_t len;
	char *buf;

	if (errlen)
		err[0] = '\0';
	if (!path)
		path = DEV_OUI_PATH;
	buf = read_all(path, &len, err, errlen);
	if (!buf)
		return NULL;
	o = ew_calloc(1, sizeof(*o));
	if (!o)
		goto nomem;
	o->tab[0].bits = 36;
	o->tab[1].bits = 28;
	o->tab[2].bits = 24;
	/* reserve offset 0 (the "not found" value of intern) */
	if (intern(o, "", 0) != 0 || !o->arena)
		goto nomem;
	o->hused = 0;
	long n = parse_listing(o, buf, len, &o->tab[2], 0);
	ew_free(buf);
	buf = NULL;
	if (n < 0)
		goto nomem;
	if (n == 0) {
		snprintf(err, errlen, "%s: no OUI entries (expected lines "
		    "\"XX-XX-XX   (hex)\\tOrganisation\")", path);
		dev_oui_free(o);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		char p2[4096], e2[8];
		size_t l2;
		struct oui_tab *t = &o->tab[extra[i].bits == 36 ? 0 : 1];
		sibling(path, extra[i].file, p2, sizeof(p2));
		char *b2 = read_all(p2, &l2, e2, sizeof(e2));
		if (!b2)
			continue;	/* optional */
		long m = parse_listing(o, b2, l2, t, extra[i].bits - 24);
		ew_free(b2);
		if (m < 0)
			goto nomem;
	}
	for (int i = 0; i < 3; i++)
		if (tab_finish(&o->tab[i]) < 0)
			goto nomem;
	ew_free(o->hslot);
	o->hslot = NULL;
	o->hcap = o->hused = 0;
	/* give back the growth slack: ~1.3 MB stays resident per process */
	char *na = ew_realloc(o->arena, o->alen);
	if (na) {
		o->arena = na;
		o->acap = o->alen;
	}
	for (int i = 0; i < 3; i++) {
		struct oui_tab *t = &o->tab[i];
		if (t->n == 0)
			continue;
		struct oui_ent *ne = ew_realloc(t->e, t->n * sizeof(*ne));
		if (ne) {
			t->e = ne;
			t->cap = t->n;
		}
	}
	return o;
nomem:
	ew_free(buf);
	dev_oui_free(o);
	snprintf(err, errlen, "%s: out of memory", path);
	return NULL;
}

void dev_oui_free(struct dev_oui *o)
{
	if (!o)
		return;
	for (int i = 0; i < 3; i++)
		ew_free(o->tab[i].e);
	ew_free(o->arena);
	ew_free(o->hslot);
	ew_free(o);
}

const char *dev_oui_lookup(const struct dev_oui *o, const uint8_t mac[6])
{
	if (!o || !mac)
		return NULL;
	/* locally administered or group addresses belong to nobody */
	if (mac[0] & 0x03)
		return NULL;
	uint64_t m = 0;
	for (int i = 0; i < 6; i++)
		m = m << 8 | mac[i];
	for (int i = 0; i < 3; i++) {
		const struct oui_tab *t = &o->tab[i];
		uint64_t key = m >> (48 - t->bits);
		size_t lo = 0, hi = t->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (t->e[mid].prefix < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < t->n && t->e[lo].prefix == key)
			return o->arena + t->e[lo].name;
	}
	return NULL;
}
