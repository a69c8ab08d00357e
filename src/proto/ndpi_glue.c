/* ndpi_glue.c - the only file that includes nDPI's headers (4.2 API).
 *
 * Memory accounting. nDPI allocates through ndpi_malloc/ndpi_free (and
 * ndpi_flow_malloc/ndpi_flow_free); in 4.2 ndpi_calloc, ndpi_realloc and
 * ndpi_strdup are built on ndpi_malloc, so four hooks see every block.
 * The hooks are process-global (set_ndpi_malloc & co. store into nDPI's
 * globals), so they are installed once per process (pthread_once) and are
 * the same for every proto instance. Each block gets a 16-byte header
 * holding its size (and where the block came from: malloc, the per-thread
 * pool of freed blocks, or the module's init arena - see below), and a
 * per-thread counter (_Thread_local) moves by the exact size on every
 * allocation and free, whatever the source. A proto instance runs on one
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

#include "config.h"

#define HDR 16u		/* keeps the 16-byte alignment malloc gives */

/* Where a block came from (its header says, next to the size asked for,
 * which is what the byte accounting counts whatever the source). */
#define SRC_HEAP  0u	/* malloc(size + HDR), free() */
#define SRC_POOL  1u	/* malloc(class bytes), recycled through tl_pool */
#define SRC_ARENA 2u	/* bump-allocated while a module is built: nDPI's
			 * tens of thousands of small init blocks (patricia
			 * nodes, automata) cost one malloc per chunk, and
			 * freeing them is a no-op until the module goes */

struct blk_hdr {
	size_t size;		/* asked for, without the header */
	uint32_t src;		/* SRC_* */
	uint32_t cls;		/* SRC_POOL: size class */
};
_Static_assert(sizeof(struct blk_hdr) == HDR, "header keeps alignment");

/* Recycled blocks, per thread, by 64-byte class: per flow nDPI allocates
 * and frees its flow state, reassembly buffers and strings (about six
 * blocks a flow), and malloc's bookkeeping for that was a visible part
 * of the proto stage. Bounded: beyond PROTO_NDPI_POOL_BYTES (config.h) a
 * freed block goes back to malloc. The accounting above is unchanged by
 * the pool (a pooled block counts as freed). */
#define POOL_GRAIN     64u
#define POOL_CLASSES   64u		/* blocks up to 4 KiB with header */
#define POOL_MAX_BYTES PROTO_NDPI_POOL_BYTES

struct blk_pool {
	unsigned char *head[POOL_CLASSES + 1];
	size_t bytes;
};

/* A module's arena: chunks of ARENA_CHUNK bytes, the first 16 bytes of
 * each linking the list; big requests get a chunk of their own. */
#define ARENA_CHUNK (256u << 10)

struct blk_arena {
	unsigned char *chunks;		/* list of every chunk */
	unsigned char *cur;		/* chunk being filled */
	size_t used;			/* bytes of cur in use */
};

static _Thread_local int64_t tl_bytes;
static _Thread_local struct blk_pool tl_pool;
static _Thread_local struct blk_arena *tl_arena;	/* set in pndpi_new */
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static unsigned char *arena_chunk(struct blk_arena *a, size_t bytes)
{
	unsigned char *c = malloc(bytes);
	if (!c)
		return NULL;
	memcpy(c, &a->chunks, sizeof(a->chunks));
	a->chunks = c;
	return c;
}

static unsigned char *arena_alloc(struct blk_arena *a, size_t need)
{
	size_t n = (need + 15u) & ~(size_t)15u;
	unsigned char *b;

	if (n < need || n > ARENA_CHUNK / 4) {
		if (n < need || n > SIZE_MAX - 16u)
			return NULL;
		b = arena_chunk(a, n + 16u);
		return b ? b + 16 : NULL;
	}
	if (!a->cur || a->used + n > ARENA_CHUNK) {
		unsigned char *c = arena_chunk(a, ARENA_CHUNK);
		if (!c)
			return NULL;
		a->cur = c;
		a->used = 16;
	}
	b = a->cur + a->used;
	a->used += n;
	return b;
}

static void arena_release(struct blk_arena *a)
{
	while (a->chunks) {
		unsigned char *next;
		memcpy(&next, a->chunks, sizeof(next));
		free(a->chunks);
		a->chunks = next;
	}
	a->cur = NULL;
	a->used = 0;
}

/* Give this thread's pooled blocks back to malloc. */
static void pool_drain(void)
{
	for (unsigned c = 1; c <= POOL_CLASSES; c++) {
		while (tl_pool.head[c]) {
			unsigned char *b = tl_pool.head[c], *next;
			memcpy(&next, b, sizeof(next));
			free(b);
			tl_pool.head[c] = next;
		}
	}
	tl_pool.bytes = 0;
}

