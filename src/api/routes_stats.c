/* routes_stats.c - /api/v1/stats, /api/v1/flows, /api/v1/overview and
 * /metrics (Prometheus text format 0.0.4): summaries of the newest stats
 * row and of the store's tables. Time windows are relative to the newest
 * alert (offline captures may be years old), never the wall clock. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api/api_int.h"

struct newest {
	uint64_t ts;
	char *stats;			/* the "stats" member as JSON text */
	json_t *root;			/* the same, parsed */
};

static int grab_stats(uint64_t ts, const char *event, const char *stats,
    void *ud)
{
	struct newest *n = ud;
	(void)event;
	n->ts = ts;
	if (stats && stats[0]) {
		n->stats = strdup(stats);
		n->root = json_loads(stats, 0, NULL);
	}
	return 1;
}

static int newest_stats(struct api_req *r, struct newest *n)
{
	memset(n, 0, sizeof(*n));
	int rc = store_newest_stats(api_store_ro(r), grab_stats, n);
	if (rc < 0)
		api_store_error(r, rc);
	return rc;
}

static void newest_free(struct newest *n)
{
	free(n->stats);
	json_decref(n->root);
}

/* stats.<a>.<b> as an unsigned integer; 0 and *found 0 when absent. */
static uint64_t get_u64(const json_t *root, const char *a, const char *b,
    int *found)
{
	const json_t *v = json_object_get(json_object_get(root, a), b);
	if (found)
		*found = json_is_integer(v) && json_integer_value(v) >= 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return 0;
	return (uint64_t)json_integer_value(v);
}

void api_route_stats(struct api_req *r)
{
	struct store_counts c;
	struct newest n;
	uint64_t mts = 0, trained = 0;
	char mpath[1024], phase[64];
	int rc, has_model;

	if (api_check_params(r, NULL) != 0 || newest_stats(r, &n) < 0)
		return;
	rc = store_get_counts(api_store_ro(r), &c);
	has_model = rc < 0 ? rc : store_last_model(api_store_ro(r), &mts,
	    mpath, sizeof(mpath), phase, sizeof(phase), &trained);
	if (rc < 0 || has_model < 0) {
		newest_free(&n);
		api_store_error(r, rc < 0 ? rc : has_model);
		return;
	}
	jb_obj_open(r->jb);
	jb_key(r->jb, "stats");
	api_jb_raw(r->jb, n.stats, n.stats ? strlen(n.stats) : 0);
	jb_key(r->jb, "stats_ts_ns");
	if (n.ts)
		jb_u64(r->jb, n.ts);
	else
		jb_null(r->jb);
	jb_key(r->jb, "store");
	jb_obj_open(r->jb);
	jb_ku64(r->jb, "bytes", c.bytes);
	jb_ku64(r->jb, "devices", c.devices);
	jb_ku64(r->jb, "alerts", c.alerts);
	jb_obj_close(r->jb);
	jb_key(r->jb, "model");
	if (has_model == 1) {
		jb_obj_open(r->jb);
		jb_ku64(r->jb, "ts_ns", mts);
		jb_kstr(r->jb, "path", mpath);
		jb_kstr(r->jb, "phase", phase);
		jb_ku64(r->jb, "trained", trained);
		jb_obj_close(r->jb);
	} else {
		jb_null(r->jb);
	}
	jb_obj_close(r->jb);
	newest_free(&n);
}

static void kopt(struct jbuf *jb, const json_t *root, const char *a,
    const char *b)
{
	int found;
	uint64_t v = get_u64(root, a, b, &found);
	jb_key(jb, b);
	if (found)
		jb_u64(jb, v);
	else
		jb_null(jb);
}

void api_route_flows(struct api_req *r)
{
	struct newest n;
	const json_t *app;
	char *app_text = NULL;

	if (api_check_params(r, NULL) != 0 || newest_stats(r, &n) < 0)
		return;
	jb_obj_open(r->jb);
	jb_key(r->jb, "ts_ns");
	if (n.ts)
		jb_u64(r->jb, n.ts);
	else
		jb_null(r->jb);
	kopt(r->jb, n.root, "flow", "created");
	kopt(r->jb, n.root, "flow", "ended_timeout");
	kopt(r->jb, n.root, "flow", "ended_forced");
	kopt(r->jb, n.root, "flow", "ended_shutdown");
	kopt(r->jb, n.root, "flow", "memuse_peak");
	jb_key(r->jb, "app");
	app = json_object_get(n.root, "app");
	if (json_is_object(app))
		app_text = json_dumps(app, JSON_COMPACT | JSON_PRESERVE_ORDER);
	api_jb_raw(r->jb, app_text, app_text ? strlen(app_text) : 0);
	free(app_text);
	jb_obj_close(r->jb);
	newest_free(&n);
}

