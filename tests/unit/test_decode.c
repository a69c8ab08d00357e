/* test_decode.c - unit tests for the L2-L4 decoders (src/decode/).
 *
 * Every frame is a hand-written byte array with each field annotated.
 * Frames are copied into a heap buffer of exactly the bytes handed to the
 * decoder, so an over-read shows up under ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"

/* ---- shared pieces of frames ----------------------------------------- */

#define MAC_A 0x00, 0x11, 0x22, 0x33, 0x44, 0x55
#define MAC_B 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb
#define MAC_BCAST 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

#define V4_A 0xc0, 0xa8, 0x01, 0x0a	/* 192.168.1.10 */
#define V4_B 0xc0, 0xa8, 0x01, 0x01	/* 192.168.1.1 */

/* 2001:db8::1 and 2001:db8::2 */
#define V6_A 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define V6_B 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02

/* IPv4 (20 bytes, no options) + UDP 5000 -> 53 with 4 payload bytes:
 * 32 bytes in all. */
#define V4_UDP_32 \
	0x45,			/* version 4, IHL 5 (20 bytes) */ \
	0x00,			/* TOS */ \
	0x00, 0x20,		/* total length 32 */ \
	0x00, 0x01,		/* id 1 */ \
	0x00, 0x00,		/* flags 0, offset 0 */ \
	0x40,			/* TTL 64 */ \
	0x11,			/* protocol 17 UDP */ \
	0x00, 0x00,		/* header checksum (not checked) */ \
	V4_A,			/* source 192.168.1.10 */ \
	V4_B,			/* destination 192.168.1.1 */ \
	0x13, 0x88,		/* UDP source port 5000 */ \
	0x00, 0x35,		/* destination port 53 */ \
	0x00, 0x0c,		/* UDP length 12 */ \
	0x00, 0x00,		/* checksum */ \
	0x61, 0x62, 0x63, 0x64	/* payload "abcd" */

/* IPv6 (40 bytes) + ICMPv6 echo request id 42 seq 7, 4 data bytes:
 * 52 bytes in all. */
#define V6_ICMP6_ECHO_52 \
	0x60, 0x00, 0x00, 0x00,	/* version 6, class 0, flow 0 */ \
	0x00, 0x0c,		/* payload length 12 */ \
	0x3a,			/* next header 58 ICMPv6 */ \
	0xff,			/* hop limit 255 */ \
	V6_A,			/* source 2001:db8::1 */ \
	V6_B,			/* destination 2001:db8::2 */ \
	0x80,			/* type 128 echo request */ \
	0x00,			/* code 0 */ \
	0x00, 0x00,		/* checksum */ \
	0x00, 0x2a,		/* identifier 42 */ \
	0x00, 0x07,		/* sequence 7 */ \
	0x01, 0x02, 0x03, 0x04	/* data */

static const uint8_t v4_a[4] = { V4_A };
static const uint8_t v4_b[4] = { V4_B };
static const uint8_t v6_a[16] = { V6_A };
static const uint8_t v6_b[16] = { V6_B };
static const uint8_t mac_a[6] = { MAC_A };
static const uint8_t mac_b[6] = { MAC_B };

/* ---- frames ----------------------------------------------------------- */

/* Ethernet + IPv4 + TCP SYN with a Linux-style option list. 74 bytes. */
static const uint8_t f_syn[] = {
	MAC_B,			/* destination MAC */
	MAC_A,			/* source MAC */
	0x08, 0x00,		/* ethertype IPv4 */
	0x45,			/* version 4, IHL 5 */
	0x10,			/* TOS 0x10 */
	0x00, 0x3c,		/* total length 60 */
	0x1c, 0x46,		/* id 0x1c46 */
	0x40, 0x00,		/* DF, offset 0 */
	0x40,			/* TTL 64 */
	0x06,			/* protocol 6 TCP */
	0x00, 0x00,		/* header checksum */
	V4_A,			/* source */
	V4_B,			/* destination */
	0xc3, 0x50,		/* source port 50000 */
	0x00, 0x50,		/* destination port 80 */
	0x00, 0x00, 0x10, 0x00,	/* sequence 4096 */
	0x00, 0x00, 0x00, 0x00,	/* ack 0 */
	0xa0,			/* data offset 10 (40 bytes) */
	0x02,			/* flags SYN */
	0xfa, 0xf0,		/* window 64240 */
	0x00, 0x00,		/* checksum */
	0x00, 0x00,		/* urgent pointer */
	0x02, 0x04, 0x05, 0xb4,	/* MSS 1460 */
	0x04, 0x02,		/* SACK permitted */
	0x08, 0x0a,		/* timestamps, length 10 */
	0x00, 0x00, 0x00, 0x01,	/*   TSval 1 */
	0x00, 0x00, 0x00, 0x00,	/*   TSecr 0 */
	0x01,			/* NOP */
	0x03, 0x03, 0x07,	/* window scale 7 */
};

/* Ethernet + 802.1Q (PCP 1, VLAN 100) + IPv4 + UDP. 50 bytes. */
static const uint8_t f_vlan_udp[] = {
	MAC_B,			/* destination MAC */
	MAC_A,			/* source MAC */
	0x81, 0x00,		/* TPID 802.1Q */
	0x20, 0x64,		/* PCP 1, DEI 0, VID 100 */
	0x08, 0x00,		/* inner ethertype IPv4 */
	V4_UDP_32,
};

/* Ethernet + 802.1ad (VLAN 10) + 802.1Q (VLAN 20) + IPv4 + UDP. 54 bytes. */
static const uint8_t f_qinq_udp[] = {
	MAC_B,			/* destination MAC */
	MAC_A,			/* source MAC */
	0x88, 0xa8,		/* TPID 802.1ad (S-tag) */
	0x00, 0x0a,		/* VID 10 */
	0x81, 0x00,		/* TPID 802.1Q (C-tag) */
	0x00, 0x14,		/* VID 20 */
	0x08, 0x00,		/* ethertype IPv4 */
	V4_UDP_32,
};

/* Three tags: one more than DEC_MAX_VLAN_DEPTH. */
static const uint8_t f_vlan_deep[] = {
	MAC_B,			/* destination MAC */
	MAC_A,			/* source MAC */
	0x91, 0x00,		/* TPID 0x9100 (old QinQ) */
	0x00, 0x0a,		/* VID 10 */
	0x88, 0xa8,		/* TPID 802.1ad */
	0x00, 0x14,		/* VID 20 */
	0x81, 0x00,		/* TPID 802.1Q: third tag */
	0x00, 0x1e,		/* VID 30 */
	0x08, 0x00,		/* ethertype IPv4 */
	V4_UDP_32,
};

/* ARP request "who has 192.168.1.1, tell 192.168.1.10", padded to 60. */
static const uint8_t f_arp_req[] = {
	MAC_BCAST,		/* destination MAC: broadcast */
	MAC_A,			/* source MAC */
	0x08, 0x06,		/* ethertype ARP */
	0x00, 0x01,		/* hardware type 1 Ethernet */
	0x08, 0x00,		/* protocol type IPv4 */
	0x06,			/* hardware address length 6 */
	0x04,			/* protocol address length 4 */
	0x00, 0x01,		/* op 1 request */
	MAC_A,			/* sender MAC */
	V4_A,			/* sender IP */
	0, 0, 0, 0, 0, 0,	/* target MAC (unknown) */
	V4_B,			/* target IP */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* Ethernet padding (18 bytes) */
	0, 0, 0, 0, 0, 0, 0, 0,
};

/* ARP reply "192.168.1.1 is at 66:77:88:99:aa:bb", unpadded. */
static const uint8_t f_arp_reply[] = {
	MAC_A,			/* destination MAC */
	MAC_B,			/* source MAC */
	0x08, 0x06,		/* ethertype ARP */
	0x00, 0x01,		/* hardware type 1 Ethernet */
	0x08, 0x00,		/* protocol type IPv4 */
	0x06,			/* hardware address length 6 */
	0x04,			/* protocol address length 4 */
	0x00, 0x02,		/* op 2 reply */
	MAC_B,			/* sender MAC */
	V4_B,			/* sender IP */
	MAC_A,			/* target MAC */
	V4_A,			/* target IP */
};

/* Ethernet + IPv4 with a Router Alert option + UDP. 50 bytes. */
static const uint8_t f_v4opt_udp[] = {
	MAC_B,			/* destination MAC */
	MAC_A,			/* source MAC */
	0x08, 0x00,		/* ethertype IPv4 */
	0x46,			/* version 4, IHL 6 (24 bytes) */
	0x00,			/* TOS */
	0x00, 0x24,		/* total length 36 */
	0x00, 0x02,		/* id 2 */
	0x00, 0x00,		/* flags 0, offset 0 */
	0x01,			/* TTL 1 */
	0x11,			/* protocol UDP */
	0x00, 0x00,		/* checksum */
	V4_A,			/* source */
	V4_B,			/* destination */
	0x94, 0x04, 0x00, 0x00,	/* option 148 Router Alert, length 4 */
	0x13, 0x88,		/* UDP source port 5000 */
	0x00, 0x35,		/* destination port 53 */
	0x00, 0x0c,		/* length 12 */
	0x00, 0x00,		/* checksum */
	0x61, 0x62, 0x63, 0x64,	/* payload */
};

