/* proto_tcp.c - per-segment dispatch of the TCP payload inspectors.
 *
 * A flow is recognised from the content of its first segments (TLS record,
 * "SSH-", HTTP/RTSP method or status line, MQTT CONNECT, telnet IAC,
 * Stratum JSON) or, for the cleartext login protocols, from the server
 * port. Each direction is inspected for at most PROTO_TCP_MAX_PKTS payload
 * segments (PROTO_TCP_LOGIN_MAX_PKTS for login protocols), so a bulk
 * transfer costs one comparison per segment. */
#include <string.h>

#include "config.h"
#include "proto/proto_tcp.h"

static int is_login_kind(uint8_t k)
{
	return k >= PTCP_TELNET && k <= PTCP_MQTT;
}

static uint8_t kind_by_port(uint16_t port)
{
	switch (port) {
	case 23:
	case 2323:
		return PTCP_TELNET;
	case 21:
		return PTCP_FTP;
	case 110:
		return PTCP_POP3;
	case 143:
		return PTCP_IMAP;
	case 25:
	case 587:
		return PTCP_SMTP;
	case 1883:
		return PTCP_MQTT;
	default:
		return PTCP_UNKNOWN;
	}
}

/* MQTT CONNECT magic: 0x10, remaining length, then "\0\4MQTT" or
 * "\0\6MQIsdp". */
static int mqtt_magic(const uint8_t *d, size_t n)
{
	if (n < 9 || d[0] != 0x10)
		return 0;
	size_t i = 1;
	while (i < 5 && i < n && (d[i] & 0x80))
		i++;
	i++;			/* past the last length byte */
	if (i > n || n - i < 8)
		return 0;
	return d[i] == 0 && ((d[i + 1] == 4 &&
	    memcmp(d + i + 2, "MQTT", 4) == 0) || (d[i + 1] == 6 &&
	    memcmp(d + i + 2, "MQIs", 4) == 0));
}

static uint8_t classify(const uint8_t *d, size_t n, uint16_t srv_port,
    uint16_t cli_port, int to_server, uint8_t *swapped)
{
	if (n >= 6 && d[0] == 0x16 && d[1] == 0x03 && (d[5] == 1 || d[5] == 2))
		return PTCP_TLS;
	if (n >= 4 && memcmp(d, "SSH-", 4) == 0)
		return PTCP_SSH;
	if (proto_http_start(d, n))
		return PTCP_HTTP;
	if (mqtt_magic(d, n))
		return PTCP_MQTT;
	if (d[0] == '{' && n > 10) {
		struct app_stratum tmp;
		if (proto_parse_stratum(d, n, &tmp) == 0)
			return PTCP_STRATUM;
	}
	uint8_t k = kind_by_port(srv_port);
	if (k != PTCP_UNKNOWN)
		return k;
	/* The capture began mid-connection and the flow table took the
	 * server for the client: the well-known port is on the other side. */
	k = kind_by_port(cli_port);
	if (k != PTCP_UNKNOWN) {
		*swapped = 1;
		return k;
	}
	if (n >= 2 && d[0] == 0xff && d[1] >= 251)	/* IAC WILL/DO.. */
		return PTCP_TELNET;
	if (to_server && n >= 5 && memcmp(d, "USER ", 5) == 0)
		return PTCP_FTP;	/* FTP on another port */
	return PTCP_UNKNOWN;
}

static void do_tls(struct proto_tcp_state *st, const uint8_t *d, size_t n,
    struct app_meta *m)
{
	int srv = 0;
	if (d[0] != 0x16 || n < 6)
		return;
	uint8_t bit = d[5] == 2 ? PTCP_SEEN_SHELLO : PTCP_SEEN_CHELLO;
	if (st->seen & bit)
		return;
	if (proto_parse_tls(d, n, &m->u.tls, &srv) < 0)
		return;
	st->seen |= bit;
	m->kind = srv ? APP_TLS_SERVER_HELLO : APP_TLS_CLIENT_HELLO;
}

