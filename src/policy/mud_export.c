/* mud_export.c - write what a device was seen doing (its "learned"
 * baseline blob) as an RFC 8520 MUD file. Each observed conversation
 * becomes one ACE in the from-device ACL and its mirror in the to-device
 * ACL of its address family, so a stateless filter built from the file
 * lets both directions through. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "policy/mud.h"
#include "util/alloc.h"

/* What the remote end of a conversation is, in output order. */
enum { RK_NAME, RK_NET, RK_LOCAL, RK_ANY };

/* One conversation: who opened it (device or remote), the protocol, the
 * server port (the remote's when the device opened it, the device's
 * otherwise), and the remote end. */
struct conv {
	uint8_t fam;		/* 4 or 6 */
	uint8_t by_remote;	/* 0: the device initiated */
	uint8_t kind;		/* RK_* */
	uint8_t proto;
	uint16_t port;		/* 0 for protocols without ports */
	struct addr ip;		/* RK_NET */
	char name[254];		/* RK_NAME, lower case */
};

struct xctx {
	struct conv *cv;
	size_t n, cap;
	char *err;
	size_t errlen;
};

static int xfail(struct xctx *x, const char *msg, const char *path,
    size_t i)
{
	if (x->err && x->errlen) {
		if (path)
			snprintf(x->err, x->errlen, "baseline %s[%zu]: %s",
			    path, i, msg);
		else
			snprintf(x->err, x->errlen, "baseline: %s", msg);
	}
	return -1;
}

static int ported(uint8_t proto)
{
	return proto == 6 || proto == 17;
}

static int conv_cmp(const void *pa, const void *pb)
{
	const struct conv *a = pa, *b = pb;
	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	if (a->by_remote != b->by_remote)
		return a->by_remote < b->by_remote ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->kind == RK_NAME) {
		int c = strcmp(a->name, b->name);
		if (c)
			return c < 0 ? -1 : 1;
	}
	if (a->kind == RK_NET) {
		int c = addr_cmp(&a->ip, &b->ip);
		if (c)
			return c;
	}
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

static struct conv *conv_add(struct xctx *x)
{
	if (x->n == x->cap)
		return NULL;	/* sized from the blob's arrays: cannot happen */
	struct conv *c = &x->cv[x->n++];
	memset(c, 0, sizeof(*c));
	return c;
}

/* Lower-case copy of a DNS name fit for ietf-acldns (inet:host); 0 when
 * the blob's name is not one (then the address is used). */
static int clean_name(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253 || n >= outlen)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.'))
			return 0;
		if (ch == '.' && (i == 0 || out[i - 1] == '.'))
			return 0;
		out[i] = (char)ch;
	}
	out[n] = '\0';
	return 1;
}


/* Common fields of an entry: ip (when need_ip), proto, port. */
static int entry(struct xctx *x, const char *arr, size_t i, json_t *e,
    int need_ip, struct addr *ip, uint8_t *proto, uint16_t *port)
{
	if (!json_is_object(e))
		return xfail(x, "not an object", arr, i);
	json_t *p = json_object_get(e, "proto"), *q = json_object_get(e, "port");
	if (!json_is_integer(p) || json_integer_value(p) < 0 ||
	    json_integer_value(p) > 255)
		return xfail(x, "proto: integer 0..255 expected", arr, i);
	*proto = (uint8_t)json_integer_value(p);
	*port = 0;
	if (q) {
		if (!json_is_integer(q) || json_integer_value(q) < 0 ||
		    json_integer_value(q) > 65535)
			return xfail(x, "port: integer 0..65535 expected", arr,
			    i);
		if (ported(*proto))
			*port = (uint16_t)json_integer_value(q);
	}
	if (need_ip) {
		json_t *s = json_object_get(e, "ip");
		if (!json_is_string(s) || addr_parse(json_string_value(s), ip) < 0)
			return xfail(x, "ip: an IP address expected", arr, i);
	}
	return 0;
}

static json_t *opt_array(struct xctx *x, json_t *root, const char *key,
    int *bad)
{
	json_t *a = json_object_get(root, key);
	if (a && !json_is_array(a)) {
		if (x->err && x->errlen)
			snprintf(x->err, x->errlen, "baseline %s: an array "
			    "expected", key);
		*bad = 1;
		return NULL;
	}
	return a;
}

