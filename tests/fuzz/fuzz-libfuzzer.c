/* fuzz-libfuzzer.c: the libFuzzer entry point (clang -fsanitize=fuzzer)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "relay-fuzz.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  relay_fuzz_run (data, size);
  return 0;
}
