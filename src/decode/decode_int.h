/* decode_int.h - helpers shared by the decoders in src/decode/ only.
 *
 * Not part of the module's public surface (that is decode.h): these are the
 * hand-offs between layers and the one place a problem is recorded. */
#ifndef EW_DECODE_INT_H
#define EW_DECODE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "util/cursor.h"

#define DEC_ETH_IPV4  0x0800
#define DEC_ETH_ARP   0x0806
#define DEC_ETH_IPV6  0x86dd

/* Record a problem: one count for reason r, and r's result becomes the
 * packet's result unless an earlier problem already set one (the first
 * problem is the one reported). Returns the packet's result. Every reason
 * comes with DEC_TRUNCATED or DEC_MALFORMED, so dec_packet can count a frame
 * as invalid from its result alone. */
static inline enum dec_result dec_fail(struct dec_stats *st, struct packet *p,
    enum dec_reason r, enum dec_result res)
{
	st->reason[r]++;
	if (p->result == DEC_OK)
		p->result = res;
	return p->result;
}

/* Valid but not decoded further (other ethertype, IP protocol, ARP kind).
 * No reason is counted: this is not an invalid packet. */
static inline enum dec_result dec_unsupported(struct packet *p)
{
	if (p->result == DEC_OK)
		p->result = DEC_UNSUPPORTED;
	return p->result;
}

/* ethernet.c: everything after an ethertype field - 802.1Q/802.1ad tags,
 * then ARP, IPv4 or IPv6. Shared by Ethernet and Linux cooked captures. */
enum dec_result dec_ether_payload(struct dec_stats *st, struct packet *p,
    uint16_t type, const uint8_t *data, size_t len);

/* decode.c: hand the IP payload to the transport decoder for proto.
 * `clipped` is 1 when len was cut short by the capture (snap length)
 * rather than by the IP length fields, so a header that does not fit is
 * truncated rather than malformed. */
enum dec_result dec_l4(struct dec_stats *st, struct packet *p, uint8_t proto,
    const uint8_t *data, size_t len, int clipped);

/* tcp.c: dec_tcp with the `clipped` hint described above. */
enum dec_result dec_tcp_seg(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len, int clipped);

#endif /* EW_DECODE_INT_H */
