/* nft.h - render the store's quarantines, a zone policy and imported MUD
 * profiles as one nftables ruleset for a table of its own
 * (`table inet edgeward`), for `nft -f`.
 *
 * The output starts with "table inet edgeward" + "delete table inet
 * edgeward" and then defines the table: nft -f runs a file as ONE
 * transaction, so loading it replaces the previous edgeward table
 * atomically (the first line makes the delete valid when there is none)
 * and never touches other tables.
 *
 * Where it filters: the forward hook of an inet table, i.e. on a router /
 * gateway that forwards between the devices and the rest (or on a host
 * whose bridge has br_netfilter on). A sensor that only sees L2 (a tap or
 * mirror port, a bridge without br_netfilter) needs a `bridge` table for
 * enforcement, which is not rendered.
 *
 * Quarantine: sets quarantine_mac (ether_addr), quarantine_v4 and
 * quarantine_v6, all "flags timeout"; an entry with an expiry carries
 * "timeout T expires R" (T the whole quarantine, R what is left at
 * rendering time) so the kernel drops it on time even when nobody
 * re-renders. Forwarded traffic from or to a quarantined host is dropped
 * (including established connections). Traffic to the filtering host
 * itself is dropped too, except DHCP (udp 67, 547), DNS (udp/tcp 53) and
 * IPv6 neighbour discovery, so a quarantined device keeps its address and
 * names from the router but can reach nothing else.
 *
 * Nothing from packets or the store is pasted into the ruleset: MACs and
 * IPs are re-validated and printed in canonical form (quar_norm_*), zone
 * and device names only appear as numbers (chain names) and, validated,
 * in comments. */
#ifndef EW_NFT_H
#define EW_NFT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output/store.h"
#include "policy/mud.h"
#include "policy/quarantine.h"
#include "policy/zones.h"

#define NFT_TABLE "edgeward"

/* One active quarantine (validated addresses). */
struct nft_quar {
	struct quar_device d;
	uint64_t since, until;		/* wall-clock s; until 0 = none */
};

/* One inventory device: zone membership by class/MAC/IP, MUD targets. */
struct nft_host {
	struct quar_device d;
	char cls[48];			/* inventory class, "" unknown */
};

/* One imported MUD profile and the device it belongs to. */
struct nft_mud {
	struct quar_device d;
	struct mud_profile *p;		/* owned by the input */
};

struct nft_input {
	struct nft_quar *q;
	size_t nq;
	struct nft_host *hosts;
	size_t nhosts;
	struct nft_mud *mud;
	size_t nmud;
	const struct zones *zones;	/* NULL: no zone rules */
	uint64_t now_s;			/* wall clock: "expires" counts from it */
	const char *source;		/* for the header comment (validated) */
};

/* Fill in from a store (quarantines as store_quarantine_each gives them
 * now, devices, "mud" baselines; profiles that fail mud_parse are
 * skipped and counted in *mud_bad when not NULL). 0, or -1 with err. */
int nft_input_from_store(struct nft_input *in, struct store *st,
    uint64_t now_s, unsigned *mud_bad, char *err, size_t errlen);
void nft_input_free(struct nft_input *in);

/* The whole ruleset (see above). 0, or -1 with err (a write error). */
int nft_render(const struct nft_input *in, FILE *out, char *err,
    size_t errlen);
/* Only the quarantine sets: flush them and add the current elements, for
 * a table already loaded (keeps its zone and MUD rules as they are). */
int nft_render_sets(const struct nft_input *in, FILE *out, char *err,
    size_t errlen);

/* ---- loading (the CLI's --apply; root / CAP_NET_ADMIN) ---------------- */
/* The nft binary: /usr/sbin/nft or /sbin/nft (never a PATH lookup); NULL
 * when neither is executable. */
const char *nft_binary(void);
/* Run `nft ARGS...` (argv[0] excluded, NULL-terminated) with text (len
 * bytes, may be NULL) on its stdin; its stderr goes to ours, its stdout
 * too unless quiet. Returns nft's exit status (0 ok), or -1 with err
 * when it could not be run. */
int nft_run(const char *const *args, const char *text, size_t len,
    int quiet, char *err, size_t errlen);
/* 1 when table inet edgeward is loaded, 0 when not, -1 nft not usable. */
int nft_table_loaded(void);

#endif /* EW_NFT_H */
