/* relay-job-private.h: what the pool needs to know about a job
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "relay-job.h"
#include "relay-pool.h"

G_BEGIN_DECLS

/* What relay_pool_run() queues: the work, not yet bound to a RelayJob. */
typedef struct _RelayJobRequest RelayJobRequest;

/* A pool's shared state, which outlives the RelayPool while its workers run. */
typedef struct _RelayPoolCore RelayPoolCore;

struct _RelayJobRequest
{
  RelayJobRequest *next;       /* the pool's queue */
  RelayPromise   *promise;     /* owned */
  RelayJobFunc    func;
  gpointer        user_data;
  GDestroyNotify  destroy;
};

/* A RelayJob is bound to one request while its function runs on a worker;
 * each worker reuses its RelayJob for the next request unless someone kept a
 * reference to it. */
struct _RelayJob
{
  GObject         parent_instance;

  /* Worker thread only; set while bound to a request. */
  RelayPromise   *promise;     /* owned */
  RelayPoolCore  *pool;        /* borrowed: held by the worker running the job */
  RelayJobFunc    func;
  gpointer        user_data;
  GDestroyNotify  destroy;
  gboolean        returned;
};

RelayJobRequest *_relay_job_request_new    (RelayPromise    *promise,
                                            RelayJobFunc     func,
                                            gpointer         user_data,
                                            GDestroyNotify   destroy);
void             _relay_job_request_cancel (RelayJobRequest *request,
                                            const char      *message);
void             _relay_job_run_request    (RelayPoolCore   *pool,
                                            RelayJobRequest *request);

void      _relay_pool_begin_wait      (RelayPoolCore  *pool);
void      _relay_pool_end_wait        (RelayPoolCore  *pool);

G_END_DECLS
