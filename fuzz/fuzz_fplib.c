/* fuzz_fplib.c - libFuzzer target: the enrolment library loader
 * (dev_fplib_parse) on arbitrary text, then a match against it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "device/ident_int.h"
#include "fuzz.h"

#define FZ_CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct dev_fplib *lib = dev_fplib_parse((const char *)data, size,
	    "fuzz.fplib", err, sizeof(err));
	if (!lib) {
		FZ_CHECK(strncmp(err, "fuzz.fplib", 10) == 0);
		return 0;
	}
	FZ_CHECK(dev_fplib_samples(lib) <= DEV_FPLIB_MAX_SAMPLES);
	FZ_CHECK(dev_fplib_labels(lib) >= (dev_fplib_samples(lib) ? 1u : 0u));

	struct device d;
	struct dev_fp_match m;
	memset(&d, 0, sizeof(d));
	d.nev = 3;
	d.ev[0].kind = DEV_EV_DHCP_HOSTNAME;
	memcpy(d.ev[0].value, "DCS-935L", 9);
	d.ev[1].kind = DEV_EV_DHCP_PRL;
	memcpy(d.ev[1].value, "1,3,6,12,15,28,42", 18);
	d.ev[2].kind = DEV_EV_DNS_QUERY;
	memcpy(d.ev[2].value, "signal.mydlink.com", 19);
	int r = dev_fplib_match(lib, &d, "D-Link International", &m);
	FZ_CHECK(m.sim >= 0.0 && m.sim <= 1.0 + 1e-9);
	FZ_CHECK(m.second <= m.sim + 1e-9);
	FZ_CHECK(!r || m.label[0]);
	FZ_CHECK(memchr(m.label, '\0', sizeof(m.label)) != NULL);
	dev_fplib_free(lib);
	return 0;
}
