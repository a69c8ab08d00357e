/* capture.h - packet sources behind one small interface.
 *
 * Today: pcap and pcapng files through libpcap (microsecond and nanosecond
 * timestamps alike). Live interfaces will sit behind the same calls. */
#ifndef EW_CAPTURE_H
#define EW_CAPTURE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* One captured frame; data is owned by the source and valid until the next
 * cap_next() or cap_close(). */
struct cap_pkt {
	uint64_t ts_ns;		/* ns since the epoch (clamped to >= 0) */
	uint32_t caplen;
	uint32_t wirelen;	/* never below caplen */
	const uint8_t *data;
};

struct cap_stats {
	uint64_t packets;	/* frames read */
	uint64_t bytes;		/* their wire lengths */
	uint64_t skipped_linktype;	/* frames of a link type we cannot decode */
};

struct capture;

#define CAP_ERRLEN 512

/* Open a capture file. On failure returns -1 with a one-line reason in err
 * (naming neither program nor file: the caller adds those). *out is owned by
 * the caller and released with cap_close(). */
int cap_open_file(struct capture **out, const char *path, char *err,
    size_t errlen);

/* Same over an open stream (e.g. fmemopen for fuzzing); the capture takes
 * ownership of fp and closes it in cap_close(), also on failure. */
int cap_open_fp(struct capture **out, FILE *fp, char *err, size_t errlen);

/* Next frame: 1 when *pkt is filled, 0 at the end of the capture, -1 when
 * the capture is damaged (cap_error() says how; frames read so far stay
 * valid results). */
int cap_next(struct capture *c, struct cap_pkt *pkt);

/* libpcap link type (DLT_) of the source, and its name ("EN10MB"). */
int cap_linktype(const struct capture *c);
const char *cap_linktype_name(const struct capture *c);

/* Last error text ("" when none). */
const char *cap_error(const struct capture *c);

/* Closes the source; NULL is a no-op. */
void cap_close(struct capture *c);

#endif /* EW_CAPTURE_H */
