/* fuzz_ipv6.c - libFuzzer target: dec_ipv6() on arbitrary bytes:
 * IPv6 header, extension-header chain and the transport below. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"
#include "fuzz.h"
#include "decode_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dec_stats st;
	struct packet p;

	memset(&st, 0, sizeof(st));
	fz_packet_init(&p);
	enum dec_result r = dec_ipv6(&st, &p, data, size);
	FZ_CHECK(r == p.result);
	fz_check_packet(&p, data, size);
	fz_check_stats(&st, &p);
	if (p.ip_version != 0) {
		FZ_CHECK(p.ip_version == 6 && p.l3 == data);
		FZ_CHECK(p.ip_id == 0);
	}
	return 0;
}
