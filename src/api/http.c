/* http.c - the API server: libmicrohttpd set-up (limits, TLS, the
 * listening address), per-request state, the bearer token check, routing
 * to the handlers and the static dashboard files, and the replies with
 * their security headers.
 *
 * MHD runs one internal polling thread (no thread per connection), so
 * handlers run one at a time: the shared reply buffer and the store
 * connections need no lock of their own. The raw request target comes
 * from MHD's URI log callback (before MHD decodes anything), so params.c
 * is the one place that parses client bytes, and over-long targets are
 * seen for what they are (414). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "api/api_int.h"
#include "api/assets.h"

#define CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " \
	"base-uri 'none'; form-action 'none'"

struct api {
	struct MHD_Daemon *d;
	struct store *ro, *rw;
	char *store_path;
	char token[API_TOKEN_MAX + 1];
	size_t token_len;
	char token_path[4096];
	char *tls_cert, *tls_key;	/* PEM text, kept while MHD runs */
	uint16_t port;
	int tls;
	struct jbuf jb;			/* the reply being built */
};

/* Per request, from the URI log callback to the completion callback. */
struct conn_ctx {
	int started;
	int too_long;			/* target over API_MAX_URL: 414 */
	int body_too_big;		/* 413 */
	size_t tlen;
	char target[API_MAX_URL + 1];
	size_t body_len;
	char body[API_MAX_BODY + 1];
};

void api_config_default(struct api_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->host = API_DEFAULT_HOST;
	cfg->port = API_DEFAULT_PORT;
}

/* ---- replies ------------------------------------------------------------ */

void api_error(struct api_req *r, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->status = status;
	r->text = 0;
	jb_reset(r->jb);
	jb_obj_open(r->jb);
	jb_key(r->jb, "error");
	jb_obj_open(r->jb);
	jb_ku64(r->jb, "status", status);
	jb_kstr(r->jb, "message", msg);
	jb_obj_close(r->jb);
	jb_obj_close(r->jb);
}

void api_store_error(struct api_req *r, int rc)
{
	if (rc == STORE_EBUSY)
		api_error(r, 503, "the store is busy; try again");
	else
		api_error(r, 500, "store error");
}

void api_page_open(struct jbuf *jb, const char *key)
{
	jb_obj_open(jb);
	jb_key(jb, key);
	jb_arr_open(jb);
}

void api_page_close(struct jbuf *jb, uint64_t total, uint64_t offset,
    uint64_t limit)
{
	jb_arr_close(jb);
	jb_ku64(jb, "total", total);
	jb_ku64(jb, "offset", offset);
	jb_ku64(jb, "limit", limit);
	jb_obj_close(jb);
}

