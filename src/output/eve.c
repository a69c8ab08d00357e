/* eve.c - the EVE line writer: buffered file output of finished objects. */
#include "output/eve.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "util/alloc.h"

struct eve {
	FILE *fp;
	struct jbuf jb;
	uint64_t lines;
	uint64_t dropped;
	int werr;		/* errno of the first failed write, or 0 */
};

struct eve *eve_open(const char *path, char *err, size_t errlen)
{
	struct eve *ev = ew_calloc(1, sizeof(*ev));
	if (!ev) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ev->fp = fopen(path, "w");
	if (!ev->fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ew_free(ev);
		return NULL;
	}
	/* Large stdio buffer: one write(2) per ~256 KiB of events. */
	setvbuf(ev->fp, NULL, _IOFBF, 256u * 1024u);
	jb_init(&ev->jb, EVE_MAX_LINE);
	return ev;
}

int eve_close(struct eve *ev, char *err, size_t errlen)
{
	if (!ev)
		return 0;
	int rc = 0;
	if (fclose(ev->fp) != 0 && !ev->werr)
		ev->werr = errno ? errno : EIO;
	if (ev->werr) {
		snprintf(err, errlen, "write failed: %s", strerror(ev->werr));
		rc = -1;
	}
	jb_fini(&ev->jb);
	ew_free(ev);
	return rc;
}

uint64_t eve_lines(const struct eve *ev)
{
	return ev->lines;
}

uint64_t eve_dropped(const struct eve *ev)
{
	return ev->dropped;
}

struct jbuf *eve_begin(struct eve *ev)
{
	jb_reset(&ev->jb);
	return &ev->jb;
}

void eve_commit(struct eve *ev)
{
	struct jbuf *jb = &ev->jb;
	if (jb->err || jb->depth != 0 || !jb->buf) {
		ev->dropped++;
		return;
	}
	if (fwrite(jb->buf, 1, jb->len, ev->fp) != jb->len ||
	    fputc('\n', ev->fp) == EOF) {
		if (!ev->werr)
			ev->werr = errno ? errno : EIO;
		ev->dropped++;
		return;
	}
	ev->lines++;
}

void eve_header(struct jbuf *jb, uint64_t ts_ns, uint64_t flow_id,
    const char *event_type)
{
	char ts[40];
	json_ts(ts_ns, ts, sizeof(ts));
	jb_kstr(jb, "timestamp", ts);
	if (flow_id)
		jb_ku64(jb, "flow_id", flow_id);
	jb_kstr(jb, "event_type", event_type);
}

const char *eve_proto_name(uint8_t proto, char *buf, size_t size)
{
	switch (proto) {
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 41: return "IPv6";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	case 58: return "IPv6-ICMP";
	case 89: return "OSPF";
	case 103: return "PIM";
	case 112: return "VRRP";
	case 132: return "SCTP";
	default:
		snprintf(buf, size, "%u", (unsigned)proto);
		return buf;
	}
}
