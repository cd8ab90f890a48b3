/* relay-fuzz.h: an interpreter that reads a byte string as a sequence of Relay
 * operations on three threads and checks Relay's invariants after each one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

/* Runs one program. Returns normally when every invariant held; on a violation
 * it prints what broke and aborts (so libFuzzer and the replay test see a
 * crash). Not reentrant: one program at a time per process. */
void relay_fuzz_run (const guint8 *data,
                     gsize         size);

/* Human-readable listing of a program, for debugging a crash. */
char *relay_fuzz_describe (const guint8 *data,
                           gsize         size);
