/* mud_import.c - parse and validate a MUD file (RFC 8520 over the RFC 8519
 * ACL model) into a flat list of ACEs (mud_match.c decides flows against
 * them). The file comes from a user or a manufacturer: every
 * value is type- and range-checked, sizes are bounded (config.h MUD_*),
 * and every error names the JSON path of the offending node. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config.h"
#include "policy/mud.h"
#include "util/alloc.h"

/* Top-level member names. "access-lists" is what drafts before RFC 8519
 * called the container; MUD files made with older tools (MUDgee) still
 * use it, and it holds the same "acl" list. */
#define K_MUD   "ietf-mud:mud"
#define K_ACLS  "ietf-access-control-list:acls"
#define K_ACLS_OLD "ietf-access-control-list:access-lists"
#define ACL_PFX "ietf-access-control-list:"

struct mud_profile {
	char *pool;		/* every string of the profile, NUL-separated */
	size_t pool_len, pool_cap;
	const char *url, *sysinfo;
	struct mud_ace *aces;	/* by policy: the flattened result */
	size_t naces;
	unsigned ignored;
};

/* JSON paths in messages: long enough for any path a valid file has
 * (names in paths are our fixed keys, never file content). */
#define MUD_PATH_LEN 384

/* snprintf for paths: truncation is harmless (a message gets shorter). */
__attribute__((format(printf, 3, 4)))
static void pathf(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

struct pctx {
	struct mud_profile *p;
	char *err;
	size_t errlen;
	size_t scratch_cap, aces_cap;	/* sized from the file (count_aces) */
};

/* One parsed ACL while reading: its ACEs sit in a shared scratch array. */
struct acl_tmp {
	const char *name;
	size_t first, n;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct pctx *c, const char *path, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: %s", path, msg);
	return -1;
}

/* Copy s into the profile's pool. The pool is sized from the input length
 * and every stored string came out of the input with its two quotes, so
 * it cannot run out; the check is for the invariant, not for data. */
static const char *pool_add(struct pctx *c, const char *s, size_t n)
{
	struct mud_profile *p = c->p;
	if (p->pool_cap - p->pool_len < n + 1)
		return NULL;
	char *d = p->pool + p->pool_len;
	memcpy(d, s, n);
	d[n] = '\0';
	p->pool_len += n + 1;
	return d;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

static int want(struct pctx *c, const char *path, const json_t *v,
    json_type t, const char *what)
{
	if (!v)
		return fail(c, path, "missing (%s expected)", what);
	if (json_typeof(v) != t &&
	    !(t == JSON_TRUE && json_typeof(v) == JSON_FALSE))
		return fail(c, path, "%s expected, got %s", what, type_name(v));
	return 0;
}

/* An unsigned integer leaf in [0, max]. */
static int get_uint(struct pctx *c, const char *path, const json_t *v,
    long long max, long long *out)
{
	if (want(c, path, v, JSON_INTEGER, "an integer") < 0)
		return -1;
	json_int_t x = json_integer_value(v);
	if (x < 0 || x > max)
		return fail(c, path, "%lld out of range 0..%lld", (long long)x,
		    max);
	*out = (long long)x;
	return 0;
}

/* Is key one of the NULL-terminated names? */
static int in_list(const char *key, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(key, *names) == 0)
			return 1;
	return 0;
}

/* Identity values may carry their module prefix (RFC 7951 section 6.8). */
static const char *strip_prefix(const char *s, const char *pfx)
{
	size_t n = strlen(pfx);
	return strncmp(s, pfx, n) == 0 ? s + n : s;
}

/* A YANG "empty" leaf is encoded as [null] (RFC 7951 section 6.9). */
static int is_empty_leaf(const json_t *v)
{
	return json_is_array(v) && json_array_size(v) == 1 &&
	    json_is_null(json_array_get(v, 0));
}

/* inet:host as a DNS name: 1..253 characters of letters, digits, '-',
 * '_' and '.', no empty label; stored lower case without the final dot. */
static int get_dnsname(struct pctx *c, const char *path, const json_t *v,
    const char **out)
{
	char buf[254];
	if (want(c, path, v, JSON_STRING, "a DNS name string") < 0)
		return -1;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return fail(c, path, "DNS name must be 1..253 characters");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.'))
			return fail(c, path, "invalid character in DNS name");
		if (ch == '.' && (i == 0 || buf[i - 1] == '.'))
			return fail(c, path, "empty label in DNS name");
		buf[i] = (char)ch;
	}
	if (!(*out = pool_add(c, buf, n)))
		return fail(c, path, "internal: string pool full");
	return 0;
}

