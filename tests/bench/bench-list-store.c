/* bench-list-store.c: RelayListStore against a GListStore fed through a
 * GAsyncQueue, both shown by the same GtkListView
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * stream  2 worker threads, then 4, append 1,000,000 items in all (a small
 *         final GObject type carrying its producer and its rank) to a list
 *         model bound to a GtkListView in a real, mapped GtkWindow (under
 *         Xvfb when meson finds xvfb-run). Relay: each worker calls
 *         relay_list_store_append() per item. Baseline, the careful GLib way:
 *         a GListStore owned by the main thread; each worker pushes its items
 *         into a GAsyncQueue and adds one g_idle_add() only when none is
 *         pending; the idle pops up to BASELINE_BATCH items under one lock and
 *         appends them with one g_list_store_splice(), staying queued while
 *         more are waiting. Both run at G_PRIORITY_DEFAULT_IDLE, below GTK's
 *         drawing.
 *
 *         Per round: the time from starting the workers until the model holds
 *         every item and its last items-changed was handled (by GTK's handlers,
 *         then ours); the worst main-loop stall while streaming; the number of
 *         items-changed emissions. A stall is measured by a probe, a
 *         G_PRIORITY_HIGH timeout of 1 ms: each run of the probe is one sample,
 *         the time since its previous run less its period. The "own" stall of a
 *         sample also subtracts the time the main thread was ready to run but
 *         had no CPU (the run-queue wait in /proc/thread-self/schedstat): on
 *         two cores, with the workers and whatever else the machine runs, the
 *         whole stall also measures the scheduler. Target: the median over 7
 *         rounds of Relay's worst own stall ≤ 16 ms, the baseline's beside it.
 *         Notes: the whole stalls, the total time and its ratio, the
 *         items-changed counts, the frames drawn and the worst frame gap.
 *
 * Every round checks, outside the timed part, that every item arrived exactly
 * once and in its producer's order, that the list view's model holds them all
 * and that the view bound rows for them; any miscount aborts, in smoke mode
 * too.
 */
#include "bench-common.h"
#include "../test-watchdog.h"
#include "../schedstat.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gtk/gtk.h>
#include <relay/relay.h>

#define PROBE_PERIOD_MS  1
#define BASELINE_BATCH   4096      /* items per idle dispatch, one splice */
#define STALL_TARGET_MS  16.0
#define MAX_PRODUCERS    4

/* --- the items --------------------------------------------------------------- */

#define BENCH_TYPE_ITEM (bench_item_get_type ())
G_DECLARE_FINAL_TYPE (BenchItem, bench_item, BENCH, ITEM, GObject)

struct _BenchItem
{
  GObject parent_instance;
  guint   producer;
  guint   rank;       /* among its producer's items */
};

G_DEFINE_FINAL_TYPE (BenchItem, bench_item, G_TYPE_OBJECT)

static void bench_item_class_init (BenchItemClass *klass) { }
static void bench_item_init (BenchItem *self) { }

static BenchItem *
bench_item_new (guint producer,
                guint rank)
{
  BenchItem *item = g_object_new (BENCH_TYPE_ITEM, NULL);

  item->producer = producer;
  item->rank = rank;
  return item;
}

/* --- the state ---------------------------------------------------------------- */

typedef struct _Stream Stream;

typedef struct
{
  Stream *stream;
  guint   index;
  guint   count;
} Producer;

struct _Stream
{
  guint            n_items;
  guint            n_producers;

  /* the window, for the whole run */
  GtkWidget       *window;
  GtkNoSelection  *selection;
  int              schedstat_fd;
  guint            n_ticks;
  guint            n_bound;        /* rows bound by the view's factory */

  /* one round */
  GListModel      *model;          /* the one being filled */
  RelayListStore  *relay;
  GListStore      *store;          /* baseline */
  GAsyncQueue     *queue;          /* baseline */
  int              drain_pending;  /* baseline, atomic: an idle is queued */
  Producer         producers[MAX_PRODUCERS];
  gulong           changed_id;
  gulong           first_id;
  guint            n_changes;
  gint64           start_ns;
  gint64           end_ns;
  gboolean         done;

