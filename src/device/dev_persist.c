/* dev_persist.c - the inventory across restarts: export of the devices
 * changed since a cursor (for the store) and restore from their state
 * blobs.
 *
 * The state blob is a JSON object holding every field of a table record,
 * so a restored device continues exactly where it stopped: identity,
 * addresses with their times, counters, every evidence item with count
 * and times, the identification with confidences and reasons, roles,
 * the gateway detector's remote-network hashes, classification pacing
 * (last run, pending evidence), event bookkeeping (what was reported) and
 * alert counts. Times are integer nanoseconds (exact, unlike the ISO
 * text of devices.json). Strings are JSON strings when they are valid
 * UTF-8, else hex under the same key with "_x" appended: packet-derived
 * bytes survive the round trip unchanged.
 *
 * Reading is strict: a blob of another version, with an unknown or
 * missing field, a value out of range, an array longer than the record
 * holds, or a string longer than its field is refused as a whole; it is
 * parsed into a scratch record first and only then put in the table. */
#include "device/inv_int.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"

#define DEV_STATE_VERSION 1
/* Largest blob read or written: a full record with every string hex
 * encoded is about 30 KiB. */
#define DEV_STATE_MAX (128u * 1024u)

/* ---- strings ---------------------------------------------------------- */

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF),
 * the same rule the JSON parser applies when reading back. */
static int utf8_ok(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s) {
		unsigned c = *s, len;
		uint32_t cp;
		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		for (unsigned i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i] & 0x3fu);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		s += len;
	}
	return 1;
}

/* key: s, or key_x: hex of s when s is not UTF-8. */
static void put_bytes(struct jbuf *jb, const char *key, const char *s,
    size_t size)
{
	static const char hexd[] = "0123456789abcdef";
	char k[32], hex[2 * 256 + 1];
	size_t n = strnlen(s, size);

	if (n < size && utf8_ok(s)) {
		jb_kstr(jb, key, s);
		return;
	}
	if (n > 256)
		n = 256;
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = hexd[(unsigned char)s[i] >> 4];
		hex[2 * i + 1] = hexd[(unsigned char)s[i] & 15];
	}
	hex[2 * n] = '\0';
	snprintf(k, sizeof(k), "%s_x", key);
	jb_kstr(jb, k, hex);
}

/* ---- writing ---------------------------------------------------------- */

/* The key as text: the MAC, or the address of a device seen without L2. */
static void key_text(const struct dev_inv *inv, const struct dev_rec *r,
    char *buf, size_t size)
{
	const struct dev_key *k = lrutab_key(inv->devs, r);
	if (k->type == 1) {
		mac_fmt(k->b, buf, size);
	} else {
		struct addr a;
		memset(&a, 0, sizeof(a));
		a.family = k->type;
		memcpy(a.a, k->b, 16);
		addr_fmt(&a, buf, size);
	}
}

static void put_attr(struct jbuf *jb, const char *key,
    const struct dev_attr *a)
{
	jb_key(jb, key);
	jb_obj_open(jb);
	put_bytes(jb, "value", a->value, sizeof(a->value));
	jb_ku64(jb, "confidence", a->confidence);
	put_bytes(jb, "why", a->why, sizeof(a->why));
	jb_obj_close(jb);
}

