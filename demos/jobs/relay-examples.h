/* relay-examples.h: example background jobs built on Relay's public API
 *
 * A library that is not Relay, written the way any C library hands Relay
 * promises to its callers: each function queues a job on a [class@Relay.Pool]
 * and returns the job's [class@Relay.Promise] (or, for a job that streams,
 * its [class@Relay.Channel]). Through GObject Introspection
 * (RelayExamples-1.0) Python and JavaScript callers get the same promises.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <relay/relay.h>

G_BEGIN_DECLS

RelayPromise *relay_examples_add_after_delay (RelayPool      *pool,
                                              int             a,
                                              int             b,
                                              guint           milliseconds);
RelayPromise *relay_examples_floor_divide    (RelayPool      *pool,
                                              int             dividend,
                                              int             divisor,
                                              guint           milliseconds);
RelayPromise *relay_examples_trigger_after_work (RelayPool     *pool,
                                                RelayNotifier *notifier,
                                                int            result,
                                                guint          n_triggers,
                                                guint          milliseconds);
RelayPromise *relay_examples_count_primes    (RelayPool      *pool,
                                              guint           limit);
RelayChannel *relay_examples_stream_numbers  (RelayPool     *pool,
                                              GCancellable  *cancellable,
                                              guint          capacity,
                                              gint64         first,
                                              guint          n,
                                              gboolean       fail);
RelayPromise *relay_examples_hash_file       (RelayPool      *pool,
                                              GFile          *file,
                                              GChecksumType   checksum_type);

G_END_DECLS
