/* assets.c - look up an embedded dashboard file by URL path.
 *
 * The table (build/gen/web_assets.c) has a handful of entries, so a linear
 * exact-match scan is both the simplest and fast enough. Suspicious paths are
 * refused before the scan so a future change to the table (say, directories)
 * can never turn this into a path-traversal primitive. */
#include "api/assets.h"

#include <string.h>

/* Longer than any embedded path; bounds the work done on hostile URLs. */
#define ASSET_PATH_MAX 256

const struct api_asset *api_asset_find(const char *path)
{
	size_t n, i;

	if (path == NULL || path[0] != '/')
		return NULL;
	/* one bounded pass: length cap and no ".." anywhere */
	for (n = 0; path[n] != '\0'; n++) {
		if (n >= ASSET_PATH_MAX)
			return NULL;
		if (path[n] == '.' && path[n + 1] == '.')
			return NULL;
	}
	for (i = 0; i < api_assets_count; i++)
		if (strcmp(api_assets[i].path, path) == 0)
			return &api_assets[i];
	return NULL;
}