/* As above but the option area holds NOP, then an option of length 0. */
static const uint8_t f_v4badopt_udp[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x46,			/* version 4, IHL 6 */
	0x00,			/* TOS */
	0x00, 0x24,		/* total length 36 */
	0x00, 0x03,		/* id 3 */
	0x00, 0x00,		/* flags, offset */
	0x40,			/* TTL */
	0x11,			/* protocol UDP */
	0x00, 0x00,		/* checksum */
	V4_A, V4_B,		/* source, destination */
	0x01,			/* NOP */
	0x07, 0x00,		/* option 7 (record route), length 0: bad */
	0x00,			/* EOL */
	0x13, 0x88, 0x00, 0x35,	/* UDP 5000 -> 53 */
	0x00, 0x0c, 0x00, 0x00,	/* length 12, checksum */
	0x61, 0x62, 0x63, 0x64,	/* payload */
};

/* First fragment: MF set, offset 0, carries the UDP header of a 28-byte
 * datagram of which 16 bytes are here. */
static const uint8_t f_frag_first[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45,			/* version 4, IHL 5 */
	0x00,			/* TOS */
	0x00, 0x24,		/* total length 36 */
	0x0a, 0xbc,		/* id 0x0abc */
	0x20, 0x00,		/* MF, offset 0 */
	0x40,			/* TTL */
	0x11,			/* protocol UDP */
	0x00, 0x00,		/* checksum */
	V4_A, V4_B,		/* source, destination */
	0x13, 0x88,		/* UDP source port 5000 */
	0x00, 0x35,		/* destination port 53 */
	0x00, 0x1c,		/* UDP length 28 (whole datagram) */
	0x00, 0x00,		/* checksum */
	1, 2, 3, 4, 5, 6, 7, 8,	/* first 8 payload bytes */
};

/* Second (last) fragment of the same datagram: offset 1 (8 bytes). */
static const uint8_t f_frag_second[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45,			/* version 4, IHL 5 */
	0x00,			/* TOS */
	0x00, 0x20,		/* total length 32 */
	0x0a, 0xbc,		/* id 0x0abc */
	0x00, 0x02,		/* MF clear, offset 2 (16 bytes) */
	0x40,			/* TTL */
	0x11,			/* protocol UDP */
	0x00, 0x00,		/* checksum */
	V4_A, V4_B,		/* source, destination */
	0x13, 0x88, 0x00, 0x35,	/* payload bytes 16..27 (they look like a */
	0x00, 0x0c, 0x00, 0x00,	/* UDP header but must not be read as one) */
	9, 10, 11, 12,
};

/* Ethernet + IPv6 + hop-by-hop + fragment (first, M=1) + UDP. 82 bytes. */
static const uint8_t f_v6_hbh_frag_udp[] = {
	MAC_B, MAC_A,		/* destination, source MAC */
	0x86, 0xdd,		/* ethertype IPv6 */
	0x60, 0x00, 0x00, 0x00,	/* version 6, class 0, flow 0 */
	0x00, 0x1c,		/* payload length 28 */
	0x00,			/* next header 0 hop-by-hop */
	0x40,			/* hop limit 64 */
	V6_A,			/* source */
	V6_B,			/* destination */
	0x2c,			/* HBH: next header 44 fragment */
	0x00,			/* HBH: length 0 (8 bytes) */
	0x01, 0x04, 0, 0, 0, 0,	/* HBH: PadN, 4 bytes */
	0x11,			/* frag: next header 17 UDP */
	0x00,			/* frag: reserved */
	0x00, 0x01,		/* frag: offset 0, M=1 */
	0x00, 0x00, 0x12, 0x34,	/* frag: identification */
	0x04, 0xd2,		/* UDP source port 1234 */
	0x16, 0x2e,		/* destination port 5678 */
	0x00, 0x0c,		/* length 12 */
	0x00, 0x00,		/* checksum */
	0xde, 0xad, 0xbe, 0xef,	/* payload */
};

/* Ethernet + IPv6 + TCP ACK|PSH with 5 payload bytes. 79 bytes. */
static const uint8_t f_v6_tcp[] = {
	MAC_B, MAC_A,		/* destination, source MAC */
	0x86, 0xdd,		/* ethertype IPv6 */
	0x6b, 0x80, 0x00, 0x01,	/* version 6, class 0xb8, flow 1 */
	0x00, 0x19,		/* payload length 25 */
	0x06,			/* next header TCP */
	0x39,			/* hop limit 57 */
	V6_A,			/* source */
	V6_B,			/* destination */
	0x01, 0xbb,		/* source port 443 */
	0xd4, 0x31,		/* destination port 54321 */
	0x11, 0x22, 0x33, 0x44,	/* sequence */
	0x55, 0x66, 0x77, 0x88,	/* ack */
	0x50,			/* data offset 5 */
	0x18,			/* flags ACK|PSH */
	0x01, 0x00,		/* window 256 */
	0x00, 0x00, 0x00, 0x00,	/* checksum, urgent */
	'h', 'e', 'l', 'l', 'o',	/* payload */
};

/* Ethernet + IPv4 + ICMP echo request id 0x1234 seq 1. 46 bytes. */
static const uint8_t f_icmp_echo[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45,			/* version 4, IHL 5 */
	0x00,			/* TOS */
	0x00, 0x20,		/* total length 32 */
	0x00, 0x07,		/* id 7 */
	0x00, 0x00,		/* flags, offset */
	0x40,			/* TTL */
	0x01,			/* protocol 1 ICMP */
	0x00, 0x00,		/* checksum */
	V4_A, V4_B,		/* source, destination */
	0x08,			/* type 8 echo request */
	0x00,			/* code 0 */
	0x00, 0x00,		/* checksum */
	0x12, 0x34,		/* identifier */
	0x00, 0x01,		/* sequence */
	'p', 'i', 'n', 'g',	/* data */
};

/* Ethernet + IPv4 + ICMP port unreachable (not echo: no identifier). */
static const uint8_t f_icmp_unreach[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45, 0x00, 0x00, 0x1c,	/* v4, IHL 5, TOS, total length 28 */
	0x00, 0x08, 0x00, 0x00,	/* id, flags/offset */
	0x40, 0x01, 0x00, 0x00,	/* TTL, ICMP, checksum */
	V4_A, V4_B,		/* source, destination */
	0x03,			/* type 3 destination unreachable */
	0x03,			/* code 3 port unreachable */
	0x00, 0x00,		/* checksum */
	0xab, 0xcd, 0x00, 0x00,	/* unused (must not become icmp_id) */
};

/* Raw IPv6 + ICMPv6 echo request. */
static const uint8_t f_raw_icmp6[] = { V6_ICMP6_ECHO_52 };

/* Raw IPv4 + UDP. */
static const uint8_t f_raw_v4[] = { V4_UDP_32 };

/* Linux cooked v1 + IPv4 + UDP. */
static const uint8_t f_sll[] = {
	0x00, 0x00,		/* packet type 0: to us */
	0x00, 0x01,		/* ARPHRD_ETHER */
	0x00, 0x06,		/* link-layer address length 6 */
	MAC_A, 0x00, 0x00,	/* address, padded to 8 */
	0x08, 0x00,		/* protocol IPv4 */
	V4_UDP_32,
};

/* Linux cooked v2 + IPv6 + ICMPv6 echo request. */
static const uint8_t f_sll2[] = {
	0x86, 0xdd,		/* protocol type IPv6 */
	0x00, 0x00,		/* reserved */
	0x00, 0x00, 0x00, 0x02,	/* interface index 2 */
	0x00, 0x01,		/* ARPHRD_ETHER */
	0x04,			/* packet type 4: outgoing */
	0x06,			/* address length 6 */
	MAC_A, 0x00, 0x00,	/* address, padded to 8 */
	V6_ICMP6_ECHO_52,
};

/* BSD null, family AF_INET written little-endian (x86 capture). */
static const uint8_t f_null_le_v4[] = {
	0x02, 0x00, 0x00, 0x00,	/* family 2, host order little-endian */
	V4_UDP_32,
};

/* BSD null, family AF_INET written big-endian (e.g. SPARC, PowerPC). */
static const uint8_t f_null_be_v4[] = {
	0x00, 0x00, 0x00, 0x02,	/* family 2, host order big-endian */
	V4_UDP_32,
};

/* BSD null, AF_INET6 as macOS writes it (30), little-endian. */
static const uint8_t f_null_le_v6[] = {
	0x1e, 0x00, 0x00, 0x00,	/* family 30 */
	V6_ICMP6_ECHO_52,
};

/* BSD null, AF_INET6 as FreeBSD (28), big-endian. */
static const uint8_t f_null_be_v6[] = {
	0x00, 0x00, 0x00, 0x1c,	/* family 28 */
	V6_ICMP6_ECHO_52,
};

/* Ethernet + IPv4 + UDP padded to the 60-byte Ethernet minimum. */
static const uint8_t f_padded_udp[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	V4_UDP_32,		/* IP total length 32 */
	0, 0, 0, 0, 0, 0, 0,	/* 14 bytes of Ethernet padding */
	0, 0, 0, 0, 0, 0, 0,
};

/* Ethernet + IPv4 + bare TCP ACK padded to 60 bytes: TCP has no length
 * field, so only the IP total length keeps the padding out. */