  /* the probe */
  gboolean         measuring;
  gboolean         stop_measuring; /* the next probe sample is the last */
  gint64           last_beat_us;
  gint64           last_cpu_ns;
  gint64           last_wait_ns;
  gboolean         have_schedstat;
  double           worst_stall_ms;
  double           worst_own_stall_ms;
  double           worst_own_on_cpu_ms;   /* of that interval, time on a CPU */
  gint64           last_tick_us;
  guint            n_frames;
  double           worst_frame_gap_ms;
};

typedef struct
{
  double time_ms;
  double stall_ms;
  double own_stall_ms;
  double own_on_cpu_ms;
  double n_changes;
  double n_frames;
  double frame_gap_ms;
} RoundResult;

/* --- measuring ---------------------------------------------------------------- */

/* RELAY_BENCH_TRACE=<ms>: every probe interval whose own stall reaches <ms>
 * is printed to stderr with what the main thread did in it (items-changed
 * emissions, before GTK's handlers and after ours, and the frame clock's
 * phases), each with the monotonic time and the thread's CPU time. */
typedef struct
{
  gint64      time_us;
  gint64      cpu_ns;
  const char *what;
  guint       arg;
} TraceEvent;

#define TRACE_EVENTS 4096   /* a ring: the events of the last few intervals */

static double      trace_ms;   /* 0: no trace */
static TraceEvent  trace_ring[TRACE_EVENTS];
static guint       trace_n;

static gint64
thread_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static void
trace (const char *what,
       guint       arg)
{
  if (trace_ms > 0)
    trace_ring[trace_n++ % TRACE_EVENTS] = (TraceEvent) {
      g_get_monotonic_time (), thread_cpu_ns (), what, arg
    };
}

static void
trace_interval (gint64 from_us,
                gint64 to_us,
                double stall_ms,
                double on_cpu_ms,
                double waiting_ms)
{
  guint first = trace_n > TRACE_EVENTS ? trace_n - TRACE_EVENTS : 0;

  g_printerr ("bench-list-store: stall %.2f ms at %.6f s: on CPU %.2f ms, waiting for a CPU %.2f ms, "
              "own %.2f ms\n", stall_ms, from_us / 1e6, on_cpu_ms, waiting_ms,
              MAX (stall_ms - waiting_ms, 0));
  for (guint i = first; i < trace_n; i++)
    {
      const TraceEvent *e = &trace_ring[i % TRACE_EVENTS];

      if (e->time_us >= from_us)
        g_printerr ("  %+8.2f ms (CPU %.6f s) %s %u\n",
                    (e->time_us - from_us) / 1000.0, e->cpu_ns / 1e9, e->what, e->arg);
    }
  g_printerr ("  %+8.2f ms (CPU %.6f s) probe\n", (to_us - from_us) / 1000.0, thread_cpu_ns () / 1e9);
}

static gboolean
probe (gpointer user_data)
{
  Stream *s = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu_ns = 0, wait_ns = 0;
  gboolean have = schedstat_read (s->schedstat_fd, &cpu_ns, &wait_ns);

  if (s->measuring && s->last_beat_us != 0)
    {
      gboolean split = have && s->have_schedstat;
      double stall_ms = MAX ((now - s->last_beat_us) / 1000.0 - PROBE_PERIOD_MS, 0);
      double waiting_ms = split ? (wait_ns - s->last_wait_ns) / 1e6 : 0;
      double on_cpu_ms = split ? (cpu_ns - s->last_cpu_ns) / 1e6 : 0;
      double own_ms = MAX (stall_ms - waiting_ms, 0);

      s->worst_stall_ms = MAX (s->worst_stall_ms, stall_ms);
      if (own_ms > s->worst_own_stall_ms)
        {
          s->worst_own_stall_ms = own_ms;
          s->worst_own_on_cpu_ms = on_cpu_ms;
        }
      if (trace_ms > 0 && own_ms >= trace_ms)
        trace_interval (s->last_beat_us, now, stall_ms, on_cpu_ms, waiting_ms);
      if (s->stop_measuring)
        s->measuring = FALSE;
    }

  s->last_beat_us = now;
  s->last_cpu_ns = cpu_ns;
  s->last_wait_ns = wait_ns;
  s->have_schedstat = have;
  trace ("probe", 0);
  return G_SOURCE_CONTINUE;
}

