/* siphash.h - keyed hashes for tables that see attacker-chosen keys.
 *
 * SipHash-1-3 runs per packet for bucket selection (hash-flooding
 * resistance at half the rounds, as Rust's HashMap and CPython chose);
 * SipHash-2-4 is the full-strength variant for ids computed once. */
#ifndef EW_SIPHASH_H
#define EW_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t ew_siphash24(uint64_t k0, uint64_t k1, const uint8_t *data,
    size_t len);
uint64_t ew_siphash13(uint64_t k0, uint64_t k1, const uint8_t *data,
    size_t len);

#endif /* EW_SIPHASH_H */
