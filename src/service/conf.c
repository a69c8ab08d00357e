/* conf.c - the configuration file: JSON with '#' comment lines, turned
 * into long options for the command line's own getopt table, so the file
 * and the command line can never disagree about what an option means. */
#include "service/service.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "util/alloc.h"

/* Where each key sits in the file: jansson keeps no positions, so a small
 * scan over the (valid) text records the line of every key at depth 1
 * (options) and 2 (entries of "set"). */
struct key_pos {
	const char *raw;	/* key text between the quotes, undecoded */
	size_t len;
	int depth;
	int line;
};

struct conf {
	const char *name;
	const struct option *opts;	/* NULL: no key check */
	struct key_pos *keys;
	size_t nkeys;
	char **argv;
	int argc;
	char *err;
	size_t errlen;
};

/* Blank every line whose first non-blank character is '#', keeping the
 * newlines so jansson's line numbers stay right. Returns 1 when nothing
 * but white space is left. */
static int strip_comments(char *s, size_t len)
{
	int empty = 1;
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
			j++;
		int comment = j < len && s[j] == '#';
		while (j < len && s[j] != '\n') {
			if (comment)
				s[j] = ' ';
			else if (s[j] != ' ' && s[j] != '\t' && s[j] != '\r')
				empty = 0;
			j++;
		}
		i = j + 1;
	}
	return empty;
}

/* Record the keys at depth 1 and 2 of valid JSON text. Strings are keys
 * when a ':' follows them. Bounded: at most SVC_CONF_MAX_OPTS * 2 keys. */
static int scan_keys(struct conf *cf, const char *s, size_t len)
{
	size_t cap = 1;
	int depth = 0, line = 1;

	/* every key is followed by a ':' */
	for (size_t i = 0; i < len && cap < 2u * SVC_CONF_MAX_OPTS; i++)
		cap += s[i] == ':';
	cf->keys = ew_calloc(cap, sizeof(*cf->keys));
	if (!cf->keys)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\n') {
			line++;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == '"') {
			size_t start = ++i;
			while (i < len && s[i] != '"') {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				i++;
			}
			size_t end = i;
			size_t k = i + 1;
			while (k < len && (s[k] == ' ' || s[k] == '\t' ||
			    s[k] == '\r' || s[k] == '\n'))
				k++;
			if (k < len && s[k] == ':' && (depth == 1 || depth == 2) &&
			    cf->nkeys < cap) {
				struct key_pos *kp = &cf->keys[cf->nkeys++];
				kp->raw = s + start;
				kp->len = end - start;
				kp->depth = depth;
				kp->line = line;
			}
		}
	}
	return 0;
}

/* Line of top-level key `key` (0 when unknown, e.g. written with \u
 * escapes); *idx receives its index for set_entry_line. */
static int key_line(const struct conf *cf, const char *key, size_t *idx)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < cf->nkeys; i++) {
		const struct key_pos *kp = &cf->keys[i];
		if (kp->depth == 1 && kp->len == n &&
		    memcmp(kp->raw, key, n) == 0) {
			if (idx)
				*idx = i;
			return kp->line;
		}
	}
	if (idx)
		*idx = cf->nkeys;
	return 0;
}

