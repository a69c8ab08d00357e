/* duration.c - see duration.h. */
#include "util/duration.h"

#include <errno.h>
#include <stdlib.h>

int dur_parse(const char *s, uint64_t *seconds)
{
	char *end;
	uint64_t mul = 1;

	if (!s || !(*s >= '0' && *s <= '9'))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 7 * 86400; break;
		default: return -1;
		}
		if (end[1])
			return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*seconds = (uint64_t)v * mul;
	return 0;
}
