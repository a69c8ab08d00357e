/* geo.c - country lookup: tor geoip file parsing, compact range tables and
 * binary-search lookup; the MaxMind DB backend is in geo_mmdb.c.
 *
 * Tor format: "# comment" lines, then "START,END,CC" per line, IPv4 as
 * decimal integers (geoip), IPv6 as text (geoip6), CC two letters or "??"
 * (unknown). Input must be sorted and non-overlapping (both Debian files
 * are); a line that starts at or before the end of the previous one is
 * refused with its line number rather than guessed at.
 *
 * Tables are built while reading, in one pass: consecutive ranges with the
 * same country (gaps count as country 0) collapse into one entry, so the
 * table is a partition of the address space given by its starts alone.
 * Measured on Debian's 2026 files (4.8 MiB in all, loaded in ~0.08 s):
 * 385,602 IPv4 lines -> 389,992 entries of 5 bytes (start + 1-byte index:
 * 253 countries); 276,626 IPv6 lines -> 293,108 /64-keyed entries of 10
 * bytes (the file has 257 distinct codes, too many for a 1-byte index)
 * plus 7,880 fine entries of 18 bytes (7,806 lines have a bound inside a
 * /64, in 454 /64s, so the upper 64 bits alone would not be exact). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "geo/geo_int.h"
#include "util/alloc.h"

/* ---- country codes ------------------------------------------------------ */

static int is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char up(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

geo_cc geo_cc_parse(const char *s)
{
	if (!s || !is_alpha(s[0]) || !is_alpha(s[1]) || s[2] != '\0')
		return 0;
	return (geo_cc)(((unsigned)(unsigned char)up(s[0]) << 8)
	    | (unsigned)(unsigned char)up(s[1]));
}

void geo_cc_str(geo_cc cc, char out[3])
{
	char a = (char)(cc >> 8), b = (char)(cc & 0xff);
	if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') {
		out[0] = '\0';
		return;
	}
	out[0] = a;
	out[1] = b;
	out[2] = '\0';
}

