/* relay-dispatcher-private.h: the one custom GSource per main context that runs
 * every promise handler
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
 * Every task is handed to its function exactly once.
 */
typedef void (*RelayTaskFunc) (RelayTask *task,
                               gboolean   dispatch);

/* Embed this at the start of a struct and post it. The dispatcher owns the
 * task from relay_dispatcher_post() until it calls @func. */
struct _RelayTask
{
  RelayTask     *next;
  RelayTaskFunc  func;
};

RelayDispatcher *relay_dispatcher_get_for_context    (GMainContext    *context);
RelayDispatcher *relay_dispatcher_get_thread_default (void);
RelayDispatcher *relay_dispatcher_ref                (RelayDispatcher *self);
void             relay_dispatcher_unref              (RelayDispatcher *self);
GMainContext    *relay_dispatcher_ref_context        (RelayDispatcher *self);
GMainContext    *relay_dispatcher_peek_context       (RelayDispatcher *self);
void             relay_dispatcher_post               (RelayDispatcher *self,
                                                      RelayTask       *task);

guint64          _relay_dispatcher_get_n_wakeups     (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RelayDispatcher, relay_dispatcher_unref)

G_END_DECLS
