/* fuzz_kb.c - libFuzzer target: the knowledge-base parser (dev_kb_parse)
 * on arbitrary text, then classification of a device whose evidence
 * values are pieces of the same input (exercises the glob matcher on
 * whatever patterns parsed). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "device/ident_int.h"
#include "fuzz.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_attr(const struct dev_attr *a)
{
	FZ_CHECK(memchr(a->value, '\0', sizeof(a->value)) != NULL);
	FZ_CHECK(memchr(a->why, '\0', sizeof(a->why)) != NULL);
	FZ_CHECK(a->confidence <= 100);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct dev_kb *kb = dev_kb_parse((const char *)data, size, "fuzz.kb",
	    err, sizeof(err));
	if (!kb) {
		/* every rejection says where */
		FZ_CHECK(strncmp(err, "fuzz.kb", 7) == 0);
		return 0;
	}
	FZ_CHECK(kb->kind_start[0] == 0);
	FZ_CHECK(kb->kind_start[DEV_EV__COUNT] == kb->n);
	for (unsigned k = 0; k < DEV_EV__COUNT; k++)
		FZ_CHECK(kb->kind_start[k] <= kb->kind_start[k + 1]);
	for (size_t i = 0; i < kb->n; i++) {
		const struct kb_rule *r = &kb->r[i];
		FZ_CHECK(r->pat && r->kind < DEV_EV__COUNT);
		FZ_CHECK(r->conf >= 1 && r->conf <= 100);
		FZ_CHECK(r->set[KB_VENDOR] || r->set[KB_CLASS] ||
		    r->set[KB_MODEL] || r->set[KB_OS]);
		if (r->set[KB_CLASS])
			FZ_CHECK(kb_class_parse(r->set[KB_CLASS]) >= 0);
	}

	/* evidence of every kind, cut from the input */
	struct device d;
	memset(&d, 0, sizeof(d));
	size_t chunk = size / 8 + 1;
	for (unsigned k = 0; k < DEV_EV__COUNT && d.nev < DEV_MAX_EVIDENCE;
	    k++) {
		struct dev_evidence *e = &d.ev[d.nev++];
		size_t off = (k * chunk) % (size + 1);
		size_t n = size - off < chunk ? size - off : chunk;
		if (n >= sizeof(e->value))
			n = sizeof(e->value) - 1;
		e->kind = (uint8_t)k;
		memcpy(e->value, data + off, n);
		e->value[n] = '\0';
	}
	dev_classify(kb, NULL, NULL, &d);
	uint32_t v = d.ident_version;
	dev_classify(kb, NULL, NULL, &d);
	FZ_CHECK(d.ident_version == v);	/* deterministic */
	check_attr(&d.vendor);
	check_attr(&d.cls);
	check_attr(&d.model);
	check_attr(&d.os);
	FZ_CHECK(kb_class_parse(d.cls.value) >= 0);
	dev_kb_free(kb);
	return 0;
}