static void state_write(struct jbuf *jb, const struct dev_inv *inv,
    const struct dev_rec *r)
{
	const struct device *d = &r->d;
	char buf[ADDR_STRLEN];

	jb_obj_open(jb);
	jb_ku64(jb, "v", DEV_STATE_VERSION);
	key_text(inv, r, buf, sizeof(buf));
	jb_kstr(jb, "key", buf);
	jb_key(jb, "mac");
	if (d->has_mac) {
		mac_fmt(d->mac, buf, sizeof(buf));
		jb_str(jb, buf);
	} else {
		jb_null(jb);
	}
	jb_kbool(jb, "mac_random", d->mac_random);
	jb_ku64(jb, "roles", d->roles);
	jb_ku64(jb, "first_seen", d->first_seen);
	jb_ku64(jb, "last_seen", d->last_seen);
	jb_ku64(jb, "pkts", d->pkts);
	jb_ku64(jb, "bytes", d->bytes);
	jb_ku64(jb, "bytes_clear", d->bytes_clear);
	jb_ku64(jb, "bytes_enc", d->bytes_enc);
	put_bytes(jb, "hostname", d->hostname, sizeof(d->hostname));
	jb_ku64(jb, "name_src", r->name_src);
	jb_key(jb, "previous_macs");
	jb_arr_open(jb);
	for (unsigned i = 0; i < 2; i++)
		if (d->previous_macs[i][0])
			jb_strn(jb, d->previous_macs[i],
			    strnlen(d->previous_macs[i], MAC_STRLEN));
	jb_arr_close(jb);
	jb_key(jb, "addresses");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->nips && i < DEV_MAX_IPS; i++) {
		jb_obj_open(jb);
		addr_fmt(&d->ips[i].ip, buf, sizeof(buf));
		jb_kstr(jb, "ip", buf);
		jb_ku64(jb, "first_seen", d->ips[i].first_seen);
		jb_ku64(jb, "last_seen", d->ips[i].last_seen);
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
	jb_key(jb, "evidence");
	jb_arr_open(jb);
	for (unsigned i = 0; i < d->nev && i < DEV_MAX_EVIDENCE; i++) {
		const struct dev_evidence *e = &d->ev[i];
		const char *k = dev_ev_kind_name((enum dev_ev_kind)e->kind);
		jb_obj_open(jb);
		jb_kstr(jb, "kind", k ? k : "?");
		put_bytes(jb, "value", e->value, sizeof(e->value));
		jb_ku64(jb, "count", e->count);
		jb_ku64(jb, "first_seen", e->first_seen);
		jb_ku64(jb, "last_seen", e->last_seen);
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
	jb_ku64(jb, "evidence_dropped", d->ev_dropped);
	jb_key(jb, "identification");
	jb_obj_open(jb);
	put_attr(jb, "vendor", &d->vendor);
	put_attr(jb, "class", &d->cls);
	put_attr(jb, "model", &d->model);
	put_attr(jb, "os", &d->os);
	put_attr(jb, "label", &d->label);
	jb_obj_close(jb);
	jb_ku64(jb, "confidence", d->confidence);
	jb_ku64(jb, "ident_version", d->ident_version);
	jb_ku64(jb, "ident_reported", d->ident_reported);
	jb_key(jb, "alerts");
	jb_arr_open(jb);
	for (unsigned i = 0; i < 4; i++)
		jb_u64(jb, d->alerts[i]);
	jb_arr_close(jb);
	jb_ku64(jb, "last_classify", r->last_classify);
	jb_kbool(jb, "dirty", r->dirty);
	jb_kbool(jb, "reported", r->reported);
	jb_ku64(jb, "merged", r->merged);
	jb_key(jb, "remote");
	jb_arr_open(jb);
	for (unsigned i = 0; i < r->nremote && i < DEV_GATEWAY_REMOTE_IPS; i++)
		jb_u64(jb, r->remote[i]);
	jb_arr_close(jb);
	jb_obj_close(jb);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static size_t export_since(struct dev_inv *inv, uint64_t *cursor,
    dev_export_fn fn, void *ud, int identity)
{
	uint64_t since = *cursor, gen = inv->gen;
	struct jbuf js, st;
	size_t n = 0;

	/* A new generation starts now: whatever changes from here on is
	 * stamped above the cursor handed back. */
	*cursor = gen;
	inv->gen = gen + 1;
	if (!fn)		/* just move the cursor (after a restore) */
		return 0;
	jb_init(&js, DEV_STATE_MAX);
	jb_init(&st, DEV_STATE_MAX);
	for (struct dev_rec *r = lrutab_first(inv->devs); r;
	    r = lrutab_next(inv->devs, r)) {
		if ((identity ? r->ichg : r->chg) <= since)
			continue;
		const struct device *d = &r->d;
		char key[ADDR_STRLEN], mac[MAC_STRLEN], ip[ADDR_STRLEN];
		jb_reset(&js);
		jb_reset(&st);
		dev_json_device(&js, r, 1);
		state_write(&st, inv, r);
		if (js.err || st.err)	/* cannot happen: records are bounded */
			continue;
		key_text(inv, r, key, sizeof(key));
		mac[0] = ip[0] = '\0';
		if (d->has_mac)
			mac_fmt(d->mac, mac, sizeof(mac));
		if (d->nips)
			addr_fmt(&d->ips[d->nips - 1].ip, ip, sizeof(ip));
		struct dev_export x = {
			.key = key, .mac = mac, .ip = ip,
			.vendor = d->vendor.value,
			.cls = d->cls.value[0] ? d->cls.value :
			    or_empty(dev_class_name(DEV_CLASS_UNKNOWN)),
			.model = d->model.value,
			.name = d->label.value[0] ? d->label.value :
			    d->hostname,
			.first_seen = d->first_seen, .last_seen = d->last_seen,
			.pkts = d->pkts, .bytes = d->bytes,
			.json = js.buf, .json_len = js.len,
			.state = st.buf, .state_len = st.len,
		};
		fn(&x, ud);
		n++;
	}
	jb_fini(&js);
	jb_fini(&st);
	return n;
}

size_t dev_export_changed(struct dev_inv *inv, uint64_t *cursor,
    dev_export_fn fn, void *ud)
{
	return export_since(inv, cursor, fn, ud, 0);
}

size_t dev_export_identity(struct dev_inv *inv, uint64_t *cursor,
    dev_export_fn fn, void *ud)
{
	return export_since(inv, cursor, fn, ud, 1);
}

/* ---- reading ---------------------------------------------------------- */

struct rd {
	char *err;
	size_t errlen;
	int failed;
};

static int fail(struct rd *rd, const char *where, const char *what)
{
	if (!rd->failed)
		snprintf(rd->err, rd->errlen, "device state: %s: %s", where,
		    what);
	rd->failed = 1;
	return -1;
}

/* Every key of o must be one of names (NULL-terminated). */
static int only_keys(struct rd *rd, const char *where, json_t *o,
    const char *const *names)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		unsigned i;
		(void)v;
		for (i = 0; names[i]; i++)
			if (strcmp(k, names[i]) == 0)
				break;
		if (!names[i]) {
			char w[160];
			snprintf(w, sizeof(w), "%s.%.60s", where, k);
			return fail(rd, w, "unknown field");
		}
	}
	return 0;
}