static void
on_phase (GdkFrameClock *clock,
          gpointer       what)
{
  trace (what, 0);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Stream *s = user_data;
  gint64 now = g_get_monotonic_time ();

  if (s->n_ticks == 0 && trace_ms > 0)
    {
      g_signal_connect (clock, "before-paint", G_CALLBACK (on_phase), (gpointer) "frame: before-paint");
      g_signal_connect_after (clock, "update", G_CALLBACK (on_phase), (gpointer) "frame: updated");
      g_signal_connect_after (clock, "layout", G_CALLBACK (on_phase), (gpointer) "frame: laid out");
      g_signal_connect_after (clock, "paint", G_CALLBACK (on_phase), (gpointer) "frame: painted");
    }

  if (s->measuring && s->last_tick_us != 0)
    {
      s->worst_frame_gap_ms = MAX (s->worst_frame_gap_ms, (now - s->last_tick_us) / 1000.0);
      s->n_frames++;
    }
  s->last_tick_us = now;
  s->n_ticks++;
  return G_SOURCE_CONTINUE;
}

/* Iterates the main loop until *@done, failing only if neither the frame
 * clock nor *@progress moved for test_stall_usec(). */
static void
iterate_until (Stream         *s,
               const gboolean *done,
               const guint    *progress,
               const char     *what)
{
  Stall stall;
  guint last_ticks = s->n_ticks, last_progress = progress != NULL ? *progress : 0;

  stall_init (&stall);
  while (!*done)
    {
      g_main_context_iteration (NULL, TRUE);
      if (s->n_ticks != last_ticks || (progress != NULL && *progress != last_progress))
        {
          last_ticks = s->n_ticks;
          last_progress = progress != NULL ? *progress : 0;
          stall_progress (&stall);
        }
      stall_check (&stall, what);
    }
}

/* Lets the view draw @n frames: those after the last change lay it out. */
static void
wait_frames (Stream *s,
             guint   n)
{
  guint until = s->n_ticks + n;
  Stall stall;

  stall_init (&stall);
  while (s->n_ticks < until)
    {
      g_main_context_iteration (NULL, TRUE);
      stall_check (&stall, "the window draws no frames");
    }
}

/* --- the window ------------------------------------------------------------- */

static void
on_setup (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, gtk_label_new (NULL));
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         gpointer                  user_data)
{
  Stream *s = user_data;
  BenchItem *item = gtk_list_item_get_item (list_item);
  char text[64];

  g_snprintf (text, sizeof text, "producer %u, item %u", item->producer, item->rank);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)), text);
  s->n_bound++;
}

static void
open_window (Stream *s)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *view, *scrolled;

  g_signal_connect (factory, "setup", G_CALLBACK (on_setup), s);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind), s);

  s->selection = gtk_no_selection_new (NULL);
  view = gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (s->selection)), factory);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);

  s->window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (s->window), "bench-list-store");
  gtk_window_set_default_size (GTK_WINDOW (s->window), 400, 600);
  gtk_window_set_child (GTK_WINDOW (s->window), scrolled);
  gtk_widget_add_tick_callback (view, on_tick, s, NULL);
  gtk_window_present (GTK_WINDOW (s->window));

  /* Mapped and drawing. */
  wait_frames (s, 3);
}

/* --- Relay ------------------------------------------------------------------- */

static gpointer
relay_producer (gpointer data)
{
  Producer *p = data;
  RelayListStore *store = p->stream->relay;

  for (guint i = 0; i < p->count; i++)
    {
      BenchItem *item = bench_item_new (p->index, i);

      relay_list_store_append (store, item);
      g_object_unref (item);
    }
  return NULL;
}

/* --- GListStore fed through a GAsyncQueue ------------------------------------- */

/* One idle per batch: it pops up to BASELINE_BATCH items under one lock and
 * appends them with one splice. While items are left it stays queued (the
 * flag stays set); otherwise it clears the flag and looks once more, so that
 * an item pushed after its last pop is taken here or finds the flag clear and
 * adds the next idle. */
