/* demo-self-test.h: the demo, run and judged unattended
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "demo-window.h"

G_BEGIN_DECLS

typedef enum {
  DEMO_SELF_TEST_JOBS,      /* --self-test, --self-test=jobs */
  DEMO_SELF_TEST_SEARCH,    /* --self-test=search */
} DemoSelfTestMode;

typedef struct _DemoSelfTest DemoSelfTest;

DemoSelfTest *demo_self_test_new             (DemoWindow       *window,
                                              DemoRunner       *runner,
                                              DemoMeasure      *measure,
                                              DemoSelfTestMode  mode);
gboolean      demo_self_test_is_done         (DemoSelfTest *self);
int           demo_self_test_get_exit_status (DemoSelfTest *self);
void          demo_self_test_free            (DemoSelfTest *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DemoSelfTest, demo_self_test_free)

G_END_DECLS
