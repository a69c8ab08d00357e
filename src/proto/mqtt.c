/* mqtt.c - MQTT CONNECT (client id, user name, password flag, default
 * credential check) and CONNACK (return code), MQTT 3.1, 3.1.1 and 5. */
#include <string.h>

#include "proto/proto_tcp.h"

static int str_eq(const uint8_t *d, size_t n, const char *s)
{
	size_t l = strlen(s);
	return n == l && memcmp(d, s, l) == 0;
}

/* MQTT "remaining length" varint; -1 when malformed or cut. */
static int mqtt_varint(const uint8_t *d, size_t n, size_t *off, uint32_t *v)
{
	uint32_t x = 0;
	for (unsigned i = 0; i < 4; i++) {
		if (*off >= n)
			return -1;
		uint8_t b = d[(*off)++];
		x |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* A 2-byte-length-prefixed string at *off: pointer and length, or -1. */
static int mqtt_str(const uint8_t *d, size_t n, size_t *off,
    const uint8_t **s, size_t *l)
{
	if (n - *off < 2)
		return -1;
	size_t len = (size_t)d[*off] << 8 | d[*off + 1];
	*off += 2;
	if (n - *off < len)
		return -1;
	*s = d + *off;
	*l = len;
	*off += len;
	return 0;
}

int proto_parse_mqtt_connect(const uint8_t *d, size_t n,
    struct app_login *out, char *client_id, size_t client_id_size)
{
	size_t off = 1;
	uint32_t rl;
	const uint8_t *s, *user = NULL, *pass = NULL;
	size_t l, ulen = 0, plen = 0;

	memset(out, 0, sizeof(*out));
	if (client_id && client_id_size)
		client_id[0] = '\0';
	if (n < 2 || d[0] != 0x10 || mqtt_varint(d, n, &off, &rl) < 0)
		return -1;
	if (rl < n - off)
		n = off + rl;		/* later packets in the segment */
	if (mqtt_str(d, n, &off, &s, &l) < 0 ||
	    !(str_eq(s, l, "MQTT") || str_eq(s, l, "MQIsdp")))
		return -1;
	if (n - off < 4)
		return -1;
	uint8_t level = d[off];
	uint8_t flags = d[off + 1];
	off += 4;			/* level, flags, keep-alive */
	if (flags & 0x01)
		return -1;		/* reserved bit must be 0 */
	out->proto = LOGIN_MQTT;
	out->outcome = LOGIN_ATTEMPT;
	out->secret_seen = (flags & 0x40) != 0;
	uint32_t skip;
	if (level == 5 && (mqtt_varint(d, n, &off, &skip) < 0 ||
	    n - off < skip))
		return 0;		/* cut: what we have */
	if (level == 5)
		off += skip;		/* CONNECT properties */
	if (mqtt_str(d, n, &off, &s, &l) < 0)
		return 0;
	if (client_id)
		proto_copy_str(client_id, client_id_size, s, l);
	if (flags & 0x04) {		/* will: properties, topic, payload */
		if (level == 5 && (mqtt_varint(d, n, &off, &skip) < 0 ||
		    n - off < skip))
			return 0;
		if (level == 5)
			off += skip;
		if (mqtt_str(d, n, &off, &s, &l) < 0 ||
		    mqtt_str(d, n, &off, &s, &l) < 0)
			return 0;
	}
	if ((flags & 0x80) && mqtt_str(d, n, &off, &user, &ulen) == 0)
		proto_copy_str(out->user, sizeof(out->user), user, ulen);
	if ((flags & 0x40) && mqtt_str(d, n, &off, &pass, &plen) == 0 && user)
		out->default_cred = (uint8_t)proto_login_is_default(user,
		    ulen, pass, plen);
	return 0;
}

int proto_parse_mqtt_connack(const uint8_t *d, size_t n, uint8_t *rc)
{
	/* v3.1.1: 20 02 flags rc; v5: 20 len flags reason props... */
	if (n < 4 || d[0] != 0x20 || d[1] < 2 || d[1] > 0x7f || (d[2] & 0xfe))
		return -1;
	*rc = d[3];
	return 0;
}