/* The blob -> x->cv (sorted, unique). */
static int collect(struct xctx *x, json_t *root)
{
	int bad = 0;
	json_t *rem = opt_array(x, root, "remotes", &bad);
	json_t *inb = opt_array(x, root, "inbound", &bad);
	json_t *peers = opt_array(x, root, "peers", &bad);
	json_t *lis = opt_array(x, root, "listen", &bad);
	size_t nr = json_array_size(rem), ni = json_array_size(inb),
	    np = json_array_size(peers), nl = json_array_size(lis);
	uint8_t proto;
	uint16_t port;
	struct addr ip;
	int fam4 = 0, fam6 = 0;

	if (bad)
		return -1;
	if (nr > MUD_MAX_ACES || ni > MUD_MAX_ACES || np > MUD_MAX_ACES ||
	    nl > MUD_MAX_ACES)
		return xfail(x, "more entries than a MUD file may hold", NULL,
		    0);
	/* a listen entry may give one conversation per family and two
	 * kinds */
	x->cap = nr + ni + np + 4 * nl + 1;
	if (!(x->cv = ew_calloc(x->cap, sizeof(*x->cv))))
		return xfail(x, "out of memory", NULL, 0);

	json_t *s = json_object_get(root, "ip");
	if (json_is_string(s) && addr_parse(json_string_value(s), &ip) == 0) {
		fam4 |= ip.family == 4;
		fam6 |= ip.family == 6;
	}
	for (size_t i = 0; i < nr; i++) {
		json_t *e = json_array_get(rem, i);
		if (entry(x, "remotes", i, e, 1, &ip, &proto, &port) < 0)
			return -1;
		struct conv *c = conv_add(x);
		if (!c)
			return xfail(x, "internal: too many entries", NULL, 0);
		c->fam = ip.family;
		c->proto = proto;
		c->port = port;
		json_t *nm = json_object_get(e, "name");
		if (json_is_string(nm) && clean_name(json_string_value(nm),
		    c->name, sizeof(c->name)))
			c->kind = RK_NAME;
		else {
			c->kind = RK_NET;
			c->ip = ip;
		}
	}
	for (size_t i = 0; i < ni; i++) {
		if (entry(x, "inbound", i, json_array_get(inb, i), 1, &ip,
		    &proto, &port) < 0)
			return -1;
		struct conv *c = conv_add(x);
		if (!c)
			return xfail(x, "internal: too many entries", NULL, 0);
		c->fam = ip.family;
		c->by_remote = 1;
		c->kind = RK_NET;
		c->ip = ip;
		c->proto = proto;
		c->port = port;
	}
	for (size_t i = 0; i < np; i++) {
		json_t *e = json_array_get(peers, i);
		if (entry(x, "peers", i, e, 1, &ip, &proto, &port) < 0)
			return -1;
		json_t *d = json_object_get(e, "dir");
		const char *ds = json_is_string(d) ? json_string_value(d) : "";
		if (strcmp(ds, "in") && strcmp(ds, "out"))
			return xfail(x, "dir: \"in\" or \"out\" expected",
			    "peers", i);
		struct conv *c = conv_add(x);
		if (!c)
			return xfail(x, "internal: too many entries", NULL, 0);
		c->fam = ip.family;
		c->by_remote = ds[0] == 'i';
		c->kind = RK_LOCAL;
		c->proto = proto;
		c->port = port;
	}
	for (size_t i = 0; i < nr + ni + np; i++) {
		fam4 |= x->cv[i].fam == 4;
		fam6 |= x->cv[i].fam == 6;
	}
	if (!fam4 && !fam6)
		fam4 = 1;
	for (size_t i = 0; i < nl; i++) {
		json_t *e = json_array_get(lis, i);
		if (entry(x, "listen", i, e, 0, &ip, &proto, &port) < 0)
			return -1;
		json_t *fr = json_object_get(e, "from");
		const char *fs = json_is_string(fr) ? json_string_value(fr) :
		    "both";
		int local = strcmp(fs, "remote") != 0;
		int remote = strcmp(fs, "local") != 0;
		/* remote clients the blob names are ACEs of their own
		 * (inbound); without any, any remote host is allowed */
		int named = 0;
		for (size_t j = 0; j < ni; j++) {
			json_t *b = json_array_get(inb, j);
			if (json_integer_value(json_object_get(b, "proto")) ==
			    proto && (!ported(proto) ||
			    json_integer_value(json_object_get(b, "port")) ==
			    port))
				named = 1;
		}
		for (int f = 4; f <= 6; f += 2) {
			if (!(f == 4 ? fam4 : fam6))
				continue;
			struct conv *c;
			if (local || (remote && !named)) {
				if (!(c = conv_add(x)))
					return xfail(x, "internal: too many "
					    "entries", NULL, 0);
				c->fam = (uint8_t)f;
				c->by_remote = 1;
				c->kind = remote && !named ? RK_ANY : RK_LOCAL;
				c->proto = proto;
				c->port = port;
			}
		}
	}
	if (x->n > 1)
		qsort(x->cv, x->n, sizeof(*x->cv), conv_cmp);
	size_t w = 0;
	for (size_t i = 0; i < x->n; i++)
		if (w == 0 || conv_cmp(&x->cv[w - 1], &x->cv[i]) != 0)
			x->cv[w++] = x->cv[i];
	x->n = w;
	if (2 * x->n > MUD_MAX_ACES)
		return xfail(x, "more conversations than a MUD file may hold",
		    NULL, 0);
	return 0;
}

