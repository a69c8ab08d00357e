/* pcap_live.c - live interfaces through libpcap: open, filter, drops.
 * Reading goes through cap_next() in pcap_file.c (one code path). */
#include "capture/capture.h"

#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture_int.h"
#include "config.h"
#include "util/alloc.h"

struct cap_live {
	char iface[64];
	int fd;			/* pcap_get_selectable_fd */
	int timeout_ms;
	/* libpcap's counters are u_int and wrap; we keep 64-bit totals by
	 * adding the (modular) difference since the last look. */
	uint32_t last_drop, last_ifdrop;
	uint64_t drop, ifdrop;
};

void cap_live_config_default(struct cap_live_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->snaplen = CAP_LIVE_SNAPLEN;
	cfg->buffer_bytes = CAP_LIVE_BUFFER;
	cfg->timeout_ms = CAP_LIVE_TIMEOUT_MS;
	cfg->promisc = 0;
	cfg->immediate = CAP_LIVE_IMMEDIATE;
}

/* pcap_activate's result as one line a router admin can act on. */
static void activate_error(pcap_t *pc, int r, const char *iface, char *err,
    size_t errlen)
{
	const char *why = pcap_geterr(pc);

	switch (r) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(err, errlen, "%s: no such device", iface);
		break;
	case PCAP_ERROR_PERM_DENIED:
		snprintf(err, errlen,
		    "%s: permission denied (need root or CAP_NET_RAW)", iface);
		break;
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(err, errlen, "%s: permission denied for promiscuous "
		    "mode (need root or CAP_NET_RAW)", iface);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(err, errlen, "%s: interface is down", iface);
		break;
	case PCAP_ERROR_RFMON_NOTSUP:
		snprintf(err, errlen, "%s: monitor mode not supported", iface);
		break;
	default:
		snprintf(err, errlen, "%s: cannot capture: %s", iface,
		    why && *why ? why : pcap_statustostr(r));
		break;
	}
}

/* pcap_activate's warning (capture works) as one line. */
static void activate_warning(pcap_t *pc, int r, const char *iface, char *out,
    size_t outlen)
{
	if (r == PCAP_WARNING_PROMISC_NOTSUP)
		snprintf(out, outlen, "%s: promiscuous mode not supported, "
		    "capturing without it", iface);
	else
		snprintf(out, outlen, "%s: %s", iface, pcap_geterr(pc));
}

static int set_filter(pcap_t *pc, const char *iface, const char *bpf,
    char *err, size_t errlen)
{
	struct bpf_program prog;

	if (pcap_compile(pc, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "bad capture filter '%s': %s", bpf,
		    pcap_geterr(pc));
		return -1;
	}
	int r = pcap_setfilter(pc, &prog);
	pcap_freecode(&prog);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot set capture filter '%s': %s",
		    iface, bpf, pcap_geterr(pc));
		return -1;
	}
	return 0;
}

