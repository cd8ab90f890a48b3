/* demo-meter-panel.h: how responsive the window is, shown in the window
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DEMO_TYPE_METER_PANEL (demo_meter_panel_get_type ())
G_DECLARE_FINAL_TYPE (DemoMeterPanel, demo_meter_panel, DEMO, METER_PANEL, GtkBox)

G_END_DECLS
