/* demo-examples-panel.c: the two threading examples, replayed
 *
 * The two classic examples of threading in an event loop, in Relay. The
 * first: a notifier waits in the main loop; a thread does the work, stores the
 * result without a lock and triggers the notifier; the callback runs on the
 * main thread. The second: `work` runs a function on the pool and returns a
 * promise, and a delay shows that the event loop keeps running meanwhile; a
 * third button makes the work fail so that the catch handler prints the error.
 * Each writes timed lines to the log.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <relay/relay.h>

#include "demo-examples-panel.h"

struct _DemoExamplesPanel
{
  GtkBox         parent_instance;

  guint          seen;   /* DemoExamples */
  GtkTextView   *view;
};

G_DEFINE_FINAL_TYPE (DemoExamplesPanel, demo_examples_panel, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_SEEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void panel_log (DemoExamplesPanel *self,
                       const char        *example,
                       gint64             start_us,
                       const char        *format,
                       ...) G_GNUC_PRINTF (4, 5);

static void
panel_log (DemoExamplesPanel *self,
           const char        *example,
           gint64             start_us,
           const char        *format,
           ...)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->view);
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  GtkTextIter end;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  line = g_strdup_printf ("%-9s +%.2f s  %s\n", example,
                          (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC,
                          message);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, line, -1);
}

static void
panel_saw (DemoExamplesPanel *self,
           DemoExamples       what)
{
  if ((self->seen & what) == what)
    return;

  self->seen |= what;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEEN]);
}

/* ------------------------------------------------------------------------ */
/* Example 1: a notifier triggered from a thread                            */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GWeakRef       panel;
  gint64         start_us;
  RelayNotifier *notifier;  /* main thread: ours until it fired */
  int            result;    /* written by the worker before it triggers */
} NotifierReplay;

static void
notifier_replay_free (gpointer data)
{
  NotifierReplay *replay = data;

  g_weak_ref_clear (&replay->panel);
  g_free (replay);
}

static gboolean
notifier_replay_fired (RelayNotifier *notifier,
                       guint          n_triggers,
                       gpointer       user_data)
{
  NotifierReplay *replay = user_data;
  g_autoptr(DemoExamplesPanel) self = g_weak_ref_get (&replay->panel);

  if (self != NULL)
    {
      panel_log (self, "notifier", replay->start_us, "Job finished! %d", replay->result);
      if (replay->result == 42)
        panel_saw (self, DEMO_EXAMPLE_NOTIFIER_FIRED);
    }

  /* Single-shot: it is done. (Dropping the last reference earlier would have
   * destroyed it, pending trigger and all.) */
  g_clear_object (&replay->notifier);

  return G_SOURCE_REMOVE;
}

static gpointer
notifier_replay_thread (gpointer data)
{
  NotifierReplay *replay = data;
  RelayNotifier *notifier = replay->notifier;   /* the thread's own reference */

  g_usleep (G_USEC_PER_SEC);   /* such work */
  replay->result = 42;
  relay_notifier_trigger (notifier);   /* from here on, @replay belongs to the main thread */
  g_object_unref (notifier);

  return NULL;
}

void
demo_examples_panel_replay_notifier (DemoExamplesPanel *self)
{
  NotifierReplay *replay = g_new0 (NotifierReplay, 1);

  g_weak_ref_init (&replay->panel, self);
  replay->start_us = g_get_monotonic_time ();
  replay->notifier = relay_notifier_new (notifier_replay_fired, replay, notifier_replay_free);
  panel_log (self, "notifier", replay->start_us, "notifier made; a thread sleeps, sets result, triggers it");
  g_object_ref (replay->notifier);   /* for the thread; ours is dropped when it fires */
  g_thread_unref (g_thread_new ("example-notifier", notifier_replay_thread, replay));
}

/* ------------------------------------------------------------------------ */
/* Example 2: `work` with promises                                          */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GWeakRef      panel;
  gint64        start_us;
  RelayPromise *delay;
  RelayPromise *work;
} WorkReplay;

static void
work_replay_clear (gpointer data)
{
  WorkReplay *replay = data;

  g_weak_ref_clear (&replay->panel);
  g_clear_object (&replay->delay);
  g_clear_object (&replay->work);
}

