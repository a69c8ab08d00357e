/* capture_int.h - the capture object shared by pcap_file.c and
 * pcap_live.c (not part of the public interface). */
#ifndef EW_CAPTURE_INT_H
#define EW_CAPTURE_INT_H

#include <pcap/pcap.h>
#include <stdint.h>

#include "capture/capture.h"

struct cap_live;	/* pcap_live.c: interface name, drop counters */

struct capture {
	pcap_t *pc;
	int linktype;
	uint32_t ts_mult;	/* timestamp fraction -> ns: 1, or 1000 for a
				 * live source without nanosecond stamps */
	struct cap_live *live;	/* NULL for files */
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

#endif /* EW_CAPTURE_INT_H */
