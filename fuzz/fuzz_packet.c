/* fuzz_packet.c - the whole packet path: input bytes as a capture file
 * (libpcap's own parser included), through every stage (decode, flows,
 * proto parsers and nDPI, inventory, checks, model) and EVE output, with a
 * small flow memcap so eviction runs too. */
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"
#include "fuzz.h"
#include "output/eve.h"
#include "pipeline/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CAP_ERRLEN + 64];
	struct capture *cap = NULL;
	struct pipeline_config cfg;

	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!fp)
		return 0;
	if (cap_open_fp(&cap, fp, err, sizeof(err)) < 0)
		return 0;
	struct eve *eve = eve_open("/dev/null", err, sizeof(err));
	if (!eve) {
		cap_close(cap);
		return 0;
	}
	pipeline_config_default(&cfg);
	cfg.flow.memcap = 64 * 1024;
	struct pipeline *pl = pipeline_new(&cfg, eve, err, sizeof(err));
	if (pl) {
		pipeline_run_capture(pl, cap);
		(void)pipeline_finish(pl, err, sizeof(err));
		const struct flow_stats *fs = pipeline_flow_stats(pl);
		if (fs && fs->memuse_peak > cfg.flow.memcap)
			__builtin_trap();
		pipeline_free(pl);
	}
	eve_close(eve, err, sizeof(err));
	cap_close(cap);
	return 0;
}
