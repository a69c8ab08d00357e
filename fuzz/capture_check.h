/* capture_check.h - the in-place pcap reader (pcap_mmap.c) against
 * libpcap's own: shared by fuzz_capture_mmap.c and test_capture.c.
 *
 * capture_same(path, bytes, n) opens the file at path (cap_open_file: the
 * memory map when the file qualifies) and the same bytes through a
 * memory stream (cap_open_fp: always libpcap), then reads both to the end
 * and returns 0 when they agree on everything a caller can see: open
 * success or failure, link type, every frame's time, lengths and bytes,
 * and the end (clean, or an error with the same message). Otherwise -1
 * and a line in why. *mapped says which reader served the file. */
#ifndef EW_CAPTURE_CHECK_H
#define EW_CAPTURE_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture.h"

static int capture_same(const char *path, const uint8_t *bytes, size_t n,
    int *mapped, char *why, size_t whylen)
{
	char e1[CAP_ERRLEN], e2[CAP_ERRLEN];
	struct capture *a = NULL, *b = NULL;
	int ra, rb, ret = -1;
	uint64_t i = 0;

	*mapped = 0;
	FILE *fp = fmemopen((void *)(uintptr_t)bytes, n, "rb");
	if (!fp) {
		snprintf(why, whylen, "fmemopen failed");
		return -1;
	}
	ra = cap_open_file(&a, path, e1, sizeof(e1));
	rb = cap_open_fp(&b, fp, e2, sizeof(e2));
	if (ra != rb) {
		snprintf(why, whylen, "open: file %d (%s), stream %d (%s)",
		    ra, ra ? e1 : "", rb, rb ? e2 : "");
		goto out;
	}
	if (ra < 0) {
		ret = 0;
		goto out;
	}
	*mapped = cap_mapped(a);
	if (cap_linktype(a) != cap_linktype(b)) {
		snprintf(why, whylen, "link type %d vs %d", cap_linktype(a),
		    cap_linktype(b));
		goto out;
	}
	for (;; i++) {
		struct cap_pkt pa, pb;
		ra = cap_next(a, &pa);
		rb = cap_next(b, &pb);
		if (ra != rb) {
			snprintf(why, whylen, "frame %llu: file %d (%s), "
			    "stream %d (%s)", (unsigned long long)i, ra,
			    cap_error(a), rb, cap_error(b));
			goto out;
		}
		if (ra < 0 && strcmp(cap_error(a), cap_error(b)) != 0) {
			snprintf(why, whylen, "frame %llu: error '%s' vs '%s'",
			    (unsigned long long)i, cap_error(a),
			    cap_error(b));
			goto out;
		}
		if (ra != 1)
			break;
		if (pa.ts_ns != pb.ts_ns || pa.caplen != pb.caplen ||
		    pa.wirelen != pb.wirelen ||
		    (pa.caplen && memcmp(pa.data, pb.data, pa.caplen))) {
			snprintf(why, whylen, "frame %llu differs (ts %llu/%llu"
			    " caplen %u/%u wirelen %u/%u)",
			    (unsigned long long)i,
			    (unsigned long long)pa.ts_ns,
			    (unsigned long long)pb.ts_ns, pa.caplen,
			    pb.caplen, pa.wirelen, pb.wirelen);
			goto out;
		}
	}
	ret = 0;
out:
	cap_close(a);
	cap_close(b);	/* cap_open_fp owns fp, also when it failed */
	return ret;
}

#endif /* EW_CAPTURE_CHECK_H */
