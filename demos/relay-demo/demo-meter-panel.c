/* demo-meter-panel.c: how responsive the window is, shown in the window
 *
 * A spinner and a ball positioned from the frame clock's time, so that they
 * visibly jump whenever the main thread is held up; a graph of the last 180
 * frame gaps against the 16.7 ms budget; and the worst frame gap and the
 * worst main-loop stall of the last three seconds, the number of frames
 * measured, and how many progress updates the window showed for how many
 * reports the jobs made. The figures come from DemoMeasure (demo-measure.c),
 * which says how they are measured; the panel only shows them, refreshing the
 * text four times a second.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>

#include "demo-jobs.h"
#include "demo-measure.h"
#include "demo-meter-panel.h"
#include "demo-runner.h"

struct _DemoMeterPanel
{
  GtkBox          parent_instance;

  DemoMeasure    *measure;
  DemoRunner     *runner;
  gint64          last_text_us;

  GtkDrawingArea *pulse;
  GtkDrawingArea *graph;
  GtkInscription *frame_gap_label;
  GtkInscription *stall_label;
  GtkInscription *frames_label;
  GtkInscription *updates_label;
};

G_DEFINE_FINAL_TYPE (DemoMeterPanel, demo_meter_panel, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_MEASURE,
  PROP_RUNNER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_text (DemoMeterPanel *self)
{
  char text[64], reports[32], updates[32];
  double stall;

  if (self->measure == NULL)
    return;

  stall = demo_measure_get_recent_stall (self->measure);
  g_snprintf (text, sizeof text, "%.1f ms", demo_measure_get_recent_frame_gap (self->measure));
  gtk_inscription_set_text (self->frame_gap_label, text);
  g_snprintf (text, sizeof text, "%.1f ms", stall);
  gtk_inscription_set_text (self->stall_label, text);
  g_snprintf (text, sizeof text, "%u", demo_measure_get_n_frames_measured (self->measure));
  gtk_inscription_set_text (self->frames_label, text);

  if (self->runner != NULL)
    {
      g_snprintf (text, sizeof text, "%s of %s",
                  demo_format_count (updates, demo_runner_get_n_updates (self->runner)),
                  demo_format_count (reports, demo_runner_get_n_reports (self->runner)));
      gtk_inscription_set_text (self->updates_label, text);
    }

  if (stall >= DEMO_STALL_LIMIT_MS)
    gtk_widget_add_css_class (GTK_WIDGET (self->stall_label), "bad");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->stall_label), "bad");
}

/* Every frame: the animation moves, the graph scrolls. */
static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  DemoMeterPanel *self = user_data;
  gint64 now = g_get_monotonic_time ();

  gtk_widget_queue_draw (GTK_WIDGET (self->pulse));
  gtk_widget_queue_draw (GTK_WIDGET (self->graph));

  if (now - self->last_text_us >= G_USEC_PER_SEC / 4)
    {
      update_text (self);
      self->last_text_us = now;
    }

  return G_SOURCE_CONTINUE;
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   width,
                   double   height,
                   double   radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* A spinner and a ball, both positioned from the frame time: if the main
 * thread blocks, they visibly jump. */
static void
pulse_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (area));
  double t = clock != NULL ? gdk_frame_clock_get_frame_time (clock) / (double) G_USEC_PER_SEC : 0;
  double cx = height / 2.0, cy = height / 2.0, radius = height / 2.0 - 12;
  double left = height + 8, right = width - 16, x;

  rounded_rectangle (cr, 0, 0, width, height, 10);
  cairo_set_source_rgb (cr, 0.12, 0.13, 0.17);
  cairo_fill (cr);

  /* twelve dots, the bright one going round once a second */
  for (int i = 0; i < 12; i++)
    {
      double angle = i * G_PI / 6 - G_PI / 2;
      double behind = fmod (t * 12 - i + 1200, 12);

      cairo_arc (cr, cx + radius * cos (angle), cy + radius * sin (angle), 4.5, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, 0.38, 0.63, 0.98, 1.0 - behind / 13);
      cairo_fill (cr);
    }

  /* a ball sweeping across, there and back in two seconds */
  cairo_set_source_rgba (cr, 1, 1, 1, 0.15);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, left, cy);
  cairo_line_to (cr, right, cy);
  cairo_stroke (cr);

  x = left + (right - left) * (0.5 - 0.5 * cos (t * G_PI));
  cairo_arc (cr, x, cy, 10, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 0.96, 0.62, 0.26);
  cairo_fill (cr);
}