static int get_u64(struct rd *rd, json_t *o, const char *where,
    const char *name, uint64_t max, uint64_t *out)
{
	char w[160];
	json_t *v = json_object_get(o, name);
	snprintf(w, sizeof(w), "%s%s%s", where, where[0] ? "." : "", name);
	if (!v)
		return fail(rd, w, "missing");
	if (!json_is_integer(v))
		return fail(rd, w, "not an integer");
	json_int_t i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return fail(rd, w, "out of range");
	*out = (uint64_t)i;
	return 0;
}

static int get_bool(struct rd *rd, json_t *o, const char *name,
    uint8_t *out)
{
	json_t *v = json_object_get(o, name);
	if (!v)
		return fail(rd, name, "missing");
	if (!json_is_boolean(v))
		return fail(rd, name, "not a boolean");
	*out = json_is_true(v) ? 1 : 0;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* name (text) or name_x (hex) into buf[size]; both absent: "" when
 * optional. Refuses what would not fit, NULs and empty hex. */
static int get_bytes(struct rd *rd, json_t *o, const char *where,
    const char *name, char *buf, size_t size, int optional)
{
	char kx[32], w[160];
	json_t *v = json_object_get(o, name), *vx;
	snprintf(kx, sizeof(kx), "%s_x", name);
	vx = json_object_get(o, kx);
	snprintf(w, sizeof(w), "%s%s%s", where, where[0] ? "." : "", name);
	buf[0] = '\0';
	if (v && vx)
		return fail(rd, w, "given twice");
	if (!v && !vx)
		return optional ? 0 : fail(rd, w, "missing");
	if (v) {
		if (!json_is_string(v))
			return fail(rd, w, "not a string");
		size_t n = json_string_length(v);
		const char *s = json_string_value(v);
		if (n >= size)
			return fail(rd, w, "too long");
		if (strlen(s) != n)
			return fail(rd, w, "holds a NUL");
		memcpy(buf, s, n + 1);
		return 0;
	}
	if (!json_is_string(vx))
		return fail(rd, w, "not a string");
	size_t n = json_string_length(vx);
	const char *s = json_string_value(vx);
	if (n == 0 || n % 2 || n / 2 >= size)
		return fail(rd, w, "bad hex length");
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return fail(rd, w, "bad hex");
		buf[i] = (char)((hi << 4) | lo);
		if (!buf[i])
			return fail(rd, w, "holds a NUL");
	}
	buf[n / 2] = '\0';
	return 0;
}