static const uint8_t f_padded_tcp[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45, 0x00, 0x00, 0x28,	/* v4, IHL 5, TOS, total length 40 */
	0x00, 0x09, 0x40, 0x00,	/* id, DF */
	0x40, 0x06, 0x00, 0x00,	/* TTL, TCP, checksum */
	V4_A, V4_B,		/* source, destination */
	0xc3, 0x50, 0x00, 0x50,	/* ports 50000 -> 80 */
	0x00, 0x00, 0x10, 0x01,	/* sequence */
	0x00, 0x00, 0x20, 0x01,	/* ack */
	0x50, 0x10,		/* data offset 5, ACK */
	0x01, 0xf5,		/* window */
	0x00, 0x00, 0x00, 0x00,	/* checksum, urgent */
	0xee, 0xee, 0xee, 0xee, 0xee, 0xee,	/* Ethernet padding */
};

/* IPv4 with IHL 4 (16 bytes): impossible. */
static const uint8_t f_bad_ihl[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x44,			/* version 4, IHL 4: bad */
	0x00, 0x00, 0x20,	/* TOS, total length 32 */
	0x00, 0x01, 0x00, 0x00,	/* id, flags/offset */
	0x40, 0x11, 0x00, 0x00,	/* TTL, UDP, checksum */
	V4_A, V4_B,		/* source, destination */
	0x13, 0x88, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00,
	0x61, 0x62, 0x63, 0x64,
};

/* TCP data offset 4 (16 bytes): impossible. */
static const uint8_t f_bad_doff[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45, 0x00, 0x00, 0x28,	/* v4, IHL 5, total length 40 */
	0x00, 0x0a, 0x40, 0x00,	/* id, DF */
	0x40, 0x06, 0x00, 0x00,	/* TTL, TCP, checksum */
	V4_A, V4_B,		/* source, destination */
	0xc3, 0x50, 0x00, 0x50,	/* ports */
	0x00, 0x00, 0x00, 0x01,	/* sequence */
	0x00, 0x00, 0x00, 0x00,	/* ack */
	0x40,			/* data offset 4: bad */
	0x02,			/* SYN */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00,	/* window, checksum, urgent */
};

/* TCP data offset 15 (60 bytes) inside an IP datagram of 40 bytes, with
 * 20 bytes of trailing junk in the frame: the header cannot fit the IP
 * length even though the frame has the bytes. */
static const uint8_t f_doff_past_ip[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45, 0x00, 0x00, 0x28,	/* v4, IHL 5, total length 40 */
	0x00, 0x0b, 0x40, 0x00,	/* id, DF */
	0x40, 0x06, 0x00, 0x00,	/* TTL, TCP, checksum */
	V4_A, V4_B,		/* source, destination */
	0xc3, 0x50, 0x00, 0x50,	/* ports */
	0x00, 0x00, 0x00, 0x01,	/* sequence */
	0x00, 0x00, 0x00, 0x00,	/* ack */
	0xf0,			/* data offset 15: past the IP length */
	0x02,			/* SYN */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00,	/* window, checksum, urgent */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 20 bytes after the datagram */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* UDP length 4: below the header size. */
static const uint8_t f_bad_udplen[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45, 0x00, 0x00, 0x20,	/* v4, IHL 5, total length 32 */
	0x00, 0x01, 0x00, 0x00,	/* id, flags/offset */
	0x40, 0x11, 0x00, 0x00,	/* TTL, UDP, checksum */
	V4_A, V4_B,		/* source, destination */
	0x13, 0x88, 0x00, 0x35,	/* ports 5000 -> 53 */
	0x00, 0x04,		/* UDP length 4: bad */
	0x00, 0x00,		/* checksum */
	0x61, 0x62, 0x63, 0x64,
};

/* SYN whose option list is MSS then an option claiming 48 bytes. */
static const uint8_t f_tcp_badopt[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45, 0x00, 0x00, 0x32,	/* v4, IHL 5, total length 50 */
	0x00, 0x0c, 0x40, 0x00,	/* id, DF */
	0x40, 0x06, 0x00, 0x00,	/* TTL, TCP, checksum */
	V4_A, V4_B,		/* source, destination */
	0xc3, 0x51, 0x00, 0x16,	/* ports 50001 -> 22 */
	0x00, 0x00, 0x00, 0x01,	/* sequence */
	0x00, 0x00, 0x00, 0x00,	/* ack */
	0x70,			/* data offset 7 (28 bytes) */
	0x02,			/* SYN */
	0x72, 0x10, 0x00, 0x00, 0x00, 0x00,	/* window, checksum, urgent */
	0x02, 0x04, 0x05, 0x78,	/* MSS 1400 */
	0x22, 0x30, 0x00, 0x00,	/* kind 34, length 48: past the header */
	0xaa, 0xbb,		/* payload */
};

/* ---- helpers ---------------------------------------------------------- */

/* Heap copy of exactly n bytes (ASan then catches any read past them). */
static uint8_t *dup_bytes(const uint8_t *f, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	if (n)
		memcpy(b, f, n);
	return b;
}

/* Decode frame f as linktype, whole, into *p with fresh stats *st.
 * Returns the heap copy the packet points into; free it after use. */
static uint8_t *decode(struct dec_stats *st, struct packet *p, int linktype,
    const uint8_t *f, size_t n)
{
	uint8_t *b = dup_bytes(f, n);
	memset(st, 0, sizeof(*st));
	dec_packet(st, p, linktype, b, (uint32_t)n, (uint32_t)n, 42);
	return b;
}

static uint64_t reason_total(const struct dec_stats *st)
{
	uint64_t t = 0;
	for (int i = 0; i < DEC_R__COUNT; i++)
		t += st->reason[i];
	return t;
}

/* The frame's payload pointer lies within [b, b+n). */
static void assert_payload_in(const struct packet *p, const uint8_t *b,
    size_t n)
{
	if (p->payload_len == 0)
		return;
	assert_non_null(p->payload);
	assert_true(p->payload >= b);
	assert_true((size_t)(p->payload - b) + p->payload_len <= n);
}

/* ---- annotated frame tests ------------------------------------------- */

static void test_eth_ipv4_tcp_syn(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_syn, sizeof(f_syn));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ts_ns, 42);
	assert_int_equal(p.caplen, sizeof(f_syn));
	assert_int_equal(p.linktype, DEC_LINK_ETHERNET);
	assert_ptr_equal(p.data, b);
	assert_int_equal(p.has_eth, 1);
	assert_memory_equal(p.dst_mac, mac_b, 6);
	assert_memory_equal(p.src_mac, mac_a, 6);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.vlan_depth, 0);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.src.family, 4);
	assert_memory_equal(p.src.a, v4_a, 4);
	assert_memory_equal(p.dst.a, v4_b, 4);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.ip_tos, 0x10);
	assert_int_equal(p.ip_id, 0x1c46);
	assert_int_equal(p.ip_df, 1);
	assert_int_equal(p.ip_has_opts, 0);
	assert_int_equal(p.frag, 0);
	assert_int_equal(p.l4proto, IPPROTO_NUM_TCP);
	assert_int_equal(p.ip_len, 60);
	assert_ptr_equal(p.l3, b + 14);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.sport, 50000);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.tcp_seq, 4096);
	assert_int_equal(p.tcp_ack, 0);
	assert_int_equal(p.tcp_flags, TCP_SYN);
	assert_int_equal(p.tcp_win, 64240);
	assert_int_equal(p.tcp_mss, 1460);
	assert_int_equal(p.tcp_wscale, 7);
	assert_int_equal(p.tcp_sack_ok, 1);
	assert_int_equal(p.tcp_has_ts, 1);
	assert_int_equal(p.tcp_nopts, 5);
	static const uint8_t order[5] = { 2, 4, 8, 1, 3 };
	assert_memory_equal(p.tcp_opts, order, 5);
	assert_int_equal(p.payload_len, 0);

	assert_int_equal(st.pkts, 1);
	assert_int_equal(st.bytes, sizeof(f_syn));
	assert_int_equal(st.ethernet, 1);
	assert_int_equal(st.ipv4, 1);
	assert_int_equal(st.tcp, 1);
	assert_int_equal(st.invalid, 0);
	assert_int_equal(reason_total(&st), 0);
	free(b);
}

static void test_eth_vlan_udp(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_vlan_udp,
	    sizeof(f_vlan_udp));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.vlan_depth, 1);
	assert_int_equal(p.vlan[0], 100);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.l4proto, IPPROTO_NUM_UDP);
	assert_int_equal(p.ip_len, 32);
	assert_ptr_equal(p.l3, b + 18);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.sport, 5000);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_len, 4);
	assert_memory_equal(p.payload, "abcd", 4);
	assert_int_equal(p.tcp_wscale, 0xff);
	assert_int_equal(st.vlan, 1);
	assert_int_equal(st.udp, 1);
	assert_int_equal(st.invalid, 0);
	free(b);
}

static void test_eth_qinq(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_qinq_udp,
	    sizeof(f_qinq_udp));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.vlan_depth, 2);
	assert_int_equal(p.vlan[0], 10);
	assert_int_equal(p.vlan[1], 20);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.dport, 53);
	assert_int_equal(st.vlan, 1);	/* one frame, however many tags */
	free(b);
}

