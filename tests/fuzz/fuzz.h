/*
 * The libFuzzer entry points every target in tests/fuzz defines. The same sources build twice:
 * with clang's -fsanitize=fuzzer (build-fuzz/, `make fuzz`) and with driver.c as a plain program
 * that runs the checked-in corpus and regression inputs once (every build, under CTest).
 */
#ifndef XK_FUZZ_H
#define XK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed property: prints what and aborts, so the fuzzer keeps the input as a crash. */
void fuzz_fail(const char *what, const uint8_t *data, size_t size);

#endif