void geo_config_default(struct geo_config *c)
{
	c->tor4 = GEO_TOR4_DEFAULT;
	c->tor6 = GEO_TOR6_DEFAULT;
	c->mmdb = NULL;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- table building -------------------------------------------------------- */

/* Parse/build state of one family. next is the first address after the
 * previous line (the lowest a new line may start at); done means the
 * previous line reached the top of the space. cur is the country in
 * effect after the last entry pushed (0 before the first). */
struct build {
	struct geo *g;
	int fam;		/* 4 or 6 */
	const char *name;	/* for messages: path, "v4" or "v6" */
	unsigned long line;
	int lines;		/* data lines seen */
	int done;
	uint64_t next_hi, next_lo;	/* IPv4: next_lo only */
	geo_cc cur;
	int split;		/* IPv6: inside a split /64 */
	uint64_t split_hi;
	char *err;
	size_t errlen;
};

static int grow(void **p, size_t *cap, size_t n, size_t elem, size_t ncols,
    void **p2, void **p3)
{
	/* grows up to three parallel arrays to the same capacity; on failure
	 * the ones already grown keep their (larger) block, still valid */
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 1024;
	void *a = ew_realloc(*p, nc * elem);
	if (!a)
		return -1;
	*p = a;
	if (ncols > 1) {
		void *b = ew_realloc(*p2, nc * sizeof(geo_cc));
		if (!b)
			return -1;
		*p2 = b;
	}
	if (ncols > 2) {
		void *c = ew_realloc(*p3, nc * sizeof(geo_cc));
		if (!c)
			return -1;
		*p3 = c;
	}
	*cap = nc;
	return 0;
}

static int push4(struct build *b, uint32_t start, geo_cc cc)
{
	struct geo_tab4 *t = &b->g->v4;
	void *s = t->start, *c = t->col.cc;
	if (grow(&s, &t->cap, t->n, sizeof(uint32_t), 2, &c, NULL) != 0) {
		t->start = s;
		t->col.cc = c;
		return -1;
	}
	t->start = s;
	t->col.cc = c;
	t->start[t->n] = start;
	t->col.cc[t->n] = cc;
	t->n++;
	return 0;
}

static int push6(struct build *b, uint64_t hi, geo_cc cc)
{
	struct geo_tab6 *t = &b->g->v6;
	/* collapse with the previous entry: a split block that closes on the
	 * country its follower starts with */
	if (t->n > 0 && t->col.cc[t->n - 1] == cc && cc != GEO_SPLIT_CC)
		return 0;
	void *s = t->start, *c = t->col.cc;
	int r = grow(&s, &t->cap, t->n, sizeof(uint64_t), 2, &c, NULL);
	t->start = s;
	t->col.cc = c;
	if (r != 0)
		return -1;
	t->start[t->n] = hi;
	t->col.cc[t->n] = cc;
	t->n++;
	return 0;
}

static int push_fine(struct build *b, uint64_t hi, uint64_t lo, geo_cc cc)
{
	struct geo_tab6 *t = &b->g->v6;
	void *h = t->fhi, *l = t->flo, *c = t->fcc;
	/* three columns of two element sizes: grown one by one, each kept
	 * when a later one fails (freed by geo_free) */
	size_t cap = t->fcap;
	int r = 0;
	if (t->nf >= cap) {
		size_t nc = cap ? cap * 2 : 256;
		void *a = ew_realloc(h, nc * sizeof(uint64_t));
		if (a)
			h = a;
		void *a2 = a ? ew_realloc(l, nc * sizeof(uint64_t)) : NULL;
		if (a2)
			l = a2;
		void *a3 = a2 ? ew_realloc(c, nc * sizeof(geo_cc)) : NULL;
		if (a3) {
			c = a3;
			t->fcap = nc;
		} else {
			r = -1;
		}
	}
	t->fhi = h;
	t->flo = l;
	t->fcc = c;
	if (r != 0)
		return -1;
	t->fhi[t->nf] = hi;
	t->flo[t->nf] = lo;
	t->fcc[t->nf] = cc;
	t->nf++;
	return 0;
}

static int emit4(struct build *b, uint32_t start, geo_cc cc)
{
	if (cc == b->cur)
		return 0;
	b->cur = cc;
	return push4(b, start, cc);
}

/* Close the split /64 being filled: the next /64 continues with the
 * country in effect at the end of the split one. */
static int close_split(struct build *b)
{
	b->split = 0;
	if (b->split_hi == UINT64_MAX)
		return 0;
	return push6(b, b->split_hi + 1, b->cur);
}

/* Push the split marker for /64 hi, or turn the entry just pushed for hi
 * (a range starting at hi:0) into one. */
static int mark_split(struct build *b, uint64_t hi)
{
	struct geo_tab6 *t = &b->g->v6;
	if (t->n > 0 && t->start[t->n - 1] == hi) {
		t->col.cc[t->n - 1] = (geo_cc)GEO_SPLIT_CC;
		return 0;
	}
	return push6(b, hi, (geo_cc)GEO_SPLIT_CC);
}

/* A new range starts at hi:lo with country cc; starts arrive strictly
 * increasing. */
static int emit6(struct build *b, uint64_t hi, uint64_t lo, geo_cc cc)
{
	struct geo_tab6 *t = &b->g->v6;
	if (cc == b->cur)
		return 0;
	if (b->split && hi != b->split_hi && close_split(b) != 0)
		return -1;
	if (!b->split && lo == 0) {
		if (t->n > 0 && t->start[t->n - 1] == hi) {
			/* close_split just opened this /64 */
			t->col.cc[t->n - 1] = cc;
		} else if (push6(b, hi, cc) != 0) {
			return -1;
		}
		b->cur = cc;
		return 0;
	}
	if (!b->split) {
		/* first cut inside this /64: mark it split; its fine entries
		 * begin at its first address with the country in effect
		 * there */
		b->split = 1;
		b->split_hi = hi;
		if (mark_split(b, hi) != 0 || push_fine(b, hi, 0, b->cur) != 0)
			return -1;
	}
	if (push_fine(b, hi, lo, cc) != 0)
		return -1;
	b->cur = cc;
	return 0;
}

/* ---- line parsing ------------------------------------------------------------ */

static int fail(struct build *b, const char *why)
{
	seterr(b->err, b->errlen, "%s:%lu: %s", b->name, b->line, why);
	return -1;
}

static void trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'
	    || (*p)[*n - 1] == '\r'))
		(*n)--;
}