static void test_eth_vlan_too_deep(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_vlan_deep,
	    sizeof(f_vlan_deep));

	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_VLAN_TOO_DEEP], 1);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(p.has_eth, 1);
	assert_int_equal(p.vlan_depth, DEC_MAX_VLAN_DEPTH);
	assert_int_equal(p.vlan[0], 10);
	assert_int_equal(p.vlan[1], 20);
	assert_int_equal(p.ip_version, 0);
	assert_int_equal(p.has_l4, 0);
	assert_int_equal(st.ipv4, 0);
	free(b);
}

static void test_arp_request_reply(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_arp_req,
	    sizeof(f_arp_req));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ethertype, 0x0806);
	assert_int_equal(p.has_arp, 1);
	assert_int_equal(p.arp.op, 1);
	assert_memory_equal(p.arp.sha, mac_a, 6);
	assert_memory_equal(p.arp.spa, v4_a, 4);
	static const uint8_t zero6[6] = { 0 };
	assert_memory_equal(p.arp.tha, zero6, 6);
	assert_memory_equal(p.arp.tpa, v4_b, 4);
	assert_int_equal(p.ip_version, 0);
	assert_int_equal(st.arp, 1);
	assert_int_equal(st.invalid, 0);
	free(b);

	b = decode(&st, &p, DEC_LINK_ETHERNET, f_arp_reply,
	    sizeof(f_arp_reply));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.has_arp, 1);
	assert_int_equal(p.arp.op, 2);
	assert_memory_equal(p.arp.sha, mac_b, 6);
	assert_memory_equal(p.arp.spa, v4_b, 4);
	assert_memory_equal(p.arp.tha, mac_a, 6);
	assert_memory_equal(p.arp.tpa, v4_a, 4);
	free(b);
}

static void test_arp_other_kinds(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t f[sizeof(f_arp_reply)];

	/* Hardware type 6 (IEEE 802): valid, not ours. */
	memcpy(f, f_arp_reply, sizeof(f));
	f[15] = 6;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(p.has_arp, 0);
	assert_int_equal(st.invalid, 0);
	assert_int_equal(reason_total(&st), 0);
	free(b);

	/* Ethernet/IPv4 claiming 8-byte hardware addresses. */
	memcpy(f, f_arp_reply, sizeof(f));
	f[18] = 8;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_ARP_MALFORMED], 1);
	assert_int_equal(p.has_arp, 0);
	assert_int_equal(st.invalid, 1);
	free(b);
}

static void test_ipv4_options(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_v4opt_udp,
	    sizeof(f_v4opt_udp));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_has_opts, 1);
	assert_int_equal(p.ttl, 1);
	assert_int_equal(p.ip_len, 36);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.sport, 5000);
	assert_int_equal(p.payload_len, 4);
	assert_ptr_equal(p.payload, b + 14 + 24 + 8);
	assert_int_equal(st.invalid, 0);
	free(b);
}

static void test_ipv4_bad_option_keeps_packet(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_v4badopt_udp,
	    sizeof(f_v4badopt_udp));

	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV4_OPT_MALFORMED], 1);
	assert_int_equal(st.invalid, 1);
	/* ...but everything is still decoded */
	assert_int_equal(p.ip_version, 4);
	assert_memory_equal(p.src.a, v4_a, 4);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_len, 4);
	free(b);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_frag_first,
	    sizeof(f_frag_first));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.frag, 1);
	assert_int_equal(p.frag_first, 1);
	assert_int_equal(p.frag_off, 0);
	assert_int_equal(p.ip_id, 0x0abc);
	assert_int_equal(p.ip_df, 0);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.sport, 5000);
	assert_int_equal(p.dport, 53);
	/* UDP says 28, the fragment holds 16: payload is the 8 here */
	assert_int_equal(p.payload_len, 8);
	assert_int_equal(st.ipv4_frag, 1);
	assert_int_equal(st.udp, 1);
	assert_int_equal(st.invalid, 0);
	free(b);

	b = decode(&st, &p, DEC_LINK_ETHERNET, f_frag_second,
	    sizeof(f_frag_second));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.frag, 1);
	assert_int_equal(p.frag_first, 0);
	assert_int_equal(p.frag_off, 16);
	assert_int_equal(p.l4proto, IPPROTO_NUM_UDP);
	assert_int_equal(p.ip_version, 4);
	assert_memory_equal(p.dst.a, v4_b, 4);
	assert_int_equal(p.has_l4, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
	assert_ptr_equal(p.payload, b + 14 + 20);
	assert_int_equal(p.payload_len, 12);
	assert_int_equal(st.ipv4_frag, 1);
	assert_int_equal(st.udp, 0);
	free(b);
}

/* First fragment holding only 24 bytes of a 40-byte TCP header (RFC 1858
 * tiny fragment): truncated by fragmentation, not a malformed header. */
static const uint8_t f_frag_tiny_tcp[] = {
	MAC_B, MAC_A, 0x08, 0x00,	/* Ethernet, IPv4 */
	0x45, 0x00, 0x00, 0x2c,	/* v4, IHL 5, total length 44 */
	0x00, 0x01, 0x20, 0x00,	/* id 1, MF, offset 0 */
	0x40, 0x06, 0x00, 0x00,	/* TTL, TCP, checksum */
	V4_A, V4_B,		/* source, destination */
	0x30, 0x39, 0x00, 0x50,	/* ports 12345 -> 80 */
	0x00, 0x00, 0x03, 0xe8,	/* sequence */
	0x00, 0x00, 0x00, 0x00,	/* ack */
	0xa0, 0x02,		/* data offset 10 (40 bytes), SYN */
	0x20, 0x00,		/* window */
	0x00, 0x00, 0x00, 0x00,	/* checksum, urgent */
	0x02, 0x04, 0x05, 0xb4,	/* MSS; the rest is in the next fragment */
};

static void test_ipv4_tiny_first_fragment(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_frag_tiny_tcp,
	    sizeof(f_frag_tiny_tcp));

	assert_int_equal(p.result, DEC_TRUNCATED);
	assert_int_equal(st.reason[DEC_R_TCP_TRUNCATED], 1);
	assert_int_equal(st.reason[DEC_R_TCP_BAD_HLEN], 0);
	assert_int_equal(p.frag, 1);
	assert_int_equal(p.frag_first, 1);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.has_l4, 0);
	free(b);
}

static void test_ipv6_hbh_frag_udp(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_v6_hbh_frag_udp,
	    sizeof(f_v6_hbh_frag_udp));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ethertype, 0x86dd);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.src.family, 6);
	assert_memory_equal(p.src.a, v6_a, 16);
	assert_memory_equal(p.dst.a, v6_b, 16);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.ip_id, 0);
	assert_int_equal(p.ip_has_opts, 1);
	assert_int_equal(p.frag, 1);
	assert_int_equal(p.frag_first, 1);
	assert_int_equal(p.frag_off, 0);
	assert_int_equal(p.l4proto, IPPROTO_NUM_UDP);
	assert_int_equal(p.ip_len, 68);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.sport, 1234);
	assert_int_equal(p.dport, 5678);
	assert_int_equal(p.payload_len, 4);
	assert_ptr_equal(p.payload, b + 14 + 40 + 8 + 8 + 8);
	assert_int_equal(st.ipv6, 1);
	assert_int_equal(st.ipv6_frag, 1);
	assert_int_equal(st.udp, 1);
	assert_int_equal(st.invalid, 0);
	free(b);
}

static void test_ipv6_tcp(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_v6_tcp,
	    sizeof(f_v6_tcp));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.ip_tos, 0xb8);
	assert_int_equal(p.ttl, 57);
	assert_int_equal(p.ip_has_opts, 0);
	assert_int_equal(p.frag, 0);
	assert_int_equal(p.l4proto, IPPROTO_NUM_TCP);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.sport, 443);
	assert_int_equal(p.dport, 54321);
	assert_int_equal(p.tcp_seq, 0x11223344);
	assert_int_equal(p.tcp_ack, 0x55667788);
	assert_int_equal(p.tcp_flags, TCP_ACK | TCP_PSH);
	assert_int_equal(p.tcp_win, 256);
	assert_int_equal(p.tcp_mss, 0);
	assert_int_equal(p.tcp_wscale, 0xff);
	assert_int_equal(p.tcp_nopts, 0);
	assert_int_equal(p.payload_len, 5);
	assert_memory_equal(p.payload, "hello", 5);
	free(b);
}

static void test_icmp_echo(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_icmp_echo,
	    sizeof(f_icmp_echo));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.l4proto, IPPROTO_NUM_ICMP);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.icmp_id, 0x1234);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
	assert_int_equal(p.payload_len, 4);
	assert_memory_equal(p.payload, "ping", 4);
	assert_int_equal(st.icmpv4, 1);
	free(b);

	b = decode(&st, &p, DEC_LINK_ETHERNET, f_icmp_unreach,
	    sizeof(f_icmp_unreach));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 3);
	assert_int_equal(p.icmp_id, 0);
	assert_int_equal(p.payload_len, 0);
	free(b);
}

static void test_icmpv6_echo(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_RAW, f_raw_icmp6,
	    sizeof(f_raw_icmp6));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.has_eth, 0);
	assert_int_equal(p.ethertype, 0x86dd);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.ttl, 255);
	assert_int_equal(p.l4proto, IPPROTO_NUM_ICMPV6);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(p.icmp_id, 42);
	assert_int_equal(p.payload_len, 4);
	assert_int_equal(st.icmpv6, 1);
	free(b);
}

