/* fuzz_tls.c - libFuzzer target: proto_parse_tls() on arbitrary bytes
 * (ClientHello/ServerHello, JA3/JA4). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/proto.h"
#include "fuzz.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int terminated(const char *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_tls t;
	int srv = -1;
	int r = proto_parse_tls(data, size, &t, &srv);
	FZ_CHECK(r == 0 || r == -1);
	FZ_CHECK(srv == 0 || srv == 1);
	FZ_CHECK(terminated(t.sni, sizeof(t.sni)));
	FZ_CHECK(terminated(t.alpn, sizeof(t.alpn)));
	FZ_CHECK(terminated(t.ja3, sizeof(t.ja3)));
	FZ_CHECK(terminated(t.ja3_hash, sizeof(t.ja3_hash)));
	FZ_CHECK(terminated(t.ja4, sizeof(t.ja4)));
	/* a fingerprint is whole or absent */
	FZ_CHECK(t.ja4[0] == 0 || strlen(t.ja4) == 36);
	FZ_CHECK(t.ja3_hash[0] == 0 || strlen(t.ja3_hash) == 32);
	FZ_CHECK((t.ja4[0] == 0) == (t.ja3_hash[0] == 0));
	if (r == 0)
		FZ_CHECK(size >= 6 && data[0] == 0x16);
	if (srv)
		FZ_CHECK(t.ja4[0] == 0);
	return 0;
}