/* inet:ipv4-prefix / inet:ipv6-prefix "addr/len"; host bits are masked. */
static int get_prefix(struct pctx *c, const char *path, const json_t *v,
    int family, struct mud_net *out)
{
	char buf[64];
	if (want(c, path, v, JSON_STRING, "a prefix string") < 0)
		return -1;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	const char *slash = memchr(s, '/', n);
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return fail(c, path, "'%.64s' is not an IPv%d prefix (addr/len)",
		    s, family);
	size_t an = (size_t)(slash - s);
	memcpy(buf, s, an);
	buf[an] = '\0';
	unsigned maxlen = family == 4 ? 32 : 128;
	const char *l = slash + 1;
	size_t ln = n - an - 1;
	unsigned plen = 0;
	if (ln == 0 || ln > 3)
		return fail(c, path, "bad prefix length in '%.64s'", s);
	for (size_t i = 0; i < ln; i++) {
		if (l[i] < '0' || l[i] > '9')
			return fail(c, path, "bad prefix length in '%.64s'", s);
		plen = plen * 10 + (unsigned)(l[i] - '0');
	}
	if (plen > maxlen)
		return fail(c, path, "prefix length %u > %u", plen, maxlen);
	memset(out, 0, sizeof(*out));
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, buf, out->net.a) != 1)
		return fail(c, path, "'%.64s' is not an IPv%d address", buf,
		    family);
	out->net.family = (uint8_t)family;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = i * 8;
		if (bits >= plen)
			out->net.a[i] = 0;
		else if (plen - bits < 8)
			out->net.a[i] &= (uint8_t)(0xffu << (8 - (plen - bits)));
	}
	out->plen = (uint8_t)plen;
	out->set = 1;
	return 0;
}

/* source-port / destination-port: {operator, port} (operator defaults to
 * eq) or {lower-port, upper-port}. */
static int get_ports(struct pctx *c, const char *path, const json_t *v,
    struct mud_ports *out)
{
	static const char *const keys[] = { "operator", "port", "lower-port",
		"upper-port", NULL };
	const char *k;
	json_t *x;
	long long a, b;
	char sub[MUD_PATH_LEN];

