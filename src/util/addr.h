/* addr.h - an IPv4 or IPv6 address as decoders and flows keep it. */
#ifndef EW_ADDR_H
#define EW_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* IPv4 addresses live in a[0..3] with a[4..15] zero, so two addresses of
 * the same family compare with memcmp over all 16 bytes. */
struct addr {
	uint8_t family;		/* 0 (none), 4 or 6 */
	uint8_t a[16];
};

/* Longest text addr_fmt writes, NUL included (INET6_ADDRSTRLEN). */
#define ADDR_STRLEN 46
/* "aa:bb:cc:dd:ee:ff" plus NUL. */
#define MAC_STRLEN 18

void addr_set4(struct addr *x, const uint8_t v4[4]);
void addr_set6(struct addr *x, const uint8_t v6[16]);
/* -1, 0, 1 ordering by family then bytes (total order for canonical keys). */
int addr_cmp(const struct addr *x, const struct addr *y);
/* Text form (dotted quad, RFC 5952 IPv6) into buf; "" for family 0. */
void addr_fmt(const struct addr *x, char *buf, size_t size);
/* "aa:bb:cc:dd:ee:ff" (lower case) into buf of at least MAC_STRLEN. */
void mac_fmt(const uint8_t mac[6], char *buf, size_t size);
/* Text (dotted quad or IPv6) -> *out (zeroed first). 0, or -1 when s is
 * neither. */
int addr_parse(const char *s, struct addr *out);
/* Exactly "aa:bb:cc:dd:ee:ff" (hex digits of either case) -> mac. 0 or
 * -1. */
int mac_parse(const char *s, uint8_t mac[6]);

#endif /* EW_ADDR_H */
