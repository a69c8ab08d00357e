/* fuzz_arp.c - libFuzzer target: dec_arp() on arbitrary bytes (ARP body
 * after the ethertype). */
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
	enum dec_result r = dec_arp(&st, &p, data, size);
	FZ_CHECK(r == p.result);
	fz_check_packet(&p, data, size);
	fz_check_stats(&st, &p);
	if (p.has_arp)
		FZ_CHECK(size >= 28 && p.result == DEC_OK);
	return 0;
}