/* IPv4 field: a decimal integer (tor's format) or a dotted quad. */
static int parse_v4(const char *p, size_t n, uint32_t *out)
{
	if (n == 0)
		return -1;
	if (memchr(p, '.', n)) {
		char buf[16];
		struct in_addr ia;
		if (n >= sizeof(buf))
			return -1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, &ia) != 1)
			return -1;
		*out = ntohl(ia.s_addr);
		return 0;
	}
	uint64_t v = 0;
	if (n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

static int parse_v6(const char *p, size_t n, uint64_t *hi, uint64_t *lo)
{
	char buf[64];
	uint8_t a[16];
	if (n == 0 || n >= sizeof(buf) || memchr(p, '\0', n))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	*hi = be64(a);
	*lo = be64(a + 8);
	return 0;
}

/* Country field: two letters; "??" and other two-character codes of
 * letters, digits and '?' (old files' "A1", "A2", "O1") are unknown, as is
 * ISO's "ZZ" (unknown or unspecified). */
static int parse_cc(const char *p, size_t n, geo_cc *out)
{
	if (n != 2)
		return -1;
	for (int i = 0; i < 2; i++) {
		char c = p[i];
		if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '?')
			return -1;
	}
	char s[3] = { p[0], p[1], '\0' };
	*out = geo_cc_parse(s);
	if (*out == (('Z' << 8) | 'Z'))
		*out = 0;
	return 0;
}

static int u128_lt(uint64_t ah, uint64_t al, uint64_t bh, uint64_t bl)
{
	return ah < bh || (ah == bh && al < bl);
}

static int line_v4(struct build *b, const char *f[3], const size_t fn[3],
    geo_cc cc)
{
	uint32_t s, e;
	if (parse_v4(f[0], fn[0], &s) != 0)
		return fail(b, "bad IPv4 range start");
	if (parse_v4(f[1], fn[1], &e) != 0)
		return fail(b, "bad IPv4 range end");
	if (e < s)
		return fail(b, "range ends before it starts");
	if (b->done || s < b->next_lo)
		return fail(b, "range overlaps or precedes the previous line "
		    "(input must be sorted and non-overlapping)");
	if (s > b->next_lo && emit4(b, (uint32_t)b->next_lo, 0) != 0)
		return fail(b, "out of memory");
	if (emit4(b, s, cc) != 0)
		return fail(b, "out of memory");
	if (e == UINT32_MAX)
		b->done = 1;
	else
		b->next_lo = (uint64_t)e + 1;
	return 0;
}

static int line_v6(struct build *b, const char *f[3], const size_t fn[3],
    geo_cc cc)
{
	uint64_t sh, sl, eh, el;
	if (parse_v6(f[0], fn[0], &sh, &sl) != 0)
		return fail(b, "bad IPv6 range start");
	if (parse_v6(f[1], fn[1], &eh, &el) != 0)
		return fail(b, "bad IPv6 range end");
	if (u128_lt(eh, el, sh, sl))
		return fail(b, "range ends before it starts");
	if (b->done || u128_lt(sh, sl, b->next_hi, b->next_lo))
		return fail(b, "range overlaps or precedes the previous line "
		    "(input must be sorted and non-overlapping)");
	if (u128_lt(b->next_hi, b->next_lo, sh, sl)
	    && emit6(b, b->next_hi, b->next_lo, 0) != 0)
		return fail(b, "out of memory");
	if (emit6(b, sh, sl, cc) != 0)
		return fail(b, "out of memory");
	if (eh == UINT64_MAX && el == UINT64_MAX) {
		b->done = 1;
	} else {
		b->next_lo = el + 1;
		b->next_hi = eh + (el == UINT64_MAX);
	}
	return 0;
}

