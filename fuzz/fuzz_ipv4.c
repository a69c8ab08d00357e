/* fuzz_ipv4.c - libFuzzer target: dec_ipv4() on arbitrary bytes:
 * IPv4 header, options, fragments and the transport below. */
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
	enum dec_result r = dec_ipv4(&st, &p, data, size);
	FZ_CHECK(r == p.result);
	fz_check_packet(&p, data, size);
	fz_check_stats(&st, &p);
	if (p.ip_version != 0) {
		FZ_CHECK(p.ip_version == 4 && p.l3 == data);
		uint32_t totlen = ((uint32_t)data[2] << 8) | data[3];
		/* total length 0 (TSO capture) stands for the captured length */
		FZ_CHECK(p.ip_len <= (totlen ? totlen : size));
		FZ_CHECK(p.ip_len >= 4u * (data[0] & 0x0fu));
	}
	if (p.has_l4)
		FZ_CHECK(!p.frag || p.frag_first);
	return 0;
}
