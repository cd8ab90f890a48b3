/* demo-examples-panel.h: the two threading examples, replayed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What the examples printed that shows they worked. */
typedef enum {
  DEMO_EXAMPLE_NOTIFIER_FIRED = 1 << 0,   /* "Job finished! 42" */
  DEMO_EXAMPLE_LOOP_RAN       = 1 << 1,   /* "event loop still running..." */
  DEMO_EXAMPLE_GOT_VAL        = 1 << 2,   /* "got val: 9" */
  DEMO_EXAMPLES_ALL           = (1 << 3) - 1,
} DemoExamples;

#define DEMO_TYPE_EXAMPLES_PANEL (demo_examples_panel_get_type ())
G_DECLARE_FINAL_TYPE (DemoExamplesPanel, demo_examples_panel, DEMO, EXAMPLES_PANEL, GtkBox)

void  demo_examples_panel_replay_notifier (DemoExamplesPanel *self);
void  demo_examples_panel_replay_work     (DemoExamplesPanel *self,
                                           gboolean           fail);
guint demo_examples_panel_get_seen        (DemoExamplesPanel *self);

G_END_DECLS
