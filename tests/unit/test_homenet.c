/* test_homenet.c - homenet_contains against a plain prefix comparison over
 * the parsed ranges, for IPv4 home nets of every shape (the first-octet
 * table must give the answer the ranges give) and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/addr.h"
#include "util/homenet.h"

/* The definition: the first bits bits of a equal the range's. */
static int ref_contains(const struct homenet *hn, const struct addr *a)
{
	for (unsigned i = 0; i < hn->n; i++) {
		const struct addr *net = &hn->cidr[i].net;
		unsigned bits = hn->cidr[i].bits, b;
		if (net->family != a->family)
			continue;
		for (b = 0; b < bits; b++) {
			unsigned m = 0x80u >> (b % 8);
			if ((net->a[b / 8] & m) != (a->a[b / 8] & m))
				break;
		}
		if (b == bits)
			return 1;
	}
	return 0;
}

static void check_v4(const struct homenet *hn, const char *what)
{
	static const uint8_t tails[][3] = { { 0, 0, 0 }, { 0, 0, 1 },
		{ 255, 255, 255 }, { 128, 0, 0 }, { 16, 0, 0 }, { 31, 255, 255 },
		{ 64, 0, 0 }, { 127, 255, 254 }, { 168, 1, 10 }, { 254, 0, 1 },
		{ 15, 255, 255 }, { 32, 0, 0 } };
	struct homenet slow = *hn;
	slow.oct4_ready = 0;		/* the ranges alone */
	for (unsigned o = 0; o < 256; o++)
		for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
			uint8_t raw[4] = { (uint8_t)o, tails[t][0], tails[t][1],
				tails[t][2] };
			struct addr a;
			memset(&a, 0, sizeof(a));
			addr_set4(&a, raw);
			int want = ref_contains(hn, &a);
			if (homenet_contains(hn, &a) != want ||
			    homenet_contains(&slow, &a) != want)
				fail_msg("%s: %u.%u.%u.%u: want %d", what, o,
				    raw[1], raw[2], raw[3], want);
		}
}

static void test_ipv4_shapes(void **state)
{
	(void)state;
	static const char *const lists[] = {
		"10.0.0.0/8", "0.0.0.0/0", "128.0.0.0/1", "96.0.0.0/3",
		"192.168.1.0/24,172.16.0.0/12", "8.8.8.8", "100.64.0.0/10",
		"fd00::/8,10.1.2.0/23", "1.2.3.4/31", "10.0.0.0/7,11.0.0.0/8",
		"192.168.0.0/16,192.0.0.0/8", "224.0.0.0/4",
	};
	struct homenet hn;
	char err[128];
	homenet_default(&hn);
	assert_true(hn.oct4_ready);
	check_v4(&hn, "default");
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		assert_int_equal(homenet_parse(&hn, lists[i], err,
		    sizeof(err)), 0);
		assert_true(hn.oct4_ready);
		check_v4(&hn, lists[i]);
	}
	/* a few answers spelled out */
	homenet_default(&hn);
	struct addr a;
	memset(&a, 0, sizeof(a));
	addr_set4(&a, (const uint8_t[]){ 172, 31, 255, 1 });
	assert_true(homenet_contains(&hn, &a));
	addr_set4(&a, (const uint8_t[]){ 172, 32, 0, 1 });
	assert_false(homenet_contains(&hn, &a));
	addr_set4(&a, (const uint8_t[]){ 8, 8, 8, 8 });
	assert_false(homenet_contains(&hn, &a));
	addr_set4(&a, (const uint8_t[]){ 10, 200, 0, 1 });
	assert_true(homenet_contains(&hn, &a));
}

static void test_ipv6(void **state)
{
	(void)state;
	struct homenet hn;
	struct addr a;
	uint8_t raw[16];
	homenet_default(&hn);
	memset(raw, 0, sizeof(raw));
	raw[0] = 0xfe;
	raw[1] = 0x80;
	raw[15] = 1;
	memset(&a, 0, sizeof(a));
	addr_set6(&a, raw);
	assert_true(homenet_contains(&hn, &a));
	assert_int_equal(homenet_contains(&hn, &a), ref_contains(&hn, &a));
	raw[0] = 0x20;
	raw[1] = 0x01;
	addr_set6(&a, raw);
	assert_false(homenet_contains(&hn, &a));
	raw[0] = 0xfd;
	addr_set6(&a, raw);
	assert_true(homenet_contains(&hn, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_shapes),
		cmocka_unit_test(test_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
