/* demo-jobs-page.c: the page of background jobs
 *
 * Five real jobs (demo-jobs.c), a row each (demo-job-row.c), all run by one
 * DemoRunner: on a RelayPool of processors − 1 threads, or the naive way.
 * "Run all" and "Cancel all" act on every row. The Mandelbrot row feeds the
 * preview as its rows come in.
 *
 * "Run all" starts the rows one per frame rather than all at once. Before,
 * the frame after "Run all" cost the main thread 17–28 ms of CPU, nearly all
 * of it in paint (measured with the frame profile of demo-measure.c; perf
 * showed the time in filling and copying a paint buffer the size of the box
 * around everything redrawn, and in page faults on it): five rows changing
 * at once, each a status, a progress text and two buttons, and each label's
 * new text resizing the window. With one row per frame, and rows whose text
 * changes never resize (demo-job-row.c), each frame after "Run all" costs
 * about 2–10 ms; the self-test prints the costliest of them. The last job is
 * queued five frames (83 ms) later, behind the others anyway.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-jobs.h"
#include "demo-jobs-page.h"

struct _DemoJobsPage
{
  GtkBox       parent_instance;

  DemoRunner  *runner;
  DemoPreview *preview;
  DemoJobRow  *rows[DEMO_N_JOBS];
  GQueue       to_start;       /* rows "Run all" has yet to start */
  guint        stagger_id;     /* tick callback starting them */

  GtkLabel    *note;
  GtkListBox  *list;
};

G_DEFINE_FINAL_TYPE (DemoJobsPage, demo_jobs_page, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_RUNNER,
  PROP_PREVIEW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_note (DemoJobsPage *self)
{
  g_autofree char *note = NULL;
  guint n;

  if (self->runner == NULL)
    return;

  n = demo_runner_get_max_running (self->runner);
  note = demo_runner_is_naive (self->runner)
    ? g_strdup_printf ("Naive mode: a GThread per job (at most %u at once), every "
                       "report posted with g_idle_add()", n)
    : g_strdup_printf ("A RelayPool of %u thread%s below the UI thread's priority; "
                       "progress coalesced on the way to the main loop", n, n == 1 ? "" : "s");
  gtk_label_set_text (self->note, note);
}

/* ------------------------------------------------------------------------ */
/* Run all, one row per frame                                               */
/* ------------------------------------------------------------------------ */

static gboolean
start_next_row (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  DemoJobsPage *self = DEMO_JOBS_PAGE (widget);
  DemoJobRow *row = g_queue_pop_head (&self->to_start);

  if (row != NULL)
    demo_job_row_start (row);

  if (!g_queue_is_empty (&self->to_start))
    return G_SOURCE_CONTINUE;

  self->stagger_id = 0;
  return G_SOURCE_REMOVE;
}

void
demo_jobs_page_run_all (DemoJobsPage *self)
{
  for (guint i = 0; i < DEMO_N_JOBS; i++)
    if (!DEMO_RUN_STATUS_IS_ACTIVE (demo_job_row_get_status (self->rows[i])) &&
        g_queue_find (&self->to_start, self->rows[i]) == NULL)
      g_queue_push_tail (&self->to_start, self->rows[i]);

  if (self->stagger_id == 0 && !g_queue_is_empty (&self->to_start))
    self->stagger_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), start_next_row, NULL, NULL);
}

void
demo_jobs_page_cancel_all (DemoJobsPage *self)
{
  g_queue_clear (&self->to_start);
  for (guint i = 0; i < DEMO_N_JOBS; i++)
    demo_job_row_cancel (self->rows[i]);
}

static void
run_all_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  demo_jobs_page_run_all (DEMO_JOBS_PAGE (widget));
}

static void
cancel_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  demo_jobs_page_cancel_all (DEMO_JOBS_PAGE (widget));
}

/* ------------------------------------------------------------------------ */
/* The Mandelbrot preview                                                   */
/* ------------------------------------------------------------------------ */