/* Canonical lower-case "aa:bb:cc:dd:ee:ff" only. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -1;
	for (unsigned i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)((hi << 4) | lo);
	}
	return 0;
}

static json_t *get_array(struct rd *rd, json_t *o, const char *name,
    size_t max)
{
	json_t *v = json_object_get(o, name);
	if (!v) {
		fail(rd, name, "missing");
		return NULL;
	}
	if (!json_is_array(v)) {
		fail(rd, name, "not an array");
		return NULL;
	}
	if (json_array_size(v) > max) {
		fail(rd, name, "more entries than a device holds");
		return NULL;
	}
	return v;
}

static int rd_times(struct rd *rd, json_t *o, const char *where,
    uint64_t *first, uint64_t *last)
{
	if (get_u64(rd, o, where, "first_seen", INT64_MAX, first) < 0 ||
	    get_u64(rd, o, where, "last_seen", INT64_MAX, last) < 0)
		return -1;
	if (*first > *last)
		return fail(rd, where, "first_seen after last_seen");
	return 0;
}

static int rd_attr(struct rd *rd, json_t *id, const char *name,
    struct dev_attr *a, int is_class)
{
	static const char *const keys[] = { "value", "value_x", "confidence",
		"why", "why_x", NULL };
	char w[64];
	uint64_t c;
	json_t *o = json_object_get(id, name);
	snprintf(w, sizeof(w), "identification.%s", name);
	if (!o || !json_is_object(o))
		return fail(rd, w, "missing or not an object");
	if (only_keys(rd, w, o, keys) < 0 ||
	    get_bytes(rd, o, w, "value", a->value, sizeof(a->value), 0) < 0 ||
	    get_u64(rd, o, w, "confidence", 100, &c) < 0 ||
	    get_bytes(rd, o, w, "why", a->why, sizeof(a->why), 0) < 0)
		return -1;
	a->confidence = (uint8_t)c;
	if (is_class && a->value[0] && dev_class_parse(a->value) < 0)
		return fail(rd, w, "unknown class");
	return 0;
}

static int rd_addresses(struct rd *rd, json_t *o, struct device *d)
{
	static const char *const keys[] = { "ip", "first_seen", "last_seen",
		NULL };
	json_t *arr = get_array(rd, o, "addresses", DEV_MAX_IPS);
	if (!arr)
		return -1;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		char w[32];
		snprintf(w, sizeof(w), "addresses[%zu]", i);
		if (!json_is_object(e))
			return fail(rd, w, "not an object");
		json_t *ip = json_object_get(e, "ip");
		struct addr a;
		if (only_keys(rd, w, e, keys) < 0)
			return -1;
		if (!ip || !json_is_string(ip) ||
		    addr_parse(json_string_value(ip), &a) < 0)
			return fail(rd, w, "bad ip");
		for (unsigned j = 0; j < d->nips; j++)
			if (addr_cmp(&d->ips[j].ip, &a) == 0)
				return fail(rd, w, "duplicate address");
		if (rd_times(rd, e, w, &d->ips[d->nips].first_seen,
		    &d->ips[d->nips].last_seen) < 0)
			return -1;
		d->ips[d->nips].ip = a;
		d->nips++;
	}
	return 0;
}

static int rd_evidence(struct rd *rd, json_t *o, struct device *d)
{
	static const char *const keys[] = { "kind", "value", "value_x",
		"count", "first_seen", "last_seen", NULL };
	json_t *arr = get_array(rd, o, "evidence", DEV_MAX_EVIDENCE);
	if (!arr)
		return -1;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		struct dev_evidence *x = &d->ev[d->nev];
		char w[32];
		uint64_t cnt;
		snprintf(w, sizeof(w), "evidence[%zu]", i);
		if (!json_is_object(e))
			return fail(rd, w, "not an object");
		if (only_keys(rd, w, e, keys) < 0)
			return -1;
		json_t *k = json_object_get(e, "kind");
		int kind = k && json_is_string(k) ?
		    dev_ev_kind_parse(json_string_value(k)) : -1;
		if (kind < 0)
			return fail(rd, w, "unknown kind");
		x->kind = (uint8_t)kind;
		if (get_bytes(rd, e, w, "value", x->value, sizeof(x->value),
		    0) < 0)
			return -1;
		if (!x->value[0])
			return fail(rd, w, "empty value");
		if (get_u64(rd, e, w, "count", UINT32_MAX, &cnt) < 0)
			return -1;
		if (cnt == 0)
			return fail(rd, w, "count 0");
		x->count = (uint32_t)cnt;
		if (rd_times(rd, e, w, &x->first_seen, &x->last_seen) < 0)
			return -1;
		for (unsigned j = 0; j < d->nev; j++)
			if (d->ev[j].kind == x->kind &&
			    strcmp(d->ev[j].value, x->value) == 0)
				return fail(rd, w, "duplicate evidence");
		d->nev++;
	}
	return 0;
}

/* Parse a blob into r (zeroed by the caller) and its table key. */
static int rd_state(struct rd *rd, json_t *o, struct dev_rec *r,
    struct dev_key *key)
{
	static const char *const keys[] = { "v", "key", "mac", "mac_random",
		"roles", "first_seen", "last_seen", "pkts", "bytes",
		"bytes_clear", "bytes_enc", "hostname", "hostname_x",
		"name_src", "previous_macs", "addresses", "evidence",
		"evidence_dropped", "identification", "confidence",
		"ident_version", "ident_reported", "alerts", "last_classify",
		"dirty", "reported", "merged", "remote", NULL };
	static const char *const idkeys[] = { "vendor", "class", "model",
		"os", "label", NULL };
	struct device *d = &r->d;
	uint64_t v;
	json_t *x;