static void test_sll(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_SLL, f_sll, sizeof(f_sll));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.has_eth, 0);
	assert_int_equal(p.ethertype, 0x0800);
	assert_ptr_equal(p.l3, b + 16);
	assert_memory_equal(p.src.a, v4_a, 4);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_len, 4);
	assert_int_equal(st.ethernet, 0);
	free(b);
}

static void test_sll2(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_SLL2, f_sll2, sizeof(f_sll2));

	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ethertype, 0x86dd);
	assert_ptr_equal(p.l3, b + 20);
	assert_int_equal(p.ip_version, 6);
	assert_memory_equal(p.dst.a, v6_b, 16);
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(p.icmp_id, 42);
	free(b);
}

static void test_raw_links(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	static const int v4_links[] = { DEC_LINK_RAW, DEC_DLT_RAW_ALT,
	    DEC_DLT_RAW_ALT2, DEC_LINK_IPV4 };
	static const int v6_links[] = { DEC_LINK_RAW, DEC_DLT_RAW_ALT,
	    DEC_DLT_RAW_ALT2, DEC_LINK_IPV6 };

	for (size_t i = 0; i < sizeof(v4_links) / sizeof(v4_links[0]); i++) {
		uint8_t *b = decode(&st, &p, v4_links[i], f_raw_v4,
		    sizeof(f_raw_v4));
		assert_int_equal(p.result, DEC_OK);
		assert_int_equal(p.ethertype, 0x0800);
		assert_ptr_equal(p.l3, b);
		assert_int_equal(p.ip_version, 4);
		assert_int_equal(p.dport, 53);
		free(b);
	}
	for (size_t i = 0; i < sizeof(v6_links) / sizeof(v6_links[0]); i++) {
		uint8_t *b = decode(&st, &p, v6_links[i], f_raw_icmp6,
		    sizeof(f_raw_icmp6));
		assert_int_equal(p.result, DEC_OK);
		assert_int_equal(p.ethertype, 0x86dd);
		assert_int_equal(p.ip_version, 6);
		assert_int_equal(p.icmp_id, 42);
		free(b);
	}

	/* LINKTYPE_IPV4 does not look at the nibble: IPv6 bytes there are a
	 * bad IPv4 version. */
	uint8_t *b = decode(&st, &p, DEC_LINK_IPV4, f_raw_icmp6,
	    sizeof(f_raw_icmp6));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV4_BAD_VERSION], 1);
	free(b);
	b = decode(&st, &p, DEC_LINK_IPV6, f_syn + 14, sizeof(f_syn) - 14);
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV6_BAD_VERSION], 1);
	free(b);

	/* Raw with a version nibble that is neither. */
	static const uint8_t junk[] = { 0x55, 0, 0, 0 };
	b = decode(&st, &p, DEC_LINK_RAW, junk, sizeof(junk));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_LINK_UNKNOWN_FAMILY], 1);
	free(b);
}

static void test_null_loopback(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b;

	b = decode(&st, &p, DEC_LINK_NULL, f_null_le_v4, sizeof(f_null_le_v4));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_version, 4);
	assert_ptr_equal(p.l3, b + 4);
	assert_int_equal(p.dport, 53);
	free(b);

	b = decode(&st, &p, DEC_LINK_NULL, f_null_be_v4, sizeof(f_null_be_v4));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_version, 4);
	free(b);

	b = decode(&st, &p, DEC_LINK_NULL, f_null_le_v6, sizeof(f_null_le_v6));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.icmp_id, 42);
	free(b);

	b = decode(&st, &p, DEC_LINK_NULL, f_null_be_v6, sizeof(f_null_be_v6));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_version, 6);
	free(b);

	/* OpenBSD loop: network order only. */
	b = decode(&st, &p, DEC_LINK_LOOP, f_null_be_v4, sizeof(f_null_be_v4));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_version, 4);
	free(b);
	b = decode(&st, &p, DEC_LINK_LOOP, f_null_le_v4, sizeof(f_null_le_v4));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_LINK_UNKNOWN_FAMILY], 1);
	assert_int_equal(p.ip_version, 0);
	free(b);

	/* Family 7 is nothing we know in either order. */
	uint8_t f[sizeof(f_null_le_v4)];
	memcpy(f, f_null_le_v4, sizeof(f));
	f[0] = 7;
	b = decode(&st, &p, DEC_LINK_NULL, f, sizeof(f));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_LINK_UNKNOWN_FAMILY], 1);
	assert_int_equal(st.invalid, 1);
	free(b);
}

static void test_ethernet_padding(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_padded_udp,
	    sizeof(f_padded_udp));

	assert_int_equal(sizeof(f_padded_udp), 60);
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_len, 32);
	assert_int_equal(p.payload_len, 4);
	assert_memory_equal(p.payload, "abcd", 4);
	free(b);

	b = decode(&st, &p, DEC_LINK_ETHERNET, f_padded_tcp,
	    sizeof(f_padded_tcp));
	assert_int_equal(sizeof(f_padded_tcp), 60);
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_len, 40);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.tcp_flags, TCP_ACK);
	assert_int_equal(p.payload_len, 0);
	free(b);
}

static void test_bad_ihl(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_bad_ihl,
	    sizeof(f_bad_ihl));

	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV4_BAD_HLEN], 1);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(p.has_eth, 1);
	assert_memory_equal(p.src_mac, mac_a, 6);
	assert_int_equal(p.ip_version, 0);
	assert_int_equal(p.has_l4, 0);
	assert_int_equal(st.udp, 0);
	free(b);
}

static void test_ipv4_bad_totlen_and_version(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t f[sizeof(f_syn)];

	memcpy(f, f_syn, sizeof(f));
	f[16] = 0x00;
	f[17] = 0x10;			/* total length 16 < IHL 20 */
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV4_BAD_TOTLEN], 1);
	assert_int_equal(p.ip_version, 0);
	free(b);

	memcpy(f, f_syn, sizeof(f));
	f[14] = 0x55;			/* version 5 */
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV4_BAD_VERSION], 1);
	free(b);

	/* IHL 15 (60 bytes) in a 60-byte datagram: the header fits, the
	 * "options" are the TCP bytes (0xc3 with length 0x50 is impossible)
	 * and the transport gets zero bytes. Both are counted; the first
	 * problem is the result. */
	memcpy(f, f_syn, sizeof(f));
	f[14] = 0x4f;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV4_OPT_MALFORMED], 1);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.ip_has_opts, 1);
	assert_int_equal(p.has_l4, 0);
	assert_int_equal(st.reason[DEC_R_TCP_TRUNCATED], 1);
	free(b);
}

/* Total length 0 (a capture on a host doing segmentation offload): the
 * captured length stands in, the TCP header decodes, nothing is invalid. */
static void test_ipv4_zero_totlen_tso(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t f[sizeof(f_syn)];

	memcpy(f, f_syn, sizeof(f));
	f[16] = 0x00;
	f[17] = 0x00;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(st.invalid, 0);
	assert_int_equal(st.ipv4_zero_len, 1);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.ip_len, sizeof(f) - 14);
	assert_int_equal(p.has_l4, 1);
	free(b);
}

static void test_bad_tcp_doff(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_bad_doff,
	    sizeof(f_bad_doff));

	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_TCP_BAD_HLEN], 1);
	assert_int_equal(st.invalid, 1);
	/* L3 stays valid so the flow can still be keyed on addresses */
	assert_int_equal(p.ip_version, 4);
	assert_memory_equal(p.src.a, v4_a, 4);
	assert_int_equal(p.l4proto, IPPROTO_NUM_TCP);
	assert_int_equal(p.has_l4, 0);
	assert_int_equal(p.sport, 0);
	free(b);

	/* Header runs past the IP length although the frame has the bytes:
	 * malformed, not truncated. */
	b = decode(&st, &p, DEC_LINK_ETHERNET, f_doff_past_ip,
	    sizeof(f_doff_past_ip));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_TCP_BAD_HLEN], 1);
	assert_int_equal(p.has_l4, 0);
	free(b);

	/* The same header cut by a snap length (IP says 80, 60 captured):
	 * truncated. */
	uint8_t f[sizeof(f_doff_past_ip)];
	memcpy(f, f_doff_past_ip, sizeof(f));
	f[17] = 80;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_TRUNCATED);
	assert_int_equal(st.reason[DEC_R_TCP_TRUNCATED], 1);
	free(b);
}

static void test_tcp_bad_option(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_tcp_badopt,
	    sizeof(f_tcp_badopt));

	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_TCP_OPT_MALFORMED], 1);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.dport, 22);
	assert_int_equal(p.tcp_mss, 1400);
	assert_int_equal(p.tcp_wscale, 0xff);
	assert_int_equal(p.tcp_nopts, 1);
	assert_int_equal(p.tcp_opts[0], 2);
	assert_int_equal(p.payload_len, 2);
	assert_ptr_equal(p.payload, b + 14 + 20 + 28);
	free(b);

	/* MSS with length 3 is as bad. */
	uint8_t f[sizeof(f_tcp_badopt)];
	memcpy(f, f_tcp_badopt, sizeof(f));
	f[55] = 3;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(st.reason[DEC_R_TCP_OPT_MALFORMED], 1);
	assert_int_equal(p.tcp_mss, 0);
	assert_int_equal(p.tcp_nopts, 0);
	assert_int_equal(p.has_l4, 1);
	free(b);
}

