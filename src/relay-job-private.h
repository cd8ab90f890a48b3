/* relay-job-private.h: what a runner (the pool) needs to know about a job
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A RelayJob is the unit of work: a function, its data and the promise it
 * settles. It knows nothing of pools. Whoever runs it (RelayPool, see
 * relay-pool.c) queues it by @next, runs it on a worker with _relay_job_run(),
 * and gives it hooks for relay_job_wait() while it runs.
 */
#pragma once

#include "relay-job.h"

G_BEGIN_DECLS

/* The runner's side of relay_job_wait(): a job is about to block waiting for
 * another promise, and is done waiting. */
typedef struct
{
  void (*begin_wait) (gpointer runner);
  void (*end_wait)   (gpointer runner);
} RelayJobRunnerFuncs;

struct _RelayJob
{
  GObject                    parent_instance;

  RelayJob                  *next;         /* the runner's queue, under its lock */
  RelayPromise              *promise;      /* owned; immutable */

  /* Set at creation; released once, when the function returned or the job
   * was cancelled before it ran. */
  RelayJobFunc               func;
  gpointer                   user_data;
  GDestroyNotify             destroy;

  /* The caller's cancellable linked to the promise's, until the job is done. */
  GCancellable              *linked;       /* owned */
  gulong                     linked_id;

  /* While the function runs, on its worker. */
  GThread                   *thread;       /* atomic: the worker, NULL otherwise */
  gboolean                   returned;     /* worker only */
  int                        done;         /* atomic: the function returned or never will */
  const RelayJobRunnerFuncs *runner_funcs;
  gpointer                   runner;
};

RelayJob *_relay_job_new    (RelayPromise              *promise,
                             RelayJobFunc               func,
                             gpointer                   user_data,
                             GDestroyNotify             destroy);
void      _relay_job_run    (RelayJob                  *self,
                             const RelayJobRunnerFuncs *runner_funcs,
                             gpointer                   runner);
void      _relay_job_link_cancellable (RelayJob        *self,
                                       GCancellable    *cancellable);
void      _relay_job_cancel (RelayJob                  *self,
                             GQuark                     domain,
                             int                        code,
                             const char                *message);

G_END_DECLS
