/* addr.c - address helpers shared by decoders, flows and output. */
#include "util/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void addr_set4(struct addr *x, const uint8_t v4[4])
{
	memset(x, 0, sizeof(*x));
	x->family = 4;
	memcpy(x->a, v4, 4);
}

void addr_set6(struct addr *x, const uint8_t v6[16])
{
	x->family = 6;
	memcpy(x->a, v6, 16);
}

int addr_cmp(const struct addr *x, const struct addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	int r = memcmp(x->a, y->a, sizeof(x->a));
	return (r > 0) - (r < 0);
}

void addr_fmt(const struct addr *x, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (x->family == 4)
		inet_ntop(AF_INET, x->a, buf, (socklen_t)size);
	else if (x->family == 6)
		inet_ntop(AF_INET6, x->a, buf, (socklen_t)size);
}

void mac_fmt(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x",
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
