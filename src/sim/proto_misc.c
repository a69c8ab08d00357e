/* proto_misc.c - small cleartext protocols of a smart home: HTTP/1.1
 * requests and responses, NTP, SSDP (UPnP discovery) and MQTT 3.1.1. */
#include "sim/sim_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NTP_EPOCH_OFFSET 2208988800ull	/* 1900-01-01 to 1970-01-01 */

/* snprintf into buf; 0 when it does not fit. */
static size_t fmt_ok(int n, size_t cap)
{
	return (n < 0 || (size_t)n >= cap) ? 0 : (size_t)n;
}

static void http_date(char *out, size_t size, uint64_t t_us)
{
	time_t secs = (time_t)(t_us / 1000000u);
	struct tm tm;

	if (!gmtime_r(&secs, &tm) ||
	    strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		out[0] = '\0';
}

size_t sim_http_request(uint8_t *buf, size_t cap, const char *method,
    const char *host, const char *path, const char *ua, const char *extra)
{
	int n = snprintf((char *)buf, cap,
	    "%s %s HTTP/1.1\r\nHost: %s\r\n%s%s%s%sAccept: */*\r\n"
	    "Connection: close\r\n\r\n", method, path, host,
	    ua ? "User-Agent: " : "", ua ? ua : "", ua ? "\r\n" : "",
	    extra ? extra : "");

	return fmt_ok(n, cap);
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 304:
		return "Not Modified";
	case 404:
		return "Not Found";
	default:
		return "Unknown";
	}
}

size_t sim_http_response(uint8_t *buf, size_t cap, int status,
    const char *ctype, const char *body, size_t body_len, uint64_t t_us)
{
	static const char filler[] = "{\"status\":\"ok\",\"data\":[1,2,3]}\n";
	char date[64];
	size_t n, i;

	if (body)
		body_len = strlen(body);
	http_date(date, sizeof(date), t_us);
	n = fmt_ok(snprintf((char *)buf, cap, "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n", status, reason(status), date, ctype, body_len), cap);
	if (n == 0 || cap - n < body_len)
		return 0;
	for (i = 0; i < body_len; i++)
		buf[n + i] = body ? (uint8_t)body[i] :
		    (uint8_t)filler[i % (sizeof(filler) - 1)];
	return n + body_len;
}

uint64_t sim_ntp_time(uint64_t t_us)
{
	uint64_t secs = t_us / 1000000u + NTP_EPOCH_OFFSET;
	uint64_t frac = ((t_us % 1000000u) << 32) / 1000000u;

	return secs << 32 | frac;
}

static void put_ntp(uint8_t *p, uint64_t v)
{
	sim_put32(p, (uint32_t)(v >> 32));
	sim_put32(p + 4, (uint32_t)v);
}

size_t sim_ntp_build(uint8_t *buf, size_t cap, int mode, uint64_t t_us,
    uint64_t orig, uint32_t refid)
{
	if (cap < 48)
		return 0;
	memset(buf, 0, 48);
	buf[0] = (uint8_t)(4 << 3 | (mode & 7));	/* LI 0, version 4 */
	if (mode == SIM_NTP_SERVER) {
		buf[1] = 2;		/* stratum */
		buf[2] = 6;		/* poll 64 s */
		buf[3] = 0xe9;		/* precision 2^-23 */
		sim_put32(buf + 4, 0x00000120u);	/* root delay */
		sim_put32(buf + 8, 0x00000250u);	/* root dispersion */
		sim_put32(buf + 12, refid);
		put_ntp(buf + 16, sim_ntp_time(t_us - 37000000u));
		put_ntp(buf + 24, orig);
		put_ntp(buf + 32, sim_ntp_time(t_us));
		put_ntp(buf + 40, sim_ntp_time(t_us + 23));
	} else {
		buf[2] = 6;
		buf[3] = 0xfa;
		put_ntp(buf + 40, sim_ntp_time(t_us));
	}
	return 48;
}

size_t sim_ssdp_notify(uint8_t *buf, size_t cap, const char *location,
    const char *nt, const char *usn, const char *server)
{
	return fmt_ok(snprintf((char *)buf, cap, "NOTIFY * HTTP/1.1\r\n"
	    "HOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
	    "LOCATION: %s\r\nNT: %s\r\nNTS: ssdp:alive\r\nSERVER: %s\r\n"
	    "USN: %s\r\n\r\n", location, nt, server, usn), cap);
}

