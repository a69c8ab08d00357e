/* bl_persist.c - a device's baseline as the JSON blob the store keeps
 * (kind "learned"; MUD export and `policy propose` read the same blob),
 * restoring it, attaching imported MUD profiles, and folding alerts the
 * user marked expected back into the baseline. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/bl_int.h"
#include "policy/mud.h"
#include "util/json.h"

#define BLOB_MAX (256u << 10)

static void kaddr(struct jbuf *jb, const char *key, const struct addr *a)
{
	char buf[ADDR_STRLEN];

	addr_fmt(a, buf, sizeof(buf));
	jb_kstr(jb, key, buf);
}

static void kcc(struct jbuf *jb, const char *key, geo_cc cc)
{
	char buf[3];

	geo_cc_str(cc, buf);
	jb_kstr(jb, key, buf);
}

static void kdbl(struct jbuf *jb, const char *key, double v)
{
	jb_key(jb, key);
	jb_dbl(jb, v, 1);
}

static void ports(struct jbuf *jb, const char *key, const struct bl_port *v,
    unsigned n, int with_from)
{
	static const char *const from[] = { "", "local", "remote", "both" };

	jb_key(jb, key);
	jb_arr_open(jb);
	for (unsigned i = 0; i < n; i++) {
		jb_obj_open(jb);
		jb_ku64(jb, "proto", v[i].proto);
		jb_ku64(jb, "port", v[i].port);
		if (with_from)
			jb_kstr(jb, "from", from[v[i].from & 3]);
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
}

static void write_blob(struct jbuf *jb, const struct bl_key *k,
    const struct bl_dev *d)
{
	char key[ADDR_STRLEN], mac[MAC_STRLEN] = "";

	bl_key_fmt(k, key, sizeof(key));
	if (d->has_mac)
		mac_fmt(d->mac, mac, sizeof(mac));
	jb_obj_open(jb);
	jb_ku64(jb, "v", 1);
	jb_kstr(jb, "key", key);
	jb_kstr(jb, "mac", mac);
	kaddr(jb, "ip", &d->ip);
	jb_kstr(jb, "class", d->cls[0] && strcmp(d->cls, "unknown") ?
	    d->cls : "");
	jb_ku64(jb, "first_seen", d->first_seen);
	jb_ku64(jb, "last_seen", d->last_seen);
	jb_ku64(jb, "learn_until", d->learn_until);
	jb_kstr(jb, "phase", d->active ? "active" : "learning");
	jb_key(jb, "remotes");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->nremotes; i++) {
		const struct bl_remote *r = &d->remotes[i];
		jb_obj_open(jb);
		kaddr(jb, "ip", &r->ip);
		jb_kstr(jb, "name", r->name && r->name <= d->nnames ?
		    d->names[r->name - 1] : "");
		kcc(jb, "cc", r->cc);
		jb_ku64(jb, "proto", r->proto);
		jb_ku64(jb, "port", r->port);
		jb_ku64(jb, "n", r->n);
		jb_ku64(jb, "first", r->first);
		jb_ku64(jb, "last", r->last);
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
	jb_key(jb, "peers");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->npeers; i++) {
		const struct bl_peer *p = &d->peers[i];
		char pm[MAC_STRLEN] = "";
		if (p->has_mac)
			mac_fmt(p->mac, pm, sizeof(pm));
		jb_obj_open(jb);
		kaddr(jb, "ip", &p->ip);
		jb_kstr(jb, "mac", pm);
		jb_ku64(jb, "proto", p->proto);
		jb_ku64(jb, "port", p->port);
		jb_kstr(jb, "dir", p->dir_in ? "in" : "out");
		jb_ku64(jb, "n", p->n);
		jb_ku64(jb, "first", p->first);
		jb_ku64(jb, "last", p->last);
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
	ports(jb, "services", d->services, d->nservices, 0);
	ports(jb, "listen", d->listen, d->nlisten, 1);
	jb_key(jb, "countries");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->ncountries; i++) {
		char cc[3];
		geo_cc_str(d->countries[i], cc);
		jb_str(jb, cc);
	}
	jb_arr_close(jb);
	jb_key(jb, "apps");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->napps; i++)
		jb_str(jb, d->apps[i]);
	jb_arr_close(jb);
	jb_key(jb, "volume");
	jb_obj_open(jb);
	jb_ku64(jb, "bucket_s", BL_BUCKET_S);
	kdbl(jb, "out_mean", d->out_mean);
	kdbl(jb, "out_dev", d->out_dev);
	kdbl(jb, "out_max", d->out_peak);
	kdbl(jb, "in_mean", d->in_mean);
	kdbl(jb, "in_max", d->in_peak);
	jb_ku64(jb, "buckets", d->buckets);
	jb_obj_close(jb);
	jb_key(jb, "hours");
	jb_arr_open(jb);
	for (unsigned h = 0; h < 24; h++)
		if (d->hours & (1u << h))
			jb_u64(jb, h);
	jb_arr_close(jb);
	/* what only a restore needs */
	jb_key(jb, "state");
	jb_obj_open(jb);
	jb_key(jb, "domains");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->ndomains; i++)
		jb_u64(jb, d->domains[i]);
	jb_arr_close(jb);
	jb_key(jb, "budget");
	jb_arr_open(jb);
	for (int i = 0; i < BL_K_NOVEL; i++) {
		jb_arr_open(jb);
		jb_dbl(jb, d->budget[i].tokens, 3);
		jb_dbl(jb, d->budget[i].cap, 3);
		jb_u64(jb, d->budget[i].last);
		jb_u64(jb, d->budget[i].late);
		jb_arr_close(jb);
	}
	jb_arr_close(jb);
	jb_ku64(jb, "bucket", d->bucket);
	jb_kbool(jb, "hours_ok", d->hours_ok);
	jb_obj_close(jb);
	jb_obj_close(jb);
}

