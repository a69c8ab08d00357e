/* test_web_assets.c - api_asset_find: exact matches only, hostile paths
 * refused. The test brings its own small table (the same shape tools/embed
 * generates), so it does not depend on what the dashboard holds today; the
 * generated table itself is checked over HTTP by tests/browser/run.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api/assets.h"

static const unsigned char html[] = "<!doctype html>";
static const unsigned char js[] = "'use strict';";

const struct api_asset api_assets[] = {
	{ "/", "text/html; charset=utf-8", html, sizeof(html) - 1 },
	{ "/assets/app.js", "text/javascript; charset=utf-8", js, sizeof(js) - 1 },
	{ "/index.html", "text/html; charset=utf-8", html, sizeof(html) - 1 },
};
const size_t api_assets_count = sizeof(api_assets) / sizeof(api_assets[0]);

static void test_exact_match(void **state)
{
	const struct api_asset *a;

	(void)state;
	a = api_asset_find("/");
	assert_non_null(a);
	assert_ptr_equal(a->data, html);
	a = api_asset_find("/index.html");
	assert_non_null(a);
	assert_ptr_equal(a->data, html);
	a = api_asset_find("/assets/app.js");
	assert_non_null(a);
	assert_string_equal(a->mime, "text/javascript; charset=utf-8");
	assert_int_equal(a->len, 13);
}

static void test_no_prefix_or_suffix_match(void **state)
{
	(void)state;
	assert_null(api_asset_find("/assets/app.j"));
	assert_null(api_asset_find("/assets/app.js/"));
	assert_null(api_asset_find("/assets/app.jsx"));
	assert_null(api_asset_find("/assets/"));
	assert_null(api_asset_find("/assets"));
	assert_null(api_asset_find("//"));
	assert_null(api_asset_find("/ASSETS/app.js"));
	assert_null(api_asset_find("/api/v1/devices"));
}

static void test_hostile_paths(void **state)
{
	char longp[600];

	(void)state;
	assert_null(api_asset_find(NULL));
	assert_null(api_asset_find(""));
	assert_null(api_asset_find("assets/app.js"));	/* no leading '/' */
	assert_null(api_asset_find("index.html"));
	assert_null(api_asset_find("/assets/../index.html"));
	assert_null(api_asset_find("/.."));
	assert_null(api_asset_find("/assets/..%2findex.html"));
	assert_null(api_asset_find("/assets/app.js/.."));
	/* a path that would match is refused once it carries ".." */
	assert_non_null(api_asset_find("/assets/app.js"));
	assert_null(api_asset_find("/assets/app.js.."));
	/* over the length cap: refused without a scan past it */
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_null(api_asset_find(longp));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_match),
		cmocka_unit_test(test_no_prefix_or_suffix_match),
		cmocka_unit_test(test_hostile_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
