/* kb.c - the device knowledge base: a readable rule file users extend.
 *
 * Format (one rule per line, '#' starts a comment):
 *
 *   match KIND OP "PATTERN" => ATTR=VALUE ... [conf=N]
 *   alias "OUI ORGANISATION" => "Brand"
 *
 * KIND is an evidence name (oui, dhcp.vendor_class, mdns.service, ...).
 * OP: '=' the whole value, '~' contains, '^' starts with, '$' ends with.
 * Matching is case-insensitive; '*' and '?' are wildcards, and "$1" in a
 * VALUE stands for the text the first '*' matched. ATTR is vendor, class,
 * model or os; conf (1..100, default 50) says how sure the rule is.
 * alias normalises an OUI organisation to a brand (same as
 * `match oui ~ "ORG" => vendor=Brand` at DEV_OUI_VENDOR_CONF + 5).
 *
 * A bad line is an error naming the file and line: a knowledge base that
 * silently drops rules would silently misidentify devices. */
#include "device/ident_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util/alloc.h"

static const char *const kind_names[] = {
#define KB_KIND_NAME(name, str) str,
	DEV_EVIDENCE_KINDS(KB_KIND_NAME)
#undef KB_KIND_NAME
};

static const char *const class_names[] = {
#define KB_CLASS_NAME(name, str) str,
	DEV_CLASSES(KB_CLASS_NAME)
#undef KB_CLASS_NAME
};

const char *kb_kind_name(unsigned k)
{
	return k < DEV_EV__COUNT ? kind_names[k] : NULL;
}

int kb_kind_parse(const char *s)
{
	for (unsigned i = 0; i < DEV_EV__COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *kb_class_str(unsigned c)
{
	return c < DEV_CLASS__COUNT ? class_names[c] : NULL;
}

int kb_class_parse(const char *s)
{
	for (unsigned i = 0; i < DEV_CLASS__COUNT; i++) {
		const char *c = class_names[i];
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);
		if (strcmp(s, c) == 0 ||
		    (strncmp(s, c, n) == 0 && s[n] == '\0'))
			return (int)i;
	}
	return -1;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Iterative glob with backtracking to the last '*' only: O(len(pat) *
 * len(text)) at worst, whatever the pattern (patterns come from files
 * users write, and from the fuzzer). Earlier stars match as little as
 * possible, which is what captures like "md=*" want. */
int kb_glob(const char *pat, const char *text, int cap, const char **cs,
    size_t *cl)
{
	const char *p = pat, *t = text;
	const char *star_p = NULL, *star_t = NULL;
	int nstar = 0, last = -1;
	const char *cap_begin = NULL, *cap_end = NULL;

	while (*t) {
		if (*p == '*') {
			last = nstar++;
			star_p = ++p;
			star_t = t;
			if (last == cap)
				cap_begin = cap_end = t;
			continue;
		}
		if (*p && (*p == '?' || *p == lower((unsigned char)*t))) {
			p++;
			t++;
			continue;
		}
		if (!star_p)
			return 0;
		/* let the last star swallow one more byte */
		p = star_p;
		t = ++star_t;
		if (last == cap)
			cap_end = t;
		/* forget stars after the one we returned to */
		nstar = last + 1;
	}
	while (*p == '*') {
		last = nstar++;
		if (last == cap)
			cap_begin = cap_end = t;
		p++;
	}
	if (*p)
		return 0;
	if (cap >= 0 && cs && cl) {
		if (!cap_begin) {
			*cs = "";
			*cl = 0;
		} else {
			*cs = cap_begin;
			*cl = (size_t)(cap_end - cap_begin);
		}
	}
	return 1;
}

/* ---- parsing ------------------------------------------------------------ */

struct lex {
	const char *p, *end;
	char *err;
	size_t errlen;
	const char *name;
	unsigned line;
};

static int lex_fail(struct lex *lx, const char *what, const char *tok)
{
	snprintf(lx->err, lx->errlen, "%s:%u: %s%s%s%s", lx->name, lx->line,
	    what, tok ? " \"" : "", tok ? tok : "", tok ? "\"" : "");
	return -1;
}

static void skip_ws(struct lex *lx)
{
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' ||
	    *lx->p == '\r'))
		lx->p++;
}

static int at_end(struct lex *lx)
{
	skip_ws(lx);
	return lx->p >= lx->end || *lx->p == '#';
}

/* A bare word (stops at blanks, '=', '"', '#') or a quoted string with
 * \" and \\ escapes, into out (size DEV_KB_MAX_LINE). */
