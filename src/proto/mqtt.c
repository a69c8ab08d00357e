/* mqtt.c - MQTT CONNECT (client id, user name, password flag, default
 * credential check) and CONNACK (return code), MQTT 3.1, 3.1.1 and 5. */
#include <string.h>

#include "proto/proto_tcp.h"
#include "util/cursor.h"

static int str_eq(const uint8_t *d, size_t n, const char *s)
{
	size_t l = strlen(s);
	return n == l && memcmp(d, s, l) == 0;
}

/* MQTT "remaining length" varint; -1 when malformed or cut. */
static int mqtt_varint(struct cursor *c, uint32_t *v)
{
	uint32_t x = 0;
	for (unsigned i = 0; i < 4; i++) {
		uint8_t b = cur_u8(c);
		if (c->bad)
			return -1;
		x |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* A 2-byte-length-prefixed string: pointer and length, or -1. */
static int mqtt_str(struct cursor *c, const uint8_t **s, size_t *l)
{
	size_t len = cur_be16(c);
	const uint8_t *p = c->bad ? NULL : cur_bytes(c, len);
	if (!p)
		return -1;
	*s = p;
	*l = len;
	return 0;
}

/* Skip an MQTT 5 property block (a varint length, then that many bytes). */
static int mqtt_props(struct cursor *c)
{
	uint32_t len;
	return mqtt_varint(c, &len) < 0 || cur_skip(c, len) < 0 ? -1 : 0;
}

int proto_parse_mqtt_connect(const uint8_t *d, size_t n,
    struct app_login *out, char *client_id, size_t client_id_size)
{
	struct cursor c;
	uint32_t rl;
	const uint8_t *s, *user = NULL, *pass = NULL;
	size_t l, ulen = 0, plen = 0;

	memset(out, 0, sizeof(*out));
	if (client_id && client_id_size)
		client_id[0] = '\0';
	cur_init(&c, d, n);
	if (cur_u8(&c) != 0x10 || mqtt_varint(&c, &rl) < 0)
		return -1;
	if (rl < cur_left(&c))
		(void)cur_limit(&c, rl);	/* later packets in the segment */
	if (mqtt_str(&c, &s, &l) < 0 ||
	    !(str_eq(s, l, "MQTT") || str_eq(s, l, "MQIsdp")))
		return -1;
	uint8_t level = cur_u8(&c);
	uint8_t flags = cur_u8(&c);
	(void)cur_be16(&c);		/* keep-alive */
	if (c.bad || (flags & 0x01))
		return -1;		/* cut, or the reserved bit set */
	out->proto = LOGIN_MQTT;
	out->outcome = LOGIN_ATTEMPT;
	out->secret_seen = (flags & 0x40) != 0;
	if (level == 5 && mqtt_props(&c) < 0)
		return 0;		/* cut: what we have */
	if (mqtt_str(&c, &s, &l) < 0)
		return 0;
	if (client_id)
		proto_copy_str(client_id, client_id_size, s, l);
	if (flags & 0x04) {		/* will: properties, topic, payload */
		if (level == 5 && mqtt_props(&c) < 0)
			return 0;
		if (mqtt_str(&c, &s, &l) < 0 || mqtt_str(&c, &s, &l) < 0)
			return 0;
	}
	if ((flags & 0x80) && mqtt_str(&c, &user, &ulen) == 0)
		proto_copy_str(out->user, sizeof(out->user), user, ulen);
	if ((flags & 0x40) && mqtt_str(&c, &pass, &plen) == 0 && user)
		out->default_cred = (uint8_t)proto_login_is_default(user,
		    ulen, pass, plen);
	return 0;
}

int proto_parse_mqtt_connack(const uint8_t *d, size_t n, uint8_t *rc)
{
	/* v3.1.1: 20 02 flags rc; v5: 20 len flags reason props... */
	struct cursor c;
	cur_init(&c, d, n);
	uint8_t type = cur_u8(&c), len = cur_u8(&c), flags = cur_u8(&c);
	uint8_t code = cur_u8(&c);
	if (c.bad || type != 0x20 || len < 2 || len > 0x7f || (flags & 0xfe))
		return -1;
	*rc = code;
	return 0;
}