static void put_port(struct jbuf *jb, const char *key, uint16_t port)
{
	jb_key(jb, key);
	jb_obj_open(jb);
	jb_kstr(jb, "operator", "eq");
	jb_ku64(jb, "port", port);
	jb_obj_close(jb);
}

/* One ACE. out: the from-device ACE (device is the source), else the
 * to-device mirror (the remote is the source). */
static void put_ace(struct jbuf *jb, const char *acl, size_t idx,
    const struct conv *c, int out)
{
	char name[96], net[ADDR_STRLEN + 8];
	int remote_is_dst = out;
	/* the server port sits on the remote when the device opened it */
	int port_on_remote = !c->by_remote;

	snprintf(name, sizeof(name), "%s-%zu", acl, idx);
	jb_obj_open(jb);
	jb_kstr(jb, "name", name);
	jb_key(jb, "matches");
	jb_obj_open(jb);
	jb_key(jb, c->fam == 4 ? "ipv4" : "ipv6");
	jb_obj_open(jb);
	jb_ku64(jb, "protocol", c->proto);
	if (c->kind == RK_NAME)
		jb_kstr(jb, remote_is_dst ? "ietf-acldns:dst-dnsname" :
		    "ietf-acldns:src-dnsname", c->name);
	else if (c->kind == RK_NET) {
		addr_fmt(&c->ip, net, ADDR_STRLEN);
		size_t n = strlen(net);
		snprintf(net + n, sizeof(net) - n, "/%d",
		    c->fam == 4 ? 32 : 128);
		if (c->fam == 4)
			jb_kstr(jb, remote_is_dst ? "destination-ipv4-network" :
			    "source-ipv4-network", net);
		else
			jb_kstr(jb, remote_is_dst ? "destination-ipv6-network" :
			    "source-ipv6-network", net);
	}
	jb_obj_close(jb);
	if (ported(c->proto)) {
		jb_key(jb, c->proto == 6 ? "tcp" : "udp");
		jb_obj_open(jb);
		if (c->proto == 6)
			jb_kstr(jb, "ietf-mud:direction-initiated",
			    c->by_remote ? "to-device" : "from-device");
		/* the remote's port is the destination port when the
		 * remote is the destination */
		int dst = port_on_remote == remote_is_dst;
		put_port(jb, dst ? "destination-port" : "source-port",
		    c->port);
		jb_obj_close(jb);
	}
	if (c->kind == RK_LOCAL) {
		jb_key(jb, "ietf-mud:mud");
		jb_obj_open(jb);
		jb_key(jb, "local-networks");
		jb_arr_open(jb);
		jb_null(jb);
		jb_arr_close(jb);
		jb_obj_close(jb);
	}
	jb_obj_close(jb);
	jb_key(jb, "actions");
	jb_obj_open(jb);
	jb_kstr(jb, "forwarding", "accept");
	jb_obj_close(jb);
	jb_obj_close(jb);
}

static void acl_name(char *buf, size_t n, const char *tag, int fam, int out)
{
	snprintf(buf, n, "mud-%s-v%d%s", tag, fam, out ? "fr" : "to");
}

