/* model_thread.c - the anomaly model in batches, on a worker thread or
 * inline, with the same output (see model_thread.h). */
#include "model/model_thread.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"

/* ENT_FLAG: an alert from another detector (src, dst, ts_ns = its end),
 * at its place among the packets, as anom_on_alert would have seen it */
enum { ENT_NONE = 0, ENT_PACKET, ENT_TICK, ENT_FLAG };

struct mt_flag {
	struct addr src, dst;
	uint64_t ts_end;
};

/* One batch: filled by the pipeline's thread, processed by the worker,
 * delivered by the pipeline's thread. */
struct mt_batch {
	unsigned n;
	uint8_t kind[MTHREAD_BATCH];
	struct packet pkt[MTHREAD_BATCH];	/* ENT_TICK: only ts_ns */
	double score[MTHREAD_BATCH];
	/* in: flags to apply before the entries (raised while the batch
	 * before was full) */
	struct mt_flag *flag;
	size_t nflag, capflag;
	/* out: the model's alerts, in the order raised */
	struct alert *al;
	size_t nal, capal;
};

struct mthread {
	struct anom *a;
	struct alert_sink *sink;
	mthread_score_fn score_fn;
	void *score_ud;
	struct mt_batch b[2];
	struct mt_batch *cur;		/* being filled */
	struct mt_batch *busy;		/* handed over, not delivered */
	struct mt_batch *work;		/* the worker's, while it runs it */
	/* flags raised while cur is full: they go before the next batch */
	struct mt_flag *flag;
	size_t nflag, capflag;
	uint64_t lost_flags;		/* dropped: no memory (this thread) */
	uint64_t lost_alerts;		/* ... (the worker) */

	int threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int todo, done, stop;		/* under mu */
};

/* Room for one more element in *arr (n used of *cap, elt bytes each),
 * doubling from first. 0, or -1 when out of memory (nothing changed). */
static int room_for_one(void **arr, size_t n, size_t *cap, size_t elt,
    size_t first)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : first;
	p = ew_realloc(*arr, c * elt);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

/* anom_emit_fn: an episode alert raised while the worker runs a batch
 * goes with the batch; one raised outside (anom_finish after a sync)
 * straight to the sink. */
static void on_emit(const struct alert *al, void *ud)
{
	struct mthread *m = ud;
	struct mt_batch *b = m->work;

	if (!b) {
		alert_emit(m->sink, al);
		return;
	}
	if (room_for_one((void **)&b->al, b->nal, &b->capal, sizeof(*b->al),
	    8) < 0) {
		m->lost_alerts++;
		return;
	}
	b->al[b->nal++] = *al;
}

/* The worker's step: flags, then every entry in order. */
static void run_batch(struct mthread *m, struct mt_batch *b)
{
	m->work = b;
	for (size_t i = 0; i < b->nflag; i++)
		anom_flag(m->a, &b->flag[i].src, &b->flag[i].dst,
		    b->flag[i].ts_end);
	for (unsigned i = 0; i < b->n; i++) {
		double s = 0;

		if (b->kind[i] == ENT_PACKET)
			s = anom_packet(m->a, &b->pkt[i]);
		else if (b->kind[i] == ENT_TICK)
			anom_tick(m->a, b->pkt[i].ts_ns);
		else if (b->kind[i] == ENT_FLAG)
			anom_flag(m->a, &b->pkt[i].src, &b->pkt[i].dst,
			    b->pkt[i].ts_ns);
		b->score[i] = s;
	}
	m->work = NULL;
}

