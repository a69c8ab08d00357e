/* fuzz_dns.c - libFuzzer target: proto_parse_dns() on arbitrary bytes:
 * name decompression (pointer loops, lengths), record counts, rdata. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/proto.h"
#include "fuzz.h"
#include "decode_check.h"

static void check_str(const char *s, size_t size)
{
	FZ_CHECK(memchr(s, '\0', size) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct app_dns d;
	unsigned i;
	int rc = proto_parse_dns(data, size, &d);

	if (rc < 0) {
		FZ_CHECK(size < 12 || d.malformed || d.opcode == 3 ||
		    d.opcode > 5);
		return 0;
	}
	FZ_CHECK(size >= 12);
	FZ_CHECK(d.nrr <= PROTO_MAX_RR);
	FZ_CHECK(d.nrr <= (unsigned)d.qdcount + d.ancount + d.nscount +
	    d.arcount);
	for (i = 0; i < d.nrr; i++) {
		const struct app_dns_rr *r = &d.rr[i];
		check_str(r->name, sizeof(r->name));
		check_str(r->target, sizeof(r->target));
		/* a 255-byte wire name is at most 253 characters */
		FZ_CHECK(strlen(r->name) <= 253);
		FZ_CHECK(strlen(r->target) <= 253);
		FZ_CHECK(r->txt_len <= PROTO_MAX_TXT);
		FZ_CHECK(r->section <= DNS_SEC_ADDITIONAL);
		FZ_CHECK(r->rclass < 0x8000);
		FZ_CHECK(i == 0 || r->section >= d.rr[i - 1].section);
	}
	return 0;
}
