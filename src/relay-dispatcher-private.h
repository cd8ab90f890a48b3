/* relay-dispatcher-private.h: the custom GSource per main context (one per
 * priority in use) that runs every promise handler, and the only way Relay's
 * other threads reach a context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RelayDispatcher RelayDispatcher;
typedef struct _RelayTask RelayTask;

/*
 * RelayTaskFunc:
 * @task: the task
 * @dispatch: %TRUE when called from the dispatcher on its context's thread;
 *   %FALSE when the context is gone and the task must only release what it holds
 *
 * Every queued task is handed to its function exactly once, and may be posted
 * again from inside it.
 */
typedef void (*RelayTaskFunc) (RelayTask *task,
                               gboolean   dispatch);

/* Embed this in a struct and post it. @next is non-NULL exactly while the task
 * is queued, so a task knows whether it is queued: relay_dispatcher_post() of a
 * queued task does nothing and returns FALSE. The dispatcher owns the task
 * from a successful post until it calls @func. */
struct _RelayTask
{
  RelayTask     *next;    /* atomic: NULL unless queued */
  RelayTaskFunc  func;
};

/* Users (promises) pin the dispatcher's context: it is not finalized while
 * any user holds the dispatcher, as a GTask keeps its context. */
RelayDispatcher *relay_dispatcher_acquire                (GMainContext    *context);
RelayDispatcher *relay_dispatcher_acquire_thread_default (void);
RelayDispatcher *relay_dispatcher_acquire_again          (RelayDispatcher *self);
void             relay_dispatcher_release                (RelayDispatcher *self);
GMainContext    *relay_dispatcher_get_context            (RelayDispatcher *self);

gboolean         relay_dispatcher_post                   (RelayDispatcher *self,
                                                          RelayTask       *task);
gboolean         relay_dispatcher_post_at                (RelayDispatcher *self,
                                                          int              priority,
                                                          RelayTask       *task);
void             relay_dispatcher_attach_source          (RelayDispatcher *self,
                                                          GSource         *source);
void             relay_dispatcher_destroy_source         (RelayDispatcher *self,
                                                          GSource         *source);
gboolean         relay_dispatcher_is_dispatching         (RelayDispatcher *self);

/* For the benchmarks: how many times any dispatcher's wake-up was written. */
guint64          _relay_dispatcher_get_n_wakeups         (void);

G_END_DECLS
