/* lrutab.h - a bounded hash table of fixed-size records with LRU eviction.
 *
 * Every per-host or per-pair table in the detectors, the feature extractor
 * and the device inventory is one of these: memory is allocated once at
 * creation (max entries x record size) so it never grows with traffic, and
 * when full the least recently used record is evicted (the evict callback
 * sees it first, so an open episode can still be reported).
 *
 * Iteration order is the LRU order (least recent first), never the hash
 * order, so output built from a walk does not depend on the seed.
 * Keys are compared as bytes: zero any padding in key structs. */
#ifndef EW_LRUTAB_H
#define EW_LRUTAB_H

#include <stddef.h>
#include <stdint.h>

struct lrutab;

/* Called with a record about to be evicted to make room (not on lrutab_del
 * or lrutab_free). key and val are valid during the call only. */
typedef void (*lrutab_evict_fn)(const void *key, void *val, void *ud);

/* max_entries records of key_size + val_size bytes each. Returns NULL on
 * allocation failure or a zero size. The table owns its memory. */
struct lrutab *lrutab_new(size_t key_size, size_t val_size,
    size_t max_entries, uint64_t seed, lrutab_evict_fn evict, void *ud);
void lrutab_free(struct lrutab *t);	/* NULL is a no-op */

/* Bytes a table of these dimensions allocates (for sizing from a memcap). */
size_t lrutab_footprint(size_t key_size, size_t val_size, size_t max_entries);
/* Largest max_entries whose footprint fits in bytes (at least 1). */
size_t lrutab_entries_for(size_t key_size, size_t val_size, size_t bytes);

/* The record for key, or NULL. Does not change the LRU order. */
void *lrutab_find(struct lrutab *t, const void *key);
/* The record for key, created zeroed when absent (evicting the least
 * recently used record when full; *created set to 1). Marks it most
 * recently used. Never NULL. */
void *lrutab_get(struct lrutab *t, const void *key, int *created);
/* Mark as most recently used without a lookup (val from find/get). */
void lrutab_touch(struct lrutab *t, void *val);
/* Remove the record (val from find/get/first/next). */
void lrutab_del(struct lrutab *t, void *val);

/* Walk least recent first: first(), then next(val) until NULL. Deleting
 * the current record is allowed when next() was taken before. */
void *lrutab_first(struct lrutab *t);
void *lrutab_next(struct lrutab *t, void *val);
/* Most recently used record (NULL when empty). */
void *lrutab_last(struct lrutab *t);
/* The key of a record. */
const void *lrutab_key(const struct lrutab *t, const void *val);

size_t lrutab_count(const struct lrutab *t);
size_t lrutab_capacity(const struct lrutab *t);
uint64_t lrutab_evictions(const struct lrutab *t);

#endif /* EW_LRUTAB_H */