	if (!json_is_object(o))
		return fail(rd, "blob", "not a JSON object");
	/* the version first: a newer sensor's blob is refused as such, not
	 * for the fields it added */
	if (get_u64(rd, o, "", "v", UINT32_MAX, &v) < 0)
		return -1;
	if (v != DEV_STATE_VERSION) {
		snprintf(rd->err, rd->errlen, "device state: version %llu "
		    "not supported (this build reads %d)",
		    (unsigned long long)v, DEV_STATE_VERSION);
		rd->failed = 1;
		return -1;
	}
	if (only_keys(rd, "blob", o, keys) < 0)
		return -1;

	/* identity */
	memset(key, 0, sizeof(*key));
	x = json_object_get(o, "key");
	if (!x || !json_is_string(x))
		return fail(rd, "key", "missing or not a string");
	const char *ks = json_string_value(x);
	uint8_t mac[6];
	struct addr ka;
	if (parse_mac(ks, mac) == 0) {
		if (!dev_mac_unicast(mac))
			return fail(rd, "key", "not a unicast MAC");
		key->type = 1;
		memcpy(key->b, mac, 6);
		d->has_mac = 1;
		memcpy(d->mac, mac, 6);
	} else if (addr_parse(ks, &ka) == 0) {
		static const uint8_t zero[16];
		if (!memcmp(ka.a, zero, 16))
			return fail(rd, "key", "unspecified address");
		key->type = ka.family;
		memcpy(key->b, ka.a, 16);
	} else {
		return fail(rd, "key", "neither a MAC nor an address");
	}
	x = json_object_get(o, "mac");
	if (!x)
		return fail(rd, "mac", "missing");
	if (d->has_mac) {
		uint8_t m2[6];
		if (!json_is_string(x) ||
		    parse_mac(json_string_value(x), m2) < 0 ||
		    memcmp(m2, d->mac, 6) != 0)
			return fail(rd, "mac", "not the key's MAC");
	} else if (!json_is_null(x)) {
		return fail(rd, "mac", "set on a device keyed by address");
	}
	if (get_bool(rd, o, "mac_random", &d->mac_random) < 0)
		return -1;
	if (d->mac_random != (d->has_mac && (d->mac[0] & 0x02u)))
		return fail(rd, "mac_random", "disagrees with the MAC");
	if (get_u64(rd, o, "", "roles", DEV_ROLE_GATEWAY |
	    DEV_ROLE_DHCP_SERVER | DEV_ROLE_DNS_SERVER, &v) < 0)
		return -1;
	d->roles = (uint8_t)v;
	if (rd_times(rd, o, "device", &d->first_seen, &d->last_seen) < 0)
		return -1;
	if (get_u64(rd, o, "", "pkts", INT64_MAX, &d->pkts) < 0 ||
	    get_u64(rd, o, "", "bytes", INT64_MAX, &d->bytes) < 0 ||
	    get_u64(rd, o, "", "bytes_clear", INT64_MAX,
	    &d->bytes_clear) < 0 ||
	    get_u64(rd, o, "", "bytes_enc", INT64_MAX, &d->bytes_enc) < 0)
		return -1;
	if (get_bytes(rd, o, "", "hostname", d->hostname,
	    sizeof(d->hostname), 0) < 0)
		return -1;
	if (get_u64(rd, o, "", "name_src", DEV_NAME_DHCP, &v) < 0)
		return -1;
	r->name_src = (uint8_t)v;