static gboolean
drain_queue (gpointer user_data)
{
  Stream *s = user_data;
  gpointer batch[BASELINE_BATCH];
  guint n = 0;

  g_async_queue_lock (s->queue);
  while (n < BASELINE_BATCH && (batch[n] = g_async_queue_try_pop_unlocked (s->queue)) != NULL)
    n++;
  g_async_queue_unlock (s->queue);

  if (n > 0)
    {
      g_list_store_splice (s->store, g_list_model_get_n_items (G_LIST_MODEL (s->store)), 0, batch, n);
      for (guint i = 0; i < n; i++)
        g_object_unref (batch[i]);
    }

  if (n == BASELINE_BATCH)
    return G_SOURCE_CONTINUE;

  g_atomic_int_set (&s->drain_pending, FALSE);
  if (g_async_queue_length (s->queue) > 0 &&
      g_atomic_int_compare_and_exchange (&s->drain_pending, FALSE, TRUE))
    return G_SOURCE_CONTINUE;
  return G_SOURCE_REMOVE;
}

static gpointer
queue_producer (gpointer data)
{
  Producer *p = data;
  Stream *s = p->stream;

  for (guint i = 0; i < p->count; i++)
    {
      g_async_queue_push (s->queue, bench_item_new (p->index, i));   /* the queue takes it */

      if (!g_atomic_int_get (&s->drain_pending) &&
          g_atomic_int_compare_and_exchange (&s->drain_pending, FALSE, TRUE))
        g_idle_add (drain_queue, s);
    }
  return NULL;
}

/* --- one round ------------------------------------------------------------------ */

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Stream *s = user_data;

  trace ("items-changed: handled, added", added);
  s->n_changes++;
  if (!s->done && g_list_model_get_n_items (model) == s->n_items)
    {
      s->end_ns = bench_now_ns ();
      s->done = TRUE;
      s->stop_measuring = TRUE;   /* the probe's next sample covers this dispatch */
    }
}

static void
on_items_changed_first (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        gpointer    user_data)
{
  trace ("items-changed: emitted, added", added);
}

/* Every item exactly once, each producer's in the order it appended them. */
static void
check_items (Stream     *s,
             const char *side)
{
  guint next[MAX_PRODUCERS] = { 0 };
  guint n = g_list_model_get_n_items (s->model);

  if (n != s->n_items)
    g_error ("%s: %u items in the model, expected %u", side, n, s->n_items);
  if (g_list_model_get_n_items (G_LIST_MODEL (s->selection)) != s->n_items)
    g_error ("%s: the list view's model has %u items, expected %u", side,
             g_list_model_get_n_items (G_LIST_MODEL (s->selection)), s->n_items);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BenchItem) item = g_list_model_get_item (s->model, i);

      if (item == NULL || item->producer >= s->n_producers)
        g_error ("%s: no valid item at %u", side, i);
      if (item->rank != next[item->producer])
        g_error ("%s: at %u, item %u of producer %u, expected its item %u", side, i,
                 item->rank, item->producer, next[item->producer]);
      next[item->producer]++;
    }

  for (guint p = 0; p < s->n_producers; p++)
    if (next[p] != s->producers[p].count)
      g_error ("%s: %u items of producer %u, expected %u", side, next[p], p, s->producers[p].count);
}

