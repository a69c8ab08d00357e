/* model_thread.h - the anomaly model beside the rest of the pipeline.
 *
 * The model (features, autoencoders, learning: about 0.7 us a packet)
 * costs more than everything else in the pipeline together, so on a
 * machine with a second core it runs on a worker thread. Packets are
 * handed over in batches of MTHREAD_BATCH: while the worker scores batch
 * k, the pipeline's thread decodes batch k + 1. Output stays
 * deterministic and is the same bytes with or without the thread, because
 * everything that crosses between the two happens at batch boundaries
 * that depend on the input only:
 *   - the model's results for batch k (scores in packet order, episode
 *     alerts in the order raised) are delivered, on the pipeline's
 *     thread, when batch k + 1 is handed over (or at mthread_sync);
 *   - alerts from the other detectors ("do not learn from this source",
 *     anom_flag) collected while batch k + 1 was decoded are applied by
 *     the worker just before it starts on batch k + 1.
 * Inline mode (threaded = 0) runs the worker's step itself at the
 * moment the threaded mode would wait for it.
 *
 * Ownership: the anom and the sink are borrowed; the anom must only be
 * touched (stats, save, finish) after mthread_sync and before the next
 * mthread_packet. */
#ifndef EW_MODEL_THREAD_H
#define EW_MODEL_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "detect/alert.h"
#include "model/anom.h"

/* Entries a batch holds (packets, ticks, and unscored packets when
 * scores are written). */
#define MTHREAD_BATCH 1024

/* A packet's score, in packet order, on the pipeline's thread. */
typedef void (*mthread_score_fn)(double score, void *ud);

struct mthread;

/* threaded: 1 worker thread, 0 inline. score_fn may be NULL (no scores
 * wanted). Sets a's emit hook. NULL with err on failure (allocation,
 * thread creation). */
struct mthread *mthread_new(struct anom *a, struct alert_sink *sink,
    int threaded, mthread_score_fn score_fn, void *score_ud, char *err,
    size_t errlen);
/* Syncs, stops the worker and restores a's emit hook; says on stderr if
 * running out of memory dropped alerts or flags. NULL is a no-op. */
void mthread_free(struct mthread *m);

/* One decoded packet for the model (copied), or p NULL: a packet the
 * model does not see (score 0, only queued when scores are written). */
void mthread_packet(struct mthread *m, const struct packet *p);
/* Packet time moved to now without a packet (anom_tick), then sync: a
 * quiet live network gets its episodes closed without waiting for a
 * batch to fill. */
void mthread_tick(struct mthread *m, uint64_t now);
/* Everything handed over so far is processed and delivered; the worker
 * is idle until the next mthread_packet. */
void mthread_sync(struct mthread *m);

/* alert_listener_fn (ud = the mthread): flags for the model, applied at
 * the next batch boundary (see above). */
void mthread_on_alert(const struct alert *al, const struct alert_device *d,
    void *ud);

/* 1 when a worker thread runs. */
int mthread_threaded(const struct mthread *m);

/* "auto" (a thread when this machine has two or more online CPUs), "on",
 * "off": 1 or 0, -1 for anything else. */
int mthread_mode(const char *s);

#endif /* EW_MODEL_THREAD_H */
