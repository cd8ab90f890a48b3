/* demo-measure.c: main-loop stalls and frame gaps, measured from inside
 *
 * What the meter shows and what the self-test judges, and how.
 *
 * A stall is time during which the main loop could not run anything. It is
 * measured with a probe: a GSource at G_PRIORITY_HIGH that fires every
 * millisecond. GLib runs the highest-priority ready sources first, so the
 * probe runs as soon as the loop gets back to dispatching; each time it runs,
 * its lateness (the time since its previous run, minus its 1 ms period) is one
 * sample. A sample therefore covers everything that kept the loop from the
 * probe: one long dispatch (a handler, a batch of idles, a whole frame's
 * update, layout and paint, which GTK runs as one dispatch), time the main
 * thread spent runnable but waiting for a processor, and time it slept inside
 * a dispatch (a blocking call, a round trip to the display server). Nothing is
 * subtracted and no sample is dropped, from the moment measuring starts to the
 * moment it stops. The probe's own granularity is about 1 ms (GLib's poll
 * timeout is in milliseconds), so samples below 1 ms are noise; the limit
 * checked against is 16 ms. The worst sample is the worst stall, and the 99th
 * percentile is taken over all samples (0.1 ms bins).
 *
 * The verdict is on the *own stall*: a sample less the time the main thread
 * was ready to run but had no CPU (other processes' load), less the time the
 * X server had no CPU while the main thread slept (at most the time it slept:
 * it was waiting for a reply, the server was waiting for a processor) and
 * less the CPU
 * time GTK spent in the paint phase of the frames drawn in that interval (the
 * renderer: under Xvfb, cairo rasterising in software, 13-17 ms for a first
 * paint of a full list on CI's virtual machines, whatever feeds the list).
 * What remains is what the application answers for: its handlers and the
 * results Relay delivers, layout, and blocking waits.
 *
 * To say why the worst stall happened, the probe also reads the main thread's
 * own counters in /proc/thread-self/schedstat (Linux): CPU time used and time
 * spent waiting on a run queue. The worst interval is split into time on the
 * CPU, time waiting for a CPU and the rest (asleep or blocked, including the
 * probe's own 1 ms sleep). Where that file does not exist, the split is not
 * given; the stall itself is measured the same way.
 *
 * A frame gap is the time between two runs of a tick callback, taken with the
 * monotonic clock rather than the frame clock's frame time, which GTK may
 * smooth. Under Xvfb there is no compositor, and GTK paces frames by itself at
 * 60 Hz, so a gap above 16.7 ms is a frame that came late.
 *
 * What a frame costs is measured from the frame clock's own phase signals,
 * connected after GTK's handlers: the thread CPU time spent between
 * before-paint and the end of update (tick callbacks), of layout (style,
 * measure, allocate) and of paint (snapshot and render). That is how the demo
 * finds what an expensive frame spends its time on, rather than guessing.
 * With RELAY_DEMO_FRAME_LOG set in the environment, every frame that costs
 * 5 ms or more, and every frame profiled after "Run all", is printed to stderr
 * with its phases and its monotonic time (to match with `perf record -k
 * CLOCK_MONOTONIC`), and so is every probe interval whose own stall reached
 * 8 ms, with its split.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE 1   /* struct ucred */

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demo-measure.h"
#include "../../tests/schedstat.h"

#ifdef GDK_WINDOWING_X11
# include <gdk/x11/gdkx.h>
#endif

#define PROBE_PERIOD_MS      1
#define RECENT_BUCKETS       12     /* the meter covers RECENT_BUCKETS × 250 ms */
#define RECENT_BUCKET_US     (G_USEC_PER_SEC / 4)
#define HISTOGRAM_BIN_MS     0.1
#define HISTOGRAM_BINS       2000   /* 0 to 200 ms; the last bin takes the rest */
#define FRAME_LOG_MS         5.0    /* RELAY_DEMO_FRAME_LOG: frames that cost this much */
#define STALL_LOG_MS         8.0    /* RELAY_DEMO_FRAME_LOG: own stalls this long */