static int lex_word(struct lex *lx, char *out, size_t size, int stop_eq)
{
	size_t n = 0;
	skip_ws(lx);
	if (lx->p < lx->end && *lx->p == '"') {
		lx->p++;
		for (;;) {
			if (lx->p >= lx->end)
				return lex_fail(lx, "unterminated string", NULL);
			char c = *lx->p++;
			if (c == '"')
				break;
			if (c == '\\' && lx->p < lx->end)
				c = *lx->p++;
			if ((unsigned char)c < 0x20 && c != '\t')
				return lex_fail(lx, "control character in "
				    "string", NULL);
			if (n + 1 >= size)
				return lex_fail(lx, "string too long", NULL);
			out[n++] = c;
		}
		out[n] = '\0';
		return 1;	/* quoted */
	}
	while (lx->p < lx->end) {
		char c = *lx->p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '"' ||
		    c == '#' || (stop_eq && c == '='))
			break;
		if ((unsigned char)c < 0x20)
			return lex_fail(lx, "control character", NULL);
		if (n + 1 >= size)
			return lex_fail(lx, "word too long", NULL);
		out[n++] = c;
		lx->p++;
	}
	out[n] = '\0';
	return 0;
}

static const char *kb_store(struct dev_kb *kb, const char *s, int lowercase)
{
	size_t n = strlen(s) + 1;
	if (kb->alen + n > kb->acap) {
		/* strings are referenced by pointer: grow by chaining would
		 * be needed; instead the arena is sized from the file up
		 * front (every string is a substring of a line) */
		return NULL;
	}
	char *d = kb->arena + kb->alen;
	for (size_t i = 0; i < n; i++)
		d[i] = lowercase ? (char)lower((unsigned char)s[i]) : s[i];
	kb->alen += n;
	return d;
}

static int add_rule(struct dev_kb *kb, size_t *cap, const struct kb_rule *r)
{
	if (kb->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 128;
		struct kb_rule *nr = ew_realloc(kb->r, ncap * sizeof(*nr));
		if (!nr)
			return -1;
		kb->r = nr;
		*cap = ncap;
	}
	kb->r[kb->n++] = *r;
	return 0;
}