size_t bl_export_changed(struct baseline *b, uint64_t *cursor,
    bl_export_fn fn, void *ud)
{
	struct jbuf jb;
	size_t n = 0;
	uint64_t top = *cursor;
	char key[ADDR_STRLEN];

	jb_init(&jb, BLOB_MAX);
	for (struct bl_dev *d = lrutab_first(b->devs); d;
	    d = lrutab_next(b->devs, d)) {
		if (d->gen <= *cursor)
			continue;
		if (d->gen > top)
			top = d->gen;
		const struct bl_key *k = lrutab_key(b->devs, d);
		jb_reset(&jb);
		write_blob(&jb, k, d);
		if (jb.err || !jb.buf)
			continue;
		bl_key_fmt(k, key, sizeof(key));
		if (fn)
			fn(key, d->last_seen, jb.buf, jb.len, ud);
		n++;
	}
	jb_fini(&jb);
	*cursor = top;
	return n;
}

/* ---- restore ------------------------------------------------------------ */

int bl_key_parse(const char *s, struct bl_key *k)
{
	uint8_t mac[6];
	struct addr a;

	if (mac_parse(s, mac) == 0) {
		bl_key_mac(k, mac);
		return 0;
	}
	if (addr_parse(s, &a) < 0)
		return -1;
	bl_key_ip(k, &a);
	return 0;
}

/* "" is no address (family 0); anything else must parse. */
static int parse_addr(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	return s && s[0] ? addr_parse(s, a) : 0;
}

static uint64_t ju64(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) >= 0 ?
	    (uint64_t)json_integer_value(v) : 0;
}

