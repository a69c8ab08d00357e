/* ssdp.c - SSDP (UPnP discovery over UDP 1900) parser: the start line
 * (NOTIFY, M-SEARCH or an HTTP/1.x 200 response) and the headers naming
 * the device: SERVER / USER-AGENT, ST / NT, USN, LOCATION, NTS.
 *
 * HTTP-like text, but over UDP and from untrusted hosts: lines end with
 * CRLF or LF, header names compare case-insensitively, values are trimmed
 * and copied bounded. Pure: bytes in, struct out. */
#include "proto/proto.h"

#include <string.h>

#include "proto/proto_int.h"

/* Lines and headers walked per message: a 1500-byte datagram holds far
 * fewer real headers; the cap bounds work on junk. */
#define SSDP_MAX_LINES 64

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

/* 1 when p[0..n) starts with the ASCII text s, ignoring case. */
static int prefix_ci(const uint8_t *p, size_t n, const char *s)
{
	size_t i, sl = strlen(s);

	if (n < sl)
		return 0;
	for (i = 0; i < sl; i++)
		if (lower(p[i]) != lower((unsigned char)s[i]))
			return 0;
	return 1;
}

static int name_is(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && prefix_ci(p, n, s);
}

int proto_parse_ssdp(const uint8_t *data, size_t len, struct app_ssdp *out)
{
	size_t pos = 0;
	unsigned line;
	int have_server = 0;

	memset(out, 0, sizeof(*out));
	for (line = 0; line < SSDP_MAX_LINES && pos < len; line++) {
		size_t s = pos, e, ve, colon;
		const uint8_t *v;

		while (pos < len && data[pos] != '\n')
			pos++;
		e = pos;		/* line is data[s..e) */
		if (pos < len)
			pos++;		/* the LF */
		if (e > s && data[e - 1] == '\r')
			e--;
		if (line == 0) {
			if (prefix_ci(data + s, e - s, "NOTIFY * HTTP/1."))
				out->kind = 1;
			else if (prefix_ci(data + s, e - s,
			    "M-SEARCH * HTTP/1."))
				out->kind = 2;
			else if (prefix_ci(data + s, e - s, "HTTP/1.1 200") ||
			    prefix_ci(data + s, e - s, "HTTP/1.0 200"))
				out->kind = 3;
			else
				return -1;
			continue;
		}
		if (e == s)
			break;		/* end of the head */
		for (colon = s; colon < e && data[colon] != ':'; colon++)
			;
		if (colon == e)
			continue;	/* not a header: skip it */
		ve = e;
		v = data + colon + 1;
		while (v < data + ve && (*v == ' ' || *v == '\t'))
			v++;
		while (data + ve > v && (data[ve - 1] == ' ' ||
		    data[ve - 1] == '\t'))
			ve--;
		{
			const uint8_t *nm = data + s;
			size_t nl = colon - s, vl = (size_t)(data + ve - v);

			while (nl && (nm[nl - 1] == ' ' || nm[nl - 1] == '\t'))
				nl--;
			if (name_is(nm, nl, "SERVER")) {
				pu_copy_str(out->server,
				    sizeof(out->server), v, vl);
				have_server = 1;
			} else if (name_is(nm, nl, "USER-AGENT")) {
				/* M-SEARCH carries the client's USER-AGENT;
				 * SERVER wins when both are present */
				if (!have_server)
					pu_copy_str(out->server,
					    sizeof(out->server), v, vl);
			} else if (name_is(nm, nl, "ST")) {
				pu_copy_str(out->st, sizeof(out->st), v, vl);
			} else if (name_is(nm, nl, "NT")) {
				if (out->kind == 1 || !out->st[0])
					pu_copy_str(out->st,
					    sizeof(out->st), v, vl);
			} else if (name_is(nm, nl, "USN")) {
				pu_copy_str(out->usn, sizeof(out->usn),
				    v, vl);
			} else if (name_is(nm, nl, "LOCATION")) {
				pu_copy_str(out->location,
				    sizeof(out->location), v, vl);
			} else if (name_is(nm, nl, "NTS")) {
				pu_copy_str(out->nts, sizeof(out->nts),
				    v, vl);
			}
		}
	}
	return out->kind ? 0 : -1;
}
