/* demo-hog.h: a busy thread at the UI thread's priority, for the self-test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DemoHog DemoHog;

DemoHog *demo_hog_start          (void);
void     demo_hog_stop           (DemoHog *hog);
int      demo_hog_get_nice       (DemoHog *hog);
double   demo_hog_get_cpu_share  (DemoHog *hog);
void     demo_hog_free           (DemoHog *hog);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DemoHog, demo_hog_free)

G_END_DECLS
