/* demo-jobs.h: the five background jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "demo-runner.h"

G_BEGIN_DECLS

#define DEMO_MANDEL_WIDTH   384        /* shown 1:1: no scaling on the main thread */
#define DEMO_MANDEL_HEIGHT  256

enum {
  DEMO_JOB_PRIMES,
  DEMO_JOB_MANDELBROT,
  DEMO_JOB_HASH,
  DEMO_JOB_PI,
  DEMO_JOB_COLLATZ,
  DEMO_N_JOBS
};

extern const DemoJobSpec demo_job_specs[DEMO_N_JOBS];

guint        demo_mandelbrot_rows_done (double   fraction);
const char  *demo_format_count         (char     buffer[32],
                                        guint64  value);

G_END_DECLS
