/* fuzz_linktypes.c - libFuzzer target: dec_packet() over every supported
 * link type. Input byte 0 picks the link type (value % 10; 0 is BSD null
 * and 1 Ethernet, as their DLT numbers) and, in value / 10, how the wire
 * length relates to the captured length; the rest is the frame. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"
#include "fuzz.h"
#include "decode_check.h"

static const int link_types[] = {
	DEC_LINK_NULL, DEC_LINK_ETHERNET, DEC_LINK_RAW, DEC_DLT_RAW_ALT,
	DEC_DLT_RAW_ALT2, DEC_LINK_LOOP, DEC_LINK_SLL, DEC_LINK_IPV4,
	DEC_LINK_IPV6, DEC_LINK_SLL2,
};
#define N_LINK_TYPES (sizeof(link_types) / sizeof(link_types[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dec_stats st;
	struct packet p, again;

	if (size < 1 || size - 1 > UINT32_MAX - 64u * 12u)
		return 0;
	int lt = link_types[data[0] % N_LINK_TYPES];
	unsigned mode = (unsigned)(data[0] / N_LINK_TYPES);	/* 0..25 */
	const uint8_t *frame = data + 1;
	uint32_t caplen = (uint32_t)(size - 1);
	/* 0: wire length = captured; 1..12: longer on the wire (a snap
	 * length cut the frame); 13..25: a corrupt record whose wire length
	 * is below its capture length */
	uint32_t wirelen = caplen;
	if (mode >= 1 && mode <= 12)
		wirelen = caplen + 64u * mode;
	else if (mode > 12) {
		uint32_t less = 4u * (mode - 12);
		wirelen = caplen > less ? caplen - less : 0;
	}
	uint32_t eff = caplen < wirelen ? caplen : wirelen;

	FZ_CHECK(dec_linktype_supported(lt));
	memset(&st, 0, sizeof(st));
	memset(&p, 0x5a, sizeof(p));	/* must be fully overwritten */
	enum dec_result r = dec_packet(&st, &p, lt, frame, caplen, wirelen,
	    12345);
	FZ_CHECK(r == p.result);
	FZ_CHECK(p.caplen == caplen && p.wirelen == wirelen);
	FZ_CHECK(p.linktype == lt && p.data == frame && p.ts_ns == 12345);
	/* nothing may come from past the effective frame length */
	fz_check_packet(&p, frame, eff);
	fz_check_stats(&st, &p);
	FZ_CHECK(st.pkts == 1 && st.bytes == wirelen);
	FZ_CHECK(st.invalid ==
	    (uint64_t)(r == DEC_TRUNCATED || r == DEC_MALFORMED));
	if (p.has_l4)
		FZ_CHECK(p.ip_version != 0);
	if (p.has_eth)
		FZ_CHECK(lt == DEC_LINK_ETHERNET);
	if (p.ip_version == 4)
		FZ_CHECK(p.ethertype == 0x0800);
	if (p.ip_version == 6)
		FZ_CHECK(p.ethertype == 0x86dd);

	/* Decoding is a pure function of its input: a second run into a
	 * packet full of different garbage gives the same bytes. */
	struct dec_stats st2;
	memset(&st2, 0, sizeof(st2));
	memset(&again, 0xa5, sizeof(again));
	dec_packet(&st2, &again, lt, frame, caplen, wirelen, 12345);
	FZ_CHECK(memcmp(&p, &again, sizeof(p)) == 0);
	FZ_CHECK(memcmp(&st, &st2, sizeof(st)) == 0);
	return 0;
}
