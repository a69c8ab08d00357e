/* alloc.h - the one allocator every module goes through.
 *
 * Plain malloc underneath. Routing every allocation here lets tests inject
 * failures (alloc_fail_after) and check that each caller copes with NULL.
 * Memory budgets (memcaps) are enforced by the module that owns the memory;
 * this file only counts. */
#ifndef EW_ALLOC_H
#define EW_ALLOC_H

#include <stddef.h>

/* Like malloc/calloc/realloc/free; ew_free(NULL) is a no-op. They return
 * NULL on failure (real or injected) and never abort. */
void *ew_malloc(size_t n);
void *ew_calloc(size_t n, size_t size);
void *ew_realloc(void *p, size_t n);
void ew_free(void *p);

/* Test hook: let the next n allocations succeed, then fail every one until
 * called again; n < 0 turns injection off (the default). */
void alloc_fail_after(long n);

#endif /* EW_ALLOC_H */
