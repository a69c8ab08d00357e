/* http.c - HTTP/1.x and RTSP/1.0 request and response heads.
 *
 * Reads one segment up to the blank line ending the head (or the end of
 * the segment): request or status line, then the few headers later stages
 * use. "Authorization: Basic" is decoded in memory to report the user name
 * and whether the password is a known default; the password is wiped. */
#include <string.h>

#include "proto/proto_tcp.h"

static const char *const http_methods[] = {
	"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH",
	"CONNECT", "TRACE",
	/* RTSP (RFC 2326) */
	"DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "ANNOUNCE",
	"RECORD", "GET_PARAMETER", "SET_PARAMETER", "REDIRECT",
};

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Case-insensitive: does d[0..n) equal the NUL-terminated s? */
static int eq_ci(const uint8_t *d, size_t n, const char *s)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!s[i] || lower(d[i]) != lower((unsigned char)s[i]))
			return 0;
	return s[i] == '\0';
}

static int has_prefix(const uint8_t *d, size_t n, const char *s)
{
	size_t l = strlen(s);
	return n >= l && memcmp(d, s, l) == 0;
}

/* Index of the method d starts with (followed by a space), or -1. */
static int method_index(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]);
	    i++) {
		size_t l = strlen(http_methods[i]);
		if (n > l && memcmp(d, http_methods[i], l) == 0 && d[l] == ' ')
			return (int)i;
	}
	return -1;
}

int proto_http_start(const uint8_t *d, size_t n)
{
	if (n < 5)
		return 0;
	return has_prefix(d, n, "HTTP/1.") || has_prefix(d, n, "RTSP/1.") ||
	    method_index(d, n) >= 0;
}

static void set_str(char *dst, size_t size, const uint8_t *v, size_t n)
{
	proto_copy_str(dst, size, v, n);
}

/* Authorization value: "Basic b64" or "Digest username="x", ...". */
static void authorization(struct app_http *out, const uint8_t *v, size_t n)
{
	if (n > 6 && eq_ci(v, 6, "basic ")) {
		v += 6;
		n -= 6;
		while (n && v[0] == ' ') {
			v++;
			n--;
		}
		if (proto_login_basic(v, n, &out->login) == 0)
			out->has_login = 1;
	} else if (n > 7 && eq_ci(v, 7, "digest ")) {
		for (size_t i = 7; i + 10 <= n; i++) {
			if (!eq_ci(v + i, 10, "username=\""))
				continue;
			size_t s = i + 10, e = s;
			while (e < n && v[e] != '"')
				e++;
			set_str(out->login.user, sizeof(out->login.user),
			    v + s, e - s);
			out->has_login = 1;
			break;
		}
	}
	if (out->has_login) {
		out->login.proto = out->rtsp ? LOGIN_RTSP : LOGIN_HTTP_BASIC;
		out->login.outcome = LOGIN_ATTEMPT;
	}
}

static void header(struct app_http *out, const uint8_t *l, size_t n)
{
	size_t c = 0;
	while (c < n && l[c] != ':')
		c++;
	if (c == n)
		return;
	const uint8_t *name = l;
	size_t nlen = c;
	while (nlen && name[nlen - 1] == ' ')
		nlen--;
	const uint8_t *v = l + c + 1;
	size_t vlen = n - c - 1;
	while (vlen && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;

	if (eq_ci(name, nlen, "host"))
		set_str(out->host, sizeof(out->host), v, vlen);
	else if (eq_ci(name, nlen, "user-agent"))
		set_str(out->user_agent, sizeof(out->user_agent), v, vlen);
	else if (eq_ci(name, nlen, "server"))
		set_str(out->server, sizeof(out->server), v, vlen);
	else if (eq_ci(name, nlen, "content-type"))
		set_str(out->content_type, sizeof(out->content_type), v, vlen);
	else if (eq_ci(name, nlen, "www-authenticate"))
		out->www_authenticate = 1;
	else if (eq_ci(name, nlen, "authorization") && !out->is_response)
		authorization(out, v, vlen);
}

/* "HTTP/1.1 200 OK" / "RTSP/1.0 401 Unauthorized". */
static int status_line(struct app_http *out, const uint8_t *l, size_t n)
{
	size_t i = 5;
	while (i < n && l[i] != ' ')
		i++;
	while (i < n && l[i] == ' ')
		i++;
	unsigned code = 0, digits = 0;
	while (i < n && digits < 3 && l[i] >= '0' && l[i] <= '9') {
		code = code * 10 + (unsigned)(l[i] - '0');
		i++;
		digits++;
	}
	if (digits != 3)
		return -1;
	out->is_response = 1;
	out->status = (uint16_t)code;
	return 0;
}

static int request_line(struct app_http *out, const uint8_t *l, size_t n,
    int complete)
{
	size_t i = 0;
	while (i < n && l[i] != ' ')
		i++;
	if (i == 0 || i >= sizeof(out->method))
		return -1;
	set_str(out->method, sizeof(out->method), l, i);
	size_t u = i + 1;
	size_t e = u;
	while (e < n && l[e] != ' ')
		e++;
	set_str(out->uri, sizeof(out->uri), l + u, e - u);
	if (e < n) {
		const uint8_t *ver = l + e + 1;
		size_t vlen = n - e - 1;
		if (has_prefix(ver, vlen, "RTSP/"))
			out->rtsp = 1;
		else if (!has_prefix(ver, vlen, "HTTP/") && (complete ||
		    vlen >= 5 || (memcmp(ver, "HTTP/", vlen) != 0 &&
		    memcmp(ver, "RTSP/", vlen) != 0)))
			return -1;	/* (a cut version may be a prefix) */
	} else if (complete) {
		return -1;	/* no protocol version: not HTTP/1.x */
	}
	return 0;
}

int proto_parse_http(const uint8_t *data, size_t len, struct app_http *out)
{
	memset(out, 0, sizeof(*out));
	if (!data || len < 4)
		return -1;
	if (!proto_http_start(data, len))
		return -1;
	int resp = has_prefix(data, len, "HTTP/1.") ||
	    has_prefix(data, len, "RTSP/1.");

	size_t pos = 0, lineno = 0;
	while (pos < len) {
		size_t e = pos;
		while (e < len && data[e] != '\n')
			e++;
		int complete = e < len;
		size_t n = e - pos;
		if (n && data[pos + n - 1] == '\r')
			n--;
		const uint8_t *l = data + pos;
		if (lineno == 0) {
			if (resp) {
				if (data[0] == 'R')
					out->rtsp = 1;
				if (status_line(out, l, n) < 0)
					return -1;
			} else if (request_line(out, l, n, complete) < 0) {
				return -1;
			}
		} else if (n == 0) {
			break;			/* end of the head */
		} else if (complete) {
			header(out, l, n);	/* a cut header is not used */
		}
		lineno++;
		pos = e + 1;
	}
	return 0;
}
