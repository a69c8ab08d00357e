/* fuzz_ethernet.c - libFuzzer target: dec_ethernet() on arbitrary bytes:
 * Ethernet II, VLAN tags and every layer below. */
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
	enum dec_result r = dec_ethernet(&st, &p, data, size);
	FZ_CHECK(r == p.result);
	fz_check_packet(&p, data, size);
	fz_check_stats(&st, &p);
	if (p.has_eth)
		FZ_CHECK(size >= 14);
	if (p.ip_version != 0)
		FZ_CHECK(p.l3 >= data + 14 + 4u * p.vlan_depth);
	return 0;
}
