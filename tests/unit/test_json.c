/* test_json.c - JSON writer: commas, nesting, escaping, limits, time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "util/alloc.h"
#include "util/json.h"

static void test_commas_and_nesting(void **state)
{
	(void)state;
	struct jbuf jb;
	jb_init(&jb, 0);
	jb_obj_open(&jb);
	jb_kstr(&jb, "a", "x");
	jb_ku64(&jb, "b", 18446744073709551615ull);
	jb_key(&jb, "c");
	jb_arr_open(&jb);
	jb_i64(&jb, -5);
	jb_bool(&jb, 1);
	jb_null(&jb);
	jb_obj_open(&jb);
	jb_obj_close(&jb);
	jb_arr_close(&jb);
	jb_key(&jb, "d");
	jb_dbl(&jb, 1.5, 2);
	jb_obj_close(&jb);
	assert_false(jb.err);
	assert_string_equal(jb.buf,
	    "{\"a\":\"x\",\"b\":18446744073709551615,\"c\":[-5,true,null,{}],"
	    "\"d\":1.50}");
	jb_reset(&jb);
	jb_obj_open(&jb);
	jb_kbool(&jb, "z", 0);
	jb_obj_close(&jb);
	assert_string_equal(jb.buf, "{\"z\":false}");
	jb_fini(&jb);
}

static void test_escaping(void **state)
{
	(void)state;
	struct jbuf jb;
	jb_init(&jb, 0);
	/* quote, backslash, newline, tab, NUL, DEL, valid 2-byte UTF-8 (é),
	 * a lone continuation byte, an overlong '/', a surrogate, 4-byte ok */
	static const char in[] = "q\"b\\n\nt\t\x00" "d\x7f" "\xc3\xa9"
	    "\x80" "\xc0\xaf" "\xed\xa0\x80" "\xf0\x9f\x98\x80";
	jb_strn(&jb, in, sizeof(in) - 1);
	assert_false(jb.err);
	assert_string_equal(jb.buf,
	    "\"q\\\"b\\\\n\\nt\\t\\u0000d\\u007f\xc3\xa9\\u0080"
	    "\\u00c0\\u00af\\u00ed\\u00a0\\u0080\xf0\x9f\x98\x80\"");
	jb_fini(&jb);
}

static void test_truncated_utf8_at_end(void **state)
{
	(void)state;
	struct jbuf jb;
	jb_init(&jb, 0);
	jb_strn(&jb, "ab\xe2\x82", 4);	/* 3-byte sequence cut short */
	assert_string_equal(jb.buf, "\"ab\\u00e2\\u0082\"");
	jb_fini(&jb);
}

static void test_max_size(void **state)
{
	(void)state;
	struct jbuf jb;
	jb_init(&jb, 16);
	jb_obj_open(&jb);
	jb_kstr(&jb, "k", "0123456789abcdef");
	assert_true(jb.err);
	jb_reset(&jb);
	assert_false(jb.err);
	jb_obj_open(&jb);
	jb_obj_close(&jb);
	assert_string_equal(jb.buf, "{}");
	jb_fini(&jb);
}

static void test_depth_and_balance(void **state)
{
	(void)state;
	struct jbuf jb;
	jb_init(&jb, 0);
	jb_obj_close(&jb);	/* close without open */
	assert_true(jb.err);
	jb_reset(&jb);
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		jb_arr_open(&jb);
	assert_true(jb.err);
	jb_fini(&jb);
}

static void test_alloc_failure(void **state)
{
	(void)state;
	struct jbuf jb;
	jb_init(&jb, 0);
	alloc_fail_after(0);
	jb_str(&jb, "needs memory");
	alloc_fail_after(-1);
	assert_true(jb.err);
	jb_fini(&jb);
}

static void test_nonfinite_double(void **state)
{
	(void)state;
	struct jbuf jb;
	jb_init(&jb, 0);
	jb_arr_open(&jb);
	jb_dbl(&jb, 1.0 / 0.0, 3);
	jb_dbl(&jb, 0.25, 2);
	jb_arr_close(&jb);
	assert_string_equal(jb.buf, "[null,0.25]");
	jb_fini(&jb);
}

static void test_timestamp(void **state)
{
	(void)state;
	char b[40];
	json_ts(1700000000123456789ull, b, sizeof(b));
	assert_string_equal(b, "2023-11-14T22:13:20.123456+0000");
	json_ts(0, b, sizeof(b));
	assert_string_equal(b, "1970-01-01T00:00:00.000000+0000");
}

/* The hand-rolled calendar against libc's gmtime_r over 1970..2500. */
static void test_timestamp_matches_gmtime(void **state)
{
	(void)state;
	char mine[40], ref[40];
	uint64_t sec = 0;
	for (int i = 0; i < 200000; i++) {
		time_t t = (time_t)sec;
		struct tm tm;
		assert_non_null(gmtime_r(&t, &tm));
		strftime(ref, sizeof(ref), "%Y-%m-%dT%H:%M:%S", &tm);
		json_ts(sec * 1000000000ull + 999999999ull, mine, sizeof(mine));
		assert_memory_equal(mine, ref, 19);
		assert_string_equal(mine + 19, ".999999+0000");
		sec += 84631u + (uint64_t)i % 7919u;	/* ~1 day, varied */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commas_and_nesting),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_truncated_utf8_at_end),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_depth_and_balance),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_nonfinite_double),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_timestamp_matches_gmtime),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
