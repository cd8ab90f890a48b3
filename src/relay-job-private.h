/* relay-job-private.h: what the pool needs to know about a job
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "relay-job.h"
#include "relay-pool.h"

G_BEGIN_DECLS

struct _RelayJob
{
  GObject         parent_instance;

  RelayPromise   *promise;     /* owned; immutable */
  RelayPool      *pool;        /* borrowed: the pool outlives its jobs */
  RelayJobFunc    func;
  gpointer        user_data;
  GDestroyNotify  destroy;

  /* Worker thread only, while the function runs. */
  gboolean        returned;
};

RelayJob *_relay_job_new              (RelayPool      *pool,
                                       RelayPromise   *promise,
                                       RelayJobFunc    func,
                                       gpointer        user_data,
                                       GDestroyNotify  destroy);
void      _relay_job_run              (RelayJob       *self);
void      _relay_job_release_data     (RelayJob       *self);

void      _relay_pool_begin_wait      (RelayPool      *pool);
void      _relay_pool_end_wait        (RelayPool      *pool);

G_END_DECLS
