/* demo-window.h: the demo's window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "demo-examples-panel.h"
#include "demo-jobs-page.h"
#include "demo-measure.h"
#include "demo-runner.h"
#include "demo-search-page.h"

G_BEGIN_DECLS

#define DEMO_TYPE_WINDOW (demo_window_get_type ())
G_DECLARE_FINAL_TYPE (DemoWindow, demo_window, DEMO, WINDOW, GtkWindow)

DemoWindow        *demo_window_new                (DemoRunner  *runner,
                                                   DemoMeasure *measure);
DemoJobsPage      *demo_window_get_jobs_page      (DemoWindow  *self);
DemoSearchPage    *demo_window_get_search_page    (DemoWindow  *self);
void               demo_window_show_page          (DemoWindow  *self,
                                                   const char  *name);
DemoExamplesPanel *demo_window_get_examples_panel (DemoWindow  *self);

G_END_DECLS
