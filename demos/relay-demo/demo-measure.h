/* demo-measure.h: main-loop stalls and frame gaps, measured from inside
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DEMO_STALL_LIMIT_MS  16.0   /* one frame at 60 Hz, rounded down */
#define DEMO_GRAPH_SAMPLES   180    /* frame gaps kept for the graph */

/* What one frame cost the main thread, in CPU time, by frame-clock phase. */
typedef struct
{
  double update_ms;   /* tick callbacks and animations */
  double layout_ms;   /* style, measure and allocate */
  double paint_ms;    /* snapshot, render, hand to the display server */
  double wall_ms;     /* the frame from start to end, waits included */
} DemoFrameCost;

typedef struct
{
  gboolean      measured;
  double        seconds;
  guint         n_probes;
  double        worst_stall_ms;
  double        p99_stall_ms;
  /* the probe interval of the worst stall, by what the main thread was doing
   * (from the kernel's per-thread schedstat; have_schedstat is FALSE without) */
  gboolean      have_schedstat;
  double        worst_interval_ms;
  double        worst_on_cpu_ms;
  double        worst_waiting_ms;
  double        worst_asleep_ms;
  /* the worst stall less the time the main thread was ready to run but had
   * no CPU (other processes' load, which the application cannot change) and
   * less GTK's paint of the frames in it (the renderer): its own work and
   * waits. Without schedstat, only the paint is left out. */
  double        worst_own_stall_ms;
  double        worst_own_interval_ms;   /* that probe interval, by part */
  double        worst_own_on_cpu_ms;
  double        worst_own_waiting_ms;
  double        worst_own_paint_ms;      /* the renderer's paint in it, also left out */
  double        worst_own_server_waiting_ms; /* the X server's wait for a CPU, also left out */
  guint         n_frames;
  double        worst_frame_gap_ms;
  DemoFrameCost costliest_frame;   /* by CPU, while measuring */
  guint         n_profiled;        /* frames asked for with profile_frames() */
  DemoFrameCost costliest_profiled;
} DemoMeasureReport;

#define DEMO_TYPE_MEASURE (demo_measure_get_type ())
G_DECLARE_FINAL_TYPE (DemoMeasure, demo_measure, DEMO, MEASURE, GObject)

DemoMeasure *demo_measure_new                    (void);
void         demo_measure_watch_frames           (DemoMeasure       *self,
                                                  GtkWidget         *widget);
void         demo_measure_start                  (DemoMeasure       *self);
void         demo_measure_stop                   (DemoMeasure       *self);
gboolean     demo_measure_is_measuring           (DemoMeasure       *self);
void         demo_measure_profile_frames         (DemoMeasure       *self,
                                                  guint              n_frames);
void         demo_measure_get_report             (DemoMeasure       *self,
                                                  DemoMeasureReport *report);
guint        demo_measure_get_n_frames_drawn     (DemoMeasure       *self);
guint        demo_measure_get_n_beats_atomic     (DemoMeasure       *self);
double       demo_measure_get_recent_stall       (DemoMeasure       *self);
double       demo_measure_get_recent_frame_gap   (DemoMeasure       *self);
guint        demo_measure_get_n_frames_measured  (DemoMeasure       *self);
void         demo_measure_get_frame_gaps         (DemoMeasure       *self,
                                                  double             gaps_ms[DEMO_GRAPH_SAMPLES]);

G_END_DECLS