static void *hook_malloc(size_t size)
{
	struct blk_hdr h = { .size = size, .src = SRC_HEAP, .cls = 0 };
	unsigned char *b = NULL;

	if (size > SIZE_MAX - HDR)
		return NULL;
	size_t need = size + HDR;
	if (tl_arena) {
		b = arena_alloc(tl_arena, need);
		if (b)
			h.src = SRC_ARENA;
	} else if (need <= (size_t)POOL_GRAIN * POOL_CLASSES) {
		unsigned c = (unsigned)((need + POOL_GRAIN - 1) / POOL_GRAIN);
		b = tl_pool.head[c];
		if (b) {
			memcpy(&tl_pool.head[c], b, sizeof(tl_pool.head[c]));
			tl_pool.bytes -= (size_t)c * POOL_GRAIN;
		} else {
			b = malloc((size_t)c * POOL_GRAIN);
		}
		h.src = SRC_POOL;
		h.cls = c;
	}
	if (!b) {
		h.src = SRC_HEAP;
		b = malloc(need);
		if (!b)
			return NULL;
	}
	memcpy(b, &h, sizeof(h));
	tl_bytes += (int64_t)need;
	return b + HDR;
}

static void hook_free(void *ptr)
{
	struct blk_hdr h;
	unsigned char *b;

	if (!ptr)
		return;
	b = (unsigned char *)ptr - HDR;
	memcpy(&h, b, sizeof(h));
	tl_bytes -= (int64_t)(h.size + HDR);
	if (h.src == SRC_ARENA)
		return;
	if (h.src == SRC_POOL && h.cls >= 1 && h.cls <= POOL_CLASSES &&
	    tl_pool.bytes + (size_t)h.cls * POOL_GRAIN <= POOL_MAX_BYTES) {
		memcpy(b, &tl_pool.head[h.cls], sizeof(tl_pool.head[h.cls]));
		tl_pool.head[h.cls] = b;
		tl_pool.bytes += (size_t)h.cls * POOL_GRAIN;
		return;
	}
	free(b);
}

static void install_hooks(void)
{
	set_ndpi_malloc(hook_malloc);
	set_ndpi_free(hook_free);
	set_ndpi_flow_malloc(hook_malloc);
	set_ndpi_flow_free(hook_free);
}

/* Names by (master, app) id pair: every flow end asks for one, and
 * ndpi_protocol2name formats it with snprintf each time. A name depends on
 * the pair and the module only (protocols are fixed after init). */
#define NAME_CACHE_SLOTS 64	/* power of two */
#define NAME_CACHE_LEN   64

struct name_ent {
	uint16_t master, app;
	uint8_t valid;
	uint8_t len;
	char name[NAME_CACHE_LEN];
};

struct pndpi {
	struct ndpi_detection_module_struct *mod;
	struct blk_arena arena;	/* the module's init-time blocks */
	int64_t module_bytes;
	u_int nproto;		/* protocols in the defaults table */
	struct name_ent names[NAME_CACHE_SLOTS];
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
	tl_arena = &m->arena;
	/* Tor exit list stays in: it feeds a risk; libgcrypt is needed for
	 * QUIC initial-packet decryption. */
	m->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (!m->mod) {
		tl_arena = NULL;
		arena_release(&m->arena);
		snprintf(err, errlen, "nDPI: cannot initialise the detection "
		    "module");
		free(m);
		return NULL;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(m->mod, &all);
	ndpi_finalize_initialization(m->mod);
	tl_arena = NULL;
	m->module_bytes = tl_bytes - before;
	m->nproto = ndpi_get_num_supported_protocols(m->mod);
	return m;
}

void pndpi_free(struct pndpi *m)
{
	if (!m)
		return;
	ndpi_exit_detection_module(m->mod);
	arena_release(&m->arena);
	pool_drain();
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
	r->guessed = 0;
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
	r->guessed = guessed ? 1 : 0;
	*delta = tl_bytes - before;
}

void pndpi_flow_free(struct pndpi *m, void *flow, int64_t *delta)
{
	int64_t before = tl_bytes;

	(void)m;
	ndpi_free_flow(flow);
	*delta = tl_bytes - before;
}

const char *pndpi_name(struct pndpi *m, uint16_t master, uint16_t app,
    char *buf, size_t size)
{
	ndpi_protocol pr;

	if ((master == 0 && app == 0) || size == 0)
		return NULL;
	struct name_ent *e = &m->names[((unsigned)master * 31u + app) &
	    (NAME_CACHE_SLOTS - 1)];
	if (!e->valid || e->master != master || e->app != app) {
		/* Format into the slot; a name that fills it may have been
		 * cut, so it is not kept (the caller's buffer gets it made
		 * afresh below). */
		memset(&pr, 0, sizeof(pr));
		pr.master_protocol = master;
		pr.app_protocol = app;
		ndpi_protocol2name(m->mod, pr, e->name, NAME_CACHE_LEN);
		e->name[NAME_CACHE_LEN - 1] = '\0';
		size_t l = strlen(e->name);
		e->valid = l < NAME_CACHE_LEN - 1;
		e->master = master;
		e->app = app;
		e->len = (uint8_t)l;
	}
	if (e->valid) {
		/* what snprintf into buf would give: the name cut to size-1 */
		size_t n = e->len < size - 1 ? e->len : size - 1;
		memcpy(buf, e->name, n);
		buf[n] = '\0';
		return buf;
	}
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
