/* proto_int.h - internals shared by the files of proto/ (not for other
 * modules): the nDPI glue and small helpers the parsers share. */
#ifndef EW_PROTO_INT_H
#define EW_PROTO_INT_H

#include <stddef.h>
#include <stdint.h>

/* ---- nDPI glue (ndpi_glue.c) ------------------------------------------
 *
 * One nDPI detection module per proto instance. Memory: nDPI's allocator
 * hooks are process-global, so ndpi_glue.c installs them once; each block
 * carries a size header and a per-thread byte counter is updated. A proto
 * instance is used by one thread at a time, so the change of that counter
 * across a call is exactly what the call allocated minus what it freed:
 * every function below that runs nDPI reports that delta, and proto.c
 * charges it to the flow (or to the module). */
struct pndpi;

/* Module with every protocol enabled, finalised. NULL on failure (err). */
struct pndpi *pndpi_new(char *err, size_t errlen);
void pndpi_free(struct pndpi *m);		/* NULL is a no-op */
/* Bytes the module itself holds (tables loaded at start-up, plus caches
 * nDPI grows while classifying). */
int64_t pndpi_module_bytes(const struct pndpi *m);
/* Bytes one fresh flow state costs (flow struct and size header). */
size_t pndpi_flow_cost(void);

/* New zeroed nDPI flow state; NULL on allocation failure. *delta gets the
 * bytes allocated. */
void *pndpi_flow_new(struct pndpi *m, int64_t *delta);
/* Result of feeding one packet: 1 when detection is finished (a protocol
 * and nothing more worth dissecting), else 0. */
struct pndpi_result {
	uint16_t master, app;
	uint64_t risk;
	uint8_t guessed;	/* from the ports only (pndpi_giveup) */
};
int pndpi_feed(struct pndpi *m, void *flow, const uint8_t *l3,
    uint32_t len, uint64_t ts_ms, struct pndpi_result *r, int64_t *delta);
/* Give up (guessing by port when nothing was found) and fill r. */
void pndpi_giveup(struct pndpi *m, void *flow, struct pndpi_result *r,
    int64_t *delta);
/* Free the flow state; *delta gets the (negative) change. */
void pndpi_flow_free(struct pndpi *m, void *flow, int64_t *delta);

/* "TLS.YouTube" / "DNS" into buf; NULL when both ids are unknown. Names
 * are remembered per id pair (m's small cache), so m is written. */
const char *pndpi_name(struct pndpi *m, uint16_t master, uint16_t app,
    char *buf, size_t size);
/* 1 cleartext, 0 encrypted, -1 unknown (per nDPI's protocol table). */
int pndpi_cleartext(const struct pndpi *m, uint16_t master, uint16_t app);
/* "Known protocol on non standard port" etc., NULL out of range. */
const char *pndpi_risk_name(unsigned bit);

/* ---- text helpers (dhcp.c) -------------------------------------------- */

/* Copy n packet bytes into dst (size > 0), truncating, NUL-terminated. */
void pu_copy_str(char *dst, size_t size, const uint8_t *src, size_t n);
/* Append n bytes as lower-case hex, truncating at whole bytes. */
void pu_copy_hex(char *dst, size_t size, const uint8_t *src, size_t n);
/* Append ",<v>" (no comma when dst is empty); nothing when it would not
 * fit entirely (the list stays well-formed). */
void pu_append_num(char *dst, size_t size, unsigned v);

#endif /* EW_PROTO_INT_H */