static double jdbl(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : 0;
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int jport(json_t *o, uint8_t *proto, uint16_t *port)
{
	uint64_t pr = ju64(o, "proto"), po = ju64(o, "port");

	if (pr > 255 || po > 65535)
		return -1;
	*proto = (uint8_t)pr;
	*port = (uint16_t)po;
	return 0;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

static int restore_sets(struct baseline *b, struct bl_dev *d, json_t *root,
    char *err, size_t errlen)
{
	size_t i;
	json_t *v;
	uint8_t proto;
	uint16_t port;
	struct addr a;

	json_array_foreach(json_object_get(root, "remotes"), i, v) {
		if (i >= BL_MAX_REMOTES)
			break;
		if (parse_addr(jstr(v, "ip"), &a) < 0 || !a.family ||
		    jport(v, &proto, &port) < 0)
			BAD("remotes[%zu]: bad address or port", i);
		struct bl_remote *r = &d->remotes[d->nremotes++];
		r->ip = a;
		r->proto = proto;
		r->port = port;
		r->cc = geo_cc_parse(jstr(v, "cc"));
		r->n = (uint32_t)ju64(v, "n");
		r->first = ju64(v, "first");
		r->last = ju64(v, "last");
		const char *nm = jstr(v, "name");
		if (nm[0]) {
			unsigned j;
			for (j = 0; j < d->nnames &&
			    strncmp(d->names[j], nm, BL_NAME_LEN - 1); j++)
				;
			if (j == d->nnames && d->nnames < BL_MAX_NAMES)
				snprintf(d->names[d->nnames++], BL_NAME_LEN,
				    "%s", nm);
			if (j < d->nnames)
				r->name = (uint8_t)(j + 1);
		}
	}
	json_array_foreach(json_object_get(root, "peers"), i, v) {
		uint8_t mac[6];
		int has_mac = mac_parse(jstr(v, "mac"), mac) == 0;
		if (parse_addr(jstr(v, "ip"), &a) < 0 || !a.family ||
		    jport(v, &proto, &port) < 0)
			BAD("peers[%zu]: bad address or port", i);
		struct bl_peer *p = bl_add_peer(b, d, &a, has_mac ? mac : NULL,
		    proto, port, strcmp(jstr(v, "dir"), "in") == 0,
		    ju64(v, "first"));
		p->n = (uint32_t)ju64(v, "n");
		p->last = ju64(v, "last");
	}
	json_array_foreach(json_object_get(root, "services"), i, v) {
		if (jport(v, &proto, &port) < 0)
			BAD("services[%zu]: bad port", i);
		bl_add_service(b, d, proto, port);
	}
	json_array_foreach(json_object_get(root, "listen"), i, v) {
		const char *f = jstr(v, "from");
		if (jport(v, &proto, &port) < 0)
			BAD("listen[%zu]: bad port", i);
		bl_add_listen(b, d, proto, port, (uint8_t)(
		    strcmp(f, "remote") == 0 ? 2 : strcmp(f, "both") == 0 ?
		    3 : 1));
	}
	json_array_foreach(json_object_get(root, "countries"), i, v) {
		geo_cc cc = geo_cc_parse(json_is_string(v) ?
		    json_string_value(v) : "");
		if (!cc)
			BAD("countries[%zu]: not a country code", i);
		bl_add_country(b, d, cc);
	}
	json_array_foreach(json_object_get(root, "apps"), i, v) {
		if (d->napps < BL_MAX_APPS && json_is_string(v))
			snprintf(d->apps[d->napps++], BL_APP_LEN, "%s",
			    json_string_value(v));
	}
	json_array_foreach(json_object_get(root, "hours"), i, v) {
		if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    json_integer_value(v) < 24)
			d->hours |= 1u << json_integer_value(v);
	}
	return 0;
fail:
	return -1;
}

int bl_restore(struct baseline *b, const char *json, size_t len, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *root = NULL, *st, *v;
	struct bl_key k;
	struct bl_dev *d, scratch;
	size_t i;

	if (len > BLOB_MAX)
		BAD("baseline blob too large");
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(root))
		BAD("baseline blob: %s", root ? "not an object" : je.text);
	if (ju64(root, "v") != 1)
		BAD("baseline blob: unknown version");
	if (bl_key_parse(jstr(root, "key"), &k) < 0)
		BAD("baseline blob: bad key");
	if (lrutab_find(b->devs, &k))
		BAD("baseline blob: device already present");
	/* fill a scratch record, so a bad blob changes nothing */
	d = &scratch;
	memset(d, 0, sizeof(*d));
	if (k.kind == 1) {
		d->has_mac = 1;
		memcpy(d->mac, k.b, 6);
	}
	if (parse_addr(jstr(root, "ip"), &d->ip) < 0)
		BAD("baseline blob: bad ip");
	snprintf(d->cls, sizeof(d->cls), "%s", jstr(root, "class"));
	d->first_seen = ju64(root, "first_seen");
	d->last_seen = ju64(root, "last_seen");
	d->learn_until = ju64(root, "learn_until");
	d->active = strcmp(jstr(root, "phase"), "active") == 0;
	if (restore_sets(b, d, root, err, errlen) < 0)
		goto fail;
	v = json_object_get(root, "volume");
	d->out_mean = jdbl(v, "out_mean");
	d->out_dev = jdbl(v, "out_dev");
	d->out_peak = jdbl(v, "out_max");
	d->in_mean = jdbl(v, "in_mean");
	d->in_peak = jdbl(v, "in_max");
	d->buckets = ju64(v, "buckets");
	st = json_object_get(root, "state");
	json_array_foreach(json_object_get(st, "domains"), i, v)
		if (json_is_integer(v) && d->ndomains < BL_MAX_DOMAINS)
			d->domains[d->ndomains++] =
			    (uint32_t)json_integer_value(v);
	json_array_foreach(json_object_get(st, "budget"), i, v) {
		if (i >= BL_K_NOVEL || json_array_size(v) != 4)
			break;
		d->budget[i].tokens = json_number_value(json_array_get(v, 0));
		d->budget[i].cap = json_number_value(json_array_get(v, 1));
		d->budget[i].last =
		    (uint64_t)json_integer_value(json_array_get(v, 2));
		d->budget[i].late =
		    (uint32_t)json_integer_value(json_array_get(v, 3));
	}
	d->bucket = ju64(st, "bucket");
	d->hours_ok = json_is_true(json_object_get(st, "hours_ok"));
	d->general = 0;
	json_decref(root);
	struct bl_dev *nd = bl_dev_get(b, &k, d->first_seen);
	*nd = *d;
	bl_touch(b, nd);
	return 0;
fail:
	json_decref(root);
	return -1;
}

