/* eve.c - the EVE line writer: buffered file output of finished objects. */
#include "output/eve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util/alloc.h"

struct eve {
	FILE *fp;
	struct jbuf jb;
	uint64_t lines;
	uint64_t dropped;
	int werr;		/* errno of the first failed write, or 0 */
	int new_err;		/* errno not yet taken by eve_take_error */
	char *path;		/* for rotation and reopening */
	uint64_t bytes;		/* in the current file */
	uint64_t max_bytes;	/* rotate past this; 0 = never */
	unsigned keep;
	int rot_failed;		/* a rotation failed: not retried per line */
	uint64_t rotations;
};

static void note_err(struct eve *ev, int e)
{
	if (!ev->werr)
		ev->werr = e;
	if (!ev->new_err)
		ev->new_err = e;
}

/* Append mode creates the file 0640: alerts are not for every local user. */
static FILE *open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return NULL;
	FILE *fp = fdopen(fd, "a");
	if (!fp)
		close(fd);
	return fp;
}

static struct eve *open_common(const char *path, int append, char *err,
    size_t errlen)
{
	struct eve *ev = ew_calloc(1, sizeof(*ev));
	if (!ev) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ev->fp = append ? open_append(path) : fopen(path, "w");
	if (!ev->fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ew_free(ev);
		return NULL;
	}
	if (append) {
		struct stat st;
		if (fstat(fileno(ev->fp), &st) == 0 && st.st_size > 0)
			ev->bytes = (uint64_t)st.st_size;
		size_t n = strlen(path) + 1;
		ev->path = ew_malloc(n);
		if (ev->path)
			memcpy(ev->path, path, n);
		if (!ev->path) {
			fclose(ev->fp);
			ew_free(ev);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
	}
	/* Large stdio buffer: one write(2) per ~256 KiB of events. */
	setvbuf(ev->fp, NULL, _IOFBF, 256u * 1024u);
	jb_init(&ev->jb, EVE_MAX_LINE);
	return ev;
}

struct eve *eve_open(const char *path, char *err, size_t errlen)
{
	return open_common(path, 0, err, errlen);
}

struct eve *eve_open_append(const char *path, char *err, size_t errlen)
{
	return open_common(path, 1, err, errlen);
}

void eve_set_rotation(struct eve *ev, uint64_t max_bytes, unsigned keep)
{
	ev->max_bytes = ev->path ? max_bytes : 0;
	ev->keep = keep;
	ev->rot_failed = 0;
}

int eve_flush(struct eve *ev)
{
	if (fflush(ev->fp) != 0) {
		note_err(ev, errno ? errno : EIO);
		clearerr(ev->fp);
		return -1;
	}
	return 0;
}

int eve_reopen(struct eve *ev, char *err, size_t errlen)
{
	if (!ev->path) {
		snprintf(err, errlen, "not opened for appending");
		return -1;
	}
	eve_flush(ev);
	FILE *fp = open_append(ev->path);
	if (!fp) {
		snprintf(err, errlen, "%s: %s", ev->path, strerror(errno));
		return -1;
	}
	fclose(ev->fp);
	ev->fp = fp;
	setvbuf(ev->fp, NULL, _IOFBF, 256u * 1024u);
	struct stat st;
	ev->bytes = fstat(fileno(fp), &st) == 0 && st.st_size > 0 ?
	    (uint64_t)st.st_size : 0;
	ev->rot_failed = 0;
	return 0;
}

/* path.N-1 -> path.N ... path -> path.1, then a fresh path. A missing
 * intermediate file is fine (keep was raised, or files were removed). */
static void rotate(struct eve *ev)
{
	char from[4096], to[4096];
	size_t n = strlen(ev->path);

	if (n + 12 > sizeof(from)) {
		ev->rot_failed = 1;
		return;
	}
	eve_flush(ev);
	if (ev->keep == 0) {
		if (unlink(ev->path) < 0 && errno != ENOENT)
			goto fail;
	} else {
		for (unsigned i = ev->keep; i > 1; i--) {
			snprintf(from, sizeof(from), "%s.%u", ev->path, i - 1);
			snprintf(to, sizeof(to), "%s.%u", ev->path, i);
			if (rename(from, to) < 0 && errno != ENOENT)
				goto fail;
		}
		snprintf(to, sizeof(to), "%s.1", ev->path);
		if (rename(ev->path, to) < 0)
			goto fail;
	}
	FILE *fp = open_append(ev->path);
	if (!fp)
		goto fail;
	fclose(ev->fp);
	ev->fp = fp;
	setvbuf(ev->fp, NULL, _IOFBF, 256u * 1024u);
	ev->bytes = 0;
	ev->rotations++;
	return;
fail:
	/* keep writing to the current file; SIGHUP (eve_reopen) retries */
	note_err(ev, errno ? errno : EIO);
	ev->rot_failed = 1;
}

uint64_t eve_rotations(const struct eve *ev)
{
	return ev->rotations;
}

uint64_t eve_bytes(const struct eve *ev)
{
	return ev->bytes;
}

int eve_take_error(struct eve *ev)
{
	int e = ev->new_err;
	ev->new_err = 0;
	return e;
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
	ew_free(ev->path);
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
		note_err(ev, errno ? errno : EIO);
		/* a live sensor goes on after a full disk: later lines may
		 * fit again */
		clearerr(ev->fp);
		ev->dropped++;
		return;
	}
	ev->lines++;
	ev->bytes += jb->len + 1;
	if (ev->max_bytes && ev->bytes >= ev->max_bytes && !ev->rot_failed)
		rotate(ev);
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
