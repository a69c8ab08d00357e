/* fuzz_snapshot.c - libFuzzer target: the model snapshot loader
 * (snap_decode) on arbitrary bytes, and on a valid snapshot with
 * fuzzer-chosen byte edits and truncation (the signature check is skipped
 * so the parser behind it is reached; loading in production always
 * verifies first).
 *
 * Input: byte 0 even -> the rest is a whole file; odd -> the rest is a
 * list of (u16 offset, u8 xor) edits on a built-in valid snapshot, whose
 * length is cut to byte 1 * 64 when byte 1 is non-zero. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model/kitnet.h"
#include "model/snapshot.h"
#include "util/alloc.h"

#define FZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define NF 12

static uint8_t *base;
static size_t base_len;

static void make_base(void)
{
	struct kitnet *kn = kitnet_new(NF, 4, 0.1, 0.75, 1);
	struct snap_meta m;
	double x[NF];

	FZ_CHECK(kn);
	for (unsigned i = 0; i < 400; i++) {
		for (unsigned f = 0; f < NF; f++)
			x[f] = (double)((i * 7 + f * 13) % 17) * (f % 3 + 1);
		if (i < 100)
			kitnet_fm_update(kn, x);
		else if (i == 100)
			FZ_CHECK(kitnet_fm_finish(kn) == 0);
		else
			kitnet_train(kn, x);
	}
	memset(&m, 0, sizeof(m));
	m.layout = snap_layout_hash(NF, 0);
	m.phase = 4;
	m.thr.ready = 1;
	m.thr.mu = -3;
	m.thr.sigma = 0.5;
	m.thr.tail = 1e-4;
	m.thr.value = 0.2;
	FZ_CHECK(snap_encode(kn, &m, &base, &base_len) == 0);
	kitnet_free(kn);
}

static void check(const uint8_t *b, size_t n)
{
	struct kitnet *kn = NULL;
	struct snap_meta m;
	char err[256];
	int rc = snap_decode(b, n, NULL, &kn, &m, err, sizeof(err));

	if (rc != 0) {
		FZ_CHECK(kn == NULL);
		FZ_CHECK(err[0] != 0);
		return;
	}
	FZ_CHECK(kn && kitnet_ready(kn));
	/* a loaded model scores finite numbers, whatever the vector */
	double *v = calloc(kn->nfeat, sizeof(double));
	FZ_CHECK(v);
	for (unsigned i = 0; i < kn->nfeat; i++)
		v[i] = i % 3 == 0 ? 1e30 : (double)i;
	double s = kitnet_score(kn, v);
	FZ_CHECK(isfinite(s) && s >= 0);
	/* and re-encodes to the same length */
	uint8_t *out;
	size_t olen;
	FZ_CHECK(snap_encode(kn, &m, &out, &olen) == 0);
	FZ_CHECK(olen == n);
	ew_free(out);
	free(v);
	kitnet_free(kn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base)
		make_base();
	if (size < 1)
		return 0;
	if (!(data[0] & 1)) {
		check(data + 1, size - 1);
		return 0;
	}
	uint8_t *b = malloc(base_len);
	FZ_CHECK(b);
	memcpy(b, base, base_len);
	size_t n = base_len;
	if (size >= 2 && data[1] && (size_t)data[1] * 64u < n)
		n = (size_t)data[1] * 64u;
	for (size_t i = 2; i + 3 <= size; i += 3) {
		size_t off = ((size_t)data[i] | ((size_t)data[i + 1] << 8)) % n;
		b[off] ^= data[i + 2];
	}
	check(b, n);
	free(b);
	return 0;
}