	x = get_array(rd, o, "previous_macs", 2);
	if (!x)
		return -1;
	for (size_t i = 0; i < json_array_size(x); i++) {
		json_t *s = json_array_get(x, i);
		uint8_t pm[6];
		if (!json_is_string(s) ||
		    parse_mac(json_string_value(s), pm) < 0)
			return fail(rd, "previous_macs", "not a MAC");
		mac_fmt(pm, d->previous_macs[i], MAC_STRLEN);
	}
	if (rd_addresses(rd, o, d) < 0 || rd_evidence(rd, o, d) < 0)
		return -1;
	if (get_u64(rd, o, "", "evidence_dropped", UINT32_MAX, &v) < 0)
		return -1;
	d->ev_dropped = (uint32_t)v;

	/* identification */
	x = json_object_get(o, "identification");
	if (!x || !json_is_object(x))
		return fail(rd, "identification", "missing or not an object");
	if (only_keys(rd, "identification", x, idkeys) < 0 ||
	    rd_attr(rd, x, "vendor", &d->vendor, 0) < 0 ||
	    rd_attr(rd, x, "class", &d->cls, 1) < 0 ||
	    rd_attr(rd, x, "model", &d->model, 0) < 0 ||
	    rd_attr(rd, x, "os", &d->os, 0) < 0 ||
	    rd_attr(rd, x, "label", &d->label, 0) < 0)
		return -1;
	if (get_u64(rd, o, "", "confidence", 100, &v) < 0)
		return -1;
	d->confidence = (uint8_t)v;
	if (get_u64(rd, o, "", "ident_version", UINT32_MAX, &v) < 0)
		return -1;
	d->ident_version = (uint32_t)v;
	if (get_u64(rd, o, "", "ident_reported", UINT32_MAX, &v) < 0)
		return -1;
	d->ident_reported = (uint32_t)v;

