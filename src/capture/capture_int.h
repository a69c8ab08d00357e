/* capture_int.h - the capture object shared by pcap_file.c and
 * pcap_live.c (not part of the public interface). */
#ifndef EW_CAPTURE_INT_H
#define EW_CAPTURE_INT_H

#include <pcap/pcap.h>
#include <stdint.h>

#include "capture/capture.h"

struct cap_live;	/* pcap_live.c: interface name, drop counters */
struct cap_mmap;	/* pcap_mmap.c: a classic pcap file read in place */

struct capture {
	pcap_t *pc;
	int linktype;
	uint32_t ts_mult;	/* timestamp fraction -> ns: 1, or 1000 for a
				 * live source without nanosecond stamps */
	struct cap_live *live;	/* NULL for files */
	struct cap_mmap *mm;	/* non-NULL: frames come from the map, pc
				 * only answers header questions */
	char err[CAP_ERRLEN];
};

/* pcap_live.c: pcap_next_ex for a live source, but returning 0 when no
 * frame arrived within the configured timeout (libpcap on Linux may
 * otherwise block for good on a silent interface). */
int cap_live_read(struct capture *c, struct pcap_pkthdr **h,
    const u_char **data);
/* pcap_live.c: cap_next's -1 on a live source; fills c->err naming the
 * interface ("capture on eth0 failed: The interface went down"). */
int cap_live_failed(struct capture *c);
/* pcap_live.c: releases c->live (NULL is a no-op). */
void cap_live_free(struct cap_live *l);

/* pcap_mmap.c: after libpcap opened path (c->pc), take over reading when
 * the file is a plain version 2.4 pcap of a decodable link type: returns
 * 1 and sets c->mm, or 0 and leaves reading to libpcap. */
int cap_mmap_attach(struct capture *c, const char *path);
/* pcap_mmap.c: pcap_next_ex's contract (1 frame, PCAP_ERROR_BREAK at the
 * end, -1 with err filled); *data points into the map, valid until the
 * next call. */
int cap_mmap_read(struct cap_mmap *m, struct pcap_pkthdr **h,
    const u_char **data, char *err, size_t errlen);
void cap_mmap_free(struct cap_mmap *m);

#endif /* EW_CAPTURE_INT_H */
