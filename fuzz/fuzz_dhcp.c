/* fuzz_dhcp.c - libFuzzer target: proto_parse_dhcp() and
 * proto_parse_dhcp6() on arbitrary bytes (options walk, relay envelopes,
 * FQDN labels, hex and list formatting). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/proto.h"
#include "fuzz.h"
#include "decode_check.h"

#define STR_OK(s) FZ_CHECK(memchr((s), '\0', sizeof(s)) != NULL)

/* "1,3,6": digits and single commas, no leading/trailing comma */
static void check_list(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0)
		return;
	FZ_CHECK(s[0] != ',' && s[n - 1] != ',');
	for (i = 0; i < n; i++) {
		FZ_CHECK((s[i] >= '0' && s[i] <= '9') || s[i] == ',');
		FZ_CHECK(!(s[i] == ',' && s[i + 1] == ','));
	}
}

static void check_hex(const char *s)
{
	size_t i, n = strlen(s);

	FZ_CHECK(n % 2 == 0);
	for (i = 0; i < n; i++)
		FZ_CHECK((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct app_dhcp d;
	static struct app_dhcp6 d6;

	if (proto_parse_dhcp(data, size, &d) == 0) {
		FZ_CHECK(size >= 236);
		FZ_CHECK(d.op == 1 || d.op == 2);
		STR_OK(d.hostname);
		STR_OK(d.vendor_class);
		STR_OK(d.prl);
		STR_OK(d.client_id);
		STR_OK(d.mud_url);
		STR_OK(d.options);
		check_list(d.prl);
		check_list(d.options);
		check_hex(d.client_id);
	}
	if (proto_parse_dhcp6(data, size, &d6) == 0) {
		FZ_CHECK(size >= 4);
		FZ_CHECK(d6.msg_type >= 1 && d6.msg_type <= 36);
		FZ_CHECK(d6.xid <= 0xffffffu);
		STR_OK(d6.duid);
		STR_OK(d6.hostname);
		STR_OK(d6.vendor_class);
		STR_OK(d6.oro);
		check_list(d6.oro);
		check_hex(d6.duid);
	}
	return 0;
}
