/* lrutab.c - bounded hash table with LRU eviction (see lrutab.h).
 *
 * One allocation holds the bucket array and a pool of nodes. A node is a
 * header (chain link, LRU links, hash) followed by the key and the value,
 * each padded to 8 bytes so values are aligned for doubles and pointers.
 * Free nodes sit on a singly linked free list through the chain link. */
#include "util/lrutab.h"

#include <string.h>

#include "util/alloc.h"
#include "util/siphash.h"

struct lru_node {
	struct lru_node *hnext;		/* bucket chain, or free list */
	struct lru_node *prev, *next;	/* LRU list, head = least recent */
	uint64_t hash;
};

struct lrutab {
	size_t key_size, val_size, key_pad, node_size;
	size_t max, count, nbuckets;
	uint64_t k0, k1, evictions;
	lrutab_evict_fn evict;
	void *ud;
	struct lru_node **buckets;
	unsigned char *pool;
	struct lru_node *free;
	struct lru_node *head, *tail;
};

static size_t pad8(size_t n)
{
	return (n + 7u) & ~(size_t)7u;
}

static size_t buckets_for(size_t max_entries)
{
	size_t n = 16;
	while (n < max_entries && n < ((size_t)1 << 30))
		n <<= 1;
	return n;
}

size_t lrutab_footprint(size_t key_size, size_t val_size, size_t max_entries)
{
	size_t node = sizeof(struct lru_node) + pad8(key_size) +
	    pad8(val_size);
	return sizeof(struct lrutab) + buckets_for(max_entries) *
	    sizeof(struct lru_node *) + node * max_entries;
}

size_t lrutab_entries_for(size_t key_size, size_t val_size, size_t bytes)
{
	size_t node = sizeof(struct lru_node) + pad8(key_size) +
	    pad8(val_size);
	/* each entry costs a node and at most two bucket pointers */
	size_t n = bytes / (node + 2 * sizeof(void *));
	return n ? n : 1;
}

static inline unsigned char *node_key(struct lru_node *n)
{
	return (unsigned char *)(n + 1);
}

static inline void *node_val(const struct lrutab *t, struct lru_node *n)
{
	return (unsigned char *)(n + 1) + t->key_pad;
}

static inline struct lru_node *val_node(const struct lrutab *t,
    const void *val)
{
	return (struct lru_node *)(void *)((unsigned char *)(uintptr_t)val -
	    t->key_pad - sizeof(struct lru_node));
}

struct lrutab *lrutab_new(size_t key_size, size_t val_size,
    size_t max_entries, uint64_t seed, lrutab_evict_fn evict, void *ud)
{
	if (!key_size || !max_entries)
		return NULL;
	struct lrutab *t = ew_calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->key_size = key_size;
	t->val_size = val_size;
	t->key_pad = pad8(key_size);
	t->node_size = sizeof(struct lru_node) + t->key_pad + pad8(val_size);
	t->max = max_entries;
	t->nbuckets = buckets_for(max_entries);
	t->evict = evict;
	t->ud = ud;
	t->k0 = seed ^ 0x6c72757461626c65ull;
	t->k1 = (seed * 0x9e3779b97f4a7c15ull) ^ 0x7365656465647365ull;
	t->buckets = ew_calloc(t->nbuckets, sizeof(*t->buckets));
	t->pool = ew_calloc(max_entries, t->node_size);
	if (!t->buckets || !t->pool) {
		ew_free(t->buckets);
		ew_free(t->pool);
		ew_free(t);
		return NULL;
	}
	for (size_t i = max_entries; i-- > 0;) {
		struct lru_node *n = (struct lru_node *)(void *)
		    (t->pool + i * t->node_size);
		n->hnext = t->free;
		t->free = n;
	}
	return t;
}

void lrutab_free(struct lrutab *t)
{
	if (!t)
		return;
	ew_free(t->buckets);
	ew_free(t->pool);
	ew_free(t);
}

static void list_unlink(struct lrutab *t, struct lru_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		t->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		t->tail = n->prev;
	n->prev = n->next = NULL;
}

static void list_append(struct lrutab *t, struct lru_node *n)
{
	n->prev = t->tail;
	n->next = NULL;
	if (t->tail)
		t->tail->next = n;
	else
		t->head = n;
	t->tail = n;
}

static void chain_unlink(struct lrutab *t, struct lru_node *n)
{
	struct lru_node **pp = &t->buckets[n->hash & (t->nbuckets - 1)];
	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	n->hnext = NULL;
}

static void release(struct lrutab *t, struct lru_node *n)
{
	chain_unlink(t, n);
	list_unlink(t, n);
	n->hnext = t->free;
	t->free = n;
	t->count--;
}

static struct lru_node *lookup(struct lrutab *t, const void *key,
    uint64_t h)
{
	for (struct lru_node *n = t->buckets[h & (t->nbuckets - 1)]; n;
	    n = n->hnext)
		if (n->hash == h && memcmp(node_key(n), key, t->key_size) == 0)
			return n;
	return NULL;
}

void *lrutab_find(struct lrutab *t, const void *key)
{
	uint64_t h = ew_siphash13(t->k0, t->k1, key, t->key_size);
	struct lru_node *n = lookup(t, key, h);
	return n ? node_val(t, n) : NULL;
}

void *lrutab_get(struct lrutab *t, const void *key, int *created)
{
	uint64_t h = ew_siphash13(t->k0, t->k1, key, t->key_size);
	struct lru_node *n = lookup(t, key, h);

	if (n) {
		if (created)
			*created = 0;
		if (n != t->tail) {
			list_unlink(t, n);
			list_append(t, n);
		}
		return node_val(t, n);
	}
	if (!t->free) {
		struct lru_node *old = t->head;
		if (t->evict)
			t->evict(node_key(old), node_val(t, old), t->ud);
		release(t, old);
		t->evictions++;
	}
	n = t->free;
	t->free = n->hnext;
	memset(n, 0, t->node_size);
	n->hash = h;
	memcpy(node_key(n), key, t->key_size);
	struct lru_node **b = &t->buckets[h & (t->nbuckets - 1)];
	n->hnext = *b;
	*b = n;
	list_append(t, n);
	t->count++;
	if (created)
		*created = 1;
	return node_val(t, n);
}

void lrutab_touch(struct lrutab *t, void *val)
{
	struct lru_node *n = val_node(t, val);
	if (n != t->tail) {
		list_unlink(t, n);
		list_append(t, n);
	}
}

void lrutab_del(struct lrutab *t, void *val)
{
	release(t, val_node(t, val));
}

void *lrutab_first(struct lrutab *t)
{
	return t->head ? node_val(t, t->head) : NULL;
}

void *lrutab_next(struct lrutab *t, void *val)
{
	struct lru_node *n = val_node(t, val)->next;
	return n ? node_val(t, n) : NULL;
}

void *lrutab_last(struct lrutab *t)
{
	return t->tail ? node_val(t, t->tail) : NULL;
}

const void *lrutab_key(const struct lrutab *t, const void *val)
{
	return node_key(val_node(t, val));
}

size_t lrutab_count(const struct lrutab *t)
{
	return t->count;
}

size_t lrutab_capacity(const struct lrutab *t)
{
	return t->max;
}

uint64_t lrutab_evictions(const struct lrutab *t)
{
	return t->evictions;
}
