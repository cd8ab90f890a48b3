/* demo-job-row.c: one row of the jobs page
 *
 * A row shows one job: what it does, its status (idle, queued, running, done
 * with its result, failed, cancelled), a progress bar with the latest report's
 * text, and Run and Cancel buttons. It starts its job through the DemoRunner
 * and hears back on the main thread, in either mode, through two callbacks:
 * progress, as often as the runner delivers it, and finished, once.
 *
 * A state change is cheap to show. The status and the progress text are
 * GtkInscriptions, sized by a number of characters rather than by their
 * text, so new text only redraws them: a GtkLabel would queue a resize, and a
 * resize that reaches the window makes GTK recompute the toplevel's size,
 * which on X11 is ten synchronous round trips to the X server in that frame
 * (seen with strace and perf: the main thread then sleeps until the server
 * answers, however busy the machine is). The status classes in style.css
 * change a colour only, so they restyle one node and relayout nothing. The row exposes its status and fraction as properties, which
 * is how the jobs page feeds the Mandelbrot preview and the self-test watches
 * the run.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-job-row.h"
#include "demo-status.h"

struct _DemoJobRow
{
  GtkGrid            parent_instance;

  const DemoJobSpec *spec;
  DemoRunner        *runner;
  DemoRun           *run;           /* the latest run, or NULL */
  DemoRunStatus      status;
  double             fraction;
  gint64             started_us;    /* when the run was seen running */

  GtkLabel          *tag;
  GtkLabel          *title;
  GtkInscription    *status_label;
  GtkLabel          *detail;
  GtkInscription    *progress_text;
  GtkProgressBar    *progress_bar;
  GtkWidget         *run_button;
  GtkWidget         *cancel_button;
};

G_DEFINE_FINAL_TYPE (DemoJobRow, demo_job_row, GTK_TYPE_GRID)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_FRACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *const status_labels[] = { "Idle", "Queued", "Running", "Done", "Failed", "Cancelled" };

