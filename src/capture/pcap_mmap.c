/* pcap_mmap.c - classic pcap files read through a sliding memory map.
 *
 * Why: reading a capture through libpcap costs two copies of every byte
 * (kernel page cache to stdio's buffer, stdio's buffer to libpcap's) and
 * a read() per 4 KiB; on a 1.7 GB capture that was a third of `analyze`
 * without the model. Mapped, a frame is handed out in place and only the
 * bytes the decoders look at are ever touched.
 *
 * Scope: libpcap still opens every file and validates its header (its
 * error messages, its snapshot-length adjustment, its link-type mapping).
 * This reader then takes over only for the plain format every tool
 * writes today: version 2.4, microsecond or nanosecond magic, either
 * byte order, a link type the decoders know, a regular file. Anything
 * else (pcapng, older versions, Kuznetzov's variant, pipes) stays on
 * libpcap. Per record it does what libpcap 1.10's sf-pcap.c does, with
 * the same messages: a capture length above 256 KiB is an error, one
 * above the file's snapshot length is cut to it, a short header or body
 * is "truncated dump file". fuzz_capture_mmap checks the two readers
 * agree on arbitrary bytes.
 *
 * Memory: one window of CAP_MMAP_WINDOW bytes is mapped at a time (file
 * pages, shared with the page cache), moved forward as reading goes; a
 * frame never straddles the window's end because the window is remapped
 * at the frame's own page whenever the frame would not fit.
 *
 * A file that grows while it is read (tcpdump still writing) is read to
 * its new end; one that shrinks under the map would raise SIGBUS, which
 * is turned into a one-line error and exit status 1 (see bus_handler). */
#define _GNU_SOURCE	/* MAP_POPULATE */
#include "capture/capture_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util/alloc.h"

#define REC_HDR    16u
#define FILE_HDR   24u
#define MAX_CAPLEN 262144u	/* libpcap's MAXIMUM_SNAPLEN for these DLTs */
#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du

_Static_assert(CAP_MMAP_WINDOW >= 2u * (REC_HDR + MAX_CAPLEN),
    "a window holds the largest frame from any page offset");

struct cap_mmap {
	int fd;
	uint64_t size;		/* file size as last seen */
	uint64_t off;		/* next record */
	const uint8_t *win;	/* maps [win_off, win_off + win_len) */
	uint64_t win_off;
	size_t win_len;
	uint64_t page;
	uint32_t snapshot;
	int swapped;
	int nsec;
	struct pcap_pkthdr hdr;	/* what cap_mmap_read hands out */
};

/* A 32-bit field: written in the capturing host's order, which is ours
 * unless libpcap found the file swapped (so big-endian routers work). */
static uint32_t rd32(const uint8_t *p, int swapped)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap32(v) : v;
}

static int dlt_known(int dlt)
{
	switch (dlt) {
	case DLT_NULL: case DLT_EN10MB: case DLT_RAW: case DLT_LOOP:
	case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_IPV4:
	case DLT_IPV6:
		return 1;
	default:
		return 0;
	}
}

/* SIGBUS: a mapped page vanished because the file was truncated under
 * us. Nothing sensible can continue from inside a decoder, so say so and
 * leave with analyze's "damaged capture" status. Only async-signal-safe
 * calls here. */
static struct sigaction bus_old;
static int bus_users;	/* open mapped captures (one thread opens them) */
static int bus_ours;	/* 1: the handler is ours, restore bus_old */

static void bus_handler(int sig)
{
	static const char msg[] =
	    "edgeward: the capture file shrank while it was being read\n";
	(void)sig;
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(1);
}

/* Only where nobody else handles SIGBUS (sanitizers and debuggers do). */
static void bus_install(void)
{
	struct sigaction sa;

	if (bus_users++ > 0)
		return;
	if (sigaction(SIGBUS, NULL, &bus_old) < 0 ||
	    (bus_old.sa_flags & SA_SIGINFO) || bus_old.sa_handler != SIG_DFL)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bus_handler;
	sigemptyset(&sa.sa_mask);
	bus_ours = sigaction(SIGBUS, &sa, NULL) == 0;
}

static void bus_remove(void)
{
	if (--bus_users > 0 || !bus_ours)
		return;
	(void)sigaction(SIGBUS, &bus_old, NULL);
	bus_ours = 0;
}

/* Make [off, off + n) readable through the window, as far as the file
 * goes. Sets *got to how many of the n bytes the file has; -1 when the
 * file cannot be mapped or examined (err filled). */
static int span(struct cap_mmap *m, uint64_t off, uint64_t n, uint64_t *got,
    char *err, size_t errlen)
{
	uint64_t end = off + n;
	struct stat st;

	if (end > m->size) {	/* at the end: has the file grown? */
		if (fstat(m->fd, &st) < 0) {
			snprintf(err, errlen, "error reading dump file: %s",
			    strerror(errno));
			return -1;
		}
		if ((uint64_t)st.st_size > m->size)
			m->size = (uint64_t)st.st_size;
		if (end > m->size)
			end = m->size;
	}
	*got = end > off ? end - off : 0;
	if (*got == 0 || (m->win && off >= m->win_off &&
	    end <= m->win_off + m->win_len))
		return 0;

	uint64_t base = off & ~(m->page - 1);
	uint64_t len = m->size - base;
	if (len > CAP_MMAP_WINDOW)
		len = CAP_MMAP_WINDOW;
	if (m->win)
		munmap((void *)(uintptr_t)m->win, m->win_len);
	m->win = NULL;
	/* Populated: one fault-in per window instead of one per 64 KiB
	 * measured 30% faster on a page-cached capture. */
	void *p = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED | MAP_POPULATE,
	    m->fd, (off_t)base);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "error reading dump file: %s",
		    strerror(errno));
		return -1;
	}
	m->win = p;
	m->win_off = base;
	m->win_len = (size_t)len;
	return 0;
}

