/* demo-status.c: a run's status as a job row and the search page show it
 *
 * Both show the status of their run in a GtkInscription with a style class
 * per status (style.css colours it: a colour change, no relayout), and both
 * expose it, with the fraction done, as the read-only properties "status"
 * and "fraction", which the jobs page and the self-test watch. What each
 * one writes in the label is its own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-status.h"

static const char *const status_classes[] = { "idle", "queued", "running", "done", "failed", "cancelled" };

/* The status a widget starts in: DEMO_RUN_IDLE, in *@current and in
 * @label's style class. */
void
demo_status_init (GtkInscription *label,
                  DemoRunStatus  *current)
{
  *current = DEMO_RUN_IDLE;
  gtk_widget_add_css_class (GTK_WIDGET (label), status_classes[DEMO_RUN_IDLE]);
}

/* Moves @label from the style class of *@current to that of @status and sets
 * *@current to @status. Returns %FALSE, having done nothing, if *@current
 * was @status already. */
gboolean
demo_status_set (GtkInscription *label,
                 DemoRunStatus  *current,
                 DemoRunStatus   status)
{
  if (status == *current)
    return FALSE;

  gtk_widget_remove_css_class (GTK_WIDGET (label), status_classes[*current]);
  gtk_widget_add_css_class (GTK_WIDGET (label), status_classes[status]);
  *current = status;

  return TRUE;
}

/* Makes the "status" (a #DemoRunStatus) and "fraction" (0 to 1) properties,
 * read-only, notified explicitly; the class installs them. */
void
demo_status_param_specs (GParamSpec **status,
                         GParamSpec **fraction)
{
  *status =
    g_param_spec_enum ("status", NULL, NULL, DEMO_TYPE_RUN_STATUS, DEMO_RUN_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  *fraction =
    g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

/* Sets @value to @status or @fraction if @pspec is one of the properties
 * demo_status_param_specs() made; returns %FALSE for any other. */
gboolean
demo_status_get_property (GParamSpec    *pspec,
                          DemoRunStatus  status,
                          double         fraction,
                          GValue        *value)
{
  if (g_str_equal (pspec->name, "status"))
    g_value_set_enum (value, status);
  else if (g_str_equal (pspec->name, "fraction"))
    g_value_set_double (value, fraction);
  else
    return FALSE;

  return TRUE;
}
