/* test_device_evidence.c - dev_add_evidence's hints are only hints:
 * the same random stream of evidence (repeats, new values, kinds past
 * their cap, a full list replacing entries) gives byte-identical devices
 * whatever the hint holds before each call - its own value, a random
 * index, or an index past the list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "device/device_int.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Everything dev_add_evidence leaves behind, without the hints. */
static void assert_same_evidence(const struct device *a,
    const struct device *b)
{
	assert_int_equal(a->nev, b->nev);
	assert_int_equal(a->ev_dropped, b->ev_dropped);
	assert_memory_equal(a->ev, b->ev, sizeof(a->ev));
}

static void test_hint_never_changes_the_result(void **state)
{
	(void)state;
	static struct device plain, poked;
	memset(&plain, 0, sizeof(plain));
	memset(&poked, 0, sizeof(poked));
	int added = 0, repeats = 0;
	for (unsigned step = 0; step < 200000; step++) {
		/* few kinds and values, so repeats, caps and a full list
		 * all happen */
		enum dev_ev_kind k = (enum dev_ev_kind)(next() % DEV_EV__COUNT);
		char v[DEV_EV_VALUE_LEN + 8];
		unsigned which = next() % 24;
		if (which == 23)	/* longer than stored: cut */
			memset(v, 'x', sizeof(v) - 1), v[sizeof(v) - 1] = '\0';
		else
			snprintf(v, sizeof(v), "value-%u", which);
		uint64_t ts = 1000 + (next() % 100000);
		for (unsigned j = 0; j < 2; j++) {
			unsigned r = next() % 3;
			poked.ev_hint[j] = r == 0 ? (uint8_t)(next() % 64) :
			    r == 1 ? (uint8_t)255 : poked.ev_hint[j];
		}
		int na = dev_add_evidence(&plain, k, v, ts);
		int nb = dev_add_evidence(&poked, k, v, ts);
		assert_int_equal(na, nb);
		if (na)
			added++;
		else
			repeats++;
		assert_same_evidence(&plain, &poked);
	}
	assert_true(plain.nev == DEV_MAX_EVIDENCE);
	assert_true(plain.ev_dropped > 0);
	assert_true(added >= DEV_MAX_EVIDENCE && repeats > 100000);
}

static void test_repeat_counts(void **state)
{
	(void)state;
	static struct device d;
	memset(&d, 0, sizeof(d));
	assert_int_equal(dev_add_evidence(&d, DEV_EV_TCP_SYN, "64:65535", 5),
	    1);
	assert_int_equal(dev_add_evidence(&d, DEV_EV_DNS_QUERY, "a.example",
	    6), 1);
	assert_int_equal(dev_add_evidence(&d, DEV_EV_TCP_SYN, "64:65535", 9),
	    0);
	assert_int_equal(dev_add_evidence(&d, DEV_EV_TCP_SYN, "64:65535", 2),
	    0);
	assert_int_equal(d.nev, 2);
	assert_int_equal(d.ev[0].count, 3);
	assert_true(d.ev[0].first_seen == 2 && d.ev[0].last_seen == 9);
	assert_int_equal(d.ev[1].count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hint_never_changes_the_result),
		cmocka_unit_test(test_repeat_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
