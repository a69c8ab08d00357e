/* decode.h - L2-L4 decoders: one frame in, one struct packet out.
 *
 * dec_packet() fills a caller-owned struct packet whose pointers (payload,
 * l3) point into the caller's frame buffer: nothing is allocated and nothing
 * is copied, so the packet is valid only as long as that buffer is.
 * Every malformed or truncated case bumps one counter in struct dec_stats
 * (by reason, see DEC_REASONS) and the packet is returned with what was
 * decoded up to that point; nothing derived from packet bytes can abort. */
#ifndef EW_DECODE_H
#define EW_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util/addr.h"

/* Link types we decode (values are libpcap's DLT_/LINKTYPE_ numbers, which
 * coincide for these). */
#define DEC_LINK_NULL      0	/* BSD loopback, 4-byte host-order family */
#define DEC_LINK_ETHERNET  1
#define DEC_LINK_RAW     101	/* raw IPv4 or IPv6 (LINKTYPE_RAW) */
#define DEC_LINK_LOOP    108	/* OpenBSD loopback, network-order family */
#define DEC_LINK_SLL     113	/* Linux cooked v1 */
#define DEC_LINK_IPV4    228
#define DEC_LINK_IPV6    229
#define DEC_LINK_SLL2    276	/* Linux cooked v2 */
#define DEC_DLT_RAW_ALT   12	/* DLT_RAW on most BSDs/Linux libpcap */
#define DEC_DLT_RAW_ALT2  14	/* DLT_RAW on OpenBSD */

/* 1 when dec_packet() can decode this link type. */
int dec_linktype_supported(int linktype);

enum dec_result {
	DEC_OK = 0,		/* decoded as far as we go */
	DEC_TRUNCATED,		/* a header ran past the captured bytes */
	DEC_MALFORMED,		/* a field was impossible */
	DEC_UNSUPPORTED,	/* valid but not something we decode */
};

/* Invalid-packet reasons: X(enum suffix, "stats name"). One counter each;
 * the stats event prints them under decoder.invalid by name. */
#define DEC_REASONS(X) \
	X(LINK_TRUNCATED,       "link.truncated") \
	X(LINK_UNKNOWN_FAMILY,  "link.unknown_family") \
	X(ETH_TRUNCATED,        "ethernet.truncated") \
	X(VLAN_TRUNCATED,       "vlan.truncated") \
	X(VLAN_TOO_DEEP,        "vlan.too_deep") \
	X(ARP_TRUNCATED,        "arp.truncated") \
	X(ARP_MALFORMED,        "arp.malformed") \
	X(IPV4_TRUNCATED,       "ipv4.truncated") \
	X(IPV4_BAD_VERSION,     "ipv4.bad_version") \
	X(IPV4_BAD_HLEN,        "ipv4.bad_header_length") \
	X(IPV4_BAD_TOTLEN,      "ipv4.bad_total_length") \
	X(IPV4_OPT_MALFORMED,   "ipv4.option_malformed") \
	X(IPV6_TRUNCATED,       "ipv6.truncated") \
	X(IPV6_BAD_VERSION,     "ipv6.bad_version") \
	X(IPV6_BAD_PLEN,        "ipv6.bad_payload_length") \
	X(IPV6_EXTHDR_TRUNCATED, "ipv6.exthdr_truncated") \
	X(IPV6_EXTHDR_TOO_MANY, "ipv6.exthdr_too_many") \
	X(TCP_TRUNCATED,        "tcp.truncated") \
	X(TCP_BAD_HLEN,         "tcp.bad_header_length") \
	X(TCP_OPT_MALFORMED,    "tcp.option_malformed") \
	X(UDP_TRUNCATED,        "udp.truncated") \
	X(UDP_BAD_LEN,          "udp.bad_length") \
	X(ICMP_TRUNCATED,       "icmp.truncated") \
	X(ICMPV6_TRUNCATED,     "icmpv6.truncated")

enum dec_reason {
#define DEC_REASON_ENUM(name, str) DEC_R_##name,
	DEC_REASONS(DEC_REASON_ENUM)
#undef DEC_REASON_ENUM
	DEC_R__COUNT
};

/* "ipv4.truncated" etc.; NULL when out of range. */
const char *dec_reason_name(enum dec_reason r);

