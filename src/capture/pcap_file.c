/* pcap_file.c - capture files (pcap, pcapng) opened through libpcap (and
 * plain pcap files then read in place by pcap_mmap.c), and the calls
 * shared with live sources (pcap_live.c). */
#include "capture/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/capture_int.h"
#include "util/alloc.h"

static int wrap(struct capture **out, pcap_t *pc, const char *ebuf,
    char *err, size_t errlen);

int cap_open_file(struct capture **out, const char *path, char *err,
    size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct stat st;

	*out = NULL;
	/* Say plainly what libpcap would only hint at ("truncated dump file;
	 * tried to read 4 file header bytes, only got 0"). */
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "is a directory, not a capture file");
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "empty file, not a capture");
		return -1;
	}

	ebuf[0] = '\0';
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (wrap(out, pc, ebuf, err, errlen) < 0)
		return -1;
	(void)cap_mmap_attach(*out, path);
	return 0;
}

int cap_open_fp(struct capture **out, FILE *fp, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];

	*out = NULL;
	ebuf[0] = '\0';
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pc)
		fclose(fp);
	return wrap(out, pc, ebuf, err, errlen);
}

/* Wrap an opened libpcap handle (or explain why there is none). */
static int wrap(struct capture **out, pcap_t *pc, const char *ebuf,
    char *err, size_t errlen)
{
	if (!pc) {
		if (strstr(ebuf, "unknown file format"))
			snprintf(err, errlen, "not a pcap or pcapng capture");
		else
			snprintf(err, errlen, "cannot read capture: %s", ebuf);
		return -1;
	}
	struct capture *c = ew_calloc(1, sizeof(*c));
	if (!c) {
		pcap_close(pc);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->pc = pc;
	c->linktype = pcap_datalink(pc);
	c->ts_mult = 1;	/* opened with nanosecond precision */
	*out = c;
	return 0;
}

int cap_next(struct capture *c, struct cap_pkt *pkt)
{
	struct pcap_pkthdr *h;
	const u_char *data;

	int r = c->mm ? cap_mmap_read(c->mm, &h, &data, c->err,
	    sizeof(c->err)) : c->live ? cap_live_read(c, &h, &data) :
	    pcap_next_ex(c->pc, &h, &data);
	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r == 0)	/* live: no frame in time; files never return it */
		return CAP_AGAIN;
	if (r != 1 && c->live)
		return cap_live_failed(c);
	if (r != 1) {
		if (!c->mm)
			snprintf(c->err, sizeof(c->err), "%s",
			    pcap_geterr(c->pc));
		return -1;
	}
	/* Hostile headers may carry any timestamp: clamp instead of letting
	 * a negative or enormous value wrap. */
	uint64_t sec = h->ts.tv_sec < 0 ? 0 : (uint64_t)h->ts.tv_sec;
	uint64_t frac = h->ts.tv_usec < 0 ? 0 : (uint64_t)h->ts.tv_usec;
	if (sec > 17000000000ull)	/* year ~2508; keeps ns in 64 bits */
		sec = 17000000000ull;
	if (frac > 999999999u)
		frac = 999999999u;
	frac *= c->ts_mult;	/* x1000: live source with usec stamps */
	if (frac > 999999999u)
		frac = 999999999u;
	pkt->ts_ns = sec * 1000000000ull + frac;
	pkt->caplen = h->caplen;
	pkt->wirelen = h->len < h->caplen ? h->caplen : h->len;
	pkt->data = data;
	return 1;
}

int cap_mapped(const struct capture *c)
{
	return c->mm != NULL;
}

int cap_linktype(const struct capture *c)
{
	return c->linktype;
}

const char *cap_linktype_name(const struct capture *c)
{
	const char *n = pcap_datalink_val_to_name(c->linktype);
	return n ? n : "unknown";
}

const char *cap_error(const struct capture *c)
{
	return c->err;
}

void cap_close(struct capture *c)
{
	if (!c)
		return;
	cap_mmap_free(c->mm);
	pcap_close(c->pc);
	cap_live_free(c->live);
	ew_free(c);
}
