/* demo-window.c: the demo's window
 *
 * A GTK 4 window that stays responsive while background jobs run. Its layout
 * is in demo-window.ui: the pages on the left, in a GtkStack (the jobs page
 * and the search page; a page of its own file can be added next to them, and
 * the header bar shows a switcher when there are two or more), the threading
 * examples under them, and
 * the responsiveness meter and the Mandelbrot preview on the right. The window
 * holds the two objects every part shares, the DemoRunner that runs jobs and
 * the DemoMeasure that measures the main loop, and hands them down through
 * property bindings in the .ui file, so a page asks for them with a property
 * of the same name.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-meter-panel.h"
#include "demo-preview.h"
#include "demo-window.h"

struct _DemoWindow
{
  GtkWindow          parent_instance;

  DemoRunner        *runner;
  DemoMeasure       *measure;

  GtkLabel          *subtitle;
  GtkWidget         *switcher;
  GtkStack          *pages;
  DemoJobsPage      *jobs_page;
  DemoSearchPage    *search_page;
  DemoExamplesPanel *examples_panel;
};

G_DEFINE_FINAL_TYPE (DemoWindow, demo_window, GTK_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_RUNNER,
  PROP_MEASURE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
demo_window_dispose (GObject *object)
{
  DemoWindow *self = DEMO_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DEMO_TYPE_WINDOW);
  g_clear_object (&self->runner);
  g_clear_object (&self->measure);

  G_OBJECT_CLASS (demo_window_parent_class)->dispose (object);
}

static void
demo_window_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DemoWindow *self = DEMO_WINDOW (object);

  switch (prop_id)
    {
    case PROP_RUNNER:
      g_value_set_object (value, self->runner);
      break;
    case PROP_MEASURE:
      g_value_set_object (value, self->measure);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_window_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  DemoWindow *self = DEMO_WINDOW (object);

  switch (prop_id)
    {
    case PROP_RUNNER:
      if (g_set_object (&self->runner, g_value_get_object (value)))
        {
          gtk_label_set_text (self->subtitle,
                              self->runner != NULL && demo_runner_is_naive (self->runner)
                              ? "naive mode: GThread + g_idle_add"
                              : "background jobs, responsive window");
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MEASURE:
      if (g_set_object (&self->measure, g_value_get_object (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_window_class_init (DemoWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = demo_window_dispose;
  object_class->get_property = demo_window_get_property;
  object_class->set_property = demo_window_set_property;

  properties[PROP_RUNNER] =
    g_param_spec_object ("runner", NULL, NULL, DEMO_TYPE_RUNNER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MEASURE] =
    g_param_spec_object ("measure", NULL, NULL, DEMO_TYPE_MEASURE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The types the .ui file names. */
  g_type_ensure (DEMO_TYPE_JOBS_PAGE);
  g_type_ensure (DEMO_TYPE_SEARCH_PAGE);
  g_type_ensure (DEMO_TYPE_EXAMPLES_PANEL);
  g_type_ensure (DEMO_TYPE_METER_PANEL);
  g_type_ensure (DEMO_TYPE_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/relay/Demo/demo-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DemoWindow, subtitle);
  gtk_widget_class_bind_template_child (widget_class, DemoWindow, switcher);
  gtk_widget_class_bind_template_child (widget_class, DemoWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, DemoWindow, jobs_page);
  gtk_widget_class_bind_template_child (widget_class, DemoWindow, search_page);
  gtk_widget_class_bind_template_child (widget_class, DemoWindow, examples_panel);
}

static void
demo_window_init (DemoWindow *self)
{
  g_autoptr(GListModel) pages = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  pages = G_LIST_MODEL (gtk_stack_get_pages (self->pages));
  gtk_widget_set_visible (self->switcher, g_list_model_get_n_items (pages) > 1);
}

DemoWindow *
demo_window_new (DemoRunner  *runner,
                 DemoMeasure *measure)
{
  return g_object_new (DEMO_TYPE_WINDOW,
                       "runner", runner,
                       "measure", measure,
                       NULL);
}

DemoJobsPage *
demo_window_get_jobs_page (DemoWindow *self)
{
  return self->jobs_page;
}

DemoSearchPage *
demo_window_get_search_page (DemoWindow *self)
{
  return self->search_page;
}

/* Shows the page of that name: "jobs" or "search". */
void
demo_window_show_page (DemoWindow *self,
                       const char *name)
{
  gtk_stack_set_visible_child_name (self->pages, name);
}

DemoExamplesPanel *
demo_window_get_examples_panel (DemoWindow *self)
{
  return self->examples_panel;
}
