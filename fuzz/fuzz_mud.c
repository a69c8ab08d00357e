/* fuzz_mud.c - libFuzzer target: MUD files (mud_parse) and the flows they
 * allow (mud_allows), and the same bytes as a learned baseline blob for
 * mud_export. Invariants: parsed ACEs are well formed, mud_allows answers
 * 0 or 1 with a reason when 0, and whatever mud_export writes parses.
 * Seed it with `EW_MUD_SEEDS=DIR build/tests/test_mud`. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "policy/mud.h"
#include "util/addr.h"
#include "util/json.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_ace(const struct mud_ace *e)
{
	FZ_CHECK(e->acl && e->name && e->name[0]);
	FZ_CHECK(e->dir == MUD_FROM_DEVICE || e->dir == MUD_TO_DEVICE);
	FZ_CHECK(e->family == 0 || e->family == 4 || e->family == 6);
	FZ_CHECK(e->proto >= -1 && e->proto <= 255);
	FZ_CHECK(e->initiated <= MUD_INIT_TO_DEVICE);
	FZ_CHECK(!e->src_port.set || e->src_port.neq ||
	    e->src_port.lo <= e->src_port.hi);
	FZ_CHECK(!e->dst_port.set || e->dst_port.neq ||
	    e->dst_port.lo <= e->dst_port.hi);
}

/* Ask about flows built from the ACEs themselves (so names and networks
 * match sometimes) and from the input's bytes. */
static void ask(const struct mud_profile *p, const uint8_t *data,
    size_t size)
{
	char why[160];
	size_t n = mud_ace_count(p);
	for (size_t i = 0; i < n && i < 64; i++) {
		const struct mud_ace *e = mud_ace_at(p, i);
		struct addr r;
		uint8_t b = size ? data[i % size] : 0;
		check_ace(e);
		memset(&r, 0, sizeof(r));
		const struct mud_net *net = e->dir == MUD_FROM_DEVICE ?
		    &e->dst_net : &e->src_net;
		if (net->set)
			r = net->net;
		else
			r.family = e->family ? e->family : (b & 1 ? 6 : 4);
		r.a[15] ^= (uint8_t)(b & 3);
		const char *name = e->dir == MUD_FROM_DEVICE ? e->dst_dnsname :
		    e->src_dnsname;
		const struct mud_ports *pt = e->dir == MUD_FROM_DEVICE ?
		    &e->dst_port : &e->src_port;
		struct mud_flow f = {
			.from_device = e->dir == MUD_FROM_DEVICE,
			.remote = &r,
			.remote_name = (b & 4) ? NULL : name,
			.remote_local = e->local_networks ^ ((b >> 3) & 1),
			.proto = (uint8_t)(e->proto >= 0 ? e->proto : b),
			.remote_port = (uint16_t)(pt->lo + (b >> 5)),
			.device_port = (uint16_t)(b * 257u),
			.initiated_by_device = e->initiated ==
			    MUD_INIT_FROM_DEVICE ? !((b >> 4) & 1) :
			    ((b >> 4) & 1),
			.device = (b & 2) ? &r : NULL,
		};
		int a = mud_allows(p, &f, why, sizeof(why));
		FZ_CHECK(a == 0 || a == 1);
		FZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
		FZ_CHECK(a == 1 || why[0] != '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct mud_profile *p = mud_parse((const char *)data, size, err,
	    sizeof(err));
	if (p) {
		FZ_CHECK(mud_profile_url(p) != NULL);
		ask(p, data, size);
		mud_free(p);
	} else {
		FZ_CHECK(err[0] != '\0');
	}

	/* the same bytes as a baseline blob */
	struct jbuf jb;
	jb_init(&jb, 4u * MUD_MAX_BYTES);
	if (mud_export((const char *)data, size,
	    "https://edgeward.invalid/mud/x.json", 1, &jb, err,
	    sizeof(err)) == 0) {
		FZ_CHECK(!jb.err);
		p = mud_parse(jb.buf, jb.len, err, sizeof(err));
		FZ_CHECK(p != NULL);	/* an export always imports */
		ask(p, data, size);
		mud_free(p);
	} else {
		FZ_CHECK(err[0] != '\0');
	}
	jb_fini(&jb);
	return 0;
}
