/* detect.h - behaviour checks: scanning, brute force, floods, beaconing,
 * mining, cleartext credentials, ARP/DHCP abuse, DNS abuse, nDPI risks.
 *
 * Each check is one file with one job (detect/check_*.c) behind the
 * struct check_ops interface in detect_int.h. Checks keep bounded state
 * (lrutab), emit one alert per episode through the alert sink, and take
 * their thresholds from config.h defaults, overridable by name with
 * `--set check.key=value` (see detect_config). */
#ifndef EW_DETECT_H
#define EW_DETECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decode/decode.h"
#include "detect/alert.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "util/homenet.h"

#define DETECT_MAX_SETTINGS 64

struct detect_config {
	int enabled;
	/* "scan.horizontal_dests=50" overrides, borrowed strings; a key no
	 * check knows is an error at detect_new(). */
	unsigned nset;
	const char *set[DETECT_MAX_SETTINGS];
	/* checks to turn off, by name ("beacon"), borrowed */
	unsigned noff;
	const char *off[DETECT_MAX_SETTINGS];
};
void detect_config_default(struct detect_config *cfg);

struct detect;

/* sink and ps are borrowed (ps may be NULL: no app names or risks; sink
 * may be NULL only to validate a configuration, then free it unused).
 * Returns NULL with a reason in err (e.g. an unknown setting). */
struct detect *detect_new(const struct detect_config *cfg,
    const struct homenet *home, struct alert_sink *sink,
    const struct proto *ps, char *err, size_t errlen);
void detect_free(struct detect *d);	/* NULL is a no-op */

/* One decoded packet (f NULL when it has no flow, e.g. ARP). */
void detect_packet(struct detect *d, const struct packet *p,
    const struct flow *f, int to_server, const struct app_meta *m);
/* A flow ended (before it is freed). */
void detect_flow_end(struct detect *d, const struct flow *f);
/* Packet time moved to now without a packet (live mode on a quiet
 * network): checks close episodes that went quiet. detect_packet does
 * this itself. */
void detect_tick(struct detect *d, uint64_t now);
/* End of input: close every open episode as of packet time now. */
void detect_finish(struct detect *d, uint64_t now);

/* Print every setting with its default, "key=value  # what" lines. */
void detect_print_settings(FILE *fp);

#endif /* EW_DETECT_H */
