/* fuzz_icmp.c - libFuzzer target: dec_icmp() or dec_icmpv6() on arbitrary
 * bytes; the first input byte picks the version (even: v4, odd: v6). */
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

	if (size < 1)
		return 0;
	int v6 = data[0] & 1;
	const uint8_t *msg = data + 1;
	size_t len = size - 1;

	memset(&st, 0, sizeof(st));
	fz_packet_init(&p);
	enum dec_result r = v6 ? dec_icmpv6(&st, &p, msg, len) :
	    dec_icmp(&st, &p, msg, len);
	FZ_CHECK(r == p.result);
	FZ_CHECK(r == DEC_OK || r == DEC_TRUNCATED);
	fz_check_packet(&p, msg, len);
	fz_check_stats(&st, &p);
	FZ_CHECK((v6 ? st.icmpv6 : st.icmpv4) == 1);
	if (p.has_l4) {
		FZ_CHECK(len >= 8);
		FZ_CHECK(p.icmp_type == msg[0] && p.icmp_code == msg[1]);
		FZ_CHECK(p.payload == msg + 8 && p.payload_len == len - 8);
		uint8_t req = v6 ? 128 : 8, rep = v6 ? 129 : 0;
		if (p.icmp_type != req && p.icmp_type != rep)
			FZ_CHECK(p.icmp_id == 0);
	} else {
		FZ_CHECK(len < 8 && p.icmp_type == 0);
	}
	return 0;
}
