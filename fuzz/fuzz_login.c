/* fuzz_login.c - libFuzzer target: a whole TCP conversation through
 * proto_tcp_inspect() (telnet, FTP, POP3, IMAP, SMTP, MQTT, HTTP Basic, and
 * whatever else content recognition picks).
 *
 * Input: byte 0 picks the server port; then segments, each a header byte
 * (bit 7: direction to server, bits 0-6: length, 0 = rest of input)
 * followed by that many payload bytes. Checks the per-flow state and every
 * emitted string stay well-formed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "proto/proto_tcp.h"
#include "fuzz.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define TERM(s) FZ_CHECK(memchr((s), 0, sizeof(s)) != NULL)

static const uint16_t ports[16] = { 23, 2323, 21, 110, 143, 25, 587, 1883,
	80, 554, 443, 22, 3333, 8080, 9999, 4444 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_tcp_state st;
	struct flow f;
	struct packet p;
	struct app_meta m;

	if (size < 1)
		return 0;
	memset(&st, 0, sizeof(st));
	memset(&f, 0, sizeof(f));
	f.srv_port = ports[data[0] & 15];
	f.cli_port = 40000;
	size_t off = 1;
	while (off < size) {
		uint8_t h = data[off++];
		size_t len = h & 0x7f;
		if (len == 0 || len > size - off)
			len = size - off;
		if (len == 0)
			break;
		/* exact-size copy so ASan sees any over-read */
		uint8_t *seg = malloc(len);
		if (!seg)
			return 0;
		memcpy(seg, data + off, len);
		off += len;
		int to_server = (h & 0x80) != 0;
		memset(&p, 0, sizeof(p));
		p.has_l4 = 1;
		p.l4proto = IPPROTO_NUM_TCP;
		p.payload = seg;
		p.payload_len = (uint32_t)len;
		p.sport = to_server ? 40000 : f.srv_port;
		p.dport = to_server ? f.srv_port : 40000;
		memset(&m, 0xa5, sizeof(m));
		proto_tcp_inspect(&st, &p, &f, to_server, &m);
		free(seg);

		FZ_CHECK(st.userlen < sizeof(st.user));
		FZ_CHECK(st.kind <= PTCP_OTHER);
		const struct app_login *l = proto_meta_login(&m);
		if (l) {
			TERM(l->user);
			FZ_CHECK(l->outcome >= LOGIN_ATTEMPT &&
			    l->outcome <= LOGIN_OK);
			FZ_CHECK(l->proto >= LOGIN_TELNET &&
			    l->proto <= LOGIN_SMTP);
		}
		switch (m.kind) {
		case APP_NONE:
		case APP_LOGIN:
			break;
		case APP_HTTP:
			TERM(m.u.http.host);
			TERM(m.u.http.uri);
			break;
		case APP_TLS_CLIENT_HELLO:
		case APP_TLS_SERVER_HELLO:
			TERM(m.u.tls.sni);
			TERM(m.u.tls.ja4);
			break;
		case APP_SSH_BANNER:
			TERM(m.u.ssh.banner);
			break;
		case APP_STRATUM:
			TERM(m.u.stratum.method);
			TERM(m.u.stratum.agent);
			break;
		default:
			__builtin_trap();	/* not a TCP kind */
		}
	}
	return 0;
}
