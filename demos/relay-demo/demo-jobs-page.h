/* demo-jobs-page.h: the page of background jobs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "demo-job-row.h"
#include "demo-preview.h"
#include "demo-runner.h"

G_BEGIN_DECLS

#define DEMO_TYPE_JOBS_PAGE (demo_jobs_page_get_type ())
G_DECLARE_FINAL_TYPE (DemoJobsPage, demo_jobs_page, DEMO, JOBS_PAGE, GtkBox)

guint       demo_jobs_page_get_n_rows  (DemoJobsPage *self);
DemoJobRow *demo_jobs_page_get_row     (DemoJobsPage *self,
                                        guint         index);
void        demo_jobs_page_run_all     (DemoJobsPage *self);
void        demo_jobs_page_cancel_all  (DemoJobsPage *self);

G_END_DECLS