static void test_tcp_options_misc(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t f[sizeof(f_syn)];
	uint8_t *b;

	/* NOP, NOP, kind 30 (MPTCP) length 4, EOL, then zeros after EOL
	 * which must not be walked. */
	static const uint8_t opts1[20] = { 0x01, 0x01, 0x1e, 0x04, 0xaa,
	    0xbb, 0x00, 0x02, 0x04 };
	memcpy(f, f_syn, sizeof(f));
	memcpy(f + 54, opts1, sizeof(opts1));
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.tcp_nopts, 4);
	static const uint8_t order1[4] = { 1, 1, 30, 0 };
	assert_memory_equal(p.tcp_opts, order1, 4);
	assert_int_equal(p.tcp_mss, 0);	/* after EOL: not an option */
	assert_int_equal(p.tcp_wscale, 0xff);
	free(b);

	/* 19 NOPs then a kind with no room for its length byte: the order
	 * list stops at DEC_TCP_OPT_ORDER, the walk reports the bad tail. */
	memcpy(f, f_syn, sizeof(f));
	memset(f + 54, 0x01, 19);
	f[73] = 0x05;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_TCP_OPT_MALFORMED], 1);
	assert_int_equal(p.tcp_nopts, DEC_TCP_OPT_ORDER);
	assert_int_equal(p.has_l4, 1);
	free(b);

	/* IPv4 options: EOL ends the walk; a kind at the last byte with no
	 * length byte is malformed. */
	uint8_t g[sizeof(f_v4opt_udp)];
	memcpy(g, f_v4opt_udp, sizeof(g));
	memcpy(g + 34, "\x00\x07\x00\x00", 4);
	b = decode(&st, &p, DEC_LINK_ETHERNET, g, sizeof(g));
	assert_int_equal(p.result, DEC_OK);
	free(b);
	memcpy(g + 34, "\x01\x01\x01\x44", 4);
	b = decode(&st, &p, DEC_LINK_ETHERNET, g, sizeof(g));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV4_OPT_MALFORMED], 1);
	assert_int_equal(p.has_l4, 1);
	free(b);

	/* ICMP (v4) carried in IPv6 is not decoded as ICMP. */
	uint8_t h[sizeof(f_v6_tcp)];
	memcpy(h, f_v6_tcp, sizeof(h));
	h[20] = IPPROTO_NUM_ICMP;
	b = decode(&st, &p, DEC_LINK_ETHERNET, h, sizeof(h));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(st.icmpv4, 0);
	assert_int_equal(st.other_l4, 1);
	free(b);
}

static void test_bad_udp_len(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f_bad_udplen,
	    sizeof(f_bad_udplen));

	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_UDP_BAD_LEN], 1);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(p.has_l4, 0);
	free(b);

	/* A UDP length beyond the datagram is clamped, not an error. */
	uint8_t f[sizeof(f_bad_udplen)];
	memcpy(f, f_bad_udplen, sizeof(f));
	f[39] = 0x40;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.payload_len, 4);
	free(b);
}

/* ---- more IPv6 -------------------------------------------------------- */

/* Build Ethernet + IPv6 with n destination-options headers then UDP. */
static size_t build_v6_chain(uint8_t *f, size_t cap, int n)
{
	static const uint8_t head[] = {
		MAC_B, MAC_A, 0x86, 0xdd,
		0x60, 0x00, 0x00, 0x00,	/* version 6 */
		0x00, 0x00,		/* payload length: set below */
		0x3c,			/* next header 60 dest options */
		0x40,			/* hop limit */
		V6_A, V6_B,
	};
	static const uint8_t udp[] = { 0x00, 0x07, 0x00, 0x07, 0x00, 0x08,
	    0x00, 0x00 };		/* UDP 7 -> 7, length 8 */
	size_t len = sizeof(head);

	assert_true(cap >= sizeof(head) + (size_t)n * 8 + sizeof(udp));
	memcpy(f, head, sizeof(head));
	for (int i = 0; i < n; i++) {
		uint8_t *h = f + len;
		h[0] = i == n - 1 ? 0x11 : 0x3c;	/* next: UDP or 60 */
		h[1] = 0;				/* 8 bytes */
		h[2] = 0x01;				/* PadN */
		h[3] = 4;
		memset(h + 4, 0, 4);
		len += 8;
	}
	memcpy(f + len, udp, sizeof(udp));
	len += sizeof(udp);
	size_t plen = len - 14 - 40;
	f[18] = (uint8_t)(plen >> 8);
	f[19] = (uint8_t)plen;
	return len;
}

static void test_ipv6_exthdr_limit(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t f[256];

	size_t n = build_v6_chain(f, sizeof(f), DEC_MAX_IPV6_EXTHDRS);
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f, n);
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.has_l4, 1);
	assert_int_equal(p.dport, 7);
	free(b);

	n = build_v6_chain(f, sizeof(f), DEC_MAX_IPV6_EXTHDRS + 1);
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, n);
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV6_EXTHDR_TOO_MANY], 1);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(p.has_l4, 0);
	free(b);
}

static void test_ipv6_other_cases(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t f[sizeof(f_v6_hbh_frag_udp)];
	uint8_t *b;

	/* Non-first fragment: offset 1448, M=0; what follows is data. */
	memcpy(f, f_v6_hbh_frag_udp, sizeof(f));
	f[64] = 0x05;
	f[65] = 0xa8;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.frag, 1);
	assert_int_equal(p.frag_first, 0);
	assert_int_equal(p.frag_off, 1448);
	assert_int_equal(p.l4proto, IPPROTO_NUM_UDP);
	assert_int_equal(p.has_l4, 0);
	assert_ptr_equal(p.payload, b + 70);
	assert_int_equal(p.payload_len, 12);
	assert_int_equal(st.udp, 0);
	assert_int_equal(st.ipv6_frag, 1);
	free(b);

	/* Jumbogram marker: payload length 0 with hop-by-hop: use what was
	 * captured. */
	memcpy(f, f_v6_hbh_frag_udp, sizeof(f));
	f[18] = 0;
	f[19] = 0;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_len, 68);
	assert_int_equal(p.payload_len, 4);
	free(b);

	/* Payload length 0 with TCP next: impossible. */
	memcpy(f, f_v6_tcp, sizeof(f_v6_tcp));
	f[18] = 0;
	f[19] = 0;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f_v6_tcp));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV6_BAD_PLEN], 1);
	free(b);

	/* Payload length 0 with a protocol we do not decode (99): an
	 * empty payload, not an error. */
	memcpy(f, f_v6_tcp, sizeof(f_v6_tcp));
	f[18] = 0;
	f[19] = 0;
	f[20] = 99;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f_v6_tcp));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(p.ip_len, 40);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(st.invalid, 0);
	free(b);

	/* No next header (59) after the fixed header: nothing to decode. */
	memcpy(f, f_v6_tcp, sizeof(f_v6_tcp));
	f[20] = 59;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f_v6_tcp));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(p.l4proto, 59);
	assert_int_equal(st.invalid, 0);
	free(b);

	/* ESP: stop, counted as other_l4, not invalid. */
	memcpy(f, f_v6_tcp, sizeof(f_v6_tcp));
	f[20] = 50;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f_v6_tcp));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(p.l4proto, 50);
	assert_int_equal(p.ip_version, 6);
	assert_int_equal(st.other_l4, 1);
	assert_int_equal(st.invalid, 0);
	assert_int_equal(p.payload_len, 25);
	free(b);

	/* Bad version. */
	memcpy(f, f_v6_tcp, sizeof(f_v6_tcp));
	f[14] = 0x4b;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f_v6_tcp));
	assert_int_equal(p.result, DEC_MALFORMED);
	assert_int_equal(st.reason[DEC_R_IPV6_BAD_VERSION], 1);
	free(b);

	/* Payload length beyond the capture: decode what is here. */
	memcpy(f, f_v6_tcp, sizeof(f_v6_tcp));
	f[18] = 0x05;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f_v6_tcp));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_len, 65);
	assert_int_equal(p.payload_len, 5);
	free(b);
}

static void test_ipv6_ah(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	static const uint8_t f[] = {
		MAC_B, MAC_A, 0x86, 0xdd,	/* Ethernet, IPv6 */
		0x60, 0x00, 0x00, 0x00,	/* version 6 */
		0x00, 0x24,		/* payload length 36 */
		0x33,			/* next header 51 AH */
		0x40,			/* hop limit */
		V6_A, V6_B,		/* source, destination */
		0x11,			/* AH: next header UDP */
		0x04,			/* AH: length 4 -> (4+2)*4 = 24 */
		0x00, 0x00,		/* AH: reserved */
		0x00, 0x00, 0x01, 0x00,	/* AH: SPI */
		0x00, 0x00, 0x00, 0x01,	/* AH: sequence */
		0, 0, 0, 0, 0, 0, 0, 0,	/* AH: ICV (12 bytes) */
		0, 0, 0, 0,
		0x00, 0x35, 0x00, 0x35,	/* UDP 53 -> 53 */
		0x00, 0x0c, 0x00, 0x00,	/* length 12, checksum */
		'd', 'a', 't', 'a',	/* payload */
	};
	uint8_t *b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_OK);
	assert_int_equal(p.ip_has_opts, 1);
	assert_int_equal(p.l4proto, IPPROTO_NUM_UDP);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_len, 4);
	assert_memory_equal(p.payload, "data", 4);
	free(b);
}