static void
work_replay_release (gpointer data)
{
  g_rc_box_release_full (data, work_replay_clear);
}

static void
work_replay_add (RelayJob *job,
                 gpointer  user_data)
{
  g_usleep (2 * G_USEC_PER_SEC);   /* such work */

  if (GPOINTER_TO_INT (user_data))
    relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_FAILED, "could not add %d and %d", 4, 5);
  else
    relay_job_return_int64 (job, 4 + 5);
}

static void
work_replay_still_running (const GValue *value,
                           gpointer      user_data)
{
  WorkReplay *replay = user_data;
  g_autoptr(DemoExamplesPanel) self = g_weak_ref_get (&replay->panel);

  if (self == NULL)
    return;

  panel_log (self, "work", replay->start_us, "event loop still running...");
  panel_saw (self, DEMO_EXAMPLE_LOOP_RAN);
}

static void
work_replay_got_val (const GValue *value,
                     gpointer      user_data)
{
  WorkReplay *replay = user_data;
  g_autoptr(DemoExamplesPanel) self = g_weak_ref_get (&replay->panel);

  if (self == NULL)
    return;

  panel_log (self, "work", replay->start_us, "got val: %" G_GINT64_FORMAT, g_value_get_int64 (value));
  if (g_value_get_int64 (value) == 9)
    panel_saw (self, DEMO_EXAMPLE_GOT_VAL);
}

static void
work_replay_err (const GError *error,
                 gpointer      user_data)
{
  WorkReplay *replay = user_data;
  g_autoptr(DemoExamplesPanel) self = g_weak_ref_get (&replay->panel);

  if (self != NULL)
    panel_log (self, "work", replay->start_us, "err: %s", error->message);
}

void
demo_examples_panel_replay_work (DemoExamplesPanel *self,
                                 gboolean           fail)
{
  WorkReplay *replay = g_rc_box_new0 (WorkReplay);

  g_weak_ref_init (&replay->panel, self);
  replay->start_us = g_get_monotonic_time ();
  panel_log (self, "work", replay->start_us, "run_in_thread: sleep 2 s, then 4 + 5%s",
             fail ? ", failing on purpose" : "");

  replay->delay = relay_promise_new_delay (1000);
  relay_promise_then_values (replay->delay,
                             work_replay_still_running, g_rc_box_acquire (replay), work_replay_release,
                             NULL, NULL, NULL);

  replay->work = relay_run_in_thread (NULL, work_replay_add, GINT_TO_POINTER (fail), NULL);
  relay_promise_then_values (replay->work,
                             work_replay_got_val, g_rc_box_acquire (replay), work_replay_release,
                             work_replay_err, g_rc_box_acquire (replay), work_replay_release);

  g_rc_box_release_full (replay, work_replay_clear);
}

static void
on_work_clicked (DemoExamplesPanel *self)
{
  demo_examples_panel_replay_work (self, FALSE);
}

static void
on_work_failing_clicked (DemoExamplesPanel *self)
{
  demo_examples_panel_replay_work (self, TRUE);
}

/* ------------------------------------------------------------------------ */

guint
demo_examples_panel_get_seen (DemoExamplesPanel *self)
{
  return self->seen;
}

static void
demo_examples_panel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  DemoExamplesPanel *self = DEMO_EXAMPLES_PANEL (object);

  switch (prop_id)
    {
    case PROP_SEEN:
      g_value_set_uint (value, self->seen);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_examples_panel_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DEMO_TYPE_EXAMPLES_PANEL);

  G_OBJECT_CLASS (demo_examples_panel_parent_class)->dispose (object);
}

static void
demo_examples_panel_class_init (DemoExamplesPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = demo_examples_panel_dispose;
  object_class->get_property = demo_examples_panel_get_property;

  properties[PROP_SEEN] =
    g_param_spec_uint ("seen", NULL, NULL, 0, DEMO_EXAMPLES_ALL, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/relay/Demo/demo-examples-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, DemoExamplesPanel, view);
  gtk_widget_class_bind_template_callback (widget_class, demo_examples_panel_replay_notifier);
  gtk_widget_class_bind_template_callback (widget_class, on_work_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_work_failing_clicked);
}

static void
demo_examples_panel_init (DemoExamplesPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