/* The worst value seen in each of the last few 250 ms buckets. */
typedef struct
{
  gint64 bucket[RECENT_BUCKETS];
  double worst[RECENT_BUCKETS];
} RecentWorst;

typedef enum {
  PHASE_BEFORE_PAINT,
  PHASE_UPDATE,
  PHASE_LAYOUT,
  PHASE_PAINT,
  N_PHASES
} Phase;

struct _DemoMeasure
{
  GObject        parent_instance;

  guint          probe_id;
  gint64         last_beat_us;
  int            n_beats_atomic;       /* read by the self-test's watchdog thread */
  int            schedstat_fd;
  gboolean       frame_log;            /* RELAY_DEMO_FRAME_LOG is set */
  gint64         last_cpu_ns;
  gint64         last_wait_ns;
  double         paint_since_probe_ms; /* CPU in frames' paint phase since the last probe */
  int            server_schedstat_fd;  /* the X server's, or -1 */
  gboolean       server_looked_up;
  gint64         last_server_wait_ns;

  GtkWidget     *widget;               /* weak: the widget whose frames are counted */
  guint          tick_id;
  GdkFrameClock *clock;                /* the one whose phases are connected */
  gint64         last_tick_us;
  guint          n_frames_drawn;
  double         frame_gaps[DEMO_GRAPH_SAMPLES];   /* ms, a ring */
  guint          frame_gaps_pos;

  /* the current frame, by phase */
  double         phase_cpu_ms[N_PHASES];
  gint64         phase_us[N_PHASES];

  RecentWorst    recent_stalls;
  RecentWorst    recent_frame_gaps;

  gboolean       measuring;
  gint64         start_us;
  gint64         end_us;
  guint          n_probes;
  guint          histogram[HISTOGRAM_BINS];
  double         worst_stall_ms;
  gboolean       have_schedstat;
  double         worst_interval_ms;
  double         worst_on_cpu_ms;
  double         worst_waiting_ms;
  double         worst_own_stall_ms;
  double         worst_own_interval_ms;
  double         worst_own_on_cpu_ms;
  double         worst_own_waiting_ms;
  double         worst_own_paint_ms;
  double         worst_own_server_waiting_ms;
  guint          n_frames;
  double         worst_frame_gap_ms;
  DemoFrameCost  costliest_frame;
  guint          profile_remaining;
  guint          n_profiled;
  DemoFrameCost  costliest_profiled;
};

G_DEFINE_FINAL_TYPE (DemoMeasure, demo_measure, G_TYPE_OBJECT)

static void
recent_worst_add (RecentWorst *recent,
                  gint64       now_us,
                  double       value)
{
  gint64 bucket = now_us / RECENT_BUCKET_US;
  guint i = bucket % RECENT_BUCKETS;

  if (recent->bucket[i] != bucket)
    {
      recent->bucket[i] = bucket;
      recent->worst[i] = 0;
    }
  recent->worst[i] = MAX (recent->worst[i], value);
}

static double
recent_worst_get (const RecentWorst *recent,
                  gint64             now_us)
{
  gint64 bucket = now_us / RECENT_BUCKET_US;
  double worst = 0;

  for (guint i = 0; i < RECENT_BUCKETS; i++)
    if (bucket - recent->bucket[i] < RECENT_BUCKETS)
      worst = MAX (worst, recent->worst[i]);

  return worst;
}

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);

  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The X server's run-queue wait so far, in ns: while the main thread waits
 * for a reply, the server's wait for a CPU is other processes' load too. The
 * server is the peer of GDK's connection (SO_PEERCRED). */
