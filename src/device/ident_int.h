/* ident_int.h - shared between the identification files of src/device/
 * (kb.c, classify.c, fplib.c): the parsed knowledge base and the
 * fingerprint tokens. The inventory uses device_int.h only. */
#ifndef EW_IDENT_INT_H
#define EW_IDENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "device/device_int.h"

/* Attributes a rule can set. */
enum kb_attr { KB_VENDOR = 0, KB_CLASS, KB_MODEL, KB_OS, KB__ATTRS };

struct kb_rule {
	uint8_t kind;			/* enum dev_ev_kind */
	uint8_t conf;			/* 1..100 */
	int8_t cap;			/* wildcard captured as $1, -1 none */
	uint32_t line;			/* in the KB file (for "why") */
	const char *pat;		/* lower-case glob (* and ?) */
	/* literal head and tail of pat (before the first / after the last
	 * wildcard): a cheap pre-check before the glob */
	uint16_t pat_len, head_len, tail_len;
	const char *set[KB__ATTRS];	/* NULL: not set by this rule;
					 * class holds dev_class_name() */
};

struct dev_kb {
	struct kb_rule *r;		/* sorted by kind, file order kept */
	size_t n;
	size_t kind_start[DEV_EV__COUNT + 1];	/* rules of kind k:
					 * r[kind_start[k] .. kind_start[k+1]) */
	char *arena;			/* every string of the rules */
	size_t alen, acap;
	char path[256];
};

/* Case-insensitive glob match of the whole text (pattern lower-case,
 * '*' any run, '?' one byte). When cap >= 0 the text matched by wildcard
 * number cap (0-based) is returned through cs/cl. 1 match, 0 not. */
int kb_glob(const char *pat, const char *text, int cap, const char **cs,
    size_t *cl);

/* Parse KB text (for the loader and the fuzzer). name labels errors. */
struct dev_kb *dev_kb_parse(const char *text, size_t len, const char *name,
    char *err, size_t errlen);

/* Class name -> enum (also accepts the part before '/': "plug"). */
int kb_class_parse(const char *s);
const char *kb_class_str(unsigned c);	/* canonical name, NULL if bad */
int kb_kind_parse(const char *s);
const char *kb_kind_name(unsigned k);

/* ---- fingerprints (fplib.c) ---- */
#define DEV_FP_TOKEN_LEN 96

/* Fingerprint tokens of d (no MAC, no IP): writes up to max tokens into
 * tok[i] (DEV_FP_TOKEN_LEN bytes each), sorted and unique. oui_org may
 * be NULL. Returns the count. */
size_t dev_fp_tokens(const struct device *d, const char *oui_org,
    char (*tok)[DEV_FP_TOKEN_LEN], size_t max);

struct dev_fp_match {
	char label[DEV_NAME_LEN];
	char vendor[DEV_NAME_LEN];	/* recorded at enrolment, "" none */
	char cls[DEV_NAME_LEN];
	char model[DEV_NAME_LEN];
	double sim;			/* 0..1 */
	double second;			/* best other label's similarity */
};

/* Nearest enrolled fingerprint. 1 with m filled when one is at least
 * DEV_FPLIB_MIN_SIM similar, 0 when nothing is close (m->sim still says
 * how close the best was). */
int dev_fplib_match(const struct dev_fplib *lib, const struct device *d,
    const char *oui_org, struct dev_fp_match *m);

/* Parse library text (loader and fuzzer). */
struct dev_fplib *dev_fplib_parse(const char *text, size_t len,
    const char *name, char *err, size_t errlen);

/* Building and saving a library (learn, tests). dev_fplib_add returns 1
 * added, 0 already known, -1 error; call dev_fplib_reindex before
 * matching after adding. label/vendor/cls/model of a label are set
 * with dev_fplib_set_label (NULL leaves a field). dev_fplib_save writes
 * atomically (temp file + rename). */
struct dev_fplib *dev_fplib_new(void);
int dev_fplib_add(struct dev_fplib *lib, const char *label,
    char (*tok)[DEV_FP_TOKEN_LEN], size_t n, char *err, size_t errlen);
int dev_fplib_set_label(struct dev_fplib *lib, const char *label,
    const char *vendor, const char *cls, const char *model);
int dev_fplib_reindex(struct dev_fplib *lib);
int dev_fplib_save(const struct dev_fplib *lib, const char *path, char *err,
    size_t errlen);
size_t dev_fplib_labels(const struct dev_fplib *lib);
size_t dev_fplib_samples(const struct dev_fplib *lib);

#endif /* EW_IDENT_INT_H */