/* The last DEMO_GRAPH_SAMPLES frame gaps, against the 16.7 ms budget. */
static void
graph_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  DemoMeterPanel *self = user_data;
  const double full_scale_ms = 50.0;
  double bar = (double) width / DEMO_GRAPH_SAMPLES;
  double budget_y = height - height * (1000.0 / 60) / full_scale_ms;
  double gaps[DEMO_GRAPH_SAMPLES] = { 0 };

  if (self->measure != NULL)
    demo_measure_get_frame_gaps (self->measure, gaps);

  rounded_rectangle (cr, 0, 0, width, height, 10);
  cairo_set_source_rgb (cr, 0.12, 0.13, 0.17);
  cairo_fill_preserve (cr);
  cairo_clip (cr);

  for (guint i = 0; i < DEMO_GRAPH_SAMPLES; i++)
    {
      double h = MIN (gaps[i] / full_scale_ms, 1.0) * height;

      if (gaps[i] < 20)
        cairo_set_source_rgb (cr, 0.20, 0.82, 0.48);
      else if (gaps[i] < 34)
        cairo_set_source_rgb (cr, 0.96, 0.76, 0.07);
      else
        cairo_set_source_rgb (cr, 0.93, 0.20, 0.23);
      cairo_rectangle (cr, i * bar, height - h, MAX (bar - 0.5, 0.5), h);
      cairo_fill (cr);
    }

  cairo_set_source_rgba (cr, 1, 1, 1, 0.5);
  cairo_set_line_width (cr, 1);
  cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
  cairo_move_to (cr, 0, budget_y);
  cairo_line_to (cr, width, budget_y);
  cairo_stroke (cr);

  cairo_set_dash (cr, NULL, 0, 0);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10);
  cairo_move_to (cr, 6, budget_y - 4);
  cairo_show_text (cr, "16.7 ms");
  cairo_move_to (cr, 6, 14);
  cairo_show_text (cr, "frame gaps, last 3 s");
}

/* ------------------------------------------------------------------------ */

static void
demo_meter_panel_dispose (GObject *object)
{
  DemoMeterPanel *self = DEMO_METER_PANEL (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DEMO_TYPE_METER_PANEL);
  g_clear_object (&self->measure);
  g_clear_object (&self->runner);

  G_OBJECT_CLASS (demo_meter_panel_parent_class)->dispose (object);
}

static void
demo_meter_panel_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DemoMeterPanel *self = DEMO_METER_PANEL (object);

  switch (prop_id)
    {
    case PROP_MEASURE:
      g_value_set_object (value, self->measure);
      break;
    case PROP_RUNNER:
      g_value_set_object (value, self->runner);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_meter_panel_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DemoMeterPanel *self = DEMO_METER_PANEL (object);

  switch (prop_id)
    {
    case PROP_MEASURE:
      /* Set once: the measure counts the pulse's frames from then on. */
      g_return_if_fail (self->measure == NULL);
      self->measure = g_value_dup_object (value);
      if (self->measure != NULL)
        {
          demo_measure_watch_frames (self->measure, GTK_WIDGET (self->pulse));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_RUNNER:
      if (g_set_object (&self->runner, g_value_get_object (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_meter_panel_class_init (DemoMeterPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = demo_meter_panel_dispose;
  object_class->get_property = demo_meter_panel_get_property;
  object_class->set_property = demo_meter_panel_set_property;

  properties[PROP_MEASURE] =
    g_param_spec_object ("measure", NULL, NULL, DEMO_TYPE_MEASURE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNER] =
    g_param_spec_object ("runner", NULL, NULL, DEMO_TYPE_RUNNER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/relay/Demo/demo-meter-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, DemoMeterPanel, pulse);
  gtk_widget_class_bind_template_child (widget_class, DemoMeterPanel, graph);
  gtk_widget_class_bind_template_child (widget_class, DemoMeterPanel, frame_gap_label);
  gtk_widget_class_bind_template_child (widget_class, DemoMeterPanel, stall_label);
  gtk_widget_class_bind_template_child (widget_class, DemoMeterPanel, frames_label);
  gtk_widget_class_bind_template_child (widget_class, DemoMeterPanel, updates_label);
}

static void
demo_meter_panel_init (DemoMeterPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->pulse, pulse_draw, self, NULL);
  gtk_drawing_area_set_draw_func (self->graph, graph_draw, self, NULL);
  gtk_widget_add_tick_callback (GTK_WIDGET (self->pulse), on_tick, self, NULL);
}