/* One line (without its '\n'): 0, or -1 with err set. */
static int feed_line(struct build *b, const char *p, size_t n)
{
	b->line++;
	if (n > GEO_LINE_MAX)
		return fail(b, "line too long");
	if (b->line == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;		/* a UTF-8 BOM left by an editor */
		n -= 3;
	}
	trim(&p, &n);
	if (n == 0 || p[0] == '#')
		return 0;
	const char *f[3];
	size_t fn[3];
	int k = 0;
	const char *q = p, *end = p + n;
	while (k < 3) {
		const char *c = memchr(q, ',', (size_t)(end - q));
		f[k] = q;
		fn[k] = (size_t)((c ? c : end) - q);
		trim(&f[k], &fn[k]);
		k++;
		if (!c)
			break;
		q = c + 1;
		if (k == 3)
			return fail(b, "expected START,END,CC (too many fields)");
	}
	if (k != 3)
		return fail(b, "expected START,END,CC");
	geo_cc cc;
	if (parse_cc(f[2], fn[2], &cc) != 0)
		return fail(b, "bad country code (expected two letters, "
		    "or ?? for unknown)");
	b->lines++;
	return b->fam == 4 ? line_v4(b, f, fn, cc) : line_v6(b, f, fn, cc);
}

/* After the last line: the rest of the space is unknown. */
static int finish(struct build *b)
{
	if (b->lines == 0) {
		seterr(b->err, b->errlen, "%s: no address ranges (empty file?)",
		    b->name);
		return -1;
	}
	int r = 0;
	if (b->fam == 4) {
		if (!b->done)
			r = emit4(b, (uint32_t)b->next_lo, 0);
	} else {
		if (!b->done)
			r = emit6(b, b->next_hi, b->next_lo, 0);
		if (r == 0 && b->split)
			r = close_split(b);
	}
	if (r != 0)
		seterr(b->err, b->errlen, "%s: out of memory", b->name);
	return r;
}

static void build_init(struct build *b, struct geo *g, int fam,
    const char *name, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	b->g = g;
	b->fam = fam;
	b->name = name;
	b->err = err;
	b->errlen = errlen;
}

static int parse_text(struct build *b, const char *s, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(s, '\n', n);
		size_t len = nl ? (size_t)(nl - s) : n;
		if (feed_line(b, s, len) != 0)
			return -1;
		if (!nl)
			break;
		n -= len + 1;
		s = nl + 1;
	}
	return finish(b);
}

/* Read path in GEO_READ_CHUNK pieces, feeding whole lines. */
static int parse_file(struct build *b, const char *path, int is_default)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		if (errno == ENOENT && is_default)
			seterr(b->err, b->errlen, "%s: not found; install the "
			    "Debian package tor-geoipdb (apt-get install "
			    "tor-geoipdb) or configure a MaxMind DB", path);
		else
			seterr(b->err, b->errlen, "%s: %s", path,
			    strerror(errno));
		return -1;
	}
	char *buf = ew_malloc(GEO_READ_CHUNK);
	int r = -1;
	size_t used = 0;
	if (!buf) {
		seterr(b->err, b->errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		size_t got = fread(buf + used, 1, GEO_READ_CHUNK - used, fp);
		used += got;
		int eof = got == 0;
		if (eof && ferror(fp)) {
			seterr(b->err, b->errlen, "%s: read error: %s", path,
			    strerror(errno));
			goto out;
		}
		size_t off = 0;
		for (;;) {
			const char *nl = memchr(buf + off, '\n', used - off);
			if (!nl)
				break;
			size_t len = (size_t)(nl - (buf + off));
			if (feed_line(b, buf + off, len) != 0)
				goto out;
			off += len + 1;
		}
		if (eof) {
			if (used > off && feed_line(b, buf + off, used - off)
			    != 0)
				goto out;
			break;
		}
		if (off == 0 && used == GEO_READ_CHUNK) {
			/* a whole chunk without a newline */
			b->line++;
			fail(b, "line too long");
			goto out;
		}
		memmove(buf, buf + off, used - off);
		used -= off;
	}
	r = finish(b);
out:
	ew_free(buf);
	fclose(fp);
	return r;
}