	if (want(c, path, v, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach((json_t *)v, k, x)
		if (!in_list(k, keys))
			return fail(c, path, "unknown key '%.64s'", k);
	json_t *op = json_object_get(v, "operator");
	json_t *port = json_object_get(v, "port");
	json_t *lo = json_object_get(v, "lower-port");
	json_t *hi = json_object_get(v, "upper-port");
	memset(out, 0, sizeof(*out));
	if (lo || hi) {
		if (op || port)
			return fail(c, path,
			    "both a range and an operator (one choice)");
		pathf(sub, sizeof(sub), "%s.lower-port", path);
		if (get_uint(c, sub, lo, 65535, &a) < 0)
			return -1;
		pathf(sub, sizeof(sub), "%s.upper-port", path);
		if (get_uint(c, sub, hi, 65535, &b) < 0)
			return -1;
		if (b < a)
			return fail(c, path, "upper-port %lld < lower-port %lld",
			    b, a);
		out->lo = (uint16_t)a;
		out->hi = (uint16_t)b;
		out->set = 1;
		return 0;
	}
	pathf(sub, sizeof(sub), "%s.port", path);
	if (get_uint(c, sub, port, 65535, &a) < 0)
		return -1;
	const char *o = "eq";
	if (op) {
		pathf(sub, sizeof(sub), "%s.operator", path);
		if (want(c, sub, op, JSON_STRING, "a string") < 0)
			return -1;
		o = json_string_value(op);
	}
	out->set = 1;
	out->lo = out->hi = (uint16_t)a;
	if (strcmp(o, "eq") == 0)
		;
	else if (strcmp(o, "neq") == 0)
		out->neq = 1;
	else if (strcmp(o, "lte") == 0)
		out->lo = 0;
	else if (strcmp(o, "gte") == 0)
		out->hi = 65535;
	else
		return fail(c, path, "unknown operator '%.32s' (eq, neq, lte, gte)",
		    o);
	return 0;
}

/* matches.ipv4 / matches.ipv6. */
static int parse_l3(struct pctx *c, const char *path, const json_t *v,
    int family, struct mud_ace *e)
{
	static const char *const ign4[] = { "dscp", "ecn", "length", "ttl",
		"ihl", "flags", "offset", "identification", NULL };
	static const char *const ign6[] = { "dscp", "ecn", "length", "ttl",
		"flow-label", NULL };
	const char *dst_net = family == 4 ? "destination-ipv4-network" :
	    "destination-ipv6-network";
	const char *src_net = family == 4 ? "source-ipv4-network" :
	    "source-ipv6-network";
	const char *k;
	json_t *x;
	char sub[MUD_PATH_LEN];
	long long n;

	if (want(c, path, v, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach((json_t *)v, k, x) {
		pathf(sub, sizeof(sub), "%s.%s", path, k);
		if (strcmp(k, "protocol") == 0) {
			if (get_uint(c, sub, x, 255, &n) < 0)
				return -1;
			e->proto = (int16_t)n;
		} else if (strcmp(k, dst_net) == 0) {
			if (get_prefix(c, sub, x, family, &e->dst_net) < 0)
				return -1;
		} else if (strcmp(k, src_net) == 0) {
			if (get_prefix(c, sub, x, family, &e->src_net) < 0)
				return -1;
		} else if (strcmp(k, "ietf-acldns:dst-dnsname") == 0) {
			if (get_dnsname(c, sub, x, &e->dst_dnsname) < 0)
				return -1;
		} else if (strcmp(k, "ietf-acldns:src-dnsname") == 0) {
			if (get_dnsname(c, sub, x, &e->src_dnsname) < 0)
				return -1;
		} else if (in_list(k, family == 4 ? ign4 : ign6)) {
			c->p->ignored++;
		} else {
			return fail(c, path, "unknown key '%.64s'", k);
		}
	}
	/* RFC 8520 adds the DNS names as cases of the network choices */
	if (e->dst_net.set && e->dst_dnsname)
		return fail(c, path, "both %s and ietf-acldns:dst-dnsname "
		    "(one choice)", dst_net);
	if (e->src_net.set && e->src_dnsname)
		return fail(c, path, "both %s and ietf-acldns:src-dnsname "
		    "(one choice)", src_net);
	return 0;
}

/* matches.tcp / matches.udp. */
static int parse_l4(struct pctx *c, const char *path, const json_t *v,
    int tcp, struct mud_ace *e)
{
	static const char *const igntcp[] = { "sequence-number",
		"acknowledgement-number", "data-offset", "reserved", "flags",
		"window-size", "urgent-pointer", "options", NULL };
	static const char *const ignudp[] = { "length", NULL };
	const char *k;
	json_t *x;
	char sub[MUD_PATH_LEN];

	if (want(c, path, v, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach((json_t *)v, k, x) {
		pathf(sub, sizeof(sub), "%s.%s", path, k);
		if (strcmp(k, "source-port") == 0) {
			if (get_ports(c, sub, x, &e->src_port) < 0)
				return -1;
		} else if (strcmp(k, "destination-port") == 0) {
			if (get_ports(c, sub, x, &e->dst_port) < 0)
				return -1;
		} else if (strcmp(k, "ietf-mud:direction-initiated") == 0) {
			if (!tcp)
				return fail(c, sub, "defined for tcp only "
				    "(RFC 8520)");
			if (want(c, sub, x, JSON_STRING, "a string") < 0)
				return -1;
			const char *s = json_string_value(x);
			if (strcmp(s, "from-device") == 0)
				e->initiated = MUD_INIT_FROM_DEVICE;
			else if (strcmp(s, "to-device") == 0)
				e->initiated = MUD_INIT_TO_DEVICE;
			else
				return fail(c, sub, "'%.32s' is neither "
				    "from-device nor to-device", s);
		} else if (in_list(k, tcp ? igntcp : ignudp)) {
			c->p->ignored++;
		} else {
			return fail(c, path, "unknown key '%.64s'", k);
		}
	}
	return 0;
}

static int parse_icmp(struct pctx *c, const char *path, const json_t *v,
    struct mud_ace *e)
{
	const char *k;
	json_t *x;
	char sub[MUD_PATH_LEN];
	long long n;

	if (want(c, path, v, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach((json_t *)v, k, x) {
		pathf(sub, sizeof(sub), "%s.%s", path, k);
		if (strcmp(k, "type") == 0 || strcmp(k, "code") == 0) {
			if (get_uint(c, sub, x, 255, &n) < 0)
				return -1;
			if (k[0] == 't')
				e->icmp_type = (int16_t)n;
			else
				e->icmp_code = (int16_t)n;
		} else if (strcmp(k, "rest-of-header") == 0) {
			c->p->ignored++;
		} else {
			return fail(c, path, "unknown key '%.64s'", k);
		}
	}
	return 0;
}

/* matches."ietf-mud:mud": the RFC 8520 abstractions. Only local-networks
 * can be decided from a flow; the others need the manufacturer of other
 * devices or a controller's addresses, so their ACE never matches. */
static int parse_mudmatch(struct pctx *c, const char *path, const json_t *v,
    struct mud_ace *e)
{
	static const char *const empties[] = { "same-manufacturer",
		"local-networks", "my-controller", NULL };
	static const char *const strs[] = { "manufacturer", "model",
		"controller", NULL };
	const char *k;
	json_t *x;
	char sub[MUD_PATH_LEN];

	if (want(c, path, v, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach((json_t *)v, k, x) {
		pathf(sub, sizeof(sub), "%s.%s", path, k);
		if (in_list(k, empties)) {
			if (!is_empty_leaf(x))
				return fail(c, sub, "[null] expected (YANG "
				    "empty), got %s", type_name(x));
			if (strcmp(k, "local-networks") == 0)
				e->local_networks = 1;
			else
				e->unsupported = 1;
		} else if (in_list(k, strs)) {
			if (want(c, sub, x, JSON_STRING, "a string") < 0)
				return -1;
			e->unsupported = 1;
		} else {
			return fail(c, path, "unknown key '%.64s'", k);
		}
	}
	return 0;
}

/* ACL type -> family: 4, 6, 0 for a mixed or absent type (from the
 * matches), -1 for ethernet only. */
static int acl_family(const char *t)
{
	t = strip_prefix(t, ACL_PFX);
	if (strcmp(t, "ipv4-acl-type") == 0 ||
	    strcmp(t, "mixed-eth-ipv4-acl-type") == 0)
		return 4;
	if (strcmp(t, "ipv6-acl-type") == 0 ||
	    strcmp(t, "mixed-eth-ipv6-acl-type") == 0)
		return 6;
	if (strcmp(t, "mixed-eth-ipv4-ipv6-acl-type") == 0)
		return 0;
	if (strcmp(t, "eth-acl-type") == 0)
		return -1;
	return -2;
}

static int parse_ace(struct pctx *c, const char *path, const json_t *v,
    int family, const char *acl, struct mud_ace *e)
{
	static const char *const ign[] = { "egress-interface",
		"ingress-interface", NULL };
	const char *k;
	json_t *x;
	char sub[MUD_PATH_LEN], sub2[MUD_PATH_LEN];

	memset(e, 0, sizeof(*e));
	e->proto = e->icmp_type = e->icmp_code = -1;
	e->acl = acl;
	if (want(c, path, v, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach((json_t *)v, k, x)
		if (strcmp(k, "name") && strcmp(k, "matches") &&
		    strcmp(k, "actions") && strcmp(k, "statistics"))
			return fail(c, path, "unknown key '%.64s'", k);
	pathf(sub, sizeof(sub), "%s.name", path);
	x = json_object_get(v, "name");
	if (want(c, sub, x, JSON_STRING, "a string") < 0)
		return -1;
	if (json_string_length(x) == 0)
		return fail(c, sub, "empty name");
	if (!(e->name = pool_add(c, json_string_value(x),
	    json_string_length(x))))
		return fail(c, sub, "internal: string pool full");

	pathf(sub, sizeof(sub), "%s.actions", path);
	json_t *act = json_object_get(v, "actions");
	if (want(c, sub, act, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach(act, k, x)
		if (strcmp(k, "forwarding") && strcmp(k, "logging"))
			return fail(c, sub, "unknown key '%.64s'", k);
	pathf(sub2, sizeof(sub2), "%s.forwarding", sub);
	x = json_object_get(act, "forwarding");
	if (want(c, sub2, x, JSON_STRING, "a string") < 0)
		return -1;
	const char *fw = strip_prefix(json_string_value(x), ACL_PFX);
	if (strcmp(fw, "accept") == 0)
		e->accept = 1;
	else if (strcmp(fw, "drop") && strcmp(fw, "reject"))
		return fail(c, sub2, "unknown action '%.32s' (accept, drop, "
		    "reject)", fw);

	pathf(sub, sizeof(sub), "%s.matches", path);
	json_t *m = json_object_get(v, "matches");
	int fam = family > 0 ? family : 0;
	int l4 = 0;
	if (m) {
		if (want(c, sub, m, JSON_OBJECT, "an object") < 0)
			return -1;
		json_t *v4 = json_object_get(m, "ipv4");
		json_t *v6 = json_object_get(m, "ipv6");
		int n4 = !!json_object_get(m, "tcp") +
		    !!json_object_get(m, "udp") + !!json_object_get(m, "icmp");
		if (v4 && v6)
			return fail(c, sub, "both ipv4 and ipv6 (one choice)");
		if (n4 > 1)
			return fail(c, sub, "more than one of tcp, udp, icmp "
			    "(one choice)");
		json_object_foreach(m, k, x) {
			pathf(sub2, sizeof(sub2), "%s.%s", sub, k);
			if (strcmp(k, "ipv4") == 0 || strcmp(k, "ipv6") == 0) {
				int f = k[3] == '4' ? 4 : 6;
				if (family == -1 || (family > 0 && family != f))
					return fail(c, sub2, "not allowed in "
					    "an ACL of another type");
				fam = f;
				if (parse_l3(c, sub2, x, f, e) < 0)
					return -1;
			} else if (strcmp(k, "tcp") == 0 ||
			    strcmp(k, "udp") == 0) {
				l4 = k[0] == 't' ? 6 : 17;
				if (parse_l4(c, sub2, x, l4 == 6, e) < 0)
					return -1;
			} else if (strcmp(k, "icmp") == 0) {
				l4 = 1;
				if (parse_icmp(c, sub2, x, e) < 0)
					return -1;
			} else if (strcmp(k, "ietf-mud:mud") == 0) {
				if (parse_mudmatch(c, sub2, x, e) < 0)
					return -1;
			} else if (strcmp(k, "eth") == 0) {
				if (want(c, sub2, x, JSON_OBJECT,
				    "an object") < 0)
					return -1;
				e->unsupported = 1;
			} else if (in_list(k, ign)) {
				c->p->ignored++;
			} else {
				return fail(c, sub, "unknown key '%.64s'", k);
			}
		}
	}
	if (family == -1)
		e->unsupported = 1;	/* an ethernet ACL: not an IP flow */
	e->family = (uint8_t)fam;
	/* the l4 container names the protocol; a contradicting l3 protocol is
	 * an error, a missing one is implied */
	if (l4 == 1) {
		int want_p = fam == 6 ? 58 : 1;
		if (fam == 0)
			want_p = e->proto == 58 ? 58 : 1;
		if (e->proto >= 0 && e->proto != want_p)
			return fail(c, sub, "icmp with protocol %d", e->proto);
		e->proto = (int16_t)want_p;
	} else if (l4) {
		if (e->proto >= 0 && e->proto != l4)
			return fail(c, sub, "%s with protocol %d",
			    l4 == 6 ? "tcp" : "udp", e->proto);
		e->proto = (int16_t)l4;
	}
	return 0;
}

static int parse_acls(struct pctx *c, const char *top, const json_t *acls,
    struct acl_tmp *tl, size_t *ntl, struct mud_ace *scratch, size_t *nsc)
{
	char path[MUD_PATH_LEN], sub[MUD_PATH_LEN];
	const char *k;
	json_t *x;

	if (want(c, top, acls, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach((json_t *)acls, k, x)
		if (strcmp(k, "acl"))
			return fail(c, top, "unknown key '%.64s'", k);
	pathf(path, sizeof(path), "%s.acl", top);
	json_t *list = json_object_get(acls, "acl");
	if (!list)
		return 0;
	if (want(c, path, list, JSON_ARRAY, "an array") < 0)
		return -1;
	if (json_array_size(list) > MUD_MAX_ACLS)
		return fail(c, path, "%zu ACLs, at most %u", json_array_size(list),
		    (unsigned)MUD_MAX_ACLS);
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *acl = json_array_get(list, i);
		struct acl_tmp *t = &tl[*ntl];
		pathf(path, sizeof(path), "%s.acl[%zu]", top, i);
		if (want(c, path, acl, JSON_OBJECT, "an object") < 0)
			return -1;
		json_object_foreach(acl, k, x)
			if (strcmp(k, "name") && strcmp(k, "type") &&
			    strcmp(k, "aces"))
				return fail(c, path, "unknown key '%.64s'", k);
		pathf(sub, sizeof(sub), "%s.name", path);
		x = json_object_get(acl, "name");
		if (want(c, sub, x, JSON_STRING, "a string") < 0)
			return -1;
		if (json_string_length(x) == 0)
			return fail(c, sub, "empty name");
		for (size_t j = 0; j < *ntl; j++)
			if (strcmp(tl[j].name, json_string_value(x)) == 0)
				return fail(c, sub, "duplicate ACL name "
				    "'%.64s'", tl[j].name);
		if (!(t->name = pool_add(c, json_string_value(x),
		    json_string_length(x))))
			return fail(c, sub, "internal: string pool full");
		int fam = 0;
		x = json_object_get(acl, "type");
		if (x) {
			pathf(sub, sizeof(sub), "%s.type", path);
			if (want(c, sub, x, JSON_STRING, "a string") < 0)
				return -1;
			if ((fam = acl_family(json_string_value(x))) == -2)
				return fail(c, sub, "unknown ACL type '%.64s'",
				    json_string_value(x));
		}
		t->first = *nsc;
		t->n = 0;
		json_t *aces = json_object_get(acl, "aces");
		if (aces) {
			pathf(sub, sizeof(sub), "%s.aces", path);
			if (want(c, sub, aces, JSON_OBJECT, "an object") < 0)
				return -1;
			json_object_foreach(aces, k, x)
				if (strcmp(k, "ace"))
					return fail(c, sub,
					    "unknown key '%.64s'", k);
			json_t *al = json_object_get(aces, "ace");
			pathf(sub, sizeof(sub), "%s.aces.ace", path);
			if (al && want(c, sub, al, JSON_ARRAY, "an array") < 0)
				return -1;
			for (size_t j = 0; al && j < json_array_size(al); j++) {
				if (*nsc >= c->scratch_cap) {
					pathf(sub, sizeof(sub), "%s.aces.ace",
					    path);
					return fail(c, sub, "more than %u ACEs",
					    (unsigned)MUD_MAX_ACES);
				}
				pathf(sub, sizeof(sub), "%s.aces.ace[%zu]",
				    path, j);
				struct mud_ace *e = &scratch[*nsc];
				if (parse_ace(c, sub, json_array_get(al, j),
				    fam, t->name, e) < 0)
					return -1;
				for (size_t q = t->first; q < *nsc; q++)
					if (strcmp(scratch[q].name, e->name) == 0)
						return fail(c, sub, "duplicate "
						    "ACE name '%.64s'", e->name);
				(*nsc)++;
				t->n++;
			}
		}
		(*ntl)++;
	}
	return 0;
}

/* from-device-policy / to-device-policy: append the named ACLs' ACEs. */
static int parse_policy(struct pctx *c, const json_t *mud, const char *key,
    int dir, const struct acl_tmp *tl, size_t ntl,
    const struct mud_ace *scratch)
{
	char path[MUD_PATH_LEN], sub[MUD_PATH_LEN];
	const char *k;
	json_t *x;
	json_t *pol = json_object_get(mud, key);

	pathf(path, sizeof(path), K_MUD ".%s", key);
	if (!pol)
		return 0;
	if (want(c, path, pol, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach(pol, k, x)
		if (strcmp(k, "access-lists"))
			return fail(c, path, "unknown key '%.64s'", k);
	json_t *al = json_object_get(pol, "access-lists");
	if (!al)
		return 0;
	pathf(path, sizeof(path), K_MUD ".%s.access-lists", key);
	if (want(c, path, al, JSON_OBJECT, "an object") < 0)
		return -1;
	json_object_foreach(al, k, x)
		if (strcmp(k, "access-list"))
			return fail(c, path, "unknown key '%.64s'", k);
	json_t *list = json_object_get(al, "access-list");
	if (!list)
		return 0;
	pathf(path, sizeof(path), K_MUD ".%s.access-lists.access-list",
	    key);
	if (want(c, path, list, JSON_ARRAY, "an array") < 0)
		return -1;
	if (json_array_size(list) > MUD_MAX_ACLS)
		return fail(c, path, "more than %u ACLs", (unsigned)MUD_MAX_ACLS);
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *ref = json_array_get(list, i);
		pathf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (want(c, sub, ref, JSON_OBJECT, "an object") < 0)
			return -1;
		json_object_foreach(ref, k, x)
			if (strcmp(k, "name"))
				return fail(c, sub, "unknown key '%.64s'", k);
		x = json_object_get(ref, "name");
		pathf(sub, sizeof(sub), "%s[%zu].name", path, i);
		if (want(c, sub, x, JSON_STRING, "a string") < 0)
			return -1;
		size_t j;
		for (j = 0; j < ntl && strcmp(tl[j].name,
		    json_string_value(x)); j++)
			;
		if (j == ntl)
			return fail(c, sub, "no ACL named '%.64s' in "
			    K_ACLS, json_string_value(x));
		for (size_t q = 0; q < i; q++)
			if (strcmp(json_string_value(json_object_get(
			    json_array_get(list, q), "name")),
			    json_string_value(x)) == 0)
				return fail(c, sub, "'%.64s' listed twice",
				    json_string_value(x));
		if (c->p->naces + tl[j].n > c->aces_cap)
			return fail(c, sub, "more than %u ACEs in the policies",
			    (unsigned)MUD_MAX_ACES);
		for (size_t q = 0; q < tl[j].n; q++) {
			struct mud_ace *e = &c->p->aces[c->p->naces++];
			*e = scratch[tl[j].first + q];
			e->dir = (uint8_t)dir;
		}
	}
	return 0;
}

/* yang:date-and-time, checked for shape: YYYY-MM-DDTHH:MM:SS then an
 * optional fraction and Z or +hh:mm / -hh:mm. */
static int is_datetime(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;
	for (i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') :
		    s[i] != shape[i])
			return 0;
	}
	if (s[i] == '.') {
		i++;
		if (!(s[i] >= '0' && s[i] <= '9'))
			return 0;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if ((s[i] == 'Z' || s[i] == 'z') && !s[i + 1])
		return 1;
	return (s[i] == '+' || s[i] == '-') && s[i + 1] >= '0' &&
	    s[i + 1] <= '9' && s[i + 2] >= '0' && s[i + 2] <= '9' &&
	    s[i + 3] == ':' && s[i + 4] >= '0' && s[i + 4] <= '9' &&
	    s[i + 5] >= '0' && s[i + 5] <= '9' && !s[i + 6];
}

static int parse_header(struct pctx *c, const json_t *mud)
{
	static const char *const known[] = { "mud-version", "mud-url",
		"last-update", "mud-signature", "cache-validity",
		"is-supported", "systeminfo", "mfg-name", "model-name",
		"firmware-rev", "software-rev", "documentation", "extensions",
		"from-device-policy", "to-device-policy", NULL };
	static const char *const strs[] = { "mud-signature", "mfg-name",
		"model-name", "firmware-rev", "software-rev", "documentation",
		NULL };
	char sub[MUD_PATH_LEN];
	const char *k;
	json_t *x;
	long long n;

	if (want(c, K_MUD, mud, JSON_OBJECT, "an object") < 0)
		return -1;
	/* members of other modules (prefixed) are extensions RFC 8520
	 * allows; an unprefixed unknown name is a typo */
	json_object_foreach((json_t *)mud, k, x)
		if (!in_list(k, known) && !strchr(k, ':'))
			return fail(c, K_MUD, "unknown key '%.64s'", k);
	if (get_uint(c, K_MUD ".mud-version", json_object_get(mud,
	    "mud-version"), 255, &n) < 0)
		return -1;
	if (n != 1)
		return fail(c, K_MUD ".mud-version", "version %lld, only 1 is "
		    "defined", n);
	x = json_object_get(mud, "mud-url");
	if (want(c, K_MUD ".mud-url", x, JSON_STRING, "a string") < 0)
		return -1;
	if (strncasecmp(json_string_value(x), "https://", 8) != 0 ||
	    json_string_length(x) <= 8)
		return fail(c, K_MUD ".mud-url", "must be an https URL "
		    "(RFC 8520)");
	if (!(c->p->url = pool_add(c, json_string_value(x),
	    json_string_length(x))))
		return fail(c, K_MUD ".mud-url", "internal: string pool full");
	x = json_object_get(mud, "last-update");
	if (want(c, K_MUD ".last-update", x, JSON_STRING, "a string") < 0)
		return -1;
	if (!is_datetime(json_string_value(x)))
		return fail(c, K_MUD ".last-update", "'%.40s' is not a "
		    "date-and-time (RFC 3339)", json_string_value(x));
	x = json_object_get(mud, "is-supported");
	if (want(c, K_MUD ".is-supported", x, JSON_TRUE, "a boolean") < 0)
		return -1;
	if ((x = json_object_get(mud, "cache-validity"))) {
		if (get_uint(c, K_MUD ".cache-validity", x, 168, &n) < 0)
			return -1;
		if (n < 1)
			return fail(c, K_MUD ".cache-validity",
			    "0 out of range 1..168");
	}
	c->p->sysinfo = "";
	if ((x = json_object_get(mud, "systeminfo"))) {
		if (want(c, K_MUD ".systeminfo", x, JSON_STRING,
		    "a string") < 0)
			return -1;
		if (!(c->p->sysinfo = pool_add(c, json_string_value(x),
		    json_string_length(x))))
			return fail(c, K_MUD ".systeminfo",
			    "internal: string pool full");
	}
	for (size_t i = 0; strs[i]; i++) {
		pathf(sub, sizeof(sub), K_MUD ".%s", strs[i]);
		if ((x = json_object_get(mud, strs[i])) &&
		    want(c, sub, x, JSON_STRING, "a string") < 0)
			return -1;
	}
	if ((x = json_object_get(mud, "extensions"))) {
		if (want(c, K_MUD ".extensions", x, JSON_ARRAY,
		    "an array") < 0)
			return -1;
		for (size_t i = 0; i < json_array_size(x); i++) {
			pathf(sub, sizeof(sub), K_MUD ".extensions[%zu]", i);
			if (want(c, sub, json_array_get(x, i), JSON_STRING,
			    "a string") < 0)
				return -1;
		}
	}
	return 0;
}

/* ACEs in the file, to size the arrays (the parse checks the types;
 * anything odd here only counts as 0). At most MUD_MAX_ACES + 1. */
static size_t count_aces(const json_t *root)
{
	const json_t *acls = json_object_get(root, K_ACLS);
	if (!acls)
		acls = json_object_get(root, K_ACLS_OLD);
	const json_t *list = json_object_get(acls, "acl");
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(list) && n <= MUD_MAX_ACES;
	    i++)
		n += json_array_size(json_object_get(json_object_get(
		    json_array_get(list, i), "aces"), "ace"));
	return n > MUD_MAX_ACES ? MUD_MAX_ACES + 1 : n;
}

struct mud_profile *mud_parse(const char *json, size_t len, char *err,
    size_t errlen)
{
	struct pctx c = { NULL, err, errlen, 0, 0 };
	struct acl_tmp *tl = NULL;
	struct mud_ace *scratch = NULL;
	size_t ntl = 0, nsc = 0;
	json_t *root = NULL;
	json_error_t je;

	if (err && errlen)
		err[0] = '\0';
	if (!json || len == 0) {
		fail(&c, "file", "empty");
		return NULL;
	}
	if (len > MUD_MAX_BYTES) {
		fail(&c, "file", "%zu bytes, larger than the %u-byte limit",
		    len, (unsigned)MUD_MAX_BYTES);
		return NULL;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		fail(&c, "file", "not JSON: %s (line %d, column %d)", je.text,
		    je.line, je.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		fail(&c, "file", "a JSON object expected, got %s",
		    type_name(root));
		goto fail;
	}
	/* every ACE at most once in each policy (an ACL is listed at most
	 * once per policy) */
	size_t nace = count_aces(root);
	c.scratch_cap = nace < MUD_MAX_ACES ? nace : MUD_MAX_ACES;
	c.aces_cap = 2 * nace < MUD_MAX_ACES ? 2 * nace : MUD_MAX_ACES;
	if (!(c.p = ew_calloc(1, sizeof(*c.p))) ||
	    !(c.p->pool = ew_malloc(len + 1)) ||
	    !(tl = ew_calloc(MUD_MAX_ACLS, sizeof(*tl))) ||
	    !(scratch = ew_calloc(c.scratch_cap + 1, sizeof(*scratch))) ||
	    !(c.p->aces = ew_calloc(c.aces_cap + 1, sizeof(*c.p->aces)))) {
		fail(&c, "file", "out of memory");
		goto fail;
	}
	c.p->pool_cap = len + 1;

	json_t *mud = json_object_get(root, K_MUD);
	if (!mud) {
		fail(&c, K_MUD, "missing: not a MUD file");
		goto fail;
	}
	if (parse_header(&c, mud) < 0)
		goto fail;
	const char *ak = K_ACLS;
	json_t *acls = json_object_get(root, K_ACLS);
	json_t *old = json_object_get(root, K_ACLS_OLD);
	if (acls && old) {
		fail(&c, "file", "both " K_ACLS " and " K_ACLS_OLD);
		goto fail;
	}
	if (!acls && old) {
		acls = old;
		ak = K_ACLS_OLD;
	}
	if (acls && parse_acls(&c, ak, acls, tl, &ntl, scratch, &nsc) < 0)
		goto fail;
	if (parse_policy(&c, mud, "from-device-policy", MUD_FROM_DEVICE, tl,
	    ntl, scratch) < 0 ||
	    parse_policy(&c, mud, "to-device-policy", MUD_TO_DEVICE, tl, ntl,
	    scratch) < 0)
		goto fail;
	ew_free(scratch);
	ew_free(tl);
	json_decref(root);
	return c.p;
fail:
	ew_free(scratch);
	ew_free(tl);
	mud_free(c.p);
	json_decref(root);
	return NULL;
}

void mud_free(struct mud_profile *p)
{
	if (!p)
		return;
	ew_free(p->aces);
	ew_free(p->pool);
	ew_free(p);
}

const char *mud_profile_url(const struct mud_profile *p)
{
	return p ? p->url : NULL;
}

const char *mud_profile_systeminfo(const struct mud_profile *p)
{
	return p && p->sysinfo ? p->sysinfo : "";
}

size_t mud_ace_count(const struct mud_profile *p)
{
	return p ? p->naces : 0;
}

const struct mud_ace *mud_ace_at(const struct mud_profile *p, size_t i)
{
	return p && i < p->naces ? &p->aces[i] : NULL;
}

unsigned mud_profile_ignored(const struct mud_profile *p)
{
	return p ? p->ignored : 0;
}