static gboolean
read_server_wait (DemoMeasure *self,
                  gint64      *wait_ns)
{
  gint64 cpu_ns;

  if (!self->server_looked_up)
    {
      self->server_looked_up = TRUE;
#ifdef GDK_WINDOWING_X11
      GdkDisplay *display = gdk_display_get_default ();

      if (display != NULL && GDK_IS_X11_DISPLAY (display))
        self->server_schedstat_fd =
          schedstat_open_peer (ConnectionNumber (gdk_x11_display_get_xdisplay (display)));
#endif
    }

  return schedstat_read (self->server_schedstat_fd, &cpu_ns, wait_ns);
}

static gboolean
probe (gpointer user_data)
{
  DemoMeasure *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu_ns = 0, wait_ns = 0;
  gboolean have_schedstat = schedstat_read (self->schedstat_fd, &cpu_ns, &wait_ns);
  gint64 server_wait_ns = 0;
  gboolean have_server = read_server_wait (self, &server_wait_ns);

  g_atomic_int_inc (&self->n_beats_atomic);

  if (self->last_beat_us != 0)
    {
      double interval_ms = (now - self->last_beat_us) / 1000.0;
      double stall_ms = MAX (interval_ms - PROBE_PERIOD_MS, 0);

      recent_worst_add (&self->recent_stalls, now, stall_ms);
      if (self->measuring)
        {
          guint bin = MIN ((guint) (stall_ms / HISTOGRAM_BIN_MS), HISTOGRAM_BINS - 1);

          self->histogram[bin]++;
          self->n_probes++;
          gboolean split = have_schedstat && self->last_cpu_ns != 0;
          double on_cpu_ms = split ? (cpu_ns - self->last_cpu_ns) / 1e6 : 0;
          double waiting_ms = split ? (wait_ns - self->last_wait_ns) / 1e6 : 0;
          /* What is left of the stall once the time spent ready to run
           * without a CPU and the renderer's paint of the frames are taken
           * out: the application's own work and waits (its handlers, the
           * main loop, layout, blocking calls), whatever else the machine
           * runs and however fast it rasterises. */
          double paint_ms = self->paint_since_probe_ms;
          double asleep_ms = split ? MAX (interval_ms - on_cpu_ms - waiting_ms, 0) : 0;
          double server_waiting_ms = split && have_server && self->last_server_wait_ns != 0
            ? MIN ((server_wait_ns - self->last_server_wait_ns) / 1e6, asleep_ms) : 0;
          double own_stall_ms = MAX (stall_ms - waiting_ms - server_waiting_ms - paint_ms, 0);

          if (self->frame_log && own_stall_ms >= STALL_LOG_MS)
            g_printerr ("relay-demo: stall of %.2f ms ending at %.6f s: %.2f ms on the CPU "
                        "(%.2f painting), %.2f waiting for a CPU, the X server %.2f; own %.2f ms\n",
                        stall_ms, now / 1e6, on_cpu_ms, paint_ms, waiting_ms,
                        server_waiting_ms, own_stall_ms);

          if (stall_ms > self->worst_stall_ms || self->n_probes == 1)
            {
              self->worst_stall_ms = stall_ms;
              self->worst_interval_ms = interval_ms;
              self->have_schedstat = split;
              self->worst_on_cpu_ms = on_cpu_ms;
              self->worst_waiting_ms = waiting_ms;
            }
          if (own_stall_ms > self->worst_own_stall_ms || self->n_probes == 1)
            {
              self->worst_own_stall_ms = own_stall_ms;
              self->worst_own_interval_ms = interval_ms;
              self->worst_own_on_cpu_ms = on_cpu_ms;
              self->worst_own_waiting_ms = waiting_ms;
              self->worst_own_paint_ms = paint_ms;
              self->worst_own_server_waiting_ms = server_waiting_ms;
            }
        }
    }

  self->last_beat_us = now;
  self->paint_since_probe_ms = 0;
  self->last_server_wait_ns = server_wait_ns;
  self->last_cpu_ns = cpu_ns;
  self->last_wait_ns = wait_ns;

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* Frames                                                                   */
/* ------------------------------------------------------------------------ */

static void
on_phase_end (DemoMeasure *self,
              Phase        phase)
{
  self->phase_cpu_ms[phase] = thread_cpu_ms ();
  self->phase_us[phase] = g_get_monotonic_time ();
}

static void
on_before_paint (GdkFrameClock *clock,
                 DemoMeasure   *self)
{
  on_phase_end (self, PHASE_BEFORE_PAINT);
}

static void
on_update (GdkFrameClock *clock,
           DemoMeasure   *self)
{
  on_phase_end (self, PHASE_UPDATE);
}

static void
on_layout (GdkFrameClock *clock,
           DemoMeasure   *self)
{
  on_phase_end (self, PHASE_LAYOUT);
}

static double
frame_cost_cpu (const DemoFrameCost *cost)
{
  return cost->update_ms + cost->layout_ms + cost->paint_ms;
}

/* The frame is drawn: account for it. A phase that did not run this frame
 * (GTK skips layout when nothing changed) costs nothing. */
static void
on_paint (GdkFrameClock *clock,
          DemoMeasure   *self)
{
  double start = self->phase_cpu_ms[PHASE_BEFORE_PAINT];
  double update_end, layout_end;
  DemoFrameCost cost;

  on_phase_end (self, PHASE_PAINT);
  if (self->phase_us[PHASE_BEFORE_PAINT] == 0)
    return;

  update_end = self->phase_us[PHASE_UPDATE] >= self->phase_us[PHASE_BEFORE_PAINT]
    ? self->phase_cpu_ms[PHASE_UPDATE] : start;
  layout_end = self->phase_us[PHASE_LAYOUT] >= self->phase_us[PHASE_BEFORE_PAINT]
    ? self->phase_cpu_ms[PHASE_LAYOUT] : update_end;

  cost.update_ms = update_end - start;
  cost.layout_ms = layout_end - update_end;
  cost.paint_ms = self->phase_cpu_ms[PHASE_PAINT] - layout_end;
  self->paint_since_probe_ms += cost.paint_ms;
  cost.wall_ms = (self->phase_us[PHASE_PAINT] - self->phase_us[PHASE_BEFORE_PAINT]) / 1000.0;

  if (self->frame_log && (self->profile_remaining > 0 || frame_cost_cpu (&cost) >= FRAME_LOG_MS))
    g_printerr ("relay-demo: frame %u%s at %.6f s: CPU update %.2f ms, layout %.2f, paint %.2f; "
                "%.2f ms from start to end\n",
                self->n_frames_drawn, self->profile_remaining > 0 ? " (profiled)" : "",
                self->phase_us[PHASE_BEFORE_PAINT] / 1e6,
                cost.update_ms, cost.layout_ms, cost.paint_ms, cost.wall_ms);
  if (self->measuring && frame_cost_cpu (&cost) > frame_cost_cpu (&self->costliest_frame))
    self->costliest_frame = cost;

  if (self->profile_remaining > 0)
    {
      self->profile_remaining--;
      self->n_profiled++;
      if (frame_cost_cpu (&cost) > frame_cost_cpu (&self->costliest_profiled))
        self->costliest_profiled = cost;
    }
}

static void
connect_phases (DemoMeasure   *self,
                GdkFrameClock *clock)
{
  if (self->clock == clock)
    return;

  if (self->clock != NULL)
    g_signal_handlers_disconnect_by_data (self->clock, self);
  g_set_object (&self->clock, clock);

  g_signal_connect_after (clock, "before-paint", G_CALLBACK (on_before_paint), self);
  g_signal_connect_after (clock, "update", G_CALLBACK (on_update), self);
  g_signal_connect_after (clock, "layout", G_CALLBACK (on_layout), self);
  g_signal_connect_after (clock, "paint", G_CALLBACK (on_paint), self);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  DemoMeasure *self = user_data;
  gint64 now = g_get_monotonic_time ();

  connect_phases (self, clock);

  if (self->last_tick_us != 0)
    {
      double gap_ms = (now - self->last_tick_us) / 1000.0;

      recent_worst_add (&self->recent_frame_gaps, now, gap_ms);
      self->frame_gaps[self->frame_gaps_pos++ % DEMO_GRAPH_SAMPLES] = gap_ms;
      if (self->measuring)
        {
          self->worst_frame_gap_ms = MAX (self->worst_frame_gap_ms, gap_ms);
          self->n_frames++;
        }
    }
  self->last_tick_us = now;
  self->n_frames_drawn++;

  return G_SOURCE_CONTINUE;
}

/* Counts the frames of @widget's frame clock, from a tick callback, which also
 * keeps the clock running at the display's rate. */
void
demo_measure_watch_frames (DemoMeasure *self,
                           GtkWidget   *widget)
{
  g_return_if_fail (self->widget == NULL);

  self->widget = widget;
  g_object_add_weak_pointer (G_OBJECT (widget), (gpointer *) &self->widget);
  self->tick_id = gtk_widget_add_tick_callback (widget, on_tick, self, NULL);
}

/* ------------------------------------------------------------------------ */
/* Measuring                                                                */
/* ------------------------------------------------------------------------ */

/* Starts the totals afresh. The meter's recent figures run all the time. */
void
demo_measure_start (DemoMeasure *self)
{
  self->measuring = TRUE;
  self->start_us = g_get_monotonic_time ();
  self->end_us = 0;
  self->n_probes = 0;
  memset (self->histogram, 0, sizeof self->histogram);
  self->worst_stall_ms = 0;
  self->worst_own_stall_ms = 0;
  self->have_schedstat = FALSE;
  self->n_frames = 0;
  self->worst_frame_gap_ms = 0;
  memset (&self->costliest_frame, 0, sizeof self->costliest_frame);
}

void
demo_measure_stop (DemoMeasure *self)
{
  if (!self->measuring)
    return;

  self->measuring = FALSE;
  self->end_us = g_get_monotonic_time ();
}

gboolean
demo_measure_is_measuring (DemoMeasure *self)
{
  return self->measuring;
}

/* Records what each of the next @n_frames frames costs, separately from the
 * rest: the self-test asks for the frames that follow "Run all". */
void
demo_measure_profile_frames (DemoMeasure *self,
                             guint        n_frames)
{
  self->profile_remaining = n_frames;
  self->n_profiled = 0;
  memset (&self->costliest_profiled, 0, sizeof self->costliest_profiled);
}

static double
histogram_percentile (DemoMeasure *self,
                      double       fraction)
{
  guint64 wanted = (guint64) (fraction * self->n_probes + 0.999999);
  guint64 seen = 0;

  for (guint i = 0; i < HISTOGRAM_BINS; i++)
    {
      seen += self->histogram[i];
      if (seen >= wanted && seen > 0)
        return MIN ((i + 1) * HISTOGRAM_BIN_MS, self->worst_stall_ms);
    }

  return self->worst_stall_ms;
}

void
demo_measure_get_report (DemoMeasure       *self,
                         DemoMeasureReport *report)
{
  gint64 end = self->measuring || self->end_us == 0 ? g_get_monotonic_time () : self->end_us;

  memset (report, 0, sizeof *report);
  report->measured = self->start_us != 0;
  report->seconds = self->start_us != 0 ? (end - self->start_us) / (double) G_USEC_PER_SEC : 0;
  report->n_probes = self->n_probes;
  report->worst_stall_ms = self->worst_stall_ms;
  report->p99_stall_ms = histogram_percentile (self, 0.99);
  report->have_schedstat = self->have_schedstat;
  report->worst_interval_ms = self->worst_interval_ms;
  report->worst_on_cpu_ms = self->worst_on_cpu_ms;
  report->worst_waiting_ms = self->worst_waiting_ms;
  report->worst_asleep_ms = MAX (self->worst_interval_ms - self->worst_on_cpu_ms - self->worst_waiting_ms, 0);
  report->worst_own_stall_ms = self->worst_own_stall_ms;
  report->worst_own_interval_ms = self->worst_own_interval_ms;
  report->worst_own_on_cpu_ms = self->worst_own_on_cpu_ms;
  report->worst_own_waiting_ms = self->worst_own_waiting_ms;
  report->worst_own_paint_ms = self->worst_own_paint_ms;
  report->worst_own_server_waiting_ms = self->worst_own_server_waiting_ms;
  report->n_frames = self->n_frames;
  report->worst_frame_gap_ms = self->worst_frame_gap_ms;
  report->costliest_frame = self->costliest_frame;
  report->n_profiled = self->n_profiled;
  report->costliest_profiled = self->costliest_profiled;
}

guint
demo_measure_get_n_frames_drawn (DemoMeasure *self)
{
  return self->n_frames_drawn;
}

guint
demo_measure_get_n_frames_measured (DemoMeasure *self)
{
  return self->n_frames;
}

/* Any thread: how many times the probe ran. */
guint
demo_measure_get_n_beats_atomic (DemoMeasure *self)
{
  return (guint) g_atomic_int_get (&self->n_beats_atomic);
}

double
demo_measure_get_recent_stall (DemoMeasure *self)
{
  return recent_worst_get (&self->recent_stalls, g_get_monotonic_time ());
}

double
demo_measure_get_recent_frame_gap (DemoMeasure *self)
{
  return recent_worst_get (&self->recent_frame_gaps, g_get_monotonic_time ());
}

/* The last DEMO_GRAPH_SAMPLES frame gaps, oldest first. */
void
demo_measure_get_frame_gaps (DemoMeasure *self,
                             double       gaps_ms[DEMO_GRAPH_SAMPLES])
{
  for (guint i = 0; i < DEMO_GRAPH_SAMPLES; i++)
    gaps_ms[i] = self->frame_gaps[(self->frame_gaps_pos + i) % DEMO_GRAPH_SAMPLES];
}

static void
demo_measure_dispose (GObject *object)
{
  DemoMeasure *self = DEMO_MEASURE (object);

  g_clear_handle_id (&self->probe_id, g_source_remove);
  if (self->widget != NULL)
    {
      gtk_widget_remove_tick_callback (self->widget, self->tick_id);
      g_object_remove_weak_pointer (G_OBJECT (self->widget), (gpointer *) &self->widget);
      self->widget = NULL;
    }
  if (self->clock != NULL)
    g_signal_handlers_disconnect_by_data (self->clock, self);
  g_clear_object (&self->clock);
  if (self->schedstat_fd >= 0)
    close (self->schedstat_fd);
  if (self->server_schedstat_fd >= 0)
    close (self->server_schedstat_fd);
  self->server_schedstat_fd = -1;
  self->schedstat_fd = -1;

  G_OBJECT_CLASS (demo_measure_parent_class)->dispose (object);
}

static void
demo_measure_class_init (DemoMeasureClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = demo_measure_dispose;
}

static void
demo_measure_init (DemoMeasure *self)
{
  /* thread-self: opened here, on the main thread, it stays the main thread's. */
  self->schedstat_fd = schedstat_open_thread ();
  self->frame_log = g_getenv ("RELAY_DEMO_FRAME_LOG") != NULL;
  self->server_schedstat_fd = -1;
}

/* Call on the main thread: the probe runs on the default main context. */
DemoMeasure *
demo_measure_new (void)
{
  DemoMeasure *self = g_object_new (DEMO_TYPE_MEASURE, NULL);

  self->probe_id = g_timeout_add_full (G_PRIORITY_HIGH, PROBE_PERIOD_MS, probe, self, NULL);

  return self;
}