/* ---- finishing the tables ------------------------------------------------------ */

/* Replace the 16-bit country column by 1-byte indexes when the family
 * has at most GEO_IDX_CODES distinct countries. Allocation failure keeps
 * the 16-bit column (still correct, one byte more per entry). */
static void compact_col(struct geo_col *col, size_t n)
{
	static const unsigned NCODES = 26 * 26;
	uint8_t seen[26 * 26];
	unsigned k = 0;
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < n; i++) {
		geo_cc c = col->cc[i];
		if (c == 0 || c == GEO_SPLIT_CC)
			continue;
		seen[(unsigned)((c >> 8) - 'A') * 26 + (unsigned)((c & 0xff) - 'A')] = 1;
	}
	for (unsigned i = 0; i < NCODES; i++)
		k += seen[i];
	if (k > GEO_IDX_CODES || n == 0)
		return;
	uint8_t *idx = ew_malloc(n);
	if (!idx)
		return;
	/* codes in alphabetical order; seen[] becomes code -> index */
	memset(col->codes, 0, sizeof(col->codes));
	k = 0;
	for (unsigned i = 0; i < NCODES; i++) {
		if (!seen[i])
			continue;
		k++;
		seen[i] = (uint8_t)k;
		col->codes[k] = (geo_cc)((('A' + i / 26) << 8) | ('A' + i % 26));
	}
	for (size_t i = 0; i < n; i++) {
		geo_cc c = col->cc[i];
		if (c == 0)
			idx[i] = 0;
		else if (c == GEO_SPLIT_CC)
			idx[i] = GEO_SPLIT_IDX;
		else
			idx[i] = seen[(unsigned)((c >> 8) - 'A') * 26
			    + (unsigned)((c & 0xff) - 'A')];
	}
	ew_free(col->cc);
	col->cc = NULL;
	col->idx = idx;
}

static void *shrink(void *p, size_t bytes)
{
	/* giving back the doubling slack; on failure keep the bigger block */
	if (!p || bytes == 0)
		return p;
	void *q = ew_realloc(p, bytes);
	return q ? q : p;
}

static size_t col_bytes(const struct geo_col *col, size_t n)
{
	return col->idx ? n : n * sizeof(geo_cc);
}

static void finalize(struct geo *g)
{
	struct geo_tab4 *t4 = &g->v4;
	struct geo_tab6 *t6 = &g->v6;
	compact_col(&t4->col, t4->n);
	compact_col(&t6->col, t6->n);
	if (t4->n) {
		t4->start = shrink(t4->start, t4->n * sizeof(uint32_t));
		if (t4->col.cc)
			t4->col.cc = shrink(t4->col.cc, t4->n * sizeof(geo_cc));
		t4->cap = t4->n;
	}
	if (t6->n) {
		t6->start = shrink(t6->start, t6->n * sizeof(uint64_t));
		if (t6->col.cc)
			t6->col.cc = shrink(t6->col.cc, t6->n * sizeof(geo_cc));
		t6->cap = t6->n;
	}
	if (t6->nf) {
		t6->fhi = shrink(t6->fhi, t6->nf * sizeof(uint64_t));
		t6->flo = shrink(t6->flo, t6->nf * sizeof(uint64_t));
		t6->fcc = shrink(t6->fcc, t6->nf * sizeof(geo_cc));
		t6->fcap = t6->nf;
	}
	/* when a shrink failed the block is larger than counted here; the
	 * figure is what the tables need */
	g->mem = sizeof(*g) + t4->n * sizeof(uint32_t) + col_bytes(&t4->col, t4->n)
	    + t6->n * sizeof(uint64_t) + col_bytes(&t6->col, t6->n)
	    + t6->nf * (2 * sizeof(uint64_t) + sizeof(geo_cc));
	g->ranges = t4->n + t6->n + t6->nf;
}

