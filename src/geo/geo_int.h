/* geo_int.h - the handle's layout, shared by geo.c (tor tables) and
 * geo_mmdb.c (libmaxminddb backend). Not for other modules. */
#ifndef EW_GEO_INT_H
#define EW_GEO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "geo/geo.h"

/* Country column entry meaning "this /64 has ranges smaller than a /64:
 * search the fine table". 0xFFFF is not two letters, 255 is past the
 * largest index the 1-byte column uses. */
#define GEO_SPLIT_CC   0xFFFFu
#define GEO_SPLIT_IDX  255u
/* Codes a 1-byte column can index: 1..254 (0 unknown, 255 split). */
#define GEO_IDX_CODES  254u

/* One family's country column: 1-byte indexes into codes[] when the data
 * has at most GEO_IDX_CODES distinct countries, else the codes
 * themselves (the tor IPv6 file has 257). Exactly one of idx/cc is set
 * once the table is built. */
struct geo_col {
	uint8_t *idx;
	geo_cc *cc;
	geo_cc codes[256];
};

/* IPv4: start[i] is the first address of range i, which runs to
 * start[i+1] - 1 (the last to the end of the space); addresses below
 * start[0] are unknown. Gaps in the input are ranges of country 0. */
struct geo_tab4 {
	uint32_t *start;
	struct geo_col col;
	size_t n, cap;
};

/* IPv6: keyed on the upper 64 bits; the few /64s the data cuts into
 * smaller pieces (454 in Debian's file) are marked split and resolved in
 * a fine table of full 128-bit starts (fhi:flo), which holds for each
 * split /64 an entry at its first address. */
struct geo_tab6 {
	uint64_t *start;
	struct geo_col col;
	size_t n, cap;
	uint64_t *fhi, *flo;
	geo_cc *fcc;
	size_t nf, fcap;
};

enum geo_kind { GEO_TOR = 1, GEO_MMDB = 2 };

struct geo {
	enum geo_kind kind;
	int have6;			/* tor: IPv6 data loaded */
	struct geo_tab4 v4;
	struct geo_tab6 v6;
	void *mmdb;			/* MMDB_s *, GEO_MMDB only */
	size_t mem;
	size_t ranges;
};

/* geo_mmdb.c: open path into g->mmdb (0, or -1 with err set), look up,
 * release (NULL-safe), node count and file size. */
int geo_mmdb_open(struct geo *g, const char *path, char *err, size_t errlen);
geo_cc geo_mmdb_lookup(const struct geo *g, const struct addr *a);
void geo_mmdb_close(struct geo *g);

#endif /* EW_GEO_INT_H */