static void
set_status (DemoJobRow    *self,
            DemoRunStatus  status,
            const char    *text)
{
  gboolean active = DEMO_RUN_STATUS_IS_ACTIVE (status);

  demo_status_set (self->status_label, &self->status, status);
  gtk_inscription_set_text (self->status_label, status_labels[status]);

  if (text != NULL)
    gtk_inscription_set_text (self->progress_text, text);

  gtk_widget_set_sensitive (self->run_button, !active);
  gtk_widget_set_sensitive (self->cancel_button, active);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
set_fraction (DemoJobRow *self,
              double      fraction)
{
  if (fraction == self->fraction)
    return;

  self->fraction = fraction;
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

/* Main thread: one progress update, however it got here. */
static void
on_run_progress (DemoRun    *run,
                 double      fraction,
                 const char *text,
                 gpointer    user_data)
{
  DemoJobRow *self = user_data;

  /* Reports can trail behind a cancelled run. */
  if (run != self->run || !DEMO_RUN_STATUS_IS_ACTIVE (self->status))
    return;

  if (self->status == DEMO_RUN_QUEUED)
    {
      self->started_us = g_get_monotonic_time ();
      set_status (self, DEMO_RUN_RUNNING, NULL);
    }

  if (text != NULL)
    gtk_inscription_set_text (self->progress_text, text);
  set_fraction (self, fraction);
}

/* Main thread: the run settled. */
static void
on_run_finished (DemoRun       *run,
                 DemoRunStatus  status,
                 const char    *text,
                 gpointer       user_data)
{
  DemoJobRow *self = user_data;
  g_autofree char *stopped = NULL;

  if (run != self->run || !DEMO_RUN_STATUS_IS_ACTIVE (self->status))
    return;

  if (status == DEMO_RUN_CANCELLED)
    text = stopped = g_strdup_printf ("stopped at %.0f %%", 100 * self->fraction);
  if (status == DEMO_RUN_DONE)
    set_fraction (self, 1.0);

  set_status (self, status, text);
  if (status == DEMO_RUN_DONE && self->started_us != 0)
    {
      g_autofree char *done = g_strdup_printf ("Done in %.1f s",
                                               (g_get_monotonic_time () - self->started_us) /
                                               (double) G_USEC_PER_SEC);
      gtk_inscription_set_text (self->status_label, done);
    }
}

static const DemoRunCallbacks run_callbacks = {
  on_run_progress,
  on_run_finished,
};

static void
clear_run (DemoJobRow *self)
{
  if (self->run == NULL)
    return;

  demo_run_detach (self->run);
  g_clear_pointer (&self->run, demo_run_unref);
}

void
demo_job_row_start (DemoJobRow *self)
{
  g_return_if_fail (self->runner != NULL);

  if (DEMO_RUN_STATUS_IS_ACTIVE (self->status))
    return;

  clear_run (self);
  self->started_us = 0;
  set_fraction (self, 0.0);
  set_status (self, DEMO_RUN_QUEUED, "waiting for a thread");
  self->run = demo_runner_start (self->runner, self->spec, &run_callbacks, self);
}

void
demo_job_row_cancel (DemoJobRow *self)
{
  if (DEMO_RUN_STATUS_IS_ACTIVE (self->status))
    demo_run_cancel (self->run);
}

static void
on_run_clicked (DemoJobRow *self)
{
  demo_job_row_start (self);
}

static void
on_cancel_clicked (DemoJobRow *self)
{
  demo_job_row_cancel (self);
}

static void
demo_job_row_dispose (GObject *object)
{
  DemoJobRow *self = DEMO_JOB_ROW (object);

  if (self->run != NULL)
    demo_run_cancel (self->run);
  clear_run (self);
  g_clear_object (&self->runner);
  gtk_widget_dispose_template (GTK_WIDGET (self), DEMO_TYPE_JOB_ROW);

  G_OBJECT_CLASS (demo_job_row_parent_class)->dispose (object);
}

static void
demo_job_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DemoJobRow *self = DEMO_JOB_ROW (object);

  if (!demo_status_get_property (pspec, self->status, self->fraction, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
demo_job_row_class_init (DemoJobRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = demo_job_row_dispose;
  object_class->get_property = demo_job_row_get_property;

  demo_status_param_specs (&properties[PROP_STATUS], &properties[PROP_FRACTION]);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/relay/Demo/demo-job-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DemoJobRow, tag);
  gtk_widget_class_bind_template_child (widget_class, DemoJobRow, title);
  gtk_widget_class_bind_template_child (widget_class, DemoJobRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, DemoJobRow, detail);
  gtk_widget_class_bind_template_child (widget_class, DemoJobRow, progress_text);
  gtk_widget_class_bind_template_child (widget_class, DemoJobRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DemoJobRow, run_button);
  gtk_widget_class_bind_template_child (widget_class, DemoJobRow, cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_run_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
}

static void
demo_job_row_init (DemoJobRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  demo_status_init (self->status_label, &self->status);
}

DemoJobRow *
demo_job_row_new (const DemoJobSpec *spec)
{
  DemoJobRow *self = g_object_new (DEMO_TYPE_JOB_ROW, NULL);

  self->spec = spec;
  gtk_label_set_text (self->tag, spec->kind);
  if (g_str_equal (spec->kind, "I/O"))
    gtk_widget_add_css_class (GTK_WIDGET (self->tag), "io");
  gtk_label_set_text (self->title, spec->title);
  gtk_label_set_text (self->detail, spec->detail);
  set_status (self, DEMO_RUN_IDLE, "not started");

  return self;
}

const DemoJobSpec *
demo_job_row_get_spec (DemoJobRow *self)
{
  return self->spec;
}

void
demo_job_row_set_runner (DemoJobRow *self,
                         DemoRunner *runner)
{
  g_set_object (&self->runner, runner);
}

DemoRunStatus
demo_job_row_get_status (DemoJobRow *self)
{
  return self->status;
}

double
demo_job_row_get_fraction (DemoJobRow *self)
{
  return self->fraction;
}

DemoRun *
demo_job_row_get_run (DemoJobRow *self)
{
  return self->run;
}