int cap_mmap_attach(struct capture *c, const char *path)
{
	struct stat st;
	uint8_t fh[FILE_HDR];
	char err[CAP_ERRLEN];

	int dlt = pcap_datalink(c->pc);
	if (!dlt_known(dlt) || pcap_major_version(c->pc) != 2 ||
	    pcap_minor_version(c->pc) != 4 || pcap_snapshot(c->pc) <= 0 ||
	    sizeof(off_t) < 8)	/* window offsets past 2 GiB */
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)FILE_HDR ||
	    pread(fd, fh, sizeof(fh), 0) != (ssize_t)sizeof(fh)) {
		close(fd);
		return 0;
	}
	int swapped = pcap_is_swapped(c->pc);
	uint32_t magic = rd32(fh, swapped);
	if (magic != MAGIC_USEC && magic != MAGIC_NSEC) {
		close(fd);
		return 0;
	}
	struct cap_mmap *m = ew_calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return 0;
	}
	long pg = sysconf(_SC_PAGESIZE);
	m->fd = fd;
	m->size = (uint64_t)st.st_size;
	m->off = FILE_HDR;
	m->page = pg > 0 ? (uint64_t)pg : 4096u;
	m->snapshot = (uint32_t)pcap_snapshot(c->pc);
	m->swapped = swapped;
	m->nsec = magic == MAGIC_NSEC;
	uint64_t got;
	if (span(m, 0, FILE_HDR, &got, err, sizeof(err)) < 0 ||
	    got < FILE_HDR) {
		close(fd);
		ew_free(m);
		return 0;
	}
	bus_install();
	c->mm = m;
	return 1;
}

int cap_mmap_read(struct cap_mmap *m, struct pcap_pkthdr **h,
    const u_char **data, char *err, size_t errlen)
{
	uint64_t got;

	if (span(m, m->off, REC_HDR, &got, err, errlen) < 0)
		return -1;
	if (got == 0)
		return PCAP_ERROR_BREAK;	/* what pcap_next_ex says */
	if (got < REC_HDR) {
		snprintf(err, errlen, "truncated dump file; tried to read %u "
		    "header bytes, only got %llu", REC_HDR,
		    (unsigned long long)got);
		return -1;
	}
	const uint8_t *p = m->win + (m->off - m->win_off);
	uint32_t caplen = rd32(p + 8, m->swapped);
	/* As libpcap 1.10 gives them: signed 32-bit fields, except that
	 * its byte swap makes them unsigned in a swapped file. */
	uint32_t sec = rd32(p, m->swapped), frac = rd32(p + 4, m->swapped);
	m->hdr.ts.tv_sec = m->swapped ? (time_t)sec : (time_t)(int32_t)sec;
	m->hdr.ts.tv_usec = m->swapped ? (suseconds_t)frac :
	    (suseconds_t)(int32_t)frac;
	if (!m->nsec)
		m->hdr.ts.tv_usec *= 1000;	/* opened for nanoseconds */
	m->hdr.len = rd32(p + 12, m->swapped);

	if (caplen > MAX_CAPLEN) {
		if (caplen > m->snapshot)
			snprintf(err, errlen, "invalid packet capture length "
			    "%u, bigger than snaplen of %u", caplen,
			    m->snapshot);
		else
			snprintf(err, errlen, "invalid packet capture length "
			    "%u, bigger than maximum of %u", caplen,
			    MAX_CAPLEN);
		return -1;
	}
	if (span(m, m->off + REC_HDR, caplen, &got, err, errlen) < 0)
		return -1;
	if (got < caplen) {
		/* libpcap's count: the snapshot part first, then the rest */
		uint32_t want = caplen > m->snapshot && got < m->snapshot ?
		    m->snapshot : caplen;
		snprintf(err, errlen, "truncated dump file; tried to read %u "
		    "captured bytes, only got %llu", want,
		    (unsigned long long)got);
		return -1;
	}
	m->hdr.caplen = caplen > m->snapshot ? m->snapshot : caplen;
	*data = m->win + (m->off + REC_HDR - m->win_off);
	*h = &m->hdr;
	m->off += REC_HDR + caplen;
	/* The next record's header and first bytes, on their way while this
	 * packet goes through the pipeline: a miss there was the pipeline
	 * thread's largest single cost with the model on the other core. */
	if (m->off + 128 <= m->win_off + m->win_len) {
		__builtin_prefetch(m->win + (m->off - m->win_off));
		__builtin_prefetch(m->win + (m->off - m->win_off) + 64);
	}
	return 1;
}

void cap_mmap_free(struct cap_mmap *m)
{
	if (!m)
		return;
	if (m->win)
		munmap((void *)(uintptr_t)m->win, m->win_len);
	close(m->fd);
	bus_remove();
	ew_free(m);
}