/* ---- open / free ------------------------------------------------------------------ */

void geo_free(struct geo *g)
{
	if (!g)
		return;
	if (g->kind == GEO_MMDB)
		geo_mmdb_close(g);
	ew_free(g->v4.start);
	ew_free(g->v4.col.idx);
	ew_free(g->v4.col.cc);
	ew_free(g->v6.start);
	ew_free(g->v6.col.idx);
	ew_free(g->v6.col.cc);
	ew_free(g->v6.fhi);
	ew_free(g->v6.flo);
	ew_free(g->v6.fcc);
	ew_free(g);
}

static struct geo *geo_alloc(enum geo_kind kind, char *err, size_t errlen)
{
	struct geo *g = ew_calloc(1, sizeof(*g));
	if (!g) {
		seterr(err, errlen, "geo: out of memory");
		return NULL;
	}
	g->kind = kind;
	return g;
}

struct geo *geo_from_tor_text(const char *v4, size_t v4len, const char *v6,
    size_t v6len, char *err, size_t errlen)
{
	struct build b;
	struct geo *g = geo_alloc(GEO_TOR, err, errlen);
	if (!g)
		return NULL;
	build_init(&b, g, 4, "v4", err, errlen);
	if (parse_text(&b, v4 ? v4 : "", v4 ? v4len : 0) != 0)
		goto fail;
	if (v6) {
		build_init(&b, g, 6, "v6", err, errlen);
		if (parse_text(&b, v6, v6len) != 0)
			goto fail;
		g->have6 = 1;
	}
	finalize(g);
	return g;
fail:
	geo_free(g);
	return NULL;
}

struct geo *geo_open(const struct geo_config *c, char *err, size_t errlen)
{
	struct build b;
	struct geo *g;
	if (!c) {
		seterr(err, errlen, "geo: no configuration");
		return NULL;
	}
	if (c->mmdb) {
		g = geo_alloc(GEO_MMDB, err, errlen);
		if (!g)
			return NULL;
		if (geo_mmdb_open(g, c->mmdb, err, errlen) != 0)
			goto fail;
		return g;
	}
	if (!c->tor4 && !c->tor6) {
		seterr(err, errlen, "geo: no country database configured");
		return NULL;
	}
	g = geo_alloc(GEO_TOR, err, errlen);
	if (!g)
		return NULL;
	if (c->tor4) {
		build_init(&b, g, 4, c->tor4, err, errlen);
		if (parse_file(&b, c->tor4,
		    strcmp(c->tor4, GEO_TOR4_DEFAULT) == 0) != 0)
			goto fail;
	}
	if (c->tor6) {
		build_init(&b, g, 6, c->tor6, err, errlen);
		if (parse_file(&b, c->tor6,
		    strcmp(c->tor6, GEO_TOR6_DEFAULT) == 0) != 0)
			goto fail;
		g->have6 = 1;
	}
	finalize(g);
	return g;
fail:
	geo_free(g);
	return NULL;
}

/* ---- lookup ---------------------------------------------------------------------- */

/* Addresses no registry assigns to a country: answered 0 whatever the
 * data says, so a LAN host never gets a country. */