static void put_policy(struct jbuf *jb, const char *key, const char *tag,
    const int has[2], int out)
{
	char name[80];
	jb_key(jb, key);
	jb_obj_open(jb);
	jb_key(jb, "access-lists");
	jb_obj_open(jb);
	jb_key(jb, "access-list");
	jb_arr_open(jb);
	for (int i = 0; i < 2; i++) {
		if (!has[i])
			continue;
		acl_name(name, sizeof(name), tag, i ? 6 : 4, out);
		jb_obj_open(jb);
		jb_kstr(jb, "name", name);
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
	jb_obj_close(jb);
	jb_obj_close(jb);
}

int mud_export(const char *baseline_json, size_t len, const char *mud_url,
    uint64_t now_ns, struct jbuf *out, char *err, size_t errlen)
{
	struct xctx x = { NULL, 0, 0, err, errlen };
	json_t *root = NULL;
	json_error_t je;
	char tag[48], ts[40], name[80];
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!baseline_json || !mud_url || !out) {
		xfail(&x, "no input", NULL, 0);
		return -1;
	}
	if (strncasecmp(mud_url, "https://", 8) != 0 || strlen(mud_url) <= 8) {
		xfail(&x, "the MUD URL must be an https URL", NULL, 0);
		return -1;
	}
	root = json_loadb(baseline_json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (err && errlen)
			snprintf(err, errlen, "baseline: not JSON: %s "
			    "(line %d)", je.text, je.line);
		return -1;
	}
	if (!json_is_object(root) ||
	    json_integer_value(json_object_get(root, "v")) != 1 ||
	    !json_is_integer(json_object_get(root, "v"))) {
		xfail(&x, "not a version 1 baseline object", NULL, 0);
		goto done;
	}
	if (collect(&x, root) < 0)
		goto done;

	/* ACL names carry the device key, letters and digits only */
	const char *key = json_string_value(json_object_get(root, "key"));
	size_t t = 0;
	for (const char *k = key ? key : ""; *k && t < 24; k++)
		if ((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9'))
			tag[t++] = *k;
		else if (*k >= 'A' && *k <= 'Z')
			tag[t++] = (char)(*k - 'A' + 'a');
	if (t == 0)
		tag[t++] = 'x';
	tag[t] = '\0';

	int has[2] = { 0, 0 };
	for (size_t i = 0; i < x.n; i++)
		has[x.cv[i].fam == 6] = 1;

	time_t secs = (time_t)(now_ns / 1000000000u);
	struct tm tm;
	if (!gmtime_r(&secs, &tm) ||
	    !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		xfail(&x, "last-update time out of range", NULL, 0);
		goto done;
	}

	size_t start = out->len;
	jb_obj_open(out);
	jb_key(out, "ietf-mud:mud");
	jb_obj_open(out);
	jb_ku64(out, "mud-version", 1);
	jb_kstr(out, "mud-url", mud_url);
	jb_kstr(out, "last-update", ts);
	jb_ku64(out, "cache-validity", MUD_CACHE_VALIDITY_H);
	jb_kbool(out, "is-supported", 1);
	/* YANG: at most 60 characters */
	jb_kstr(out, "systeminfo", "Behaviour learned by edgeward");
	put_policy(out, "from-device-policy", tag, has, 1);
	put_policy(out, "to-device-policy", tag, has, 0);
	jb_obj_close(out);
	jb_key(out, "ietf-access-control-list:acls");
	jb_obj_open(out);
	jb_key(out, "acl");
	jb_arr_open(out);
	for (int f = 0; f < 2; f++) {
		if (!has[f])
			continue;
		for (int dir = 1; dir >= 0; dir--) {
			size_t idx = 0;
			acl_name(name, sizeof(name), tag, f ? 6 : 4, dir);
			jb_obj_open(out);
			jb_kstr(out, "name", name);
			jb_kstr(out, "type", f ? "ipv6-acl-type" :
			    "ipv4-acl-type");
			jb_key(out, "aces");
			jb_obj_open(out);
			jb_key(out, "ace");
			jb_arr_open(out);
			for (size_t i = 0; i < x.n; i++)
				if ((x.cv[i].fam == 6) == f)
					put_ace(out, name, idx++, &x.cv[i],
					    dir);
			jb_arr_close(out);
			jb_obj_close(out);
			jb_obj_close(out);
		}
	}
	jb_arr_close(out);
	jb_obj_close(out);
	jb_obj_close(out);
	if (out->err) {
		xfail(&x, "out of memory writing the MUD file", NULL, 0);
		goto done;
	}
	if (out->len - start > MUD_EXPORT_MAX_BYTES) {
		xfail(&x, "the MUD file would be larger than "
		    "MUD_EXPORT_MAX_BYTES", NULL, 0);
		goto done;
	}
	rc = 0;
done:
	ew_free(x.cv);
	json_decref(root);
	return rc;
}
