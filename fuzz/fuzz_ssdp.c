/* fuzz_ssdp.c - libFuzzer target: proto_parse_ssdp() (start line, header
 * names, value trimming) and proto_parse_ntp() on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/proto.h"
#include "fuzz.h"
#include "decode_check.h"

#define STR_OK(s) FZ_CHECK(memchr((s), '\0', sizeof(s)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct app_ssdp s;
	struct app_ntp t;

	if (proto_parse_ssdp(data, size, &s) == 0) {
		FZ_CHECK(s.kind >= 1 && s.kind <= 3);
		STR_OK(s.server);
		STR_OK(s.st);
		STR_OK(s.usn);
		STR_OK(s.location);
		STR_OK(s.nts);
		/* values are trimmed */
		FZ_CHECK(s.st[0] != ' ' && s.st[0] != '\t');
	} else {
		FZ_CHECK(s.kind == 0);
	}
	if (proto_parse_ntp(data, size, &t) == 0) {
		FZ_CHECK(t.version >= 1 && t.version <= 4);
		FZ_CHECK(t.mode >= 1 && t.mode <= 7);
		FZ_CHECK(t.mode >= 6 || size >= 48);
	}
	return 0;
}
