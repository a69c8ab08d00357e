/* geo.h - country of an IP address, from Debian's tor-geoipdb files (the
 * default) or a MaxMind DB (libmaxminddb).
 *
 * A struct geo is read-only once opened: lookups from several threads on
 * one handle are safe. Tor data is held as sorted parallel arrays (range
 * starts + a small country column) searched with a binary search; see
 * geo.c for the layout and its measured size. */
#ifndef EW_GEO_H
#define EW_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* Two upper-case ASCII letters, ('U' << 8) | 'S'; 0 = unknown. */
typedef uint16_t geo_cc;

struct geo_config {
	const char *tor4, *tor6;	/* tor-format files; NULL: no answers
					 * for that family (not both) */
	const char *mmdb;		/* MaxMind DB; when set, used alone */
};

struct geo;

/* tor4/tor6 = Debian's paths (GEO_TOR4_DEFAULT, GEO_TOR6_DEFAULT), mmdb
 * NULL. */
void geo_config_default(struct geo_config *c);

/* Open the configured source. mmdb set: the MaxMind DB only (country
 * iso_code, else registered_country iso_code); otherwise the tor files.
 * A missing default tor file is an error naming the Debian package
 * tor-geoipdb. Returns NULL with a reason in err ("FILE:LINE: reason" for
 * a malformed line). The caller frees with geo_free. */
struct geo *geo_open(const struct geo_config *c, char *err, size_t errlen);

/* Parse tor-format text from memory (tests, fuzzing); v6 may be NULL (no
 * IPv6). The text is not kept. Errors name the line as "v4:LINE" or
 * "v6:LINE". */
struct geo *geo_from_tor_text(const char *v4, size_t v4len, const char *v6,
    size_t v6len, char *err, size_t errlen);

/* Release everything; NULL is a no-op. */
void geo_free(struct geo *g);

/* Country of a (family 4 or 6); 0 when unknown, when the source has no
 * data for the family, or for non-global addresses (private, loopback,
 * link-local, CGNAT, multicast, documentation, ULA). IPv4-mapped IPv6
 * addresses are looked up as IPv4. g may be NULL (answers 0). */
geo_cc geo_lookup(const struct geo *g, const struct addr *a);

/* "US" into out; "" for 0. */
void geo_cc_str(geo_cc cc, char out[3]);
/* "US"/"us" -> cc; 0 unless exactly two ASCII letters. */
geo_cc geo_cc_parse(const char *s);

/* Bytes held by the handle (heap tables; for a MaxMind DB the size of the
 * mapped file, shared page cache). */
size_t geo_memory(const struct geo *g);
/* Entries searched: merged ranges including the unknown gaps between them
 * (tor); the search tree's node count (MaxMind DB). */
size_t geo_ranges(const struct geo *g);
/* "tor" or "mmdb": which source the handle reads (for logs). */
const char *geo_source(const struct geo *g);

#endif /* EW_GEO_H */
