/* routes_alerts.c - /api/v1/alerts: the filtered, paginated list (newest
 * first, or ascending after an id for polling), one alert, and the ack
 * action (the only write the API makes). */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api_int.h"

void api_alert_json(struct jbuf *jb, const struct store_alert_row *row)
{
	jb_obj_open(jb);
	jb_key(jb, "id");
	jb_i64(jb, row->id);
	jb_ku64(jb, "ts_start_ns", row->ts_start);
	jb_ku64(jb, "ts_end_ns", row->ts_end);
	jb_key(jb, "severity");
	jb_i64(jb, row->severity);
	jb_kstr(jb, "category", row->category);
	jb_kstr(jb, "signature", row->signature);
	jb_kstr(jb, "src_ip", row->src_ip);
	jb_kstr(jb, "dest_ip", row->dest_ip);
	jb_key(jb, "device_key");
	if (row->device_key[0])
		jb_str(jb, row->device_key);
	else
		jb_null(jb);
	jb_kbool(jb, "acked", row->acked);
	jb_kbool(jb, "expected", row->expected);
	jb_key(jb, "event");
	api_jb_raw(jb, row->json, strlen(row->json));
	jb_obj_close(jb);
}

static int alert_item(const struct store_alert_row *row, void *ud)
{
	struct jbuf *jb = ud;
	api_alert_json(jb, row);
	return jb->err ? 1 : 0;
}

/* A short word: category names, device keys (MAC or IP). */
static int word_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == ':' || c == '%'))
			return 0;
	}
	return 1;
}

static void alerts_list(struct api_req *r)
{
	static const char *const allowed[] = { "since", "until", "device",
	    "severity", "category", "acked", "after_id", "limit", "offset",
	    NULL };
	struct store_alert_query aq;
	uint64_t v, total = 0, limit, offset;
	const char *p;
	char err[160];
	int rc;

	if (api_check_params(r, allowed) != 0)
		return;
	memset(&aq, 0, sizeof(aq));
	aq.acked = -1;
	aq.after_id = -1;
	if (((p = api_param(r->q, "since")) && api_parse_time("since", p,
	    &aq.since_ns, err, sizeof(err)) != 0) ||
	    ((p = api_param(r->q, "until")) && api_parse_time("until", p,
	    &aq.until_ns, err, sizeof(err)) != 0) ||
	    api_parse_page(r->q, &limit, &offset, err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return;
	}
	if ((p = api_param(r->q, "severity"))) {
		if (api_parse_uint("severity", p, 1, 3, &v, err,
		    sizeof(err)) != 0) {
			api_error(r, 400, "severity: must be 1, 2 or 3");
			return;
		}
		aq.max_severity = (int)v;
	}
	if ((p = api_param(r->q, "acked"))) {
		if (api_parse_uint("acked", p, 0, 1, &v, err, sizeof(err)) != 0) {
			api_error(r, 400, "acked: must be 0 or 1");
			return;
		}
		aq.acked = (int)v;
	}
	if ((p = api_param(r->q, "after_id"))) {
		if (api_parse_uint("after_id", p, 0, INT64_MAX - 1, &v, err,
		    sizeof(err)) != 0) {
			api_error(r, 400, "%s", err);
			return;
		}
		aq.after_id = (int64_t)v;
	}
	if ((p = api_param(r->q, "device"))) {
		if (!word_ok(p, 64)) {
			api_error(r, 400, "device: must be a device key, MAC or "
			    "IP address");
			return;
		}
		aq.device = p;
	}
	if ((p = api_param(r->q, "category"))) {
		if (!word_ok(p, 64)) {
			api_error(r, 400, "category: must be a category name "
			    "such as scan");
			return;
		}
		aq.category = p;
	}
	if (aq.until_ns && aq.since_ns > aq.until_ns) {
		api_error(r, 400, "since: later than until");
		return;
	}
	aq.limit = (unsigned)limit;
	aq.offset = (unsigned)offset;
	api_page_open(r->jb, "alerts");
	rc = store_query_alerts(api_store_ro(r), &aq, &total, alert_item, r->jb);
	api_page_close(r->jb, total, offset, limit);
	if (rc < 0)
		api_store_error(r, rc);
}

static void alert_one(struct api_req *r, int64_t id)
{
	int rc = store_get_alert(api_store_ro(r), id, alert_item, r->jb);
	if (rc < 0)
		api_store_error(r, rc);
	else if (rc == 0)
		api_error(r, 404, "no such alert");
}

static void alert_ack(struct api_req *r, int64_t id)
{
	char note[API_NOTE_MAX * 4 + 1], err[160];
	struct timespec now;
	struct store *rw;
	int expected, rc;

	if (api_check_params(r, NULL) != 0)
		return;
	if (r->body_len > 0 && (!r->content_type || strncasecmp(r->content_type,
	    "application/json", 16) != 0)) {
		api_error(r, 400, "body: Content-Type must be application/json");
		return;
	}
	if (api_parse_ack(r->body, r->body_len, &expected, note, sizeof(note),
	    err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return;
	}
	rc = store_get_alert(api_store_ro(r), id, alert_item, r->jb);
	jb_reset(r->jb);
	if (rc <= 0) {
		if (rc < 0)
			api_store_error(r, rc);
		else
			api_error(r, 404, "no such alert");
		return;
	}
	rw = api_store_rw(r);
	if (!rw)
		return;
	/* the wall clock: when a person acknowledged it, not packet time */
	clock_gettime(CLOCK_REALTIME, &now);
	rc = store_ack_alert(rw, id, (uint64_t)now.tv_sec * 1000000000ull +
	    (uint64_t)now.tv_nsec, expected, note, "api");
	if (rc < 0) {
		api_store_error(r, rc);
		return;
	}
	if (rc == 0) {
		api_error(r, 404, "no such alert");
		return;
	}
	alert_one(r, id);
}

void api_route_alerts(struct api_req *r)
{
	int get = r->method == API_GET || r->method == API_HEAD;
	int64_t id;
	if (r->nseg == 1) {
		if (!get) {
			r->allow = "GET, HEAD";
			api_error(r, 405, "method not allowed");
			return;
		}
		alerts_list(r);
		return;
	}
	if (r->nseg > 3 || (r->nseg == 3 && strcmp(r->seg[2], "ack") != 0)) {
		api_error(r, 404, "no such endpoint");
		return;
	}
	if (api_parse_id(r->seg[1], &id) != 0) {
		api_error(r, 404, "no such alert (ids are positive integers)");
		return;
	}
	if (r->nseg == 2) {
		if (!get) {
			r->allow = "GET, HEAD";
			api_error(r, 405, "method not allowed");
			return;
		}
		if (api_check_params(r, NULL) == 0)
			alert_one(r, id);
		return;
	}
	if (r->method != API_POST) {
		r->allow = "POST";
		api_error(r, 405, "method not allowed");
		return;
	}
	alert_ack(r, id);
}
