/* fuzz_zones.c - libFuzzer target: the zones policy parser (zones_parse)
 * on arbitrary text; when it parses, hosts cut from the input are
 * classified and checked against every zone pair, the accessors are
 * walked for consistency, and the proposer's output for edges cut from the
 * input must parse again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "policy/zones.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_policy(const struct zones *z, const uint8_t *data,
    size_t size)
{
	unsigned nz = zones_count(z), nr = zones_rule_count(z);
	size_t nc, nm;
	const struct zones_cidr *c = zones_cidrs(z, &nc);
	const struct zones_mac *m = zones_macs(z, &nm);

	FZ_CHECK(nz >= ZONES_FIRST && nz <= ZONES_FIRST + ZONES_MAX_ZONES);
	FZ_CHECK(nr <= ZONES_MAX_RULES);
	for (size_t i = 0; i < nc; i++) {
		FZ_CHECK(c[i].zone >= ZONES_FIRST && c[i].zone < nz);
		FZ_CHECK(c[i].bits <= (c[i].net.family == 4 ? 32 : 128));
	}
	for (size_t i = 0; i < nm; i++)
		FZ_CHECK(m[i].zone >= ZONES_FIRST && m[i].zone < nz);
	for (unsigned i = 0; i < nz; i++) {
		const struct zones_zone *zz = zones_zone(z, (int)i);
		FZ_CHECK(zz && zones_find(z, zz->name) == (int)i);
		FZ_CHECK(zz->ncidr + zz->nmac <= ZONES_MAX_MEMBERS);
		if (i >= ZONES_FIRST)
			FZ_CHECK(zz->classes || zz->ncidr || zz->nmac);
	}
	for (unsigned i = 0; i < nr; i++) {
		const struct zones_rule *r = zones_rule(z, (int)i);
		FZ_CHECK(r && r->src >= 0 && (unsigned)r->src < nz);
		FZ_CHECK(r->dst >= 0 && (unsigned)r->dst < nz);
		FZ_CHECK(r->nport <= ZONES_MAX_PORTS);
		FZ_CHECK(strlen(zones_rule_text(z, (int)i)) > 0);
		FZ_CHECK(zones_rule_line(z, (int)i) > 0);
	}

	/* hosts cut from the input: mac, address, class word */
	for (size_t off = 0; off + 22 <= size; off += 11) {
		struct addr ip;
		char cls[12];
		memset(&ip, 0, sizeof(ip));
		ip.family = (data[off] & 1) ? 6 : 4;
		memcpy(ip.a, data + off + 6, ip.family == 4 ? 4 : 16);
		memcpy(cls, data + off + 10, sizeof(cls) - 1);
		cls[sizeof(cls) - 1] = '\0';
		struct zone_host h = { data + off, &ip, cls, data[off] & 2 };
		int zs = zones_classify(z, &h);
		FZ_CHECK(zs >= 0 && (unsigned)zs < nz && zs != ZONES_LOCAL &&
		    zs != ZONES_ANY);
		for (unsigned d = 0; d < nz; d++) {
			struct zone_verdict v;
			zones_check(z, zs, (int)d, data[off + 1],
			    (uint16_t)(data[off + 2] << 8 | data[off + 3]), &v);
			FZ_CHECK(v.rule >= -1 && v.rule < (int)nr);
			FZ_CHECK(v.allow == 0 || v.allow == 1);
			if (v.rule >= 0)
				FZ_CHECK(v.allow == zones_rule(z, v.rule)->allow);
			else
				FZ_CHECK(v.allow == zones_default_allow(z));
		}
	}
}

/* Edges from the input: class words by index, so the proposer sees
 * every class, "internet", NULL and junk. */
static void check_propose(const uint8_t *data, size_t size)
{
	struct zone_edge e[64];
	size_t n = 0;
	unsigned ncls = zones_class_count();
	static const char *const extra[] = { "internet", "", "junk", NULL };

	for (size_t off = 0; off + 5 <= size && n < 64; off += 5) {
		unsigned s = data[off] % (ncls + 4), d = data[off + 1] %
		    (ncls + 4);
		e[n].src_cls = s < ncls ? zones_class_name(s) : extra[s - ncls];
		e[n].dst_cls = d < ncls ? zones_class_name(d) : extra[d - ncls];
		e[n].proto = data[off + 2];
		e[n].port = (uint16_t)(data[off + 3] << 8 | data[off + 4]);
		e[n].n = data[off];
		n++;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	int rc = zones_propose(e, n, f);
	fclose(f);
	if (rc == 0) {
		char err[512];
		struct zones *z = zones_parse(buf, len, "proposed", err,
		    sizeof(err));
		FZ_CHECK(z != NULL);
		zones_free(z);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct zones *z = zones_parse((const char *)data, size, "fuzz.conf",
	    err, sizeof(err));
	if (!z) {
		/* every rejection says where */
		FZ_CHECK(strncmp(err, "fuzz.conf", 9) == 0);
	} else {
		check_policy(z, data, size);
		zones_free(z);
	}
	if (size && (data[0] & 0x80))
		check_propose(data, size);
	return 0;
}
