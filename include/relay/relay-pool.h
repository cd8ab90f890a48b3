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

/**
 * RelayWorkerPriority:
 * @RELAY_WORKER_PRIORITY_NORMAL: workers run at the CPU priority of the
 *   process's main thread, competing with the UI thread on equal terms
 * @RELAY_WORKER_PRIORITY_UTILITY: workers run below the main thread (nice
 *   +10 over the main thread's nice value on Linux): the scheduler gives the
 *   UI thread a processor first, and the workers still get most of the
 *   remaining time. The default.
 * @RELAY_WORKER_PRIORITY_BACKGROUND: workers run at the lowest ordinary
 *   priority (nice 19 on Linux), for work nobody waits for
 *
 * The CPU priority of a [class@Relay.Pool]'s worker threads, in the spirit of
 * Apple's quality-of-service classes. Only ordinary time-sharing priorities are
 * used, never `SCHED_IDLE`: a worker starved completely could hold a lock the
 * UI thread needs.
 *
 * On a two-core machine a worker at the main thread's priority takes half of
 * a core from the UI thread whenever anything else (a compositor, a compiler)
 * wants the other one, which doubles the UI's worst frame; hence the
 * %RELAY_WORKER_PRIORITY_UTILITY default. On platforms without per-thread nice
 * values the priority is recorded but has no effect.
 */
typedef enum {
  RELAY_WORKER_PRIORITY_NORMAL,
  RELAY_WORKER_PRIORITY_UTILITY,
  RELAY_WORKER_PRIORITY_BACKGROUND,
} RelayWorkerPriority;

#define RELAY_TYPE_POOL (relay_pool_get_type ())

RELAY_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (RelayPool, relay_pool, RELAY, POOL, GObject)

RELAY_AVAILABLE_IN_1_0
RelayPool    *relay_pool_new             (guint           max_threads);
RELAY_AVAILABLE_IN_1_0
RelayPool    *relay_pool_new_full        (guint           max_threads,
                                          RelayWorkerPriority priority);
RELAY_AVAILABLE_IN_1_0
RelayPool    *relay_pool_get_default     (void);
RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_pool_run             (RelayPool      *self,
                                          GCancellable   *cancellable,
                                          RelayJobFunc    func,
                                          gpointer        user_data,
                                          GDestroyNotify  destroy);
RELAY_AVAILABLE_IN_1_0
guint         relay_pool_get_max_threads (RelayPool      *self);
RELAY_AVAILABLE_IN_1_0
RelayWorkerPriority relay_pool_get_worker_priority (RelayPool *self);
RELAY_AVAILABLE_IN_1_0
guint         relay_pool_get_idle_timeout (RelayPool     *self);
RELAY_AVAILABLE_IN_1_0
void          relay_pool_set_idle_timeout (RelayPool     *self,
                                           guint          timeout_ms);
RELAY_AVAILABLE_IN_1_0
guint         relay_pool_get_n_threads   (RelayPool      *self);
RELAY_AVAILABLE_IN_1_0
int           relay_pool_get_priority    (RelayPool      *self);
RELAY_AVAILABLE_IN_1_0
void          relay_pool_set_priority    (RelayPool      *self,
                                          int             priority);
RELAY_AVAILABLE_IN_1_0
guint         relay_pool_get_n_queued    (RelayPool      *self);
RELAY_AVAILABLE_IN_1_0
guint         relay_pool_get_n_running   (RelayPool      *self);
RELAY_AVAILABLE_IN_1_0
void          relay_pool_shutdown        (RelayPool      *self);
RELAY_AVAILABLE_IN_1_0
gboolean      relay_pool_is_shut_down    (RelayPool      *self);

RELAY_AVAILABLE_IN_1_0
RelayPromise *relay_run_in_thread        (GCancellable   *cancellable,
                                          RelayJobFunc    func,
                                          gpointer        user_data,
                                          GDestroyNotify  destroy);

G_END_DECLS
