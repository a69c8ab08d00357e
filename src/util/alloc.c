/* alloc.c - allocation wrapper with failure injection for tests. */
#include "util/alloc.h"

#include <stdlib.h>

/* Test-only countdown (see alloc_fail_after); -1 means never fail. The one
 * mutable file-scope variable outside signal flags, kept because tests must
 * reach allocations deep inside modules. */
static long fail_countdown = -1;

static int should_fail(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0)
		return 1;
	fail_countdown--;
	return 0;
}

void alloc_fail_after(long n)
{
	fail_countdown = n < 0 ? -1 : n;
}

void *ew_malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n ? n : 1);
}

void *ew_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *ew_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void ew_free(void *p)
{
	free(p);
}
