/* routes_devices.c - /api/v1/devices: the inventory (search, paging), one
 * device with its alerts, baselines, destinations and protocols, its
 * traffic over time, and the quarantine / release actions (recorded in
 * the store; the API never loads rules into the kernel). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "api/api_int.h"
#include "policy/quarantine.h"

/* Scalars and small containers from a parsed stored JSON value, through
 * jbuf so the output escaping is ours. depth bounds the recursion. */
static void jb_jansson(struct jbuf *jb, const json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	if (!v || depth > 8) {
		jb_null(jb);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		jb_strn(jb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jb_i64(jb, (int64_t)json_integer_value(v));
		break;
	case JSON_REAL:
		jb_dbl(jb, json_real_value(v), 6);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jb_bool(jb, json_is_true(v));
		break;
	case JSON_ARRAY:
		jb_arr_open(jb);
		json_array_foreach(v, i, x)
			jb_jansson(jb, x, depth + 1);
		jb_arr_close(jb);
		break;
	case JSON_OBJECT:
		jb_obj_open(jb);
		json_object_foreach((json_t *)(uintptr_t)v, k, x) {
			jb_key(jb, k);
			jb_jansson(jb, x, depth + 1);
		}
		jb_obj_close(jb);
		break;
	default:
		jb_null(jb);
	}
}

/* "key": the devices.json object's own field of that name (null without) */
static void k_field(struct jbuf *jb, const json_t *o, const char *key)
{
	jb_key(jb, key);
	jb_jansson(jb, o ? json_object_get(o, key) : NULL, 0);
}

static void jb_open_counts(struct jbuf *jb, const uint64_t open[3])
{
	jb_key(jb, "alerts_open");
	jb_obj_open(jb);
	jb_ku64(jb, "1", open[0]);
	jb_ku64(jb, "2", open[1]);
	jb_ku64(jb, "3", open[2]);
	jb_obj_close(jb);
}

struct dev_list {
	struct api_req *r;
	int rc;
};

/* The D object of the contract. */
static int dev_item(const struct store_device *d, void *ud)
{
	struct dev_list *dl = ud;
	struct jbuf *jb = dl->r->jb;
	json_t *root = json_loadb(d->json, d->json_len, 0, NULL);
	const json_t *o = json_is_object(root) ? root : NULL;
	jb_obj_open(jb);
	jb_kstr(jb, "key", d->key);
	jb_kstr_or_null(jb, "mac", d->mac);
	jb_kstr_or_null(jb, "ip", d->ip);
	k_field(jb, o, "ips");
	jb_kstr_or_null(jb, "vendor", d->vendor);
	jb_kstr_or_null(jb, "class", d->cls);
	jb_kstr_or_null(jb, "model", d->model);
	jb_kstr_or_null(jb, "name", d->name);
	k_field(jb, o, "os");
	k_field(jb, o, "confidence");
	k_field(jb, o, "first_seen");
	k_field(jb, o, "last_seen");
	jb_ku64(jb, "first_seen_ns", d->first_seen);
	jb_ku64(jb, "last_seen_ns", d->last_seen);
	jb_ku64(jb, "pkts", d->pkts);
	jb_ku64(jb, "bytes", d->bytes);
	jb_open_counts(jb, d->alerts_open);
	jb_obj_close(jb);
	json_decref(root);
	return jb->err ? 1 : 0;
}

static void devices_list(struct api_req *r)
{
	static const char *const allowed[] = { "q", "class", "limit", "offset",
	    NULL };
	struct store_device_filter f;
	struct dev_list dl = { r, 0 };
	uint64_t limit, offset, total = 0;
	char err[160];
	int rc;

	if (api_check_params(r, allowed) != 0)
		return;
	memset(&f, 0, sizeof(f));
	f.q = api_param(r->q, "q");
	f.cls = api_param(r->q, "class");
	if (f.q && strlen(f.q) > 200) {
		api_error(r, 400, "q: at most 200 bytes");
		return;
	}
	if (api_parse_page(r->q, &limit, &offset, err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return;
	}
	f.limit = (unsigned)limit;
	f.offset = (unsigned)offset;
	api_page_open(r->jb, "devices");
	rc = store_query_devices(api_store_ro(r), &f, &total, dev_item, &dl);
	if (rc == 0)
		rc = dl.rc;
	api_page_close(r->jb, total, offset, limit);
	if (rc < 0)
		api_store_error(r, rc);
}

/* ---- one device --------------------------------------------------------- */

struct dev_one {
	json_t *root;			/* parsed, for the evidence */
	char *raw;			/* the stored text, served verbatim */
	size_t raw_len;
};

static int dev_grab(const struct store_device *d, void *ud)
{
	struct dev_one *o = ud;
	o->root = json_loadb(d->json, d->json_len, 0, NULL);
	o->raw = malloc(d->json_len + 1);
	if (o->raw) {
		memcpy(o->raw, d->json, d->json_len);
		o->raw[d->json_len] = '\0';
		o->raw_len = d->json_len;
	}
	return 1;
}

static int alert_item(const struct store_alert_row *row, void *ud)
{
	struct jbuf *jb = ud;
	api_alert_json(jb, row);
	return jb->err ? 1 : 0;
}

static int base_item(const char *kind, uint64_t ts, const char *json,
    void *ud)
{
	struct jbuf *jb = ud;
	jb_obj_open(jb);
	jb_kstr(jb, "kind", kind);
	jb_ku64(jb, "ts_ns", ts);
	jb_key(jb, "data");
	api_jb_raw(jb, json, strlen(json));
	jb_obj_close(jb);
	return jb->err ? 1 : 0;
}

/* Evidence items of the kinds a destination is told by. */
static void destinations(struct jbuf *jb, const json_t *ev, int protocols)
{
	static const char *const kinds[] = { "dns.query", "tls.sni",
	    "http.host", "ntp.server", NULL };
	size_t i;
	json_t *e;
	jb_arr_open(jb);
	json_array_foreach(ev, i, e) {
		const char *kind = json_string_value(json_object_get(e, "kind"));
		const json_t *val = json_object_get(e, "value");
		int want = 0;
		if (!kind || !json_is_string(val))
			continue;
		if (protocols)
			want = strcmp(kind, "app_proto") == 0;
		else
			for (size_t k = 0; kinds[k]; k++)
				want |= strcmp(kind, kinds[k]) == 0;
		if (!want)
			continue;
		jb_obj_open(jb);
		if (!protocols)
			jb_kstr(jb, "kind", kind);
		jb_key(jb, protocols ? "name" : "value");
		jb_jansson(jb, val, 0);
		jb_key(jb, "count");
		jb_jansson(jb, json_object_get(e, "count"), 0);
		if (!protocols) {
			jb_key(jb, "last_seen");
			jb_jansson(jb, json_object_get(e, "last_seen"), 0);
		}
		jb_obj_close(jb);
	}
	jb_arr_close(jb);
}

static void device_one(struct api_req *r, const char *key)
{
	struct store *st = api_store_ro(r);
	struct dev_one one = { NULL, NULL, 0 };
	struct store_alert_query aq;
	uint64_t open[3], total;
	struct jbuf *jb = r->jb;
	int rc;

	if (api_check_params(r, NULL) != 0)
		return;
	rc = store_get_device(st, key, dev_grab, &one);
	if (rc < 0) {
		api_store_error(r, rc);
		return;
	}
	if (rc == 0 || !json_is_object(one.root) || !one.raw) {
		json_decref(one.root);
		free(one.raw);
		api_error(r, 404, "no such device");
		return;
	}
	rc = store_alerts_open(st, key, open);
	if (rc < 0)
		goto store_fail;
	jb_obj_open(jb);
	jb_key(jb, "device");
	api_jb_raw(jb, one.raw, one.raw_len);
	jb_kstr(jb, "key", key);
	jb_open_counts(jb, open);
	jb_key(jb, "alerts");
	jb_arr_open(jb);
	memset(&aq, 0, sizeof(aq));
	aq.device = key;
	aq.acked = -1;
	aq.after_id = -1;
	aq.limit = API_DEVICE_ALERTS;
	rc = store_query_alerts(st, &aq, &total, alert_item, jb);
	jb_arr_close(jb);
	if (rc < 0)
		goto store_fail;
	jb_key(jb, "baseline");
	jb_arr_open(jb);
	rc = store_each_baseline_of(st, key, base_item, jb);
	jb_arr_close(jb);
	if (rc < 0)
		goto store_fail;
	{
		const json_t *ev = json_object_get(one.root, "evidence");
		jb_key(jb, "destinations");
		destinations(jb, json_is_array(ev) ? ev : NULL, 0);
		jb_key(jb, "protocols");
		destinations(jb, json_is_array(ev) ? ev : NULL, 1);
	}
	jb_obj_close(jb);
	json_decref(one.root);
	free(one.raw);
	return;
store_fail:
	json_decref(one.root);
	free(one.raw);
	api_store_error(r, rc);
}

static int dev_exists(const struct store_device *d, void *ud)
{
	(void)d;
	(void)ud;
	return 1;
}

static void device_traffic(struct api_req *r, const char *key)
{
	static const char *const allowed[] = { "since", "until", NULL };
	const size_t max = API_TRAFFIC_POINTS + 1;	/* +1: the predecessor */
	struct store *st = api_store_ro(r);
	struct store_traffic_point *pt;
	uint64_t since = 0, until = 0;
	char err[160];
	size_t n = 0;
	int rc;

	if (api_check_params(r, allowed) != 0)
		return;
	if ((api_param(r->q, "since") && api_parse_time("since",
	    api_param(r->q, "since"), &since, err, sizeof(err)) != 0) ||
	    (api_param(r->q, "until") && api_parse_time("until",
	    api_param(r->q, "until"), &until, err, sizeof(err)) != 0)) {
		api_error(r, 400, "%s", err);
		return;
	}
	if (until && since > until) {
		api_error(r, 400, "since: later than until");
		return;
	}
	rc = store_get_device(st, key, dev_exists, NULL);
	if (rc <= 0) {
		if (rc < 0)
			api_store_error(r, rc);
		else
			api_error(r, 404, "no such device");
		return;
	}
	pt = malloc(max * sizeof(*pt));
	if (!pt) {
		api_error(r, 500, "out of memory");
		return;
	}
	rc = store_traffic(st, key, until, pt, max, &n);
	if (rc < 0) {
		free(pt);
		api_store_error(r, rc);
		return;
	}
	jb_obj_open(r->jb);
	jb_kstr(r->jb, "key", key);
	jb_ku64(r->jb, "bucket_s", STORE_TRAFFIC_BUCKET_S);
	jb_key(r->jb, "points");
	jb_arr_open(r->jb);
	/* a full read's oldest sample only serves as the first delta's base */
	for (size_t i = n == max ? 1 : 0; i < n; i++) {
		uint64_t dp = pt[i].pkts, db = pt[i].bytes;
		if (i > 0 && pt[i].pkts >= pt[i - 1].pkts &&
		    pt[i].bytes >= pt[i - 1].bytes) {
			dp -= pt[i - 1].pkts;
			db -= pt[i - 1].bytes;
		}	/* else a counter reset (restart): the new value */
		if (pt[i].ts < since)
			continue;
		jb_obj_open(r->jb);
		jb_ku64(r->jb, "ts_ns", pt[i].ts);
		jb_ku64(r->jb, "pkts", dp);
		jb_ku64(r->jb, "bytes", db);
		jb_obj_close(r->jb);
	}
	jb_arr_close(r->jb);
	jb_obj_close(r->jb);
	free(pt);
}

/* ---- quarantine ------------------------------------------------------------ */

/* POST devices/KEY/quarantine {"for": "1h", "why": ".."} and POST
 * devices/KEY/release {"why": ".."}: recorded in the store (quarantine
 * and policy_log, who "api", wall-clock seconds) with the same refusal
 * rules as `edgeward quarantine` (409). The API never touches the kernel:
 * rendering and loading the rules stays with `edgeward policy nft` /
 * `edgeward quarantine --apply` (root) or the sensor. */
static void device_quarantine(struct api_req *r, const char *key,
    int release)
{
	char why[API_NOTE_MAX * 4 + 1], err[160], msg[512];
	struct quar_device d;
	struct store *rw;
	uint64_t for_s = 0, now;
	int rc;

	if (api_check_params(r, NULL) != 0)
		return;
	if (r->body_len > 0 && (!r->content_type || strncasecmp(r->content_type,
	    "application/json", 16) != 0)) {
		api_error(r, 400, "body: Content-Type must be application/json");
		return;
	}
	if (api_parse_quarantine(r->body, r->body_len, release, &for_s, why,
	    sizeof(why), err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return;
	}
	rc = store_get_device(api_store_ro(r), key, dev_exists, NULL);
	if (rc <= 0) {
		if (rc < 0)
			api_store_error(r, rc);
		else
			api_error(r, 404, "no such device");
		return;
	}
	rw = api_store_rw(r);
	if (!rw)
		return;
	/* the wall clock: when a person acted, not packet time */
	now = (uint64_t)time(NULL);
	if (release)
		rc = quar_release(rw, key, now, "api", why, msg, sizeof(msg));
	else
		rc = quar_add(rw, key, now, for_s, "api", why, NULL, &d, msg,
		    sizeof(msg));
	switch (rc) {
	case QUAR_OK:
		break;
	case QUAR_REFUSED:
	case QUAR_NOT_QUARANTINED:
		api_error(r, 409, "%s", msg);
		return;
	case QUAR_UNKNOWN:
	case QUAR_BAD_KEY:
		api_error(r, 404, "no such device");
		return;
	default:
		api_error(r, 500, "store error: %s", msg);
		return;
	}
	jb_obj_open(r->jb);
	jb_kstr(r->jb, "key", key);
	jb_kbool(r->jb, "quarantined", !release);
	if (!release) {
		jb_kstr_or_null(r->jb, "mac", d.mac);
		jb_key(r->jb, "ips");
		jb_arr_open(r->jb);
		for (size_t i = 0; i < d.nips; i++)
			jb_str(r->jb, d.ips[i]);
		jb_arr_close(r->jb);
		jb_ku64(r->jb, "since", now);
		jb_key(r->jb, "until");
		if (for_s)
			jb_u64(r->jb, now + for_s);
		else
			jb_null(r->jb);
	}
	jb_kstr(r->jb, "who", "api");
	jb_kstr(r->jb, "why", why);
	jb_kbool(r->jb, "applied", 0);
	jb_kstr(r->jb, "message", msg);
	jb_obj_close(r->jb);
}

void api_route_devices(struct api_req *r)
{
	int get = r->method == API_GET || r->method == API_HEAD;
	if (r->nseg == 1 || r->nseg == 2 || (r->nseg == 3 &&
	    strcmp(r->seg[2], "traffic") == 0)) {
		if (!get) {
			r->allow = "GET, HEAD";
			api_error(r, 405, "method not allowed");
		} else if (r->nseg == 1) {
			devices_list(r);
		} else if (r->nseg == 2) {
			device_one(r, r->seg[1]);
		} else {
			device_traffic(r, r->seg[1]);
		}
		return;
	}
	if (r->nseg == 3 && (strcmp(r->seg[2], "quarantine") == 0 ||
	    strcmp(r->seg[2], "release") == 0)) {
		if (r->method != API_POST) {
			r->allow = "POST";
			api_error(r, 405, "method not allowed");
			return;
		}
		device_quarantine(r, r->seg[1], strcmp(r->seg[2], "release") == 0);
		return;
	}
	api_error(r, 404, "no such endpoint");
}
