/* demo-preview.h: the Mandelbrot set as it is rendered
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DEMO_TYPE_PREVIEW (demo_preview_get_type ())
G_DECLARE_FINAL_TYPE (DemoPreview, demo_preview, DEMO, PREVIEW, GtkWidget)

void demo_preview_reset     (DemoPreview   *self);
void demo_preview_take_rows (DemoPreview   *self,
                             const guint32 *pixels,
                             guint          n_rows);

G_END_DECLS