static void
run_round (Stream      *s,
           gboolean     relay,
           RoundResult *out)
{
  GThread *threads[MAX_PRODUCERS];
  const char *side = relay ? "relay" : "baseline";
  guint n_bound;

  if (relay)
    {
      s->relay = relay_list_store_new (BENCH_TYPE_ITEM);
      s->model = G_LIST_MODEL (s->relay);
    }
  else
    {
      s->store = g_list_store_new (BENCH_TYPE_ITEM);
      s->queue = g_async_queue_new ();
      s->drain_pending = FALSE;
      s->model = G_LIST_MODEL (s->store);
    }

  /* GTK's handlers first, then ours: our last one runs when the view handled
   * the last change. The trace's handler runs before GTK's. */
  s->first_id = g_signal_connect (s->model, "items-changed", G_CALLBACK (on_items_changed_first), s);
  gtk_no_selection_set_model (s->selection, s->model);
  s->changed_id = g_signal_connect (s->model, "items-changed", G_CALLBACK (on_items_changed), s);
  s->n_changes = 0;
  s->done = FALSE;
  wait_frames (s, 2);

  s->worst_stall_ms = 0;
  s->worst_own_stall_ms = 0;
  s->worst_own_on_cpu_ms = 0;
  s->worst_frame_gap_ms = 0;
  s->n_frames = 0;
  s->stop_measuring = FALSE;
  s->measuring = TRUE;
  n_bound = s->n_bound;

  if (trace_ms > 0)
    g_printerr ("bench-list-store: %s round, %u producers\n", side, s->n_producers);
  s->start_ns = bench_now_ns ();
  for (guint p = 0; p < s->n_producers; p++)
    threads[p] = g_thread_new ("producer", relay ? relay_producer : queue_producer, &s->producers[p]);
  iterate_until (s, &s->done, &s->n_changes, "no items-changed and no frame");
  while (s->measuring)
    g_main_context_iteration (NULL, TRUE);   /* the probe runs every millisecond */
  for (guint p = 0; p < s->n_producers; p++)
    g_thread_join (threads[p]);

  out->time_ms = (s->end_ns - s->start_ns) / 1e6;
  out->stall_ms = s->worst_stall_ms;
  out->own_stall_ms = s->worst_own_stall_ms;
  out->own_on_cpu_ms = s->worst_own_on_cpu_ms;
  out->n_changes = s->n_changes;
  out->n_frames = s->n_frames;
  out->frame_gap_ms = s->worst_frame_gap_ms;

  /* The view lays out what it was given and binds rows for it. */
  wait_frames (s, 2);
  if (s->n_bound == n_bound)
    g_error ("%s: the list view bound no row for the new items", side);
  check_items (s, side);
  if (!relay && (g_atomic_int_get (&s->drain_pending) || g_async_queue_length (s->queue) != 0))
    g_error ("baseline: the queue was not drained");

  g_signal_handler_disconnect (s->model, s->changed_id);
  g_signal_handler_disconnect (s->model, s->first_id);
  gtk_no_selection_set_model (s->selection, NULL);
  s->model = NULL;
  g_clear_object (&s->relay);
  g_clear_object (&s->store);
  g_clear_pointer (&s->queue, g_async_queue_unref);
}

/* --- the case --------------------------------------------------------------------- */

static Stream *the_stream;