/* Line of entry `key` in the object that follows key index `parent`. */
static int entry_line(const struct conf *cf, size_t parent, const char *key,
    int fallback)
{
	size_t n = strlen(key);

	for (size_t i = parent + 1; i < cf->nkeys; i++) {
		const struct key_pos *kp = &cf->keys[i];
		if (kp->depth == 1)
			break;
		if (kp->len == n && memcmp(kp->raw, key, n) == 0)
			return kp->line;
	}
	return fallback;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(struct conf *cf, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(cf->err, cf->errlen, "%s:%d: %s", cf->name, line, msg);
	else
		snprintf(cf->err, cf->errlen, "%s: %s", cf->name, msg);
	return -1;
}

/* Append "--name" or "--name=value" (value may be NULL). */
static int push(struct conf *cf, int line, const char *name, const char *value)
{
	if (cf->argc >= SVC_CONF_MAX_OPTS)
		return fail(cf, line, "more than %d options",
		    SVC_CONF_MAX_OPTS);
	size_t n = 2 + strlen(name) + (value ? 1 + strlen(value) : 0) + 1;
	char *s = ew_malloc(n);
	if (!s)
		return fail(cf, line, "out of memory");
	snprintf(s, n, "--%s%s%s", name, value ? "=" : "", value ? value : "");
	cf->argv[cf->argc++] = s;
	cf->argv[cf->argc] = NULL;
	return 0;
}

/* A scalar as option text; 0, or -1 when v is not a string or number. */
static int scalar_text(const json_t *v, char *buf, size_t buflen,
    const char **out)
{
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 0;
	}
	if (json_is_integer(v)) {
		snprintf(buf, buflen, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		*out = buf;
		return 0;
	}
	if (json_is_real(v)) {
		/* Shortest text that reads back as the same double. */
		double d = json_real_value(v);
		snprintf(buf, buflen, "%.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, buflen, "%.17g", d);
		*out = buf;
		return 0;
	}
	return -1;
}

static const char *kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "true/false";
	default: return "null";
	}
}

/* Option names: letters, digits, '-', '_' (no '=', no spaces: each
 * becomes one "--name=value" word). */
static int valid_name(const char *k)
{
	if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
	    (*k >= '0' && *k <= '9')))
		return 0;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

/* "set" keys are setting names such as "scan.min_ports". */
static int valid_setting(const char *k)
{
	if (!*k)
		return 0;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			return 0;
	return 1;
}

/* "set": {"scan.min_ports": 20} -> --set=scan.min_ports=20; a list of
 * "KEY=VALUE" strings or one such string is taken as on the command line. */
static int do_set(struct conf *cf, const char *opt, const json_t *v, int line,
    size_t idx)
{
	char num[64], kv[1024];
	const char *key, *text;
	json_t *e;

	if (!json_is_object(v))
		return 1;	/* the generic path handles strings and lists */
	json_object_foreach((json_t *)v, key, e) {
		int l = entry_line(cf, idx, key, line);
		if (!valid_setting(key))
			return fail(cf, l, "\"%s\": bad setting name '%s'", opt,
			    key);
		if (json_is_null(e))
			continue;
		if (json_is_boolean(e))
			text = json_is_true(e) ? "1" : "0";
		else if (scalar_text(e, num, sizeof(num), &text) < 0)
			return fail(cf, l, "\"%s\": value of '%s' must be a "
			    "number or string, not %s", opt, key, kind(e));
		if ((size_t)snprintf(kv, sizeof(kv), "%s=%s", key, text) >=
		    sizeof(kv))
			return fail(cf, l, "\"%s\": setting '%s' too long", opt,
			    key);
		if (push(cf, l, opt, kv) < 0)
			return -1;
	}
	return 0;
}

