/* duration.h - "90", "90s", "30m", "36h", "2d", "1w" as seconds: the one
 * parser of durations on command lines, config files and API bodies. */
#ifndef EW_DURATION_H
#define EW_DURATION_H

#include <stdint.h>

/* Digits, then at most one unit (s m h d w; none = seconds), nothing
 * else. 0, or -1 (also on overflow). */
int dur_parse(const char *s, uint64_t *seconds);

#endif /* EW_DURATION_H */