/* ---- overview ------------------------------------------------------------ */

struct per_day {
	uint64_t first, ndays;
	uint64_t (*n)[3];
};

static int day_count(uint64_t day, int sev, uint64_t n, void *ud)
{
	struct per_day *p = ud;
	if (day >= p->first && day - p->first < p->ndays && sev >= 1 &&
	    sev <= 3)
		p->n[day - p->first][sev - 1] += n;
	return 0;
}

static int class_item(const char *cls, uint64_t n, void *ud)
{
	jb_ku64(ud, cls[0] ? cls : "unknown", n);
	return 0;
}

void api_route_overview(struct api_req *r)
{
	static const char *const allowed[] = { "days", NULL };
	const uint64_t day_ns = 86400ull * 1000000000ull;
	struct store *st = api_store_ro(r);
	struct store_counts c;
	struct per_day pd = { 0, 0, NULL };
	uint64_t days = API_DAYS_DEFAULT;
	char err[160];
	int rc;

	if (api_check_params(r, allowed) != 0)
		return;
	if (api_param(r->q, "days") && api_parse_uint("days",
	    api_param(r->q, "days"), 1, API_DAYS_MAX, &days, err,
	    sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return;
	}
	rc = store_get_counts(st, &c);
	if (rc < 0) {
		api_store_error(r, rc);
		return;
	}
	if (c.alerts) {
		uint64_t last = c.newest_alert_ts / day_ns;
		pd.first = last + 1 >= days ? last + 1 - days : 0;
		pd.ndays = last - pd.first + 1;
		pd.n = calloc(pd.ndays, sizeof(*pd.n));
		if (!pd.n) {
			api_error(r, 500, "out of memory");
			return;
		}
		rc = store_alerts_per_day(st, pd.first * day_ns, day_count, &pd);
	}
	jb_obj_open(r->jb);
	jb_ku64(r->jb, "devices", c.devices);
	jb_key(r->jb, "devices_by_class");
	jb_obj_open(r->jb);
	if (rc == 0)
		rc = store_devices_by_class(st, class_item, r->jb);
	jb_obj_close(r->jb);
	jb_key(r->jb, "alerts_by_severity");
	jb_obj_open(r->jb);
	jb_ku64(r->jb, "1", c.alerts_by_sev[0]);
	jb_ku64(r->jb, "2", c.alerts_by_sev[1]);
	jb_ku64(r->jb, "3", c.alerts_by_sev[2]);
	jb_obj_close(r->jb);
	jb_key(r->jb, "alerts_per_day");
	jb_arr_open(r->jb);
	for (uint64_t i = 0; i < pd.ndays; i++) {
		char ts[40];
		json_ts((pd.first + i) * day_ns, ts, sizeof(ts));
		ts[10] = '\0';		/* "YYYY-MM-DD" */
		jb_obj_open(r->jb);
		jb_kstr(r->jb, "day", ts);
		jb_ku64(r->jb, "1", pd.n[i][0]);
		jb_ku64(r->jb, "2", pd.n[i][1]);
		jb_ku64(r->jb, "3", pd.n[i][2]);
		jb_obj_close(r->jb);
	}
	jb_arr_close(r->jb);
	jb_key(r->jb, "newest_alert_id");
	jb_i64(r->jb, c.newest_alert_id);
	jb_obj_close(r->jb);
	free(pd.n);
	if (rc < 0)
		api_store_error(r, rc);
}

/* ---- /metrics ------------------------------------------------------------ */

struct text {
	char *buf;
	size_t len, cap;
	int err;
};

static void tprintf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (t->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ?
		    t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = 1;
			return;
		}
		if (t->buf && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap - t->len <= (size_t)n)
			cap *= 2;
		if (cap > API_MAX_RESPONSE) {
			t->err = 1;
			return;
		}
		char *nb = realloc(t->buf, cap);
		if (!nb) {
			t->err = 1;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
}

static void metric(struct text *t, const char *name, const char *type,
    const char *help, uint64_t v)
{
	tprintf(t, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
	    type, name, (unsigned long long)v);
}

/* Label values from the store (category names): escaped as the text
 * format wants (backslash, quote, newline); other bytes as they are. */
static void label_value(struct text *t, const char *s)
{
	for (size_t i = 0; s[i] && i < 128; i++) {
		char c = s[i];
		if (c == '\\' || c == '"')
			tprintf(t, "\\%c", c);
		else if (c == '\n')
			tprintf(t, "\\n");
		else
			tprintf(t, "%c", c);
	}
}

static int cat_metric(const char *cat, uint64_t n, void *ud)
{
	struct text *t = ud;
	tprintf(t, "edgeward_alerts_by_category_total{category=\"");
	label_value(t, cat);
	tprintf(t, "\"} %llu\n", (unsigned long long)n);
	return 0;
}

static uint64_t rss_bytes(void)
{
	unsigned long long size = 0, res = 0;
	FILE *fp = fopen("/proc/self/statm", "r");
	long page = sysconf(_SC_PAGESIZE);
	if (!fp)
		return 0;
	if (fscanf(fp, "%llu %llu", &size, &res) != 2)
		res = 0;
	fclose(fp);
	return (uint64_t)res * (uint64_t)(page > 0 ? page : 4096);
}

void api_route_metrics(struct api_req *r)
{
	struct store *st = api_store_ro(r);
	struct store_counts c;
	struct text t = { NULL, 0, 0, 0 };
	struct newest n;
	const json_t *s, *q;
	int rc, found;
	uint64_t v;

	if (api_check_params(r, NULL) != 0 || newest_stats(r, &n) < 0)
		return;
	rc = store_get_counts(st, &c);
	if (rc < 0) {
		newest_free(&n);
		api_store_error(r, rc);
		return;
	}
	s = n.root;
	metric(&t, "edgeward_packets_total", "counter",
	    "Packets read from the capture.", get_u64(s, "capture", "packets",
	    NULL));
	metric(&t, "edgeward_bytes_total", "counter",
	    "Bytes read from the capture.", get_u64(s, "capture", "bytes", NULL));
	metric(&t, "edgeward_decoder_invalid_total", "counter",
	    "Packets the decoder found invalid.", get_u64(s, "decoder",
	    "invalid", NULL));
	metric(&t, "edgeward_capture_drops_total", "counter",
	    "Packets dropped by the kernel or the interface (live capture).",
	    get_u64(s, "live", "kernel_drops", NULL) + get_u64(s, "live",
	    "iface_drops", NULL));
	metric(&t, "edgeward_flows_created_total", "counter",
	    "Flows created.", get_u64(s, "flow", "created", NULL));
	v = get_u64(s, "live", "flows_active", &found);
	if (found)
		metric(&t, "edgeward_flows_active", "gauge",
		    "Flows in the flow table.", v);
	metric(&t, "edgeward_devices", "gauge", "Devices in the store.",
	    c.devices);
	tprintf(&t, "# HELP edgeward_alerts_total Alerts in the store by "
	    "severity (1 most severe).\n# TYPE edgeward_alerts_total gauge\n");
	for (int i = 0; i < 3; i++)
		tprintf(&t, "edgeward_alerts_total{severity=\"%d\"} %llu\n",
		    i + 1, (unsigned long long)c.alerts_by_sev[i]);
	tprintf(&t, "# HELP edgeward_alerts_by_category_total Alerts in the "
	    "store by category.\n# TYPE edgeward_alerts_by_category_total "
	    "gauge\n");
	rc = store_alerts_by_category(st, cat_metric, &t);
	metric(&t, "edgeward_store_bytes", "gauge",
	    "Size of the store database file.", c.bytes);
	v = get_u64(json_object_get(s, "live"), "store", "dropped", &found);
	if (found)
		metric(&t, "edgeward_store_rows_dropped_total", "counter",
		    "Store rows dropped (queue full or failed commits).", v);
	metric(&t, "edgeward_process_resident_bytes", "gauge",
	    "Resident memory of the API process.", rss_bytes());
	q = json_object_get(json_object_get(s, "model"), "score_quantiles");
	if (json_is_object(q)) {
		static const char *const qs[] = { "0.5", "0.9", "0.99" };
		int head = 0;
		for (size_t i = 0; i < 3; i++) {
			const json_t *x = json_object_get(q, qs[i]);
			if (!json_is_number(x))
				continue;
			if (!head++)
				tprintf(&t, "# HELP edgeward_model_score Anomaly "
				    "score quantiles.\n# TYPE edgeward_model_score "
				    "gauge\n");
			tprintf(&t, "edgeward_model_score{quantile=\"%s\"} %.6g\n",
			    qs[i], json_number_value(x));
		}
	}
	newest_free(&n);
	if (rc < 0) {
		free(t.buf);
		api_store_error(r, rc);
		return;
	}
	if (t.err || !t.buf) {
		free(t.buf);
		api_error(r, 500, "metrics too large");
		return;
	}
	jb_reset(r->jb);
	api_jb_raw(r->jb, t.buf, t.len);	/* at the top level: verbatim */
	r->text = 1;
	free(t.buf);
}