	x = get_array(rd, o, "alerts", 4);
	if (!x)
		return -1;
	if (json_array_size(x) != 4)
		return fail(rd, "alerts", "not 4 counts");
	for (size_t i = 0; i < 4; i++) {
		json_t *c = json_array_get(x, i);
		if (!json_is_integer(c) || json_integer_value(c) < 0 ||
		    json_integer_value(c) > (json_int_t)UINT32_MAX)
			return fail(rd, "alerts", "not a count");
		d->alerts[i] = (uint32_t)json_integer_value(c);
	}

	/* bookkeeping */
	if (get_u64(rd, o, "", "last_classify", INT64_MAX,
	    &r->last_classify) < 0 ||
	    get_bool(rd, o, "dirty", &r->dirty) < 0 ||
	    get_bool(rd, o, "reported", &r->reported) < 0)
		return -1;
	if (get_u64(rd, o, "", "merged", UINT32_MAX, &v) < 0)
		return -1;
	r->merged = (uint32_t)v;
	x = get_array(rd, o, "remote", DEV_GATEWAY_REMOTE_IPS);
	if (!x)
		return -1;
	for (size_t i = 0; i < json_array_size(x); i++) {
		json_t *h = json_array_get(x, i);
		if (!json_is_integer(h) || json_integer_value(h) < 0 ||
		    json_integer_value(h) > (json_int_t)UINT32_MAX)
			return fail(rd, "remote", "not a 32-bit hash");
		r->remote[i] = (uint32_t)json_integer_value(h);
		r->nremote++;
	}
	return 0;
}

/* 1 when mac (text) is one r's device rotated away from. */
static int had_mac(const struct dev_rec *r, const char *mac)
{
	for (unsigned i = 0; i < 2; i++)
		if (strncmp(r->d.previous_macs[i], mac, MAC_STRLEN) == 0)
			return 1;
	return 0;
}

int dev_restore(struct dev_inv *inv, const char *state, size_t len,
    char *err, size_t errlen)
{
	struct rd rd = { err, errlen, 0 };
	struct dev_rec tmp;
	struct dev_key key;
	json_error_t je;
	char ks[MAC_STRLEN];

	if (!state || len == 0)
		return fail(&rd, "blob", "empty");
	if (len > DEV_STATE_MAX)
		return fail(&rd, "blob", "larger than any device's state");
	json_t *o = json_loadb(state, len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		snprintf(err, errlen, "device state: not JSON (%s at %d)",
		    je.text, je.position);
		return -1;
	}
	memset(&tmp, 0, sizeof(tmp));
	int rc = rd_state(&rd, o, &tmp, &key);
	json_decref(o);
	if (rc < 0)
		return -1;
	if (lrutab_find(inv->devs, &key))
		return fail(&rd, "key", "device already in the inventory");

	/* A randomized-MAC rotation merged the record under the old MAC
	 * into the new one; the store may still hold the old row. Restored
	 * after the merged device: skip it. Before: the merged device
	 * supersedes it. */
	if (tmp.d.has_mac && tmp.d.mac_random) {
		mac_fmt(tmp.d.mac, ks, sizeof(ks));
		struct dev_rec *nx;
		for (struct dev_rec *o2 = lrutab_first(inv->devs); o2;
		    o2 = nx) {
			nx = lrutab_next(inv->devs, o2);
			if (had_mac(o2, ks))
				return 0;
		}
		for (struct dev_rec *o2 = lrutab_first(inv->devs); o2;
		    o2 = nx) {
			nx = lrutab_next(inv->devs, o2);
			char om[MAC_STRLEN];
			if (!o2->d.has_mac)
				continue;
			mac_fmt(o2->d.mac, om, sizeof(om));
			if (had_mac(&tmp, om))
				dev_rec_remove(inv, o2);
		}
	}

	/* in the table like a new device (evicting the least recently seen
	 * when full), but not reported as new: the device is not */
	int created = 0;
	struct dev_rec *r = lrutab_get(inv->devs, &key, &created);
	*r = tmp;
	dev_rec_index_ips(inv, r);
	dev_rec_mark_ident(inv, r);
	return 0;
}
