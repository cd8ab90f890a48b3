/* demo-status.h: a run's status as a job row and the search page show it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "demo-runner.h"

G_BEGIN_DECLS

void     demo_status_init         (GtkInscription *label,
                                   DemoRunStatus  *current);
gboolean demo_status_set          (GtkInscription *label,
                                   DemoRunStatus  *current,
                                   DemoRunStatus   status);
void     demo_status_param_specs  (GParamSpec    **status,
                                   GParamSpec    **fraction);
gboolean demo_status_get_property (GParamSpec     *pspec,
                                   DemoRunStatus   status,
                                   double          fraction,
                                   GValue         *value);

G_END_DECLS