static void do_http(struct proto_tcp_state *st, const uint8_t *d, size_t n,
    struct app_meta *m)
{
	struct app_http *h = &m->u.http;
	if (proto_parse_http(d, n, h) < 0)
		return;
	m->kind = APP_HTTP;
	if (!h->is_response) {
		if (h->has_login) {
			/* A request carrying credentials is reported as the
			 * login (what the login checks read); its head is
			 * dropped. The response stays an HTTP head (Server
			 * header) and carries the outcome in http.login. */
			struct app_login l = h->login;
			st->login_pending = 1;
			st->login_proto = l.proto;
			size_t ul = strlen(l.user);
			memcpy(st->user, l.user, ul + 1);
			st->userlen = (uint8_t)ul;
			m->kind = APP_LOGIN;
			m->u.login = l;
		}
		return;
	}
	if (!st->login_pending)
		return;
	uint8_t outcome = 0;
	if (h->status == 401 || h->status == 403)
		outcome = LOGIN_FAILED;
	else if (h->status >= 200 && h->status < 400)
		outcome = LOGIN_OK;
	if (!outcome)
		return;
	h->has_login = 1;
	h->login.proto = st->login_proto;
	h->login.outcome = outcome;
	proto_copy_str(h->login.user, sizeof(h->login.user),
	    (const uint8_t *)st->user, st->userlen);
	st->login_pending = 0;
}

static void do_mqtt(struct proto_tcp_state *st, const uint8_t *d, size_t n,
    int to_server, struct app_meta *m)
{
	if (to_server && d[0] == 0x10) {
		if (proto_parse_mqtt_connect(d, n, &m->u.login, NULL, 0) < 0)
			return;
		m->kind = APP_LOGIN;
		st->seen |= PTCP_SEEN_MQTT;
		st->login_pending = 1;
		st->login_proto = LOGIN_MQTT;
		size_t ul = strlen(m->u.login.user);
		memcpy(st->user, m->u.login.user, ul + 1);
		st->userlen = (uint8_t)ul;
	} else if (!to_server && d[0] == 0x20 && st->login_pending) {
		uint8_t rc;
		if (proto_parse_mqtt_connack(d, n, &rc) < 0)
			return;
		m->kind = APP_LOGIN;
		memset(&m->u.login, 0, sizeof(m->u.login));
		m->u.login.proto = LOGIN_MQTT;
		m->u.login.outcome = rc == 0 ? LOGIN_OK : LOGIN_FAILED;
		proto_copy_str(m->u.login.user, sizeof(m->u.login.user),
		    (const uint8_t *)st->user, st->userlen);
		st->login_pending = 0;
	}
}

void proto_tcp_inspect(struct proto_tcp_state *st, const struct packet *p,
    const struct flow *f, int to_server, struct app_meta *m)
{
	const uint8_t *d = p->payload;
	size_t n = p->payload_len;
	int dir = to_server ? 1 : 0;

	m->kind = APP_NONE;
	if (!d || n == 0)
		return;
	if (st->npkt[dir] < 255)
		st->npkt[dir]++;
	unsigned k = st->npkt[dir];
	if (k > (is_login_kind(st->kind) ? PROTO_TCP_LOGIN_MAX_PKTS :
	    PROTO_TCP_MAX_PKTS)) {
		/* keep-alive heads and later Stratum calls only */
		if (!(st->kind == PTCP_HTTP && d[0] >= 'A' && d[0] <= 'Z' &&
		    proto_http_start(d, n)) &&
		    !(st->kind == PTCP_STRATUM && d[0] == '{'))
			return;
	}
	if (st->kind == PTCP_UNKNOWN) {
		uint16_t srv_port = f ? f->srv_port :
		    (to_server ? p->dport : p->sport);
		uint16_t cli_port = f ? f->cli_port :
		    (to_server ? p->sport : p->dport);
		st->kind = classify(d, n, srv_port, cli_port, to_server,
		    &st->swapped);
	}
	if (st->swapped)
		to_server = !to_server;
	switch (st->kind) {
	case PTCP_TLS:
		do_tls(st, d, n, m);
		break;
	case PTCP_HTTP:
		if (proto_http_start(d, n))
			do_http(st, d, n, m);
		break;
	case PTCP_SSH: {
		uint8_t bit = to_server ? PTCP_SEEN_SSH_CLI : PTCP_SEEN_SSH_SRV;
		if ((st->seen & bit) ||
		    proto_parse_ssh_banner(d, n, &m->u.ssh) < 0)
			break;
		st->seen |= bit;
		m->u.ssh.from_server = (uint8_t)!to_server;
		m->kind = APP_SSH_BANNER;
		break;
	}
	case PTCP_TELNET:
		proto_login_telnet(st, d, n, to_server, m);
		break;
	case PTCP_FTP:
	case PTCP_POP3:
	case PTCP_IMAP:
	case PTCP_SMTP:
		proto_login_text(st, d, n, to_server, m);
		break;
	case PTCP_MQTT:
		do_mqtt(st, d, n, to_server, m);
		break;
	case PTCP_STRATUM:
		if (proto_parse_stratum(d, n, &m->u.stratum) == 0) {
			m->u.stratum.from_server = (uint8_t)!to_server;
			m->kind = APP_STRATUM;
		}
		break;
	default:
		break;
	}
}
