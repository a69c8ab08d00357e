/* homenet.h - the local network (Suricata's HOME_NET): which addresses
 * are devices and "internal", and which are remote. */
#ifndef EW_HOMENET_H
#define EW_HOMENET_H

#include <stddef.h>

#include "util/addr.h"

#define HOMENET_MAX 32

struct homenet {
	unsigned n;
	struct {
		struct addr net;	/* masked */
		unsigned bits;
	} cidr[HOMENET_MAX];
	/* The IPv4 ranges again as host-order network and mask, filled by
	 * homenet_default/homenet_parse: homenet_contains runs on every
	 * packet. */
	unsigned n4;
	uint32_t net4[HOMENET_MAX], mask4[HOMENET_MAX];
	/* By first IPv4 octet: HOMENET_OCT_OUT when no range can hold an
	 * address starting with it, HOMENET_OCT_IN when a range holds every
	 * such address, else HOMENET_OCT_TEST (try the ranges). Valid when
	 * oct4_ready (set by homenet_default/homenet_parse; a struct filled
	 * any other way falls back to the ranges). */
	uint8_t oct4_ready;
	uint8_t oct4[256];
};
#define HOMENET_OCT_OUT  0
#define HOMENET_OCT_IN   1
#define HOMENET_OCT_TEST 2

/* RFC 1918, 100.64/10 (CGNAT), 169.254/16, fc00::/7 (ULA), fe80::/10. */
void homenet_default(struct homenet *hn);
/* Replace with "CIDR,CIDR,..." (a bare address is a /32 or /128).
 * Returns 0, or -1 with a message naming the bad entry in err. */
int homenet_parse(struct homenet *hn, const char *list, char *err,
    size_t errlen);
/* 1 when a is inside one of the ranges. */
int homenet_contains(const struct homenet *hn, const struct addr *a);

#endif /* EW_HOMENET_H */
