/* demo-job-row.h: one row of the jobs page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "demo-runner.h"

G_BEGIN_DECLS

#define DEMO_TYPE_JOB_ROW (demo_job_row_get_type ())
G_DECLARE_FINAL_TYPE (DemoJobRow, demo_job_row, DEMO, JOB_ROW, GtkGrid)

DemoJobRow        *demo_job_row_new          (const DemoJobSpec *spec);
const DemoJobSpec *demo_job_row_get_spec     (DemoJobRow        *self);
void               demo_job_row_set_runner   (DemoJobRow        *self,
                                              DemoRunner        *runner);
DemoRunStatus      demo_job_row_get_status   (DemoJobRow        *self);
double             demo_job_row_get_fraction (DemoJobRow        *self);
DemoRun           *demo_job_row_get_run      (DemoJobRow        *self);
void               demo_job_row_start        (DemoJobRow        *self);
void               demo_job_row_cancel       (DemoJobRow        *self);

G_END_DECLS
