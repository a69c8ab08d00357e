/* api.h - the HTTP API and dashboard server (libmicrohttpd).
 *
 * JSON endpoints under /api/v1/ and /metrics over the store, behind a
 * bearer token; the dashboard's static files at / (docs/API contract in
 * the README). The server runs in its own thread (MHD's internal polling
 * thread), so api_start returns at once and the caller goes on with its
 * work (the sensor) until api_stop. Requests are served one at a time on
 * that thread; memory per connection and the connection count are capped
 * (config.h API_*). */
#ifndef EW_API_H
#define EW_API_H

#include <stddef.h>
#include <stdint.h>

struct api_config {
	const char *host;	/* listen address (numeric IPv4/IPv6 or a name) */
	uint16_t port;		/* 0: an ephemeral port (see api_port) */
	const char *token_file;	/* NULL: <dir of store>/api.token */
	const char *tls_cert, *tls_key;	/* PEM files; both or neither */
	const char *store_path;	/* the store (opened read-only; acks on a
				 * second read-write connection on demand) */
};
/* API_DEFAULT_HOST / API_DEFAULT_PORT, everything else NULL. */
void api_config_default(struct api_config *cfg);
/* "HOST:PORT", "[V6]:PORT", "HOST" or ":PORT" into host (buf, hostlen)
 * and port. 0, or -1 with err. */
int api_parse_listen(const char *s, char *host, size_t hostlen,
    uint16_t *port, char *err, size_t errlen);

struct api;
/* Read or create the token file, open the store, start listening. NULL
 * with a reason in err (bad token file, store, address in use, TLS files).
 * Blocks no signals itself: a caller handling signals in one thread
 * blocks them before api_start so the server thread inherits the mask. */
struct api *api_start(const struct api_config *cfg, char *err, size_t errlen);
/* Stop listening, wait for the server thread, close the store. NULL is a
 * no-op. */
void api_stop(struct api *a);
/* The port actually bound (useful with port 0) and the token file used. */
uint16_t api_port(const struct api *a);
const char *api_token_path(const struct api *a);
int api_is_tls(const struct api *a);

#endif /* EW_API_H */