static int private4(uint32_t x)
{
	static const struct { uint32_t net, mask; } r[] = {
		{ 0x00000000u, 0xff000000u },	/* 0/8 */
		{ 0x0a000000u, 0xff000000u },	/* 10/8 */
		{ 0x64400000u, 0xffc00000u },	/* 100.64/10 CGNAT */
		{ 0x7f000000u, 0xff000000u },	/* 127/8 */
		{ 0xa9fe0000u, 0xffff0000u },	/* 169.254/16 */
		{ 0xac100000u, 0xfff00000u },	/* 172.16/12 */
		{ 0xc0000000u, 0xffffff00u },	/* 192.0.0/24 */
		{ 0xc0000200u, 0xffffff00u },	/* 192.0.2/24 doc */
		{ 0xc0a80000u, 0xffff0000u },	/* 192.168/16 */
		{ 0xc6120000u, 0xfffe0000u },	/* 198.18/15 */
		{ 0xc6336400u, 0xffffff00u },	/* 198.51.100/24 doc */
		{ 0xcb007100u, 0xffffff00u },	/* 203.0.113/24 doc */
		{ 0xe0000000u, 0xe0000000u },	/* 224/3 multicast, reserved */
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if ((x & r[i].mask) == r[i].net)
			return 1;
	return 0;
}

static geo_cc col_get(const struct geo_col *col, size_t i)
{
	return col->idx ? col->codes[col->idx[i]] : col->cc[i];
}

static int col_split(const struct geo_col *col, size_t i)
{
	return col->idx ? col->idx[i] == GEO_SPLIT_IDX
	    : col->cc[i] == GEO_SPLIT_CC;
}

static geo_cc lookup4(const struct geo_tab4 *t, uint32_t key)
{
	if (t->n == 0 || key < t->start[0])
		return 0;
	/* last entry whose start <= key */
	size_t base = 0, len = t->n;
	while (len > 1) {
		size_t half = len / 2;
		if (t->start[base + half] <= key)
			base += half;
		len -= half;
	}
	return col_get(&t->col, base);
}

static geo_cc lookup6(const struct geo_tab6 *t, uint64_t hi, uint64_t lo)
{
	if (t->n == 0 || hi < t->start[0])
		return 0;
	size_t base = 0, len = t->n;
	while (len > 1) {
		size_t half = len / 2;
		if (t->start[base + half] <= hi)
			base += half;
		len -= half;
	}
	if (!col_split(&t->col, base))
		return col_get(&t->col, base);
	/* a /64 cut finer: the fine table has an entry at its first
	 * address, so the last entry <= hi:lo lies inside this /64 */
	if (t->nf == 0 || u128_lt(hi, lo, t->fhi[0], t->flo[0]))
		return 0;
	base = 0;
	len = t->nf;
	while (len > 1) {
		size_t half = len / 2;
		size_t m = base + half;
		if (!u128_lt(hi, lo, t->fhi[m], t->flo[m]))
			base = m;
		len -= half;
	}
	return t->fcc[base];
}

static uint32_t be32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16)
	    | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

/* 1 when the IPv6 address is not globally routed unicast. */
static int private6(const uint8_t *a)
{
	static const uint8_t zero[16];
	if ((a[0] & 0xfe) == 0xfc)			/* fc00::/7 ULA */
		return 1;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)	/* fe80::/10 */
		return 1;
	if (a[0] == 0xff)				/* multicast */
		return 1;
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return 1;				/* 2001:db8::/32 */
	if (memcmp(a, zero, 15) == 0)			/* :: and ::1 */
		return 1;
	return 0;
}

geo_cc geo_lookup(const struct geo *g, const struct addr *a)
{
	if (!g || !a)
		return 0;
	if (a->family == 4) {
		uint32_t x = be32(a->a);
		if (private4(x))
			return 0;
		if (g->kind == GEO_MMDB)
			return geo_mmdb_lookup(g, a);
		return lookup4(&g->v4, x);
	}
	if (a->family != 6)
		return 0;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	if (memcmp(a->a, mapped, 12) == 0) {
		struct addr v4;
		addr_set4(&v4, a->a + 12);
		return geo_lookup(g, &v4);
	}
	if (private6(a->a))
		return 0;
	if (g->kind == GEO_MMDB)
		return geo_mmdb_lookup(g, a);
	if (!g->have6)
		return 0;
	return lookup6(&g->v6, be64(a->a), be64(a->a + 8));
}

size_t geo_memory(const struct geo *g)
{
	return g ? g->mem : 0;
}

size_t geo_ranges(const struct geo *g)
{
	return g ? g->ranges : 0;
}

const char *geo_source(const struct geo *g)
{
	if (!g)
		return "none";
	return g->kind == GEO_MMDB ? "mmdb" : "tor";
}