/* Per-layer counts of what was seen, plus invalid counts by reason. */
struct dec_stats {
	uint64_t pkts;		/* frames handed to dec_packet */
	uint64_t bytes;		/* their wire lengths */
	uint64_t ethernet;
	uint64_t vlan;		/* frames with at least one 802.1Q tag */
	uint64_t arp;
	uint64_t ipv4;
	uint64_t ipv6;
	uint64_t ipv4_frag;	/* IPv4 fragments (first included) */
	uint64_t ipv6_frag;	/* IPv6 fragment headers seen */
	uint64_t ipv4_zero_len;	/* IPv4 total length 0 (TSO), captured
				 * length used instead */
	uint64_t tcp;
	uint64_t udp;
	uint64_t icmpv4;
	uint64_t icmpv6;
	uint64_t other_l3;	/* ethertypes we do not decode */
	uint64_t other_l4;	/* IP protocols we do not decode */
	uint64_t invalid;	/* frames with any invalid reason */
	uint64_t reason[DEC_R__COUNT];
};

/* TCP flag bits as on the wire. */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define IPPROTO_NUM_ICMP    1
#define IPPROTO_NUM_TCP     6
#define IPPROTO_NUM_UDP    17
#define IPPROTO_NUM_ICMPV6 58

struct packet {
	/* capture */
	uint64_t ts_ns;		/* packet time, ns since the epoch */
	uint32_t caplen;	/* bytes captured */
	uint32_t wirelen;	/* bytes on the wire */
	int linktype;
	const uint8_t *data;	/* the frame (not owned) */

	enum dec_result result;	/* how far decoding got */

	/* L2 */
	uint8_t has_eth;	/* src_mac/dst_mac valid */
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint8_t vlan_depth;	/* 802.1Q tags seen (<= DEC_MAX_VLAN_DEPTH) */
	uint16_t vlan[DEC_MAX_VLAN_DEPTH];	/* VLAN IDs, outer first */
	uint16_t ethertype;	/* innermost; 0x0800/0x86dd also set for
				 * SLL, raw and null links */

	/* ARP (Ethernet/IPv4 only) */
	uint8_t has_arp;
	struct {
		uint16_t op;	/* 1 request, 2 reply */
		uint8_t sha[6], tha[6];
		uint8_t spa[4], tpa[4];
	} arp;

	/* L3 */
	uint8_t ip_version;	/* 0 none, 4 or 6 */
	struct addr src, dst;
	uint8_t ttl;		/* TTL or hop limit */
	uint8_t ip_tos;		/* TOS / traffic class */
	uint16_t ip_id;		/* IPv4 id (0 for IPv6) */
	uint8_t ip_df;		/* IPv4 don't-fragment bit */
	uint8_t ip_has_opts;	/* IPv4 options or IPv6 ext headers present */
	uint8_t frag;		/* 1 when this is a fragment */
	uint8_t frag_first;	/* 1 when offset 0 (L4 header present) */
	uint16_t frag_off;	/* fragment offset in bytes */
	uint8_t l4proto;	/* IP protocol / final IPv6 next header */
	uint32_t ip_len;	/* effective IP length: header + payload, after
				 * min(caplen, wire, IP total length) */
	const uint8_t *l3;	/* start of the IP header (not owned) */

	/* L4; has_l4 is 1 only when the L4 header decoded completely */
	uint8_t has_l4;
	uint16_t sport, dport;	/* TCP/UDP ports; ICMP: 0 */
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	uint16_t tcp_mss;	/* 0 when absent */
	uint8_t tcp_wscale;	/* 0xff when absent */
	uint8_t tcp_sack_ok;
	uint8_t tcp_has_ts;
	uint8_t tcp_nopts;	/* kinds recorded in tcp_opts */
	uint8_t tcp_opts[DEC_TCP_OPT_ORDER];	/* option kinds, in order */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;	/* echo request/reply identifier, else 0 */

	/* L4 payload, clamped to captured bytes (not owned) */
	const uint8_t *payload;
	uint32_t payload_len;
};

/* Decode one frame of the given link type into *p (fully overwritten).
 * Counts into *st. Returns p->result. Never reads outside data[0..caplen). */
enum dec_result dec_packet(struct dec_stats *st, struct packet *p,
    int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
    uint64_t ts_ns);

/* Per-layer entry points, for tests and fuzz targets. Each decodes from
 * its layer down into *p (which the caller has zeroed or partly filled). */
enum dec_result dec_ethernet(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len);
enum dec_result dec_ipv4(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len);
enum dec_result dec_ipv6(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len);
enum dec_result dec_arp(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len);
enum dec_result dec_tcp(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len);
enum dec_result dec_udp(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len);
enum dec_result dec_icmp(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len);
enum dec_result dec_icmpv6(struct dec_stats *st, struct packet *p,
    const uint8_t *data, size_t len);

#endif /* EW_DECODE_H */
