/* fuzz_tcp.c - libFuzzer target: dec_tcp() on arbitrary bytes: TCP header
 * and option walk. */
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
	enum dec_result r = dec_tcp(&st, &p, data, size);
	FZ_CHECK(r == p.result);
	fz_check_packet(&p, data, size);
	fz_check_stats(&st, &p);
	if (p.has_l4) {
		size_t hlen = (size_t)(data[12] >> 4) * 4;
		FZ_CHECK(hlen >= 20 && hlen <= size);
		FZ_CHECK(p.payload == data + hlen);
		FZ_CHECK(p.payload_len == size - hlen);
	}
	return 0;
}
