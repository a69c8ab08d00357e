/* fuzz_udp.c - libFuzzer target: dec_udp() on arbitrary bytes: UDP header
 * and length handling. */
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
	enum dec_result r = dec_udp(&st, &p, data, size);
	FZ_CHECK(r == p.result);
	fz_check_packet(&p, data, size);
	fz_check_stats(&st, &p);
	if (p.has_l4) {
		size_t ulen = ((size_t)data[4] << 8) | data[5];
		FZ_CHECK(ulen >= 8);
		FZ_CHECK(p.payload == data + 8);
		FZ_CHECK(p.payload_len + 8u <= ulen);
	}
	return 0;
}
