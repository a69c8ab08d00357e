/* ndpi_glue.c - the only file that includes nDPI's headers (4.2 API).
 *
 * Memory accounting. nDPI allocates through ndpi_malloc/ndpi_free (and
 * ndpi_flow_malloc/ndpi_flow_free); in 4.2 ndpi_calloc, ndpi_realloc and
 * ndpi_strdup are built on ndpi_malloc, so four hooks see every block.
 * The hooks are process-global (set_ndpi_malloc & co. store into nDPI's
 * globals), so they are installed once per process (pthread_once) and are
 * the same for every proto instance. Each block gets a 16-byte header
 * holding its size, and a per-thread counter (_Thread_local) moves by the
 * exact size on every allocation and free. A proto instance runs on one
 * thread at a time, so the counter's change across one nDPI call is what
 * that call allocated minus what it freed: that delta is how proto.c
 * charges per-flow state and the module separately, with no shared
 * mutable state between threads. (A block freed on another thread than
 * the one that allocated it only skews those threads' totals, never a
 * delta measured around a call.)
 *
 * nDPI also requires that ndpi_init_detection_module() calls never run in
 * parallel: create proto instances one at a time (the pipeline creates
 * one, at start-up).
 *
 * The hooks use plain malloc, not ew_malloc: failure injection in tests
 * targets our code, and nDPI does not cope with NULL everywhere.
 *
 * Build: nDPI is a required dependency (the Makefile's PKGS refuses to
 * build without libndpi-dev); there is no silent build without it. */
#include "proto/proto_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <ndpi_api.h>

#define HDR 16u		/* keeps the 16-byte alignment malloc gives */

static _Thread_local int64_t tl_bytes;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void *hook_malloc(size_t size)
{
	if (size > SIZE_MAX - HDR)
		return NULL;
	unsigned char *b = malloc(size + HDR);
	if (!b)
		return NULL;
	memcpy(b, &size, sizeof(size));
	tl_bytes += (int64_t)(size + HDR);
	return b + HDR;
}

static void hook_free(void *ptr)
{
	size_t size;
	unsigned char *b;

	if (!ptr)
		return;
	b = (unsigned char *)ptr - HDR;
	memcpy(&size, b, sizeof(size));
	tl_bytes -= (int64_t)(size + HDR);
	free(b);
}

static void install_hooks(void)
{
	set_ndpi_malloc(hook_malloc);
	set_ndpi_free(hook_free);
	set_ndpi_flow_malloc(hook_malloc);
	set_ndpi_flow_free(hook_free);
}

struct pndpi {
	struct ndpi_detection_module_struct *mod;
	int64_t module_bytes;
	u_int nproto;		/* protocols in the defaults table */
};

struct pndpi *pndpi_new(char *err, size_t errlen)
{
	struct pndpi *m;
	NDPI_PROTOCOL_BITMASK all;
	int64_t before;

	pthread_once(&hooks_once, install_hooks);
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	before = tl_bytes;
	/* Tor exit list stays in: it feeds a risk; libgcrypt is needed for
	 * QUIC initial-packet decryption. */
	m->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (!m->mod) {
		snprintf(err, errlen, "nDPI: cannot initialise the detection "
		    "module");
		free(m);
		return NULL;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(m->mod, &all);
	ndpi_finalize_initialization(m->mod);
	m->module_bytes = tl_bytes - before;
	m->nproto = ndpi_get_num_supported_protocols(m->mod);
	return m;
}

void pndpi_free(struct pndpi *m)
{
	if (!m)
		return;
	ndpi_exit_detection_module(m->mod);
	free(m);
}

int64_t pndpi_module_bytes(const struct pndpi *m)
{
	return m->module_bytes;
}

size_t pndpi_flow_cost(void)
{
	return SIZEOF_FLOW_STRUCT + HDR;
}

void *pndpi_flow_new(struct pndpi *m, int64_t *delta)
{
	int64_t before = tl_bytes;
	struct ndpi_flow_struct *fl;

	(void)m;
	fl = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
	if (fl)
		memset(fl, 0, SIZEOF_FLOW_STRUCT);
	*delta = tl_bytes - before;
	return fl;
}

static void fill(const struct ndpi_flow_struct *fl, ndpi_protocol pr,
    struct pndpi_result *r)
{
	r->master = pr.master_protocol;
	r->app = pr.app_protocol;
	r->risk = fl->risk;
}

int pndpi_feed(struct pndpi *m, void *flow, const uint8_t *l3,
    uint32_t len, uint64_t ts_ms, struct pndpi_result *r, int64_t *delta)
{
	struct ndpi_flow_struct *fl = flow;
	int64_t before = tl_bytes;
	ndpi_protocol pr;
	int done;

	if (len > 0xffffu)
		len = 0xffffu;
	pr = ndpi_detection_process_packet(m->mod, fl, l3,
	    (unsigned short)len, ts_ms);
	fill(fl, pr, r);
	done = (pr.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
	    pr.master_protocol != NDPI_PROTOCOL_UNKNOWN) &&
	    !ndpi_extra_dissection_possible(m->mod, fl);
	*delta = tl_bytes - before;
	return done;
}

void pndpi_giveup(struct pndpi *m, void *flow, struct pndpi_result *r,
    int64_t *delta)
{
	struct ndpi_flow_struct *fl = flow;
	int64_t before = tl_bytes;
	u_int8_t guessed = 0;
	ndpi_protocol pr;

	pr = ndpi_detection_giveup(m->mod, fl, 1, &guessed);
	fill(fl, pr, r);
	*delta = tl_bytes - before;
}

void pndpi_flow_free(struct pndpi *m, void *flow, int64_t *delta)
{
	int64_t before = tl_bytes;

	(void)m;
	ndpi_free_flow(flow);
	*delta = tl_bytes - before;
}

const char *pndpi_name(const struct pndpi *m, uint16_t master, uint16_t app,
    char *buf, size_t size)
{
	ndpi_protocol pr;

	if ((master == 0 && app == 0) || size == 0)
		return NULL;
	memset(&pr, 0, sizeof(pr));
	pr.master_protocol = master;
	pr.app_protocol = app;
	/* protocol2name only reads the module (its API lacks const) */
	ndpi_protocol2name(m->mod, pr, buf,
	    size > 0xffffu ? 0xffffu : (u_int)size);
	buf[size - 1] = '\0';
	return buf;
}

/* nDPI's protocol table: 1 cleartext, 0 encrypted, -1 not a known id. */
static int id_cleartext(const struct pndpi *m, uint16_t id)
{
	ndpi_proto_defaults_t *d;

	if (id == NDPI_PROTOCOL_UNKNOWN || id >= m->nproto)
		return -1;
	d = ndpi_get_proto_defaults(m->mod);
	if (!d || !d[id].protoName)
		return -1;
	return d[id].isClearTextProto ? 1 : 0;
}

int pndpi_cleartext(const struct pndpi *m, uint16_t master, uint16_t app)
{
	/* The master protocol says how bytes travel ("TLS.YouTube" is TLS);
	 * an app alone (DNS, HTTP, or a service matched by name) decides
	 * when there is no master. */
	int c = id_cleartext(m, master);
	return c >= 0 ? c : id_cleartext(m, app);
}

const char *pndpi_risk_name(unsigned bit)
{
	if (bit == 0 || bit >= (unsigned)NDPI_MAX_RISK)
		return NULL;
	return ndpi_risk2str((ndpi_risk_enum)bit);
}
