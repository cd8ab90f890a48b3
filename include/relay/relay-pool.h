/* relay-pool.h: a bounded pool of worker threads that returns promises
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(RELAY_INSIDE) && !defined(RELAY_COMPILATION)
# error "Only <relay/relay.h> can be included directly."
#endif

#include <gio/gio.h>
#include "relay-version.h"
#include "relay-promise.h"
#include "relay-job.h"

G_BEGIN_DECLS

#define RELAY_TYPE_POOL (relay_pool_get_type ())

RELAY_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (RelayPool, relay_pool, RELAY, POOL, GObject)

RELAY_AVAILABLE_IN_ALL
RelayPool    *relay_pool_new             (guint           max_threads);
RELAY_AVAILABLE_IN_ALL
RelayPool    *relay_pool_get_default     (void);
RELAY_AVAILABLE_IN_ALL
RelayPromise *relay_pool_run             (RelayPool      *self,
                                          RelayJobFunc    func,
                                          gpointer        user_data,
                                          GDestroyNotify  destroy);
RELAY_AVAILABLE_IN_ALL
guint         relay_pool_get_max_threads (RelayPool      *self);
RELAY_AVAILABLE_IN_ALL
guint         relay_pool_get_n_queued    (RelayPool      *self);
RELAY_AVAILABLE_IN_ALL
guint         relay_pool_get_n_running   (RelayPool      *self);
RELAY_AVAILABLE_IN_ALL
void          relay_pool_shutdown        (RelayPool      *self);
RELAY_AVAILABLE_IN_ALL
gboolean      relay_pool_is_shut_down    (RelayPool      *self);

RELAY_AVAILABLE_IN_ALL
RelayPromise *relay_run_in_thread        (RelayJobFunc    func,
                                          gpointer        user_data,
                                          GDestroyNotify  destroy);

G_END_DECLS