/* "=>" then ATTR=VALUE pairs to the end of the line. */
static int parse_sets(struct lex *lx, struct dev_kb *kb, struct kb_rule *r,
    char *w, size_t wsize)
{
	int any = 0;
	skip_ws(lx);
	if (lx->end - lx->p < 2 || lx->p[0] != '=' || lx->p[1] != '>')
		return lex_fail(lx, "expected \"=>\"", NULL);
	lx->p += 2;
	while (!at_end(lx)) {
		char key[32];
		if (lex_word(lx, w, wsize, 1) < 0)
			return -1;
		if (strlen(w) >= sizeof(key))
			return lex_fail(lx, "unknown attribute", w);
		memcpy(key, w, strlen(w) + 1);
		if (lx->p >= lx->end || *lx->p != '=')
			return lex_fail(lx, "expected ATTR=VALUE at", key);
		lx->p++;
		if (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
			return lex_fail(lx, "empty value for", key);
		if (lex_word(lx, w, wsize, 0) < 0)
			return -1;
		if (!w[0])
			return lex_fail(lx, "empty value for", key);
		if (strcmp(key, "conf") == 0) {
			char *e;
			errno = 0;
			long v = strtol(w, &e, 10);
			if (*e || errno || v < 1 || v > 100)
				return lex_fail(lx, "conf must be 1..100, not",
				    w);
			r->conf = (uint8_t)v;
			continue;
		}
		enum kb_attr a;
		if (strcmp(key, "vendor") == 0)
			a = KB_VENDOR;
		else if (strcmp(key, "class") == 0)
			a = KB_CLASS;
		else if (strcmp(key, "model") == 0)
			a = KB_MODEL;
		else if (strcmp(key, "os") == 0)
			a = KB_OS;
		else
			return lex_fail(lx, "unknown attribute (want vendor, "
			    "class, model, os or conf)", key);
		if (r->set[a])
			return lex_fail(lx, "attribute given twice", key);
		if (strlen(w) >= DEV_NAME_LEN)
			return lex_fail(lx, "value too long", w);
		if (a == KB_CLASS) {
			int c = kb_class_parse(w);
			if (c < 0)
				return lex_fail(lx, "unknown class", w);
			r->set[a] = class_names[c];
		} else {
			r->set[a] = kb_store(kb, w, 0);
			if (!r->set[a])
				return lex_fail(lx, "out of memory", NULL);
		}
		any = 1;
	}
	if (!any)
		return lex_fail(lx, "rule sets nothing (want vendor=, class=, "
		    "model= or os=)", NULL);
	return 0;
}

/* Count the '*' in a glob (captures refer to the first user-written one). */
static int count_stars(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '*';
	return n;
}

static int parse_line(struct lex *lx, struct dev_kb *kb, size_t *cap,
    char *w, size_t wsize)
{
	struct kb_rule r;
	char glob[DEV_KB_MAX_LINE + 4];

	memset(&r, 0, sizeof(r));
	r.line = lx->line;
	r.conf = 50;
	r.cap = -1;
	if (at_end(lx))
		return 0;
	if (lex_word(lx, w, wsize, 0) < 0)
		return -1;
	if (strcmp(w, "alias") == 0) {
		if (lex_word(lx, w, wsize, 0) < 0)
			return -1;
		if (!w[0] || strchr(w, '*') || strchr(w, '?'))
			return lex_fail(lx, "alias wants a quoted organisation "
			    "(no wildcards)", w);
		snprintf(glob, sizeof(glob), "*%s*", w);
		r.kind = DEV_EV_OUI;
		r.conf = DEV_OUI_VENDOR_CONF + 5;
		skip_ws(lx);
		if (lx->end - lx->p < 2 || lx->p[0] != '=' || lx->p[1] != '>')
			return lex_fail(lx, "expected \"=>\"", NULL);
		lx->p += 2;
		if (lex_word(lx, w, wsize, 0) < 0)
			return -1;
		if (!w[0] || strlen(w) >= DEV_NAME_LEN)
			return lex_fail(lx, "alias wants a brand after \"=>\"",
			    NULL);
		r.set[KB_VENDOR] = kb_store(kb, w, 0);
		if (!at_end(lx))
			return lex_fail(lx, "unexpected text after alias",
			    NULL);
	} else if (strcmp(w, "match") == 0) {
		if (lex_word(lx, w, wsize, 0) < 0)
			return -1;
		int k = kb_kind_parse(w);
		if (k < 0)
			return lex_fail(lx, "unknown evidence kind", w);
		r.kind = (uint8_t)k;
		skip_ws(lx);
		if (lx->p >= lx->end)
			return lex_fail(lx, "expected an operator (= ~ ^ $)",
			    NULL);
		char op = *lx->p++;
		if (op != '=' && op != '~' && op != '^' && op != '$')
			return lex_fail(lx, "expected an operator (= ~ ^ $)",
			    NULL);
		skip_ws(lx);
		if (lx->p >= lx->end || *lx->p != '"')
			return lex_fail(lx, "expected a quoted pattern", NULL);
		if (lex_word(lx, w, wsize, 0) < 0)
			return -1;
		if (!w[0])
			return lex_fail(lx, "empty pattern", NULL);
		int user_stars = count_stars(w);
		if (user_stars > 8)
			return lex_fail(lx, "too many wildcards in", w);
		/* no redundant star next to a user one: a second star
		 * after the captured one would leave $1 empty */
		size_t wl = strlen(w);
		const char *pre = (op == '~' || op == '$') && w[0] != '*' ?
		    "*" : "";
		const char *post = (op == '~' || op == '^') &&
		    w[wl - 1] != '*' ? "*" : "";
		snprintf(glob, sizeof(glob), "%s%s%s", pre, w, post);
		if (user_stars > 0)
			r.cap = (int8_t)(pre[0] ? 1 : 0);
		if (parse_sets(lx, kb, &r, w, wsize) < 0)
			return -1;
		for (int a = 0; a < KB__ATTRS; a++)
			if (r.set[a] && strstr(r.set[a], "$1") &&
			    user_stars == 0)
				return lex_fail(lx, "$1 used but the pattern "
				    "has no '*'", NULL);
	} else {
		return lex_fail(lx, "unknown statement (want match or alias)",
		    w);
	}
	r.pat = kb_store(kb, glob, 1);
	if (!r.pat || !r.set[KB_VENDOR] + !r.set[KB_CLASS] +
	    !r.set[KB_MODEL] + !r.set[KB_OS] == KB__ATTRS)
		return lex_fail(lx, "out of memory", NULL);
	size_t pl = strlen(r.pat), h = 0, t = 0;
	while (h < pl && r.pat[h] != '*' && r.pat[h] != '?')
		h++;
	while (t < pl - h && r.pat[pl - 1 - t] != '*' &&
	    r.pat[pl - 1 - t] != '?')
		t++;
	r.pat_len = (uint16_t)pl;	/* < DEV_KB_MAX_LINE + 4 */
	r.head_len = (uint16_t)h;
	r.tail_len = (uint16_t)(h == pl ? 0 : t);
	if (kb->n >= DEV_KB_MAX_RULES)
		return lex_fail(lx, "too many rules", NULL);
	if (add_rule(kb, cap, &r) < 0)
		return lex_fail(lx, "out of memory", NULL);
	return 0;
}

static int rule_cmp(const void *a, const void *b)
{
	const struct kb_rule *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

struct dev_kb *dev_kb_parse(const char *text, size_t len, const char *name,
    char *err, size_t errlen)
{
	struct dev_kb *kb = ew_calloc(1, sizeof(*kb));
	char *w = NULL;
	size_t cap = 0;
	struct lex lx = { text, text + len, err, errlen, name, 0 };

	if (errlen)
		err[0] = '\0';
	if (!kb)
		goto nomem;
	snprintf(kb->path, sizeof(kb->path), "%s", name);
	/* every stored string is at most a line plus two wildcards and its
	 * NUL: 2 * len + a little bounds the arena */
	kb->acap = 2 * len + 64;
	kb->arena = ew_malloc(kb->acap);
	w = ew_malloc(DEV_KB_MAX_LINE + 1);
	if (!kb->arena || !w)
		goto nomem;
	while (lx.p < lx.end) {
		const char *nl = memchr(lx.p, '\n', (size_t)(lx.end - lx.p));
		const char *le = nl ? nl : lx.end;
		lx.line++;
		if ((size_t)(le - lx.p) > DEV_KB_MAX_LINE) {
			lex_fail(&lx, "line too long", NULL);
			goto fail;
		}
		if (memchr(lx.p, '\0', (size_t)(le - lx.p))) {
			lex_fail(&lx, "NUL byte in line", NULL);
			goto fail;
		}
		struct lex one = lx;
		one.end = le;
		if (parse_line(&one, kb, &cap, w, DEV_KB_MAX_LINE + 1) < 0)
			goto fail;
		lx.p = nl ? nl + 1 : lx.end;
	}
	if (kb->n)
		qsort(kb->r, kb->n, sizeof(*kb->r), rule_cmp);
	for (size_t i = 0, k = 0; k <= DEV_EV__COUNT; k++) {
		while (i < kb->n && kb->r[i].kind < k)
			i++;
		kb->kind_start[k] = i;
	}
	kb->kind_start[DEV_EV__COUNT] = kb->n;
	ew_free(w);
	return kb;
nomem:
	snprintf(err, errlen, "%s: out of memory", name);
fail:
	ew_free(w);
	dev_kb_free(kb);
	return NULL;
}

/* The shipped KB: data/devices.kb beside the binary's tree
 * (build/edgeward -> data/), installed beside the binary under any prefix
 * (PREFIX/bin/edgeward -> PREFIX/share/edgeward/), in the working
 * directory (sanitizer builds under build/asan/), or in the usual
 * prefixes. */
static const char *default_path(char *buf, size_t size)
{
	static const char *const installed[] = {
		"/usr/local/share/edgeward/devices.kb",
		"/usr/share/edgeward/devices.kb",
	};
	char exe[2048];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, size, "%.2000s/../data/devices.kb", exe);
			if (access(buf, R_OK) == 0)
				return buf;
			snprintf(buf, size,
			    "%.2000s/../share/edgeward/devices.kb", exe);
			if (access(buf, R_OK) == 0)
				return buf;
		}
	}
	if (access("data/devices.kb", R_OK) == 0)
		return "data/devices.kb";
	for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]); i++)
		if (access(installed[i], R_OK) == 0)
			return installed[i];
	return "data/devices.kb";	/* for the error message */
}

struct dev_kb *dev_kb_load(const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t n = 0;
	struct dev_kb *kb = NULL;

	char def[4096];
	if (!path)
		path = default_path(def, sizeof(def));
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = ew_malloc(DEV_KB_MAX_BYTES + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, DEV_KB_MAX_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (n > DEV_KB_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", path,
		    DEV_KB_MAX_BYTES);
		goto out;
	}
	kb = dev_kb_parse(buf, n, path, err, errlen);
out:
	ew_free(buf);
	fclose(f);
	return kb;
}

void dev_kb_free(struct dev_kb *kb)
{
	if (!kb)
		return;
	ew_free(kb->r);
	ew_free(kb->arena);
	ew_free(kb);
}