int api_check_params(struct api_req *r, const char *const *allowed)
{
	char err[160];
	if (api_params_check(r->q, allowed, err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return -1;
	}
	return 0;
}

struct store *api_store_ro(struct api_req *r)
{
	return r->api->ro;
}

struct store *api_store_rw(struct api_req *r)
{
	struct api *a = r->api;
	if (!a->rw) {
		struct store_config cfg;
		char err[256];
		/* a second connection for the rare writes: no writer thread,
		 * no retention (the sensor owns that) */
		store_config_default(&cfg);
		cfg.path = a->store_path;
		cfg.threaded = 0;
		cfg.alert_max_age_s = cfg.device_max_age_s = 0;
		cfg.max_bytes = 0;
		a->rw = store_open(&cfg, err, sizeof(err));
		if (!a->rw) {
			api_error(r, 500, "store error: cannot open the store "
			    "for writing");
			return NULL;
		}
	}
	return a->rw;
}

void api_jb_raw(struct jbuf *jb, const char *json, size_t len)
{
	char *pad;
	/* Let jbuf place the separator and grow its buffer: write a string
	 * of exactly len bytes ("xx..x"), then overwrite it with the
	 * stored JSON, which our own writer produced (valid JSON). */
	if (!json || len < 2) {
		jb_null(jb);
		return;
	}
	pad = malloc(len - 2 > 0 ? len - 2 : 1);
	if (!pad) {
		jb->err = 1;
		return;
	}
	memset(pad, 'x', len - 2);
	jb_strn(jb, pad, len - 2);
	free(pad);
	if (!jb->err && jb->len >= len)
		memcpy(jb->buf + jb->len - len, json, len);
}

void api_jb_ts(struct jbuf *jb, uint64_t ns)
{
	char buf[40];
	if (!ns) {
		jb_null(jb);
		return;
	}
	json_ts(ns, buf, sizeof(buf));
	jb_str(jb, buf);
}

/* ---- MHD glue ----------------------------------------------------------- */

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn_ctx *ctx = calloc(1, sizeof(*ctx));
	(void)cls;
	(void)c;
	if (!ctx)
		return NULL;
	size_t n = uri ? strnlen(uri, API_MAX_URL + 1) : 0;
	if (n > API_MAX_URL) {
		ctx->too_long = 1;
	} else {
		memcpy(ctx->target, uri, n);
		ctx->target[n] = '\0';
		ctx->tlen = n;
	}
	return ctx;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static void common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result send_reply(struct MHD_Connection *c,
    struct api_req *r)
{
	struct jbuf *jb = r->jb;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	if (jb->err) {	/* over API_MAX_RESPONSE or out of memory */
		api_error(r, 500, "response too large; use a smaller limit");
		if (jb->err)
			return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(jb->len, jb->buf ? jb->buf : "",
	    MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", r->text ?
	    "text/plain; version=0.0.4; charset=utf-8" :
	    "application/json; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate",
		    "Bearer realm=\"edgeward\"");
	if (r->status == 405 && r->allow)
		MHD_add_response_header(resp, "Allow", r->allow);
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_asset(struct MHD_Connection *c,
    const struct api_asset *as)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(as->len,
	    (void *)(uintptr_t)as->data, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	if (!resp)
		return MHD_NO;
	common_headers(resp);
	MHD_add_response_header(resp, "Content-Type", as->mime);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	if (strncmp(as->mime, "text/html", 9) == 0)
		MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* "Bearer <token>", compared in constant time for a given length. */
static int authorized(struct api *a, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Authorization");
	size_t n;
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	n = strnlen(h, API_TOKEN_MAX + 1);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (n != a->token_len)
		return 0;
	return sodium_memcmp(h, a->token, n) == 0;
}

static enum api_method method_of(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return API_GET;
	if (strcmp(m, "HEAD") == 0)
		return API_HEAD;
	if (strcmp(m, "POST") == 0)
		return API_POST;
	return API_OTHER;
}

/* Split the path after "/api/v1/" into segments (in place, in a copy). */
static int split_segments(const char *rest, char *buf, size_t cap,
    struct api_req *r)
{
	size_t n = strnlen(rest, cap);
	if (n >= cap)
		return -1;
	memcpy(buf, rest, n + 1);
	r->nseg = 0;
	char *p = buf;
	for (;;) {
		if (r->nseg >= sizeof(r->seg) / sizeof(r->seg[0]))
			return -1;
		r->seg[r->nseg++] = p;
		char *slash = strchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
		p = slash + 1;
	}
	for (size_t i = 0; i < r->nseg; i++)
		if (!r->seg[i][0])
			return -1;	/* "//" or a trailing '/' */
	return 0;
}

static void only_get(struct api_req *r, void (*fn)(struct api_req *r))
{
	if (r->method != API_GET && r->method != API_HEAD) {
		r->allow = "GET, HEAD";
		api_error(r, 405, "method not allowed");
		return;
	}
	fn(r);
}

static void route_api(struct api_req *r)
{
	char segbuf[API_MAX_URL + 1];
	const char *path = r->q->path;
	if (strcmp(path, "/metrics") == 0) {
		only_get(r, api_route_metrics);
		return;
	}
	if (strncmp(path, "/api/v1/", 8) != 0 ||
	    split_segments(path + 8, segbuf, sizeof(segbuf), r) != 0) {
		api_error(r, 404, "no such endpoint");
		return;
	}
	if (strcmp(r->seg[0], "devices") == 0)
		api_route_devices(r);
	else if (strcmp(r->seg[0], "alerts") == 0)
		api_route_alerts(r);
	else if (strcmp(r->seg[0], "stats") == 0 && r->nseg == 1)
		only_get(r, api_route_stats);
	else if (strcmp(r->seg[0], "flows") == 0 && r->nseg == 1)
		only_get(r, api_route_flows);
	else if (strcmp(r->seg[0], "overview") == 0 && r->nseg == 1)
		only_get(r, api_route_overview);
	else
		api_error(r, 404, "no such endpoint");
}

static enum MHD_Result handle(struct api *a, struct MHD_Connection *c,
    const char *method, struct conn_ctx *ctx)
{
	struct api_query *q = NULL;
	struct api_req r;
	char err[160];
	enum MHD_Result ret;

	memset(&r, 0, sizeof(r));
	r.api = a;
	r.jb = &a->jb;
	jb_reset(r.jb);
	r.method = method_of(method);
	r.status = 200;
	if (ctx->too_long) {
		api_error(&r, 414, "request target longer than %d bytes",
		    API_MAX_URL);
		return send_reply(c, &r);
	}
	if (ctx->body_too_big) {
		api_error(&r, 413, "request body larger than %d bytes",
		    API_MAX_BODY);
		return send_reply(c, &r);
	}
	q = malloc(sizeof(*q));
	if (!q)
		return MHD_NO;
	r.q = q;
	if (api_split_target(ctx->target, ctx->tlen, q, err, sizeof(err)) != 0) {
		api_error(&r, 400, "%s", err);
		goto reply;
	}
	r.body = ctx->body;
	r.body_len = ctx->body_len;
	r.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (strcmp(q->path, "/metrics") == 0 ||
	    strncmp(q->path, "/api/", 5) == 0 || strcmp(q->path, "/api") == 0) {
		if (!authorized(a, c)) {
			api_error(&r, 401, "missing or wrong bearer token");
			goto reply;
		}
		route_api(&r);
		goto reply;
	}
	/* the dashboard: static, public, GET only */
	{
		const struct api_asset *as = api_asset_find(q->path);
		if (!as) {
			api_error(&r, 404, "not found");
		} else if (r.method != API_GET && r.method != API_HEAD) {
			r.allow = "GET, HEAD";
			api_error(&r, 405, "method not allowed");
		} else {
			free(q);
			return send_asset(c, as);
		}
	}
reply:
	ret = send_reply(c, &r);
	free(q);
	return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct api *a = cls;
	struct conn_ctx *ctx = *con_cls;
	(void)url;
	(void)version;
	if (!ctx)
		return MHD_NO;		/* out of memory in uri_log */
	if (!ctx->started) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		uint64_t n = 0;
		char err[8];
		ctx->started = 1;
		/* refuse early: no reason to read a body we will not take */
		if (cl && (api_parse_uint("", cl, 0, API_MAX_BODY, &n, err,
		    sizeof(err)) != 0)) {
			ctx->body_too_big = 1;
			return handle(a, c, method, ctx);
		}
		if (ctx->too_long)
			return handle(a, c, method, ctx);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		if (!ctx->body_too_big && n <= API_MAX_BODY - ctx->body_len) {
			memcpy(ctx->body + ctx->body_len, upload_data, n);
			ctx->body_len += n;
			ctx->body[ctx->body_len] = '\0';
		} else {
			ctx->body_too_big = 1;	/* chunked, over the limit */
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return handle(a, c, method, ctx);
}

/* A whole (small) PEM file into a NUL-terminated heap string. */
static char *read_pem(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(1u << 20);
	if (buf) {
		n = fread(buf, 1, (1u << 20) - 1, fp);
		if (n == 0 || n >= (1u << 20) - 1) {
			snprintf(err, errlen, "%s: empty or larger than 1 MiB",
			    path);
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	} else {
		snprintf(err, errlen, "%s: out of memory", path);
	}
	fclose(fp);
	return buf;
}

static void api_free(struct api *a)
{
	if (!a)
		return;
	if (a->d)
		MHD_stop_daemon(a->d);
	char err[256];
	if (a->rw)
		store_close(a->rw, err, sizeof(err));
	if (a->ro)
		store_close(a->ro, err, sizeof(err));
	jb_fini(&a->jb);
	if (a->tls_key)
		sodium_memzero(a->tls_key, strlen(a->tls_key));
	free(a->tls_key);
	free(a->tls_cert);
	free(a->store_path);
	sodium_memzero(a->token, sizeof(a->token));
	free(a);
}

struct api *api_start(const struct api_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct addrinfo hints, *ai = NULL;
	struct api *a;
	char portstr[8];
	int created = 0, rc;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (!cfg->store_path || !cfg->store_path[0]) {
		snprintf(err, errlen, "api: no store given");
		return NULL;
	}
	if (!cfg->tls_cert != !cfg->tls_key) {
		snprintf(err, errlen, "api: TLS needs both a certificate and "
		    "a key");
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "api: out of memory");
		return NULL;
	}
	jb_init(&a->jb, API_MAX_RESPONSE);
	a->store_path = strdup(cfg->store_path);
	if (!a->store_path) {
		snprintf(err, errlen, "api: out of memory");
		goto fail;
	}
	if (cfg->token_file)
		snprintf(a->token_path, sizeof(a->token_path), "%s",
		    cfg->token_file);
	else
		api_token_default_path(cfg->store_path, a->token_path,
		    sizeof(a->token_path));
	if (api_token_load(a->token_path, a->token, sizeof(a->token), &created,
	    err, errlen) != 0)
		goto fail;
	a->token_len = strlen(a->token);
	a->ro = store_open_readonly(cfg->store_path, err, errlen);
	if (!a->ro)
		goto fail;
	if (cfg->tls_cert) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			snprintf(err, errlen, "api: this libmicrohttpd has no "
			    "TLS support");
			goto fail;
		}
		a->tls_cert = read_pem(cfg->tls_cert, err, errlen);
		if (!a->tls_cert)
			goto fail;
		a->tls_key = read_pem(cfg->tls_key, err, errlen);
		if (!a->tls_key)
			goto fail;
		a->tls = 1;
		flags |= MHD_USE_TLS;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", cfg->port);
	rc = getaddrinfo(cfg->host ? cfg->host : API_DEFAULT_HOST, portstr,
	    &hints, &ai);
	if (rc != 0 || !ai || ai->ai_addrlen > sizeof(ss)) {
		snprintf(err, errlen, "api: cannot resolve %s: %s", cfg->host ?
		    cfg->host : API_DEFAULT_HOST, rc ? gai_strerror(rc) :
		    "no address");
		if (ai)
			freeaddrinfo(ai);
		goto fail;
	}
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	freeaddrinfo(ai);
	a->d = MHD_start_daemon(flags, cfg->port, NULL, NULL, access_cb, a,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)API_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)API_CONN_TIMEOUT_S,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_log, (void *)a,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, (void *)a,
	    a->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, a->tls_cert,
	    MHD_OPTION_HTTPS_MEM_KEY, a->tls_key,
	    MHD_OPTION_END);
	if (!a->d) {
		snprintf(err, errlen, "api: cannot listen on %s port %u (in "
		    "use, no permission%s)", cfg->host ? cfg->host :
		    API_DEFAULT_HOST, cfg->port, a->tls ? ", or a bad TLS "
		    "certificate or key" : "");
		goto fail;
	}
	{
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(a->d,
		    MHD_DAEMON_INFO_BIND_PORT);
		a->port = di ? di->port : cfg->port;
	}
	return a;
fail:
	api_free(a);
	return NULL;
}

void api_stop(struct api *a)
{
	api_free(a);
}

uint16_t api_port(const struct api *a)
{
	return a->port;
}

const char *api_token_path(const struct api *a)
{
	return a->token_path;
}

int api_is_tls(const struct api *a)
{
	return a->tls;
}