int bl_attach_mud(struct baseline *b, const char *key, const char *json,
    size_t len, char *err, size_t errlen)
{
	struct bl_key k;
	struct mud_profile *p;
	struct bl_dev *d;

	if (bl_key_parse(key, &k) < 0) {
		snprintf(err, errlen, "%s: not a device key", key);
		return -1;
	}
	if (!(p = mud_parse(json, len, err, errlen)))
		return -1;
	d = bl_dev_get(b, &k, b->now);
	mud_free(d->mud);
	d->mud = p;
	snprintf(d->mud_url, sizeof(d->mud_url), "%s", mud_profile_url(p));
	return 0;
}

/* ---- folding an expected alert ------------------------------------------- */

static int fold_item(struct baseline *b, struct bl_dev *d, const char *item,
    uint64_t ts)
{
	char a[64], c[16];
	unsigned port;
	uint8_t proto;
	struct addr ip;

	if (strncmp(item, "country=", 8) == 0) {
		geo_cc cc = geo_cc_parse(item + 8);
		return cc ? (bl_add_country(b, d, cc), 1) : 0;
	}
	if (sscanf(item, "service=%15[a-z0-9]/%u", c, &port) == 2 &&
	    port <= 65535 && bl_proto_parse(c, &proto) == 0)
		return bl_add_service(b, d, proto, (uint16_t)port), 1;
	if (strncmp(item, "domain=", 7) == 0)
		return bl_add_domain(b, d, bl_domain_hash(item + 7, a,
		    sizeof(a))), 1;
	if (sscanf(item, "peer=%63s %15[a-z0-9]/%u", a, c, &port) == 3 &&
	    port <= 65535 && bl_proto_parse(c, &proto) == 0 &&
	    parse_addr(a, &ip) == 0 && ip.family) {
		bl_add_peer(b, d, &ip, NULL, proto, (uint16_t)port, 0, ts);
		return 1;
	}
	if (sscanf(item, "serve=%15[a-z0-9]/%u", c, &port) == 2 &&
	    port <= 65535 && bl_proto_parse(c, &proto) == 0)
		return bl_add_listen(b, d, proto, (uint16_t)port, 3), 1;
	if (strncmp(item, "bytes_per_min=", 14) == 0) {
		double v = strtod(item + 14, NULL);
		if (v > d->out_peak)
			d->out_peak = v;
		bl_touch(b, d);
		return 1;
	}
	if (sscanf(item, "%2u:00", &port) == 1 && port < 24) {
		d->hours |= 1u << port;
		bl_touch(b, d);
		return 1;
	}
	return 0;
}

int bl_fold_alert(struct baseline *b, const char *alert_json, size_t len)
{
	json_error_t je;
	json_t *root = json_loadb(alert_json, len, 0, &je);
	json_t *al, *det, *ex;
	struct bl_key k;
	struct bl_dev *d;
	int r = 0;

	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	al = json_object_get(root, "alert");
	det = json_object_get(json_object_get(al, "metadata"), "detector");
	ex = json_object_get(root, "explain");
	if (!json_is_array(det) || !json_is_string(json_array_get(det, 0)) ||
	    strcmp(json_string_value(json_array_get(det, 0)), "baseline"))
		goto out;
	if (bl_key_parse(jstr(root, "src_mac"), &k) < 0 &&
	    bl_key_parse(jstr(root, "src_ip"), &k) < 0)
		goto out;
	if (!(d = lrutab_find(b->devs, &k)))
		goto out;
	r = fold_item(b, d, jstr(ex, "item"), b->now);
out:
	json_decref(root);
	return r;
}
