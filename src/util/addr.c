/* addr.c - address helpers shared by decoders, flows and output. */
#include "util/addr.h"

#include <arpa/inet.h>
#include <string.h>

#include "util/hex.h"

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

/* Dotted quad by hand: glibc's inet_ntop goes through sprintf, and this
 * runs for every address of every event. */
static void fmt4(const uint8_t a[4], char *buf, size_t size)
{
	char t[16];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (v >= 100)
			t[n++] = (char)('0' + v / 100);
		if (v >= 10)
			t[n++] = (char)('0' + v / 10 % 10);
		t[n++] = (char)('0' + v % 10);
		t[n++] = i < 3 ? '.' : '\0';
	}
	if (n > size)
		n = size;
	memcpy(buf, t, n);
	buf[n - 1] = '\0';
}

void addr_fmt(const struct addr *x, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (x->family == 4)
		fmt4(x->a, buf, size);
	else if (x->family == 6)
		inet_ntop(AF_INET6, x->a, buf, (socklen_t)size);
}

void mac_fmt(const uint8_t mac[6], char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	char t[MAC_STRLEN];
	for (int i = 0; i < 6; i++) {
		t[i * 3] = hex[mac[i] >> 4];
		t[i * 3 + 1] = hex[mac[i] & 15];
		t[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
	if (size == 0)
		return;
	size_t n = size < sizeof(t) ? size : sizeof(t);
	memcpy(buf, t, n);
	buf[n - 1] = '\0';
}

int addr_parse(const char *s, struct addr *out)
{
	uint8_t b[16];

	memset(out, 0, sizeof(*out));
	if (!s || strlen(s) >= ADDR_STRLEN)
		return -1;
	if (inet_pton(AF_INET, s, b) == 1)
		addr_set4(out, b);
	else if (inet_pton(AF_INET6, s, b) == 1)
		addr_set6(out, b);
	else
		return -1;
	return 0;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != MAC_STRLEN - 1)
		return -1;
	for (unsigned i = 0; i < 6; i++) {
		int hi = hex_digit((unsigned char)s[3 * i]);
		int lo = hex_digit((unsigned char)s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
