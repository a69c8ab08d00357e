/* pcap_writer.c - a small classic-pcap writer (microsecond timestamps).
 *
 * Fields are written little-endian byte by byte, so the file is the same
 * on any host. A large stdio buffer keeps millions of small records cheap. */
#include "sim/sim_internal.h"

#include <string.h>

#include "util/alloc.h"

#define PCAP_VBUF (1u << 20)

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int write_header(struct sim_pcap *w)
{
	uint8_t h[24];

	le32(h, 0xa1b2c3d4u);
	h[4] = 2;		/* version 2.4 */
	h[5] = 0;
	h[6] = 4;
	h[7] = 0;
	le32(h + 8, 0);		/* thiszone */
	le32(h + 12, 0);	/* sigfigs */
	le32(h + 16, SIM_SNAPLEN);
	le32(h + 20, 1);	/* LINKTYPE_ETHERNET */
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h)) {
		w->err = 1;
		return -1;
	}
	return 0;
}

int sim_pcap_open_stream(struct sim_pcap *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	return write_header(w);
}

int sim_pcap_open(struct sim_pcap *w, const char *path)
{
	FILE *f = fopen(path, "wb");

	memset(w, 0, sizeof(*w));
	if (!f)
		return -1;
	w->f = f;
	w->own = 1;
	w->vbuf = ew_malloc(PCAP_VBUF);
	if (w->vbuf)
		setvbuf(f, w->vbuf, _IOFBF, PCAP_VBUF);
	return write_header(w);
}

int sim_pcap_write(struct sim_pcap *w, uint64_t ts_us, const uint8_t *frame,
    size_t len)
{
	uint8_t h[16];

	if (w->err || !w->f)
		return -1;
	if (len > SIM_SNAPLEN)
		len = SIM_SNAPLEN;
	le32(h, (uint32_t)(ts_us / 1000000u));
	le32(h + 4, (uint32_t)(ts_us % 1000000u));
	le32(h + 8, (uint32_t)len);
	le32(h + 12, (uint32_t)len);
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h) ||
	    fwrite(frame, 1, len, w->f) != len) {
		w->err = 1;
		return -1;
	}
	w->packets++;
	w->bytes += len;
	return 0;
}

int sim_pcap_close(struct sim_pcap *w)
{
	int rc = w->err ? -1 : 0;

	if (w->f) {
		if (fflush(w->f) != 0)
			rc = -1;
		if (w->own && fclose(w->f) != 0)
			rc = -1;
	}
	ew_free(w->vbuf);
	w->vbuf = NULL;
	w->f = NULL;
	return rc;
}
