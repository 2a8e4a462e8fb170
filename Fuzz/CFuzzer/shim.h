#ifndef SHIFT_CFUZZER_SHIM_H
#define SHIFT_CFUZZER_SHIM_H
#include <stddef.h>
#include <stdint.h>
// libFuzzer's driver (in the runtime that `-sanitize=fuzzer` links), called from our own main so
// that SwiftPM's renamed entry point stays the program's entry point.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
