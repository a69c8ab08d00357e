/* assets.h - the dashboard's static files, embedded in the binary.
 *
 * The table is generated at build time by tools/embed from every file in
 * web/dist (build/gen/web_assets.c), so serving the dashboard needs no files
 * on disk and no npm. index.html appears twice, as "/" and "/index.html";
 * everything else as "/assets/<name>". */
#ifndef EW_API_ASSETS_H
#define EW_API_ASSETS_H

#include <stddef.h>

struct api_asset {
	const char *path;		/* "/", "/index.html", "/assets/app.js" */
	const char *mime;		/* full Content-Type value */
	const unsigned char *data;
	size_t len;
};

/* Defined in the generated build/gen/web_assets.c, sorted by path. */
extern const struct api_asset api_assets[];
extern const size_t api_assets_count;

/* The asset served at `path` (the URL path, no query string), or NULL.
 * Exact match only; a path that does not start with '/' or contains ".."
 * is refused without looking. */
const struct api_asset *api_asset_find(const char *path);

#endif
