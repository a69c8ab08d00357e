/* fuzz_http.c - libFuzzer target: proto_parse_http() (HTTP/RTSP heads and
 * Basic credentials), proto_parse_ssh_banner() and proto_parse_stratum()
 * on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/proto.h"
#include "fuzz.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define TERM(s) FZ_CHECK(memchr((s), 0, sizeof(s)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_http h;
	struct app_ssh s;
	struct app_stratum st;

	int r = proto_parse_http(data, size, &h);
	FZ_CHECK(r == 0 || r == -1);
	TERM(h.method);
	TERM(h.uri);
	TERM(h.host);
	TERM(h.user_agent);
	TERM(h.server);
	TERM(h.content_type);
	TERM(h.login.user);
	FZ_CHECK(!h.has_login || !h.is_response);
	FZ_CHECK(!h.login.default_cred || h.has_login);
	if (h.is_response)
		FZ_CHECK(h.status <= 999);

	r = proto_parse_ssh_banner(data, size, &s);
	FZ_CHECK(r == 0 || r == -1);
	TERM(s.banner);
	FZ_CHECK(r == -1 || memcmp(s.banner, "SSH-", 4) == 0);

	r = proto_parse_stratum(data, size, &st);
	FZ_CHECK(r == 0 || r == -1);
	TERM(st.method);
	TERM(st.agent);
	FZ_CHECK(r == -1 || st.method[0] != 0);
	return 0;
}
