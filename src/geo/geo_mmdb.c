/* geo_mmdb.c - the MaxMind DB backend of geo.h, through libmaxminddb:
 * the file is memory-mapped (read-only, shared page cache), a lookup walks
 * its search tree and reads country/iso_code, falling back to
 * registered_country/iso_code (anycast and satellite ranges have only
 * the latter). */
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "geo/geo_int.h"
#include "util/alloc.h"

static const char *mmdb_reason(int status)
{
	switch (status) {
	case MMDB_FILE_OPEN_ERROR:
		return NULL;	/* errno says more */
	case MMDB_UNKNOWN_DATABASE_FORMAT_ERROR:
	case MMDB_INVALID_METADATA_ERROR:
		/* libmaxminddb reports a file without the metadata marker
		 * (any non-mmdb file) as invalid metadata */
		return "not a valid MaxMind DB file (metadata missing or "
		    "invalid; a .mmdb file such as GeoLite2-Country.mmdb is "
		    "expected)";
	case MMDB_CORRUPT_SEARCH_TREE_ERROR:
	case MMDB_INVALID_DATA_ERROR:
		return "corrupt MaxMind DB (damaged search tree or data)";
	case MMDB_IO_ERROR:
		return "read error";
	case MMDB_OUT_OF_MEMORY_ERROR:
		return "out of memory";
	default:
		return MMDB_strerror(status);
	}
}

int geo_mmdb_open(struct geo *g, const char *path, char *err, size_t errlen)
{
	MMDB_s *db = ew_calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	errno = 0;
	int st = MMDB_open(path, MMDB_MODE_MMAP, db);
	if (st != MMDB_SUCCESS) {
		int e = errno;
		const char *why = mmdb_reason(st);
		if (why)
			snprintf(err, errlen, "%s: %s", path, why);
		else
			snprintf(err, errlen, "%s: cannot open MaxMind DB: %s",
			    path, e ? strerror(e) : MMDB_strerror(st));
		ew_free(db);
		return -1;
	}
	g->mmdb = db;
	g->mem = sizeof(*g) + sizeof(*db)
	    + (db->file_size > 0 ? (size_t)db->file_size : 0);
	g->ranges = db->metadata.node_count;
	return 0;
}

/* iso_code at path (NULL-terminated), 0 when absent or not two letters. */
static geo_cc iso_at(MMDB_entry_s *entry, const char *const *path)
{
	MMDB_entry_data_s d;
	if (MMDB_aget_value(entry, &d, path) != MMDB_SUCCESS || !d.has_data
	    || d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size != 2)
		return 0;
	char s[3] = { d.utf8_string[0], d.utf8_string[1], '\0' };
	return geo_cc_parse(s);
}

geo_cc geo_mmdb_lookup(const struct geo *g, const struct addr *a)
{
	static const char *const country[] = { "country", "iso_code", NULL };
	static const char *const registered[] = { "registered_country",
		"iso_code", NULL };
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->a, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->a, 16);
	}
	int mmdb_err = 0;
	MMDB_lookup_result_s r = MMDB_lookup_sockaddr(g->mmdb,
	    (const struct sockaddr *)&ss, &mmdb_err);
	/* an IPv6 address in an IPv4-only database is simply unknown */
	if (mmdb_err != MMDB_SUCCESS || !r.found_entry)
		return 0;
	geo_cc cc = iso_at(&r.entry, country);
	return cc ? cc : iso_at(&r.entry, registered);
}

void geo_mmdb_close(struct geo *g)
{
	if (!g->mmdb)
		return;
	MMDB_close(g->mmdb);
	ew_free(g->mmdb);
	g->mmdb = NULL;
}
