/* fuzz.h - the libFuzzer entry point every fuzz/fuzz_*.c target defines.
 *
 * Build (see the Makefile's `fuzz` target):
 *   clang -fsanitize=fuzzer,address,undefined ... fuzz/fuzz_x.c <library>
 * Each target checks its own invariants and calls __builtin_trap() when
 * one fails, so a logic error is reported like a memory error. */
#ifndef EW_FUZZ_H
#define EW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* EW_FUZZ_H */
