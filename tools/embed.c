/* embed.c - turn the dashboard's built files (web/dist) into C source.
 *
 * usage: embed OUT.c FILE...
 *
 * Writes OUT.c defining the api_assets[] table of src/api/assets.h: one
 * entry per file, "/assets/<name>", except index.html which is served as
 * both "/" and "/index.html". The table is sorted by path and holds nothing
 * but the files' bytes, so the same files always give the same output.
 *
 * A build tool, run on the build host: it refuses (exit 1, one line on
 * stderr) a name it would have to escape in a URL or a C string, an
 * extension without a known MIME type, a duplicate name and a file over
 * EMBED_MAX_FILE, rather than embed something the server would serve
 * wrongly. OUT.c is written to a temporary name and renamed into place so
 * an interrupted build never leaves half a file behind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMBED_MAX_FILES 64
#define EMBED_MAX_FILE  (4u * 1024u * 1024u)	/* the dashboard is ~100 KB */
#define EMBED_MAX_NAME  128

struct mime_map {
	const char *ext;
	const char *mime;
};

static const struct mime_map mimes[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "ico", "image/x-icon" },
	{ "json", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
};

struct entry {
	char path[EMBED_MAX_NAME + 16];	/* "/assets/" + name */
	const char *mime;
	size_t file;			/* index into files[] */
};

struct file {
	const char *src;		/* as given on the command line */
	unsigned char *data;
	size_t len;
};

static struct file files[EMBED_MAX_FILES];
static struct entry entries[EMBED_MAX_FILES * 2];

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Letters, digits, '.', '_' and '-' only, not starting with '.': nothing to
 * escape in a URL or a C string literal, and no hidden files. */
static int name_ok(const char *n)
{
	size_t i, len = strlen(n);

	if (len == 0 || len > EMBED_MAX_NAME || n[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static const char *mime_of(const char *n)
{
	const char *dot = strrchr(n, '.');
	size_t i;

	if (dot == NULL)
		return NULL;
	for (i = 0; i < sizeof(mimes) / sizeof(mimes[0]); i++)
		if (strcmp(dot + 1, mimes[i].ext) == 0)
			return mimes[i].mime;
	return NULL;
}

static int read_file(struct file *f)
{
	FILE *fp = fopen(f->src, "rb");
	size_t cap = 4096, n;

	if (fp == NULL) {
		fprintf(stderr, "embed: %s: %s\n", f->src, strerror(errno));
		return -1;
	}
	f->data = malloc(cap);
	f->len = 0;
	while (f->data != NULL) {
		n = fread(f->data + f->len, 1, cap - f->len, fp);
		f->len += n;
		if (f->len < cap)
			break;
		if (cap >= EMBED_MAX_FILE) {
			fprintf(stderr, "embed: %s: larger than %u bytes\n",
			    f->src, EMBED_MAX_FILE);
			goto fail;
		}
		cap *= 2;
		{
			unsigned char *p = realloc(f->data, cap);

			if (p == NULL)
				free(f->data);
			f->data = p;
		}
	}
	if (f->data == NULL) {
		fprintf(stderr, "embed: %s: out of memory\n", f->src);
		goto fail;
	}
	if (ferror(fp)) {
		fprintf(stderr, "embed: %s: read error\n", f->src);
		goto fail;
	}
	fclose(fp);
	return 0;
fail:
	free(f->data);
	f->data = NULL;
	fclose(fp);
	return -1;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static void write_bytes(FILE *o, const struct file *f, size_t idx)
{
	size_t i;

	fprintf(o, "/* %s */\nstatic const unsigned char asset_%zu[] = {",
	    base_name(f->src), idx);
	if (f->len == 0)
		fputs("0", o);	/* C has no empty arrays; len stays 0 */
	for (i = 0; i < f->len; i++)
		fprintf(o, "%s0x%02x,", i % 16 == 0 ? "\n\t" : "",
		    (unsigned)f->data[i]);
	fputs("\n};\n\n", o);
}

int main(int argc, char **argv)
{
	const char *out;
	char tmp[4096];
	size_t nfiles, nent = 0, i, j;
	FILE *o;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: embed OUT.c FILE...\n");
		return 2;
	}
	out = argv[1];
	nfiles = (size_t)(argc - 2);
	if (nfiles > EMBED_MAX_FILES) {
		fprintf(stderr, "embed: more than %d files\n", EMBED_MAX_FILES);
		return 1;
	}
	for (i = 0; i < nfiles; i++) {
		const char *name = base_name(argv[i + 2]);
		const char *mime = mime_of(name);

		files[i].src = argv[i + 2];
		if (!name_ok(name)) {
			fprintf(stderr, "embed: %s: name must be [A-Za-z0-9._-]"
			    " and not start with '.'\n", files[i].src);
			goto done;
		}
		if (mime == NULL) {
			fprintf(stderr, "embed: %s: unknown file type (known:"
			    " html js css svg png ico json txt)\n",
			    files[i].src);
			goto done;
		}
		for (j = 0; j < i; j++)
			if (strcmp(base_name(files[j].src), name) == 0) {
				fprintf(stderr, "embed: %s: name given twice\n",
				    files[i].src);
				goto done;
			}
		if (read_file(&files[i]) != 0)
			goto done;
		snprintf(entries[nent].path, sizeof(entries[nent].path),
		    "/assets/%s", name);
		entries[nent].mime = mime;
		entries[nent++].file = i;
		if (strcmp(name, "index.html") == 0) {
			snprintf(entries[nent].path, sizeof(entries[nent].path),
			    "/");
			entries[nent].mime = mime;
			entries[nent++].file = i;
			/* "/index.html" rather than "/assets/index.html" */
			snprintf(entries[nent - 2].path,
			    sizeof(entries[nent - 2].path), "/index.html");
		}
	}
	qsort(entries, nent, sizeof(entries[0]), cmp_entry);

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= sizeof(tmp)) {
		fprintf(stderr, "embed: %s: name too long\n", out);
		goto done;
	}
	o = fopen(tmp, "w");
	if (o == NULL) {
		fprintf(stderr, "embed: %s: %s\n", tmp, strerror(errno));
		goto done;
	}
	fputs("/* Generated by tools/embed from web/dist: do not edit. */\n"
	    "#include \"api/assets.h\"\n\n", o);
	for (i = 0; i < nfiles; i++)
		write_bytes(o, &files[i], i);
	fputs("const struct api_asset api_assets[] = {\n", o);
	for (i = 0; i < nent; i++)
		fprintf(o, "\t{ \"%s\", \"%s\", asset_%zu, %zu },\n",
		    entries[i].path, entries[i].mime, entries[i].file,
		    files[entries[i].file].len);
	fprintf(o, "};\n\nconst size_t api_assets_count = %zu;\n", nent);
	if (fflush(o) != 0 || ferror(o)) {
		fprintf(stderr, "embed: %s: write error\n", tmp);
		fclose(o);
		remove(tmp);
		goto done;
	}
	if (fclose(o) != 0 || rename(tmp, out) != 0) {
		fprintf(stderr, "embed: %s: %s\n", out, strerror(errno));
		remove(tmp);
		goto done;
	}
	rc = 0;
done:
	for (i = 0; i < nfiles; i++)
		free(files[i].data);
	return rc;
}