static void *worker(void *arg)
{
	struct mthread *m = arg;

	pthread_mutex_lock(&m->mu);
	for (;;) {
		while (!m->todo && !m->stop)
			pthread_cond_wait(&m->cv, &m->mu);
		if (!m->todo)
			break;
		m->todo = 0;
		pthread_mutex_unlock(&m->mu);
		run_batch(m, m->busy);
		pthread_mutex_lock(&m->mu);
		m->done = 1;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* Wait for the batch handed over last (running it here when inline),
 * then deliver its scores and alerts on this thread. */
static void deliver(struct mthread *m)
{
	struct mt_batch *b = m->busy;

	if (!b)
		return;
	if (m->threaded) {
		pthread_mutex_lock(&m->mu);
		while (!m->done)
			pthread_cond_wait(&m->cv, &m->mu);
		m->done = 0;
		pthread_mutex_unlock(&m->mu);
	} else {
		run_batch(m, b);
	}
	m->busy = NULL;
	if (m->score_fn)
		for (unsigned i = 0; i < b->n; i++)
			if (b->kind[i] <= ENT_PACKET)
				m->score_fn(b->score[i], m->score_ud);
	for (size_t i = 0; i < b->nal; i++)
		alert_emit(m->sink, &b->al[i]);
	b->n = 0;
	b->nal = 0;
	b->nflag = 0;
}

/* Hand the current batch over, after delivering the one before it; the
 * flags raised while it was full go before the next one's entries. */
static void hand_over(struct mthread *m)
{
	struct mt_batch *b = m->cur, *next;
	struct mt_flag *tf;
	size_t tc;

	deliver(m);
	m->busy = b;
	next = m->cur = b == &m->b[0] ? &m->b[1] : &m->b[0];
	tf = next->flag;
	tc = next->capflag;
	next->flag = m->flag;
	next->nflag = m->nflag;
	next->capflag = m->capflag;
	m->flag = tf;
	m->capflag = tc;
	m->nflag = 0;
	if (m->threaded) {
		pthread_mutex_lock(&m->mu);
		m->todo = 1;
		pthread_cond_broadcast(&m->cv);
		pthread_mutex_unlock(&m->mu);
	}
}

/* The next entry of the current batch (a full one is handed over
 * first: not when it fills, as that may be inside alert_emit). */
static struct packet *next_entry(struct mthread *m, int kind)
{
	struct mt_batch *b;
	unsigned i;

	if (m->cur->n == MTHREAD_BATCH)
		hand_over(m);
	b = m->cur;
	i = b->n++;
	b->kind[i] = (uint8_t)kind;
	return &b->pkt[i];
}

void mthread_packet(struct mthread *m, const struct packet *p)
{
	struct packet *q;

	if (!p) {
		if (!m->score_fn)
			return;
		next_entry(m, ENT_NONE);
		return;
	}
	q = next_entry(m, ENT_PACKET);
	*q = *p;
	/* the frame is the caller's and gone after this call; the model
	 * reads headers only */
	q->data = NULL;
	q->l3 = NULL;
	q->payload = NULL;
	q->payload_len = 0;
}

void mthread_tick(struct mthread *m, uint64_t now)
{
	next_entry(m, ENT_TICK)->ts_ns = now;
	mthread_sync(m);
}

void mthread_sync(struct mthread *m)
{
	if (m->cur->n || m->cur->nflag)
		hand_over(m);
	deliver(m);
}

/* One flag entry, as anom_flag(src, dst, ts_end) would be applied. */
static void push_flag(struct mthread *m, const struct addr *src,
    const struct addr *dst, uint64_t ts_end)
{
	if (m->cur->n < MTHREAD_BATCH) {
		/* in place: applied between the same packets as inline */
		struct mt_batch *b = m->cur;
		unsigned i = b->n++;
		b->kind[i] = ENT_FLAG;
		b->pkt[i].src = *src;
		b->pkt[i].dst = *dst;
		b->pkt[i].ts_ns = ts_end;
		return;
	}
	if (room_for_one((void **)&m->flag, m->nflag, &m->capflag,
	    sizeof(*m->flag), 16) < 0) {
		m->lost_flags++;
		return;
	}
	m->flag[m->nflag].src = *src;
	m->flag[m->nflag].dst = *dst;
	m->flag[m->nflag].ts_end = ts_end;
	m->nflag++;
}

void mthread_on_alert(const struct alert *al, const struct alert_device *d,
    void *ud)
{
	struct mthread *m = ud;

	(void)d;
	/* the model's own alerts: see anom_on_alert */
	if (al->detector && strcmp(al->detector, "anomaly") == 0)
		return;
	push_flag(m, &al->src, &al->dst, al->ts_end);
	if (al->via.family)
		push_flag(m, &al->via, &al->via, al->ts_end);
}

struct mthread *mthread_new(struct anom *a, struct alert_sink *sink,
    int threaded, mthread_score_fn score_fn, void *score_ud, char *err,
    size_t errlen)
{
	struct mthread *m = ew_calloc(1, sizeof(*m));
	sigset_t all, old;
	int rc;

	if (!m) {
		snprintf(err, errlen, "model thread: out of memory");
		return NULL;
	}
	m->a = a;
	m->sink = sink;
	m->score_fn = score_fn;
	m->score_ud = score_ud;
	m->cur = &m->b[0];
	anom_set_emit(a, on_emit, m);
	if (!threaded)
		return m;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	/* signals stay with the pipeline's thread (run's handlers) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&m->th, NULL, worker, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "model thread: %s", strerror(rc));
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
		anom_set_emit(a, NULL, NULL);
		ew_free(m);
		return NULL;
	}
	m->threaded = 1;
	return m;
}

void mthread_free(struct mthread *m)
{
	if (!m)
		return;
	mthread_sync(m);
	if (m->threaded) {
		pthread_mutex_lock(&m->mu);
		m->stop = 1;
		pthread_cond_broadcast(&m->cv);
		pthread_mutex_unlock(&m->mu);
		pthread_join(m->th, NULL);
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
	}
	anom_set_emit(m->a, NULL, NULL);
	if (m->lost_alerts || m->lost_flags)
		fprintf(stderr, "edgeward: model thread: out of memory: %llu "
		    "model alerts and %llu other detectors' flags dropped\n",
		    (unsigned long long)m->lost_alerts,
		    (unsigned long long)m->lost_flags);
	for (int i = 0; i < 2; i++) {
		ew_free(m->b[i].flag);
		ew_free(m->b[i].al);
	}
	ew_free(m->flag);
	ew_free(m);
}

int mthread_threaded(const struct mthread *m)
{
	return m && m->threaded;
}

int mthread_mode(const char *s)
{
	long n;

	if (strcmp(s, "on") == 0)
		return 1;
	if (strcmp(s, "off") == 0)
		return 0;
	if (strcmp(s, "auto") != 0)
		return -1;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n >= 2 ? 1 : 0;
}