int cap_open_live(struct capture **out, const struct cap_live_config *cfg,
    char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE], warn[CAP_ERRLEN];
	struct capture *c = NULL;
	struct cap_live *l = NULL;
	pcap_t *pc = NULL;

	*out = NULL;
	warn[0] = '\0';
	if (errlen)
		err[0] = '\0';
	if (!cfg->iface || !*cfg->iface) {
		snprintf(err, errlen, "no interface given");
		return -1;
	}
	if (strlen(cfg->iface) >= sizeof(l->iface)) {
		snprintf(err, errlen, "interface name too long");
		return -1;
	}
	if (cfg->snaplen < 64 || cfg->timeout_ms < 1 ||
	    cfg->buffer_bytes > INT_MAX) {
		snprintf(err, errlen, "%s: bad capture settings (snaplen >= 64, "
		    "timeout >= 1 ms, buffer < 2 GiB)", cfg->iface);
		return -1;
	}

	ebuf[0] = '\0';
	pc = pcap_create(cfg->iface, ebuf);
	if (!pc) {
		snprintf(err, errlen, "%s: cannot capture: %s", cfg->iface,
		    ebuf);
		return -1;
	}
	/* The setters only fail on an already activated handle: ignore. */
	(void)pcap_set_snaplen(pc, cfg->snaplen);
	(void)pcap_set_promisc(pc, cfg->promisc ? 1 : 0);
	(void)pcap_set_timeout(pc, cfg->timeout_ms);
	if (cfg->buffer_bytes)
		(void)pcap_set_buffer_size(pc, (int)cfg->buffer_bytes);
	(void)pcap_set_immediate_mode(pc, cfg->immediate ? 1 : 0);
	/* Nanosecond stamps when the platform has them; otherwise libpcap
	 * hands microseconds and cap_next scales them. */
	(void)pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);

	int r = pcap_activate(pc);
	if (r < 0) {
		activate_error(pc, r, cfg->iface, err, errlen);
		goto fail;
	}
	if (r > 0)
		activate_warning(pc, r, cfg->iface, warn, sizeof(warn));

	if (cfg->bpf && *cfg->bpf &&
	    set_filter(pc, cfg->iface, cfg->bpf, err, errlen) < 0)
		goto fail;
	/* libpcap's read timeout is not a promise that a read returns on a
	 * silent network (pcap(3PCAP); on Linux it can block for good), yet
	 * the sensor must handle signals and timers: read non-blocking and
	 * wait with our own poll(). */
	int fd = pcap_get_selectable_fd(pc);
	if (fd < 0 || pcap_setnonblock(pc, 1, ebuf) < 0) {
		snprintf(err, errlen, "%s: cannot poll the capture: %s",
		    cfg->iface, fd < 0 ? "no selectable descriptor" : ebuf);
		goto fail;
	}

	c = ew_calloc(1, sizeof(*c));
	l = ew_calloc(1, sizeof(*l));
	if (!c || !l) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	snprintf(l->iface, sizeof(l->iface), "%s", cfg->iface);
	l->fd = fd;
	l->timeout_ms = cfg->timeout_ms;
	c->pc = pc;
	c->live = l;
	c->linktype = pcap_datalink(pc);
	c->ts_mult = pcap_get_tstamp_precision(pc) ==
	    PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	snprintf(c->err, sizeof(c->err), "%s", warn);
	if (errlen)
		snprintf(err, errlen, "%s", warn);
	*out = c;
	return 0;

fail:
	ew_free(l);
	ew_free(c);
	pcap_close(pc);
	return -1;
}

int cap_live_read(struct capture *c, struct pcap_pkthdr **h,
    const u_char **data)
{
	int r = pcap_next_ex(c->pc, h, data);
	if (r != 0)
		return r;
	struct pollfd pfd = { .fd = c->live->fd, .events = POLLIN };
	/* EINTR (a signal) is a timeout too: the caller checks its flags.
	 * POLLERR/POLLHUP (interface gone) make the read below fail. */
	if (poll(&pfd, 1, c->live->timeout_ms) <= 0)
		return 0;
	return pcap_next_ex(c->pc, h, data);
}

int cap_live_failed(struct capture *c)
{
	const char *why = pcap_geterr(c->pc);

	snprintf(c->err, sizeof(c->err), "capture on %s failed: %s",
	    c->live->iface, why && *why ? why : "unknown error");
	return -1;
}

void cap_live_free(struct cap_live *l)
{
	ew_free(l);
}

int cap_is_live(const struct capture *c)
{
	return c->live != NULL;
}

void cap_drops(const struct capture *c, uint64_t *kernel, uint64_t *iface)
{
	struct pcap_stat ps;
	struct cap_live *l = c->live;

	*kernel = 0;
	*iface = 0;
	if (!l)
		return;
	if (pcap_stats(c->pc, &ps) == 0) {
		uint32_t d = (uint32_t)ps.ps_drop, i = (uint32_t)ps.ps_ifdrop;
		l->drop += (uint32_t)(d - l->last_drop);
		l->ifdrop += (uint32_t)(i - l->last_ifdrop);
		l->last_drop = d;
		l->last_ifdrop = i;
	}
	*kernel = l->drop;
	*iface = l->ifdrop;
}