/* ---- link-level odds and ends ---------------------------------------- */

static void test_other_ethertypes(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	uint8_t f[60];
	uint8_t *b;

	memcpy(f, f_padded_udp, sizeof(f));
	f[12] = 0x88;
	f[13] = 0xcc;			/* LLDP */
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(p.ethertype, 0x88cc);
	assert_int_equal(p.has_eth, 1);
	assert_int_equal(st.other_l3, 1);
	assert_int_equal(st.invalid, 0);
	free(b);

	f[12] = 0x00;
	f[13] = 0x26;			/* 802.3 length 38 */
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(st.other_l3, 1);
	assert_int_equal(st.invalid, 0);
	free(b);

	/* IP protocol 47 (GRE): other_l4, payload is the IP payload. */
	memcpy(f, f_padded_udp, sizeof(f));
	f[23] = 47;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(p.l4proto, 47);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(st.other_l4, 1);
	assert_int_equal(p.payload_len, 12);
	free(b);

	/* ICMPv6 inside IPv4 is not something we decode. */
	f[23] = IPPROTO_NUM_ICMPV6;
	b = decode(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(st.icmpv6, 0);
	free(b);
}

static void test_linktypes_and_names(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;
	static const int ok[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229,
	    276 };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(dec_linktype_supported(ok[i]), 1);
	assert_int_equal(dec_linktype_supported(105), 0);	/* 802.11 */
	assert_int_equal(dec_linktype_supported(127), 0);	/* radiotap */
	assert_int_equal(dec_linktype_supported(-1), 0);

	uint8_t *b = decode(&st, &p, 105, f_syn, sizeof(f_syn));
	assert_int_equal(p.result, DEC_UNSUPPORTED);
	assert_int_equal(st.pkts, 1);
	assert_int_equal(st.invalid, 0);
	free(b);

	for (int r = 0; r < DEC_R__COUNT; r++) {
		const char *n = dec_reason_name((enum dec_reason)r);
		assert_non_null(n);
		assert_true(strchr(n, '.') != NULL);
	}
	assert_string_equal(dec_reason_name(DEC_R_IPV4_TRUNCATED),
	    "ipv4.truncated");
	assert_string_equal(dec_reason_name(DEC_R_VLAN_TOO_DEEP),
	    "vlan.too_deep");
	assert_null(dec_reason_name(DEC_R__COUNT));
	assert_null(dec_reason_name((enum dec_reason)-1));
}

static void test_packet_reset_and_lengths(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;

	memset(&st, 0, sizeof(st));
	memset(&p, 0xa5, sizeof(p));	/* garbage from a previous use */
	dec_packet(&st, &p, DEC_LINK_ETHERNET, f_arp_reply,
	    sizeof(f_arp_reply), sizeof(f_arp_reply), 7);
	assert_int_equal(p.tcp_wscale, 0xff);
	assert_int_equal(p.ip_version, 0);
	assert_int_equal(p.has_l4, 0);
	assert_int_equal(p.vlan_depth, 0);
	assert_int_equal(p.payload_len, 0);
	assert_null(p.payload);

	/* A wire length below the capture length: trust the smaller. */
	memset(&st, 0, sizeof(st));
	dec_packet(&st, &p, DEC_LINK_ETHERNET, f_syn, sizeof(f_syn), 40, 0);
	assert_int_equal(p.result, DEC_TRUNCATED);
	assert_int_equal(st.reason[DEC_R_TCP_TRUNCATED], 1);
	assert_int_equal(p.ip_version, 4);
	assert_int_equal(st.bytes, 40);

	/* No data at all. */
	memset(&st, 0, sizeof(st));
	dec_packet(&st, &p, DEC_LINK_ETHERNET, NULL, 0, 0, 0);
	assert_int_equal(p.result, DEC_TRUNCATED);
	assert_int_equal(st.reason[DEC_R_ETH_TRUNCATED], 1);
}

static void test_stats_accumulate(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;

	memset(&st, 0, sizeof(st));
	dec_packet(&st, &p, DEC_LINK_ETHERNET, f_syn, sizeof(f_syn),
	    sizeof(f_syn), 0);
	dec_packet(&st, &p, DEC_LINK_ETHERNET, f_qinq_udp, sizeof(f_qinq_udp),
	    sizeof(f_qinq_udp), 0);
	dec_packet(&st, &p, DEC_LINK_ETHERNET, f_arp_req, sizeof(f_arp_req),
	    sizeof(f_arp_req), 0);
	dec_packet(&st, &p, DEC_LINK_SLL2, f_sll2, sizeof(f_sll2),
	    sizeof(f_sll2), 0);
	/* two reasons in one frame (bad IP option, then a TCP header cut by
	 * the snap length) still make one invalid frame */
	uint8_t f[sizeof(f_v4badopt_udp)];
	memcpy(f, f_v4badopt_udp, sizeof(f));
	f[23] = IPPROTO_NUM_TCP;
	dec_packet(&st, &p, DEC_LINK_ETHERNET, f, sizeof(f), 200, 0);

	assert_int_equal(st.pkts, 5);
	assert_int_equal(st.bytes, sizeof(f_syn) + sizeof(f_qinq_udp) +
	    sizeof(f_arp_req) + sizeof(f_sll2) + 200);
	assert_int_equal(st.ethernet, 4);
	assert_int_equal(st.vlan, 1);
	assert_int_equal(st.arp, 1);
	assert_int_equal(st.ipv4, 3);
	assert_int_equal(st.ipv6, 1);
	assert_int_equal(st.tcp, 2);
	assert_int_equal(st.udp, 1);
	assert_int_equal(st.icmpv6, 1);
	assert_int_equal(st.reason[DEC_R_IPV4_OPT_MALFORMED], 1);
	assert_int_equal(st.reason[DEC_R_TCP_TRUNCATED], 1);
	assert_int_equal(st.invalid, 1);
	assert_int_equal(p.result, DEC_MALFORMED);	/* the first problem */
}

/* ---- per-layer entry points ------------------------------------------ */

static void test_layer_entry_points(void **state)
{
	(void)state;
	struct dec_stats st;
	struct packet p;

	memset(&st, 0, sizeof(st));
	memset(&p, 0, sizeof(p));
	uint8_t *b = dup_bytes(f_syn + 34, 40);
	assert_int_equal(dec_tcp(&st, &p, b, 40), DEC_OK);
	assert_int_equal(p.sport, 50000);
	assert_int_equal(p.tcp_mss, 1460);
	free(b);

	memset(&p, 0, sizeof(p));
	b = dup_bytes(f_syn + 34, 30);	/* cut inside the options */
	assert_int_equal(dec_tcp(&st, &p, b, 30), DEC_TRUNCATED);
	assert_int_equal(p.has_l4, 0);
	free(b);

	memset(&p, 0, sizeof(p));
	b = dup_bytes(f_raw_v4 + 20, 12);
	assert_int_equal(dec_udp(&st, &p, b, 12), DEC_OK);
	assert_int_equal(p.payload_len, 4);
	free(b);

	memset(&p, 0, sizeof(p));
	b = dup_bytes(f_arp_reply + 14, 28);
	assert_int_equal(dec_arp(&st, &p, b, 28), DEC_OK);
	assert_int_equal(p.arp.op, 2);
	free(b);

	memset(&p, 0, sizeof(p));
	b = dup_bytes(f_raw_icmp6 + 40, 12);
	assert_int_equal(dec_icmpv6(&st, &p, b, 12), DEC_OK);
	assert_int_equal(p.icmp_id, 42);
	free(b);

	memset(&p, 0, sizeof(p));
	b = dup_bytes(f_icmp_echo + 34, 7);
	assert_int_equal(dec_icmp(&st, &p, b, 7), DEC_TRUNCATED);
	assert_int_equal(st.reason[DEC_R_ICMP_TRUNCATED], 1);
	free(b);

	memset(&p, 0, sizeof(p));
	assert_int_equal(dec_ipv4(&st, &p, NULL, 0), DEC_TRUNCATED);
	memset(&p, 0, sizeof(p));
	assert_int_equal(dec_ipv6(&st, &p, NULL, 0), DEC_TRUNCATED);
	memset(&p, 0, sizeof(p));
	assert_int_equal(dec_ethernet(&st, &p, NULL, 0), DEC_TRUNCATED);
}

/* ---- truncate at every offset ---------------------------------------- */

struct trunc_case {
	const char *name;
	int linktype;
	const uint8_t *frame;
	size_t len;
	int eth;		/* has an Ethernet header (MACs at 0 and 6) */
	size_t l2_end;		/* link header and tags end here */
	size_t l3_end;		/* IP fields valid from here (0: no IP) */
	size_t l4_end;		/* last header (L4 or ARP) complete here */
	uint8_t ip_version;
	uint8_t l4proto;
	uint16_t sport, dport;
	uint32_t payload_full;	/* L4 payload of the whole frame */
	uint8_t vlan_depth;
};

static const struct trunc_case trunc_cases[] = {
	{ "eth/ipv4/tcp syn", DEC_LINK_ETHERNET, f_syn, sizeof(f_syn), 1,
	  14, 34, 74, 4, 6, 50000, 80, 0, 0 },
	{ "eth/qinq/ipv4/udp", DEC_LINK_ETHERNET, f_qinq_udp,
	  sizeof(f_qinq_udp), 1, 22, 42, 50, 4, 17, 5000, 53, 4, 2 },
	{ "eth/arp", DEC_LINK_ETHERNET, f_arp_req, sizeof(f_arp_req), 1,
	  14, 0, 42, 0, 0, 0, 0, 0, 0 },
	{ "eth/ipv4+opt/udp", DEC_LINK_ETHERNET, f_v4opt_udp,
	  sizeof(f_v4opt_udp), 1, 14, 38, 46, 4, 17, 5000, 53, 4, 0 },
	{ "eth/ipv6/hbh/frag/udp", DEC_LINK_ETHERNET, f_v6_hbh_frag_udp,
	  sizeof(f_v6_hbh_frag_udp), 1, 14, 54, 78, 6, 17, 1234, 5678, 4,
	  0 },
	{ "eth/ipv6/tcp", DEC_LINK_ETHERNET, f_v6_tcp, sizeof(f_v6_tcp), 1,
	  14, 54, 74, 6, 6, 443, 54321, 5, 0 },
	{ "eth/ipv4/icmp", DEC_LINK_ETHERNET, f_icmp_echo,
	  sizeof(f_icmp_echo), 1, 14, 34, 42, 4, 1, 0, 0, 4, 0 },
	{ "eth/ipv4/udp padded", DEC_LINK_ETHERNET, f_padded_udp,
	  sizeof(f_padded_udp), 1, 14, 34, 42, 4, 17, 5000, 53, 4, 0 },
	{ "raw/ipv6/icmpv6", DEC_LINK_RAW, f_raw_icmp6, sizeof(f_raw_icmp6),
	  0, 0, 40, 48, 6, 58, 0, 0, 4, 0 },
	{ "sll/ipv4/udp", DEC_LINK_SLL, f_sll, sizeof(f_sll), 0,
	  16, 36, 44, 4, 17, 5000, 53, 4, 0 },
	{ "sll2/ipv6/icmpv6", DEC_LINK_SLL2, f_sll2, sizeof(f_sll2), 0,
	  20, 60, 68, 6, 58, 0, 0, 4, 0 },
	{ "null/ipv4/udp", DEC_LINK_NULL, f_null_le_v4, sizeof(f_null_le_v4),
	  0, 4, 24, 32, 4, 17, 5000, 53, 4, 0 },
};

static void check_cut(const struct trunc_case *tc, size_t cut,
    uint32_t wirelen)
{
	struct dec_stats st;
	struct packet p;
	uint8_t *b = dup_bytes(tc->frame, cut);

	memset(&st, 0, sizeof(st));
	enum dec_result r = dec_packet(&st, &p, tc->linktype, b,
	    (uint32_t)cut, wirelen, 0);
	int complete = cut >= tc->l4_end;

	if (r != (complete ? DEC_OK : DEC_TRUNCATED))
		fail_msg("%s: cut at %zu: result %d", tc->name, cut, (int)r);
	assert_int_equal(p.result, r);
	assert_int_equal(st.invalid, complete ? 0 : 1);
	assert_int_equal(reason_total(&st), complete ? 0 : 1);

	/* L2 */
	if (tc->eth && cut >= 14) {
		assert_int_equal(p.has_eth, 1);
		assert_memory_equal(p.dst_mac, tc->frame, 6);
		assert_memory_equal(p.src_mac, tc->frame + 6, 6);
	} else {
		assert_int_equal(p.has_eth, 0);
	}
	if (cut >= tc->l2_end)
		assert_int_equal(p.vlan_depth, tc->vlan_depth);

	/* L3 */
	if (tc->ip_version && cut >= tc->l3_end) {
		size_t so = tc->ip_version == 4 ? 12 : 8;
		size_t al = tc->ip_version == 4 ? 4 : 16;
		assert_int_equal(p.ip_version, tc->ip_version);
		assert_memory_equal(p.src.a, tc->frame + tc->l2_end + so, al);
		assert_memory_equal(p.dst.a, tc->frame + tc->l2_end + so + al,
		    al);
		assert_ptr_equal(p.l3, b + tc->l2_end);
		assert_true(p.ip_len <= cut - tc->l2_end);
	} else {
		assert_int_equal(p.ip_version, 0);
	}

	/* L4 */
	if (complete && tc->ip_version) {
		size_t here = cut - tc->l4_end;
		assert_int_equal(p.has_l4, 1);
		assert_int_equal(p.l4proto, tc->l4proto);
		assert_int_equal(p.sport, tc->sport);
		assert_int_equal(p.dport, tc->dport);
		assert_int_equal(p.payload_len,
		    here < tc->payload_full ? here : tc->payload_full);
		if (p.payload_len)
			assert_ptr_equal(p.payload, b + tc->l4_end);
	} else {
		assert_int_equal(p.has_l4, 0);
		assert_int_equal(p.sport, 0);
	}
	assert_int_equal(p.has_arp, complete && !tc->ip_version);
	assert_payload_in(&p, b, cut);
	free(b);
}

static void test_truncate_every_offset(void **state)
{
	(void)state;
	size_t n = sizeof(trunc_cases) / sizeof(trunc_cases[0]);

	for (size_t i = 0; i < n; i++) {
		const struct trunc_case *tc = &trunc_cases[i];
		for (size_t cut = 0; cut <= tc->len; cut++) {
			/* cut by the snap length (wire length is the full
			 * frame), then as if the frame were that short */
			check_cut(tc, cut, (uint32_t)tc->len);
			check_cut(tc, cut, (uint32_t)cut);
		}
	}
}

/* Same idea for frames that are invalid or unusual when whole: no cut may
 * crash, read outside the buffer or produce an impossible length. */
static void test_truncate_odd_frames(void **state)
{
	(void)state;
	static const struct { int lt; const uint8_t *f; size_t n; } odd[] = {
		{ DEC_LINK_ETHERNET, f_vlan_deep, sizeof(f_vlan_deep) },
		{ DEC_LINK_ETHERNET, f_v4badopt_udp, sizeof(f_v4badopt_udp) },
		{ DEC_LINK_ETHERNET, f_frag_second, sizeof(f_frag_second) },
		{ DEC_LINK_ETHERNET, f_doff_past_ip, sizeof(f_doff_past_ip) },
		{ DEC_LINK_ETHERNET, f_tcp_badopt, sizeof(f_tcp_badopt) },
		{ DEC_LINK_ETHERNET, f_bad_udplen, sizeof(f_bad_udplen) },
		{ DEC_LINK_ETHERNET, f_arp_reply, sizeof(f_arp_reply) },
		{ DEC_LINK_LOOP, f_null_be_v4, sizeof(f_null_be_v4) },
		{ DEC_LINK_NULL, f_null_be_v6, sizeof(f_null_be_v6) },
	};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		for (size_t cut = 0; cut <= odd[i].n; cut++) {
			struct dec_stats st;
			struct packet p;
			uint8_t *b = dup_bytes(odd[i].f, cut);

			memset(&st, 0, sizeof(st));
			dec_packet(&st, &p, odd[i].lt, b, (uint32_t)cut,
			    (uint32_t)odd[i].n, 0);
			assert_payload_in(&p, b, cut);
			assert_true(p.ip_len <= cut);
			assert_true(st.invalid <= 1);
			assert_int_equal(st.invalid != 0,
			    reason_total(&st) != 0);
			free(b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ipv4_tcp_syn),
		cmocka_unit_test(test_eth_vlan_udp),
		cmocka_unit_test(test_eth_qinq),
		cmocka_unit_test(test_eth_vlan_too_deep),
		cmocka_unit_test(test_arp_request_reply),
		cmocka_unit_test(test_arp_other_kinds),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_bad_option_keeps_packet),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_tiny_first_fragment),
		cmocka_unit_test(test_ipv6_hbh_frag_udp),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_icmpv6_echo),
		cmocka_unit_test(test_sll),
		cmocka_unit_test(test_sll2),
		cmocka_unit_test(test_raw_links),
		cmocka_unit_test(test_null_loopback),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_bad_ihl),
		cmocka_unit_test(test_ipv4_bad_totlen_and_version),
		cmocka_unit_test(test_ipv4_zero_totlen_tso),
		cmocka_unit_test(test_bad_tcp_doff),
		cmocka_unit_test(test_tcp_bad_option),
		cmocka_unit_test(test_tcp_options_misc),
		cmocka_unit_test(test_bad_udp_len),
		cmocka_unit_test(test_ipv6_exthdr_limit),
		cmocka_unit_test(test_ipv6_other_cases),
		cmocka_unit_test(test_ipv6_ah),
		cmocka_unit_test(test_other_ethertypes),
		cmocka_unit_test(test_linktypes_and_names),
		cmocka_unit_test(test_packet_reset_and_lengths),
		cmocka_unit_test(test_stats_accumulate),
		cmocka_unit_test(test_layer_entry_points),
		cmocka_unit_test(test_truncate_every_offset),
		cmocka_unit_test(test_truncate_odd_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