static const struct option *find_opt(const struct option *opts,
    const char *name)
{
	for (; opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

static int do_key(struct conf *cf, const char *key, const json_t *v)
{
	char opt[128], num[64];
	const char *text;
	size_t idx;
	int line = key_line(cf, key, &idx);

	if (!valid_name(key) || strlen(key) >= sizeof(opt))
		return fail(cf, line, "bad option name \"%.60s\"", key);
	for (size_t i = 0; key[i]; i++)
		opt[i] = key[i] == '_' ? '-' : key[i];
	opt[strlen(key)] = '\0';
	/* No includes, and nothing that is not a setting. */
	if (strcmp(opt, "config") == 0 || strcmp(opt, "help") == 0)
		return fail(cf, line, "\"%s\" cannot appear in a config file",
		    key);

	int has_arg = -1;	/* unknown: pass everything through */
	if (cf->opts) {
		const struct option *o = find_opt(cf->opts, opt);
		if (!o)
			return fail(cf, line, "unknown option \"%s\"", key);
		has_arg = o->has_arg;
	}

	if (strcmp(opt, "set") == 0) {
		int r = do_set(cf, opt, v, line, idx);
		if (r <= 0)
			return r;
	}
	if (json_is_null(v))
		return 0;
	if (json_is_boolean(v)) {
		if (has_arg == required_argument)
			return fail(cf, line, "\"%s\" needs a value, not %s", key,
			    json_is_true(v) ? "true" : "false");
		return json_is_true(v) ? push(cf, line, opt, NULL) : 0;
	}
	if (has_arg == no_argument)
		return fail(cf, line, "\"%s\" is a switch: write true or false, "
		    "not %s", key, kind(v));
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach((json_t *)v, i, e) {
			if (json_is_null(e))
				continue;
			if (scalar_text(e, num, sizeof(num), &text) < 0)
				return fail(cf, line, "\"%s\": a list may hold "
				    "only strings and numbers, not %s", key,
				    kind(e));
			if (push(cf, line, opt, text) < 0)
				return -1;
		}
		return 0;
	}
	if (scalar_text(v, num, sizeof(num), &text) < 0)
		return fail(cf, line, "\"%s\" must be a string, number, "
		    "true/false or a list, not %s", key, kind(v));
	return push(cf, line, opt, text);
}

int svc_conf_parse(const char *text, size_t len, const char *name,
    const struct option *opts, int *argc, char ***argv, char *err,
    size_t errlen)
{
	struct conf cf = { .name = name ? name : "config", .opts = opts,
	    .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root = NULL;
	char *buf = NULL;
	const char *key;
	json_t *v;

	*argc = 0;
	*argv = NULL;
	if (errlen)
		err[0] = '\0';
	if (len > SVC_CONF_MAX_BYTES) {
		fail(&cf, 0, "too large (%zu bytes; a config file is at most "
		    "%u)", len, SVC_CONF_MAX_BYTES);
		return -1;
	}
	buf = ew_malloc(len + 1);
	cf.argv = ew_calloc(SVC_CONF_MAX_OPTS + 1, sizeof(*cf.argv));
	if (!buf || !cf.argv) {
		fail(&cf, 0, "out of memory");
		goto out;
	}
	if (len)
		memcpy(buf, text, len);
	buf[len] = '\0';
	if (strip_comments(buf, len))
		goto done;	/* only comments: no options */

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		fail(&cf, jerr.line, "%s", jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		fail(&cf, 1, "the file must hold one JSON object { ... }, "
		    "not %s", kind(root));
		goto out;
	}
	if (scan_keys(&cf, buf, len) < 0) {
		fail(&cf, 0, "out of memory");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (do_key(&cf, key, v) < 0)
			goto out;
	}
done:
	*argc = cf.argc;
	*argv = cf.argv;
	cf.argv = NULL;
	json_decref(root);
	ew_free(cf.keys);
	ew_free(buf);
	return 0;

out:
	json_decref(root);
	ew_free(cf.keys);
	ew_free(buf);
	svc_conf_free(cf.argc, cf.argv);
	return -1;
}

int svc_conf_load_opts(const char *path, const struct option *opts,
    int *argc, char ***argv, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t n = 0;

	*argc = 0;
	*argv = NULL;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		fclose(fp);
		return -1;
	}
	/* Read at most one byte past the limit: enough to refuse, whatever
	 * the path points at (a FIFO, /dev/zero, a huge capture). */
	text = ew_malloc(SVC_CONF_MAX_BYTES + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(fp);
		return -1;
	}
	n = fread(text, 1, SVC_CONF_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(fp);
		ew_free(text);
		return -1;
	}
	fclose(fp);
	int r = svc_conf_parse(text, n, path, opts, argc, argv, err, errlen);
	ew_free(text);
	return r;
}

int svc_conf_load(const char *path, int *argc, char ***argv, char *err,
    size_t errlen)
{
	return svc_conf_load_opts(path, NULL, argc, argv, err, errlen);
}

void svc_conf_free(int argc, char **argv)
{
	if (!argv)
		return;
	for (int i = 0; i < argc; i++)
		ew_free(argv[i]);
	ew_free(argv);
}
