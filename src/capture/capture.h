/* capture.h - packet sources behind one small interface.
 *
 * pcap and pcapng files through libpcap (microsecond and nanosecond
 * timestamps alike; plain pcap files then read in place from a memory
 * map), and live interfaces (cap_open_live, pcap_live.c)
 * behind the same calls: cap_next, cap_linktype, cap_error, cap_close. */
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

/* 1 when a capture file's frames are read in place from a memory map
 * (plain pcap, pcap_mmap.c), 0 when libpcap reads them. Same frames,
 * same errors either way; this only says which code path runs. */
int cap_mapped(const struct capture *c);

/* Same over an open stream (e.g. fmemopen for fuzzing); the capture takes
 * ownership of fp and closes it in cap_close(), also on failure. */
int cap_open_fp(struct capture **out, FILE *fp, char *err, size_t errlen);

/* cap_next() on a live source: no frame arrived within the timeout (never
 * returned for files). The caller handles signals/timers and calls again. */
#define CAP_AGAIN 2

/* Next frame: 1 when *pkt is filled, 0 at the end of the capture, -1 when
 * the capture is damaged or, live, the interface failed or went away
 * (cap_error() says how; frames read so far stay valid results), CAP_AGAIN
 * on a live source when the read timeout passed without a frame. */
int cap_next(struct capture *c, struct cap_pkt *pkt);

/* Live capture settings. Zero/NULL fields of a config that was not passed
 * through cap_live_config_default() are not replaced by defaults. */
struct cap_live_config {
	const char *iface;	/* required: "eth0", "br-lan" */
	const char *bpf;	/* capture filter, NULL or "" = everything */
	int snaplen;		/* bytes kept per frame (CAP_LIVE_SNAPLEN) */
	size_t buffer_bytes;	/* kernel ring size (CAP_LIVE_BUFFER) */
	int timeout_ms;		/* CAP_AGAIN after this much silence
				 * (CAP_LIVE_TIMEOUT_MS); >= 1 */
	int promisc;		/* 1: promiscuous mode (default 0: a router
				 * sees its LAN traffic anyway) */
	int immediate;		/* 1: libpcap immediate mode (TPACKET_V2:
				 * one fixed-size slot per frame, up to 64
				 * KiB each with offloads, so an 8 MiB ring
				 * holds ~128 frames); 0: TPACKET_V3 blocks
				 * packing frames densely, delivered when a
				 * block fills or after timeout_ms
				 * (CAP_LIVE_IMMEDIATE) */
};

/* Fill cfg with the defaults from config.h (iface and bpf NULL). */
void cap_live_config_default(struct cap_live_config *cfg);

/* Open a live interface: ring per cfg->immediate, nanosecond timestamps
 * where the kernel offers them (scaled from microseconds otherwise),
 * optional BPF filter, reads that never block longer than timeout_ms.
 * Needs root or CAP_NET_RAW; open before dropping privileges.
 * On failure returns -1 with one line in err ("eth9: no such device",
 * "eth0: permission denied (need root or CAP_NET_RAW)", "eth0: interface
 * is down", "bad capture filter 'xx': ..."). On success err is "" or
 * a warning worth printing (e.g. promiscuous mode not supported; capture
 * works), and cap_error() returns the same text until an error. */
int cap_open_live(struct capture **out, const struct cap_live_config *cfg,
    char *err, size_t errlen);

/* 1 for a live source, 0 for a file. */
int cap_is_live(const struct capture *c);

/* Frames the kernel dropped (ring full: ps_drop) and the interface/driver
 * dropped (ps_ifdrop) since cap_open_live; both 0 for files and when the
 * platform cannot say. */
void cap_drops(const struct capture *c, uint64_t *kernel, uint64_t *iface);

/* libpcap link type (DLT_) of the source, and its name ("EN10MB"). */
int cap_linktype(const struct capture *c);
const char *cap_linktype_name(const struct capture *c);

/* Last error text ("" when none). */
const char *cap_error(const struct capture *c);

/* Closes the source; NULL is a no-op. */
void cap_close(struct capture *c);

#endif /* EW_CAPTURE_H */
