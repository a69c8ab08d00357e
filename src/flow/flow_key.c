/* flow_key.c - the canonical, direction-free key of a packet's flow. */
#include "flow/flow_internal.h"

#include <string.h>

/* Byte offsets inside struct flow_key (see flow_internal.h). */
#define KEY_FAMILY  0
#define KEY_PROTO   1
#define KEY_VDEPTH  2
#define KEY_VLAN    4
#define KEY_LOPORT  (KEY_VLAN + 2 * DEC_MAX_VLAN_DEPTH)
#define KEY_HIPORT  (KEY_LOPORT + 2)
#define KEY_ADDR    (KEY_HIPORT + 2)

_Static_assert(KEY_ADDR + 32 == FLOW_KEY_LEN,
    "FLOW_KEY_LEN must match the key layout (DEC_MAX_VLAN_DEPTH changed?)");
_Static_assert(KEY_ADDR + 8 == FLOW_KEY_LEN_V4,
    "FLOW_KEY_LEN_V4 must match the key layout");

int flow_icmp_is_echo(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_NUM_ICMP)
		return type == 8 || type == 0;
	if (proto == IPPROTO_NUM_ICMPV6)
		return type == 128 || type == 129;
	return 0;
}

void flow_key_ports(const struct packet *p, uint16_t *sport, uint16_t *dport)
{
	switch (p->l4proto) {
	case IPPROTO_NUM_TCP:
	case IPPROTO_NUM_UDP:
		*sport = p->sport;
		*dport = p->dport;
		return;
	case IPPROTO_NUM_ICMP:
	case IPPROTO_NUM_ICMPV6:
		/* Echo request and reply carry the same identifier, so one
		 * ping session is one flow and two concurrent pings (two
		 * identifiers) are two. Other ICMP types share the host
		 * pair's flow. */
		if (p->has_l4 && flow_icmp_is_echo(p->l4proto, p->icmp_type)) {
			*sport = p->icmp_id;
			*dport = p->icmp_id;
			return;
		}
		break;
	default:
		break;
	}
	*sport = 0;
	*dport = 0;
}

static inline uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	    (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* -1, 0, 1 comparing (address, port) endpoints, the same order as
 * addr_cmp then port; inlined because it runs for every packet (two word
 * compares instead of a memcmp call). Both addresses are of the packet's
 * one IP version, so the family needs no comparing. */
static inline int endpoint_cmp(const struct addr *x, uint16_t xport,
    const struct addr *y, uint16_t yport)
{
	uint64_t a = load_be64(x->a), b = load_be64(y->a);

	if (a == b) {
		a = load_be64(x->a + 8);
		b = load_be64(y->a + 8);
	}
	if (a == b) {
		a = xport;
		b = yport;
	}
	return (a > b) - (a < b);
}

static void put_be16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

void flow_key_make(struct flow_key *k, const struct packet *p,
    int *src_is_lo)
{
	uint16_t sport, dport;
	const struct addr *lo, *hi;
	uint16_t loport, hiport;
	int c;

	flow_key_ports(p, &sport, &dport);
	/* Order the endpoints by (address, port): whichever side sends,
	 * the smaller one goes first. Equal endpoints (a packet to itself)
	 * count the source as low. */
	c = endpoint_cmp(&p->src, sport, &p->dst, dport);
	if (c <= 0) {
		lo = &p->src;
		hi = &p->dst;
		loport = sport;
		hiport = dport;
		*src_is_lo = 1;
	} else {
		lo = &p->dst;
		hi = &p->src;
		loport = dport;
		hiport = sport;
		*src_is_lo = 0;
	}

	memset(k, 0, sizeof(*k));
	k->b[KEY_FAMILY] = p->ip_version;
	k->b[KEY_PROTO] = p->l4proto;
	/* The decoder never reports more tags than it keeps; the clamp only
	 * guards callers that fill struct packet by hand. */
	uint8_t depth = p->vlan_depth;
	if (depth > DEC_MAX_VLAN_DEPTH)
		depth = DEC_MAX_VLAN_DEPTH;
	k->b[KEY_VDEPTH] = depth;
	for (uint8_t i = 0; i < depth; i++)
		put_be16(&k->b[KEY_VLAN + 2 * i], p->vlan[i]);
	put_be16(&k->b[KEY_LOPORT], loport);
	put_be16(&k->b[KEY_HIPORT], hiport);
	if (p->ip_version == 4) {
		memcpy(&k->b[KEY_ADDR], lo->a, 4);
		memcpy(&k->b[KEY_ADDR + 4], hi->a, 4);
	} else {
		memcpy(&k->b[KEY_ADDR], lo->a, 16);
		memcpy(&k->b[KEY_ADDR + 16], hi->a, 16);
	}
}