static void
stream_with (Stream *s,
             guint   n_producers)
{
  guint rounds = bench_rounds (7);
  const char *only = g_getenv ("RELAY_BENCH_ONLY");
  g_autofree RoundResult *r = g_new0 (RoundResult, rounds);
  g_autofree RoundResult *b = g_new0 (RoundResult, rounds);
  g_autofree double *rv = g_new (double, rounds);
  g_autofree double *bv = g_new (double, rounds);
  g_autofree char *name = g_strdup_printf ("list-store-stall-%up", n_producers);
  g_autofree char *time_relay = NULL, *time_base = NULL, *stall_relay = NULL, *stall_base = NULL;
  BenchPair time, stall, own, own_cpu, changes, frames, gaps;

  s->n_producers = n_producers;
  for (guint p = 0; p < n_producers; p++)
    {
      s->producers[p].stream = s;
      s->producers[p].index = p;
      s->producers[p].count = s->n_items / n_producers + (p < s->n_items % n_producers);
    }

  for (guint i = 0; i < rounds; i++)
    {
      RoundResult one = { 1, 1, 1, 1, 1, 1, 1 };

      /* For profiling one side alone; the ratios are meaningless then. */
      if (only != NULL && strcmp (only, "relay") == 0)
        run_round (s, TRUE, &r[i]), b[i] = one;
      else if (only != NULL && strcmp (only, "baseline") == 0)
        r[i] = one, run_round (s, FALSE, &b[i]);
      else if (i % 2 == 0)
        run_round (s, TRUE, &r[i]), run_round (s, FALSE, &b[i]);
      else
        run_round (s, FALSE, &b[i]), run_round (s, TRUE, &r[i]);
    }

#define PAIR(field, out) \
  G_STMT_START { \
    for (guint i = 0; i < rounds; i++) \
      rv[i] = r[i].field, bv[i] = b[i].field; \
    bench_pair (rv, bv, rounds, out); \
  } G_STMT_END
  PAIR (time_ms, &time);
  PAIR (stall_ms, &stall);
  PAIR (own_stall_ms, &own);
  PAIR (own_on_cpu_ms, &own_cpu);
  PAIR (n_changes, &changes);
  PAIR (n_frames, &frames);
  PAIR (frame_gap_ms, &gaps);
#undef PAIR

  bench_absolute_beside (name, "ms", &own, BENCH_AT_MOST, STALL_TARGET_MS);
  bench_note ("%s: worst own stall of a round = the worst probe interval less %d ms, less the "
              "main thread's run-queue wait in it (%s); worst of all rounds: relay %.3g ms, "
              "baseline %.3g ms; on a CPU in the worst interval of a round (median): relay %.3g ms, "
              "baseline %.3g ms (the rest the main thread was blocked)",
              name, PROBE_PERIOD_MS,
              s->schedstat_fd >= 0 ? "/proc/thread-self/schedstat"
                                   : "no schedstat here: the whole stall",
              own.relay.max, own.baseline.max, own_cpu.relay.median, own_cpu.baseline.median);
  stall_relay = bench_format_stats (&stall.relay, "ms");
  stall_base = bench_format_stats (&stall.baseline, "ms");
  bench_note ("%s: whole worst stall (run-queue wait included): relay %s, baseline %s",
              name, stall_relay, stall_base);
  time_relay = bench_format_stats (&time.relay, "ms");
  time_base = bench_format_stats (&time.baseline, "ms");
  bench_note ("list-store-time-%up: %u items from %u producers until the model held them all "
              "and its last items-changed was handled: relay %s, baseline %s, "
              "ratio relay / baseline %.3g [%.3g–%.3g]",
              n_producers, s->n_items, n_producers, time_relay, time_base,
              time.ratio.median, time.ratio.min, time.ratio.max);
  bench_note ("list-store-%up: items-changed emissions: relay %.0f [%.0f–%.0f], baseline %.0f "
              "[%.0f–%.0f] (idle batches of at most %u); frames drawn while streaming: relay %.0f, "
              "baseline %.0f; worst frame gap: relay %.3g ms [%.3g–%.3g], baseline %.3g ms [%.3g–%.3g]",
              n_producers, changes.relay.median, changes.relay.min, changes.relay.max,
              changes.baseline.median, changes.baseline.min, changes.baseline.max, BASELINE_BATCH,
              frames.relay.median, frames.baseline.median,
              gaps.relay.median, gaps.relay.min, gaps.relay.max,
              gaps.baseline.median, gaps.baseline.min, gaps.baseline.max);
}

static void
bench_stream (void)
{
  Stream *s = the_stream;

  s->n_items = bench_size (1000000, 20000);
  stream_with (s, 2);
  stream_with (s, 4);
}

static const BenchCase cases[] = {
  { "stream", bench_stream },
};

int
main (int    argc,
      char **argv)
{
  Stream stream = { 0 };
  int status;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-list-store: GTK cannot open a display; run it under xvfb-run\n");
      return 1;
    }

  the_stream = &stream;
  if (g_getenv ("RELAY_BENCH_TRACE") != NULL)
    trace_ms = MAX (g_ascii_strtod (g_getenv ("RELAY_BENCH_TRACE"), NULL), 0.001);
  stream.schedstat_fd = schedstat_open_thread ();
  g_timeout_add_full (G_PRIORITY_HIGH, PROBE_PERIOD_MS, probe, &stream, NULL);
  open_window (&stream);

  status = bench_main (argc, argv, cases, G_N_ELEMENTS (cases));

  gtk_window_destroy (GTK_WINDOW (stream.window));
  g_object_unref (stream.selection);
  if (stream.schedstat_fd >= 0)
    close (stream.schedstat_fd);
  return status;
}