size_t sim_ssdp_msearch(uint8_t *buf, size_t cap, const char *st,
    const char *ua)
{
	return fmt_ok(snprintf((char *)buf, cap, "M-SEARCH * HTTP/1.1\r\n"
	    "HOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\n"
	    "ST: %s\r\n%s%s%s\r\n", st, ua ? "USER-AGENT: " : "", ua ? ua : "",
	    ua ? "\r\n" : ""), cap);
}

size_t sim_ssdp_reply(uint8_t *buf, size_t cap, const char *location,
    const char *st, const char *usn, const char *server, uint64_t t_us)
{
	char date[64];

	http_date(date, sizeof(date), t_us);
	return fmt_ok(snprintf((char *)buf, cap, "HTTP/1.1 200 OK\r\n"
	    "CACHE-CONTROL: max-age=1800\r\nDATE: %s\r\nEXT:\r\nLOCATION: %s\r\n"
	    "SERVER: %s\r\nST: %s\r\nUSN: %s\r\n\r\n", date, location, server,
	    st, usn), cap);
}

/* ---- MQTT 3.1.1 ------------------------------------------------------ */

static void mqtt_str(struct sim_bw *w, const char *s)
{
	sim_bw_u16(w, (uint16_t)strlen(s));
	sim_bw_str(w, s);
}

/* Fixed header with the variable-length "remaining length" in front of
 * the body already at tmp[0..n). */
static size_t mqtt_frame(uint8_t *buf, size_t cap, uint8_t type,
    const uint8_t *body, size_t n)
{
	uint8_t hdr[5];
	size_t h = 1, v = n;

	hdr[0] = type;
	do {
		uint8_t b = (uint8_t)(v & 0x7f);

		v >>= 7;
		hdr[h++] = (uint8_t)(v ? b | 0x80 : b);
	} while (v && h < 5);
	if (v || cap < h + n)
		return 0;
	if (n)
		memmove(buf + h, body, n);
	memcpy(buf, hdr, h);
	return h + n;
}

size_t sim_mqtt_connect(uint8_t *buf, size_t cap, const char *client_id,
    const char *user, const char *pass, uint16_t keepalive)
{
	uint8_t body[512];
	struct sim_bw w;
	uint8_t flags = 0x02;	/* clean session */

	if (user)
		flags |= 0x80;
	if (pass)
		flags |= 0x40;
	sim_bw_init(&w, body, sizeof(body));
	mqtt_str(&w, "MQTT");
	sim_bw_u8(&w, 4);
	sim_bw_u8(&w, flags);
	sim_bw_u16(&w, keepalive);
	mqtt_str(&w, client_id);
	if (user)
		mqtt_str(&w, user);
	if (pass)
		mqtt_str(&w, pass);
	return w.bad ? 0 : mqtt_frame(buf, cap, 0x10, body, w.len);
}

size_t sim_mqtt_connack(uint8_t *buf, size_t cap)
{
	static const uint8_t b[] = { 0, 0 };

	return mqtt_frame(buf, cap, 0x20, b, 2);
}

size_t sim_mqtt_publish(uint8_t *buf, size_t cap, const char *topic,
    const char *payload)
{
	uint8_t body[1024];
	struct sim_bw w;

	sim_bw_init(&w, body, sizeof(body));
	mqtt_str(&w, topic);
	sim_bw_str(&w, payload);
	return w.bad ? 0 : mqtt_frame(buf, cap, 0x30, body, w.len);
}

size_t sim_mqtt_subscribe(uint8_t *buf, size_t cap, uint16_t pid,
    const char *topic)
{
	uint8_t body[512];
	struct sim_bw w;

	sim_bw_init(&w, body, sizeof(body));
	sim_bw_u16(&w, pid);
	mqtt_str(&w, topic);
	sim_bw_u8(&w, 0);
	return w.bad ? 0 : mqtt_frame(buf, cap, 0x82, body, w.len);
}

size_t sim_mqtt_suback(uint8_t *buf, size_t cap, uint16_t pid)
{
	uint8_t b[3];

	sim_put16(b, pid);
	b[2] = 0;
	return mqtt_frame(buf, cap, 0x90, b, 3);
}

size_t sim_mqtt_ping(uint8_t *buf, size_t cap, int response)
{
	return mqtt_frame(buf, cap, response ? 0xd0 : 0xc0, NULL, 0);
}