static void
on_mandelbrot_status (DemoJobRow   *row,
                      GParamSpec   *pspec,
                      DemoJobsPage *self)
{
  DemoRun *run = demo_job_row_get_run (row);

  if (self->preview == NULL || run == NULL)
    return;

  if (demo_job_row_get_status (row) == DEMO_RUN_QUEUED)
    demo_preview_reset (self->preview);
  else if (demo_job_row_get_status (row) == DEMO_RUN_DONE)   /* the job returned: every row is written */
    demo_preview_take_rows (self->preview, demo_run_peek_pixels (run), DEMO_MANDEL_HEIGHT);
}

static void
on_mandelbrot_fraction (DemoJobRow   *row,
                        GParamSpec   *pspec,
                        DemoJobsPage *self)
{
  DemoRun *run = demo_job_row_get_run (row);

  if (self->preview == NULL || run == NULL ||
      demo_job_row_get_status (row) != DEMO_RUN_RUNNING)
    return;

  demo_preview_take_rows (self->preview, demo_run_peek_pixels (run),
                          demo_mandelbrot_rows_done (demo_job_row_get_fraction (row)));
}

/* ------------------------------------------------------------------------ */

guint
demo_jobs_page_get_n_rows (DemoJobsPage *self)
{
  return DEMO_N_JOBS;
}

DemoJobRow *
demo_jobs_page_get_row (DemoJobsPage *self,
                        guint         index)
{
  g_return_val_if_fail (index < DEMO_N_JOBS, NULL);

  return self->rows[index];
}

static void
demo_jobs_page_dispose (GObject *object)
{
  DemoJobsPage *self = DEMO_JOBS_PAGE (object);

  g_queue_clear (&self->to_start);
  if (self->stagger_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->stagger_id);
  self->stagger_id = 0;
  gtk_widget_dispose_template (GTK_WIDGET (self), DEMO_TYPE_JOBS_PAGE);
  g_clear_object (&self->runner);
  g_clear_object (&self->preview);

  G_OBJECT_CLASS (demo_jobs_page_parent_class)->dispose (object);
}

static void
demo_jobs_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DemoJobsPage *self = DEMO_JOBS_PAGE (object);

  switch (prop_id)
    {
    case PROP_RUNNER:
      g_value_set_object (value, self->runner);
      break;
    case PROP_PREVIEW:
      g_value_set_object (value, self->preview);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_jobs_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  DemoJobsPage *self = DEMO_JOBS_PAGE (object);

  switch (prop_id)
    {
    case PROP_RUNNER:
      if (g_set_object (&self->runner, g_value_get_object (value)))
        {
          for (guint i = 0; i < DEMO_N_JOBS; i++)
            demo_job_row_set_runner (self->rows[i], self->runner);
          update_note (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_PREVIEW:
      if (g_set_object (&self->preview, g_value_get_object (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_jobs_page_class_init (DemoJobsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = demo_jobs_page_dispose;
  object_class->get_property = demo_jobs_page_get_property;
  object_class->set_property = demo_jobs_page_set_property;

  properties[PROP_RUNNER] =
    g_param_spec_object ("runner", NULL, NULL, DEMO_TYPE_RUNNER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PREVIEW] =
    g_param_spec_object ("preview", NULL, NULL, DEMO_TYPE_PREVIEW,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "jobs.run-all", NULL, run_all_action);
  gtk_widget_class_install_action (widget_class, "jobs.cancel-all", NULL, cancel_all_action);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/relay/Demo/demo-jobs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DemoJobsPage, note);
  gtk_widget_class_bind_template_child (widget_class, DemoJobsPage, list);
}

static void
demo_jobs_page_init (DemoJobsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_queue_init (&self->to_start);

  for (guint i = 0; i < DEMO_N_JOBS; i++)
    {
      self->rows[i] = demo_job_row_new (&demo_job_specs[i]);
      gtk_list_box_append (self->list, GTK_WIDGET (self->rows[i]));
      if (demo_job_specs[i].n_pixels > 0)
        {
          g_signal_connect (self->rows[i], "notify::status", G_CALLBACK (on_mandelbrot_status), self);
          g_signal_connect (self->rows[i], "notify::fraction", G_CALLBACK (on_mandelbrot_fraction), self);
        }
    }
}
