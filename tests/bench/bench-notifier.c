/* bench-notifier.c: RelayNotifier against the raw primitives it replaces
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * roundtrip  a worker triggers a notifier on the main thread, whose callback
 *            triggers a notifier on the worker's context, and so on: one round
 *            trip is worker → main → worker. Baseline (the floor): the same
 *            ping-pong with two raw eventfds and blocking reads. Target: ≤ 1.15
 *            × the eventfd. Notes: the same ping-pong with g_main_context_invoke()
 *            both ways (what GLib code writes today), and other GSources.
 * burst      one worker triggers a repeating notifier 1,000,000 times; the time
 *            until the main loop has seen every trigger. Baseline: the careful
 *            GLib way, a counter of pending events and one g_idle_add() only
 *            when the counter was zero (the idle drains the counter). Target:
 *            ≥ 3 × cheaper. Notes: g_idle_add() per event, and the atomic floor
 *            (the worker's atomic increments alone).
 * idle       10,000 attached notifiers that are never triggered: the cost of one
 *            g_main_context_iteration (context, FALSE) with nothing ready.
 *            Baseline: 10,000 inert GSources (no prepare, no check, never
 *            ready) on another context, iterated the same way. Target: ≤ 1.5 ×.
 *            Note: 10,000 notifiers just after each delivered a trigger, while
 *            they are active (each has its arm, a source with prepare and
 *            check, until about a hundred idle iterations make it quiet).
 */
#define _GNU_SOURCE
#include "bench-common.h"
#include "../notifier-keep.h"

#include <relay/relay.h>

#include <pthread.h>
#include <sched.h>

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* --- round trip ----------------------------------------------------------- */

/* A way to run a callback on another thread's context; the round trip code is
 * the same for all of them. */
typedef struct
{
  const char *name;
  gpointer  (*create)  (GMainContext *context,
                        void        (*func) (gpointer),
                        gpointer      data);
  void      (*trigger) (gpointer      handle);
  void      (*destroy) (gpointer      handle);
} Mechanism;

typedef struct
{
  const Mechanism *mechanism;
  const Mechanism *other;          /* compare_mechanism() */
  int              cpu;            /* pin both threads to it, or -1 */
  guint            warmup;
  guint            iterations;

  GMainContext    *main_context;
  GMainContext    *worker_context;
  gpointer         to_main;        /* fires on the main thread */
  gpointer         to_worker;      /* fires on the worker */
  guint            count;          /* worker only */

  /* raw eventfd baseline */
  int              ping_fd;        /* worker → main */
  int              pong_fd;        /* main → worker */

  void           (*ping) (gpointer rt);   /* blocking pinger: worker → main */
  int              stop;           /* atomic */
  gint64           elapsed_ns;     /* written by the worker before it stops */
} RoundTrip;

static void
pin_to_cpu (int cpu)
{
  cpu_set_t set;

  if (cpu < 0)
    return;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  pthread_setaffinity_np (pthread_self (), sizeof set, &set);
}

static void
unpin (void)
{
  cpu_set_t set;

  CPU_ZERO (&set);
  for (int i = 0; i < CPU_SETSIZE; i++)
    CPU_SET (i, &set);
  pthread_setaffinity_np (pthread_self (), sizeof set, &set);
}

/* The Relay way: a repeating notifier. */

typedef struct
{
  void   (*func) (gpointer);
  gpointer data;
} Callback;

static gboolean
on_notifier_triggered (RelayNotifier *notifier,
                       guint          n_triggers,
                       gpointer       user_data)
{
  Callback *callback = user_data;

  callback->func (callback->data);

  return notifier_keep (notifier);
}

static gpointer
notifier_create (GMainContext *context,
                 void        (*func) (gpointer),
                 gpointer      data)
{
  Callback *callback = g_new (Callback, 1);
  RelayNotifier *notifier;

  callback->func = func;
  callback->data = data;
  notifier = relay_notifier_new_for_context (context, on_notifier_triggered, callback, g_free);
  notifier_set_keep (notifier, TRUE);
  return notifier;
}

static void
notifier_trigger (gpointer handle)
{
  relay_notifier_trigger (handle);
}

static const Mechanism notifier_mechanism = {
  "relay notifier", notifier_create, notifier_trigger, g_object_unref,
};

/* Comparison 1: a custom GSource woken with g_source_set_ready_time() (what the
 * notifier did before it armed in prepare), with none of its bookkeeping. The
 * trigger takes the context's lock. */

typedef struct
{
  GSource  source;
  Callback callback;
} BareSource;

static gboolean
bare_source_dispatch (GSource     *source,
                      GSourceFunc  unused_func,
                      gpointer     unused_data)
{
  BareSource *bare = (BareSource *) source;

  g_source_set_ready_time (source, -1);
  bare->callback.func (bare->callback.data);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs bare_source_funcs = {
  .dispatch = bare_source_dispatch,
};

static gpointer
bare_source_create (GMainContext *context,
                    void        (*func) (gpointer),
                    gpointer      data)
{
  BareSource *bare = (BareSource *) g_source_new (&bare_source_funcs, sizeof (BareSource));

  bare->callback.func = func;
  bare->callback.data = data;
  g_source_attach ((GSource *) bare, context);
  return bare;
}

static void
bare_source_trigger (gpointer handle)
{
  g_source_set_ready_time (handle, 0);
}

static void
bare_source_destroy (gpointer handle)
{
  g_source_destroy (handle);
  g_source_unref (handle);
}

static const Mechanism bare_source_mechanism = {
  "bare GSource + g_source_set_ready_time", bare_source_create, bare_source_trigger,
  bare_source_destroy,
};

/* Comparison 2: a GSource that polls an eventfd of its own (the "one eventfd
 * for the whole context" design Relay's notifier did not take); the trigger
 * is one write(). */

typedef struct
{
  GSource  source;
  Callback callback;
  int      fd;
} FdSource;

static void
write_one (int fd)
{
  uint64_t one = 1;

  if (write (fd, &one, sizeof one) != sizeof one)
    g_error ("eventfd write: %s", g_strerror (errno));
}

static void
read_one (int fd)
{
  uint64_t value;

  if (read (fd, &value, sizeof value) != sizeof value)
    g_error ("eventfd read: %s", g_strerror (errno));
}

static gboolean
fd_source_dispatch (GSource     *source,
                    GSourceFunc  unused_func,
                    gpointer     unused_data)
{
  FdSource *fd_source = (FdSource *) source;

  read_one (fd_source->fd);
  fd_source->callback.func (fd_source->callback.data);
  return G_SOURCE_CONTINUE;
}

static void
fd_source_finalize (GSource *source)
{
  close (((FdSource *) source)->fd);
}

static GSourceFuncs fd_source_funcs = {
  .dispatch = fd_source_dispatch,
  .finalize = fd_source_finalize,
};

static gpointer
fd_source_create (GMainContext *context,
                  void        (*func) (gpointer),
                  gpointer      data)
{
  FdSource *fd_source = (FdSource *) g_source_new (&fd_source_funcs, sizeof (FdSource));

  fd_source->callback.func = func;
  fd_source->callback.data = data;
  fd_source->fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  g_assert_true (fd_source->fd >= 0);
  g_source_add_unix_fd ((GSource *) fd_source, fd_source->fd, G_IO_IN);
  g_source_attach ((GSource *) fd_source, context);
  return fd_source;
}

static void
fd_source_trigger (gpointer handle)
{
  write_one (((FdSource *) handle)->fd);
}

static const Mechanism fd_source_mechanism = {
  "eventfd GSource", fd_source_create, fd_source_trigger, bare_source_destroy,
};

/* The floor: the least any GSource can do, with the notifier's wake-up
 * protocol and none of its bookkeeping. The trigger sets PENDING and, if the
 * owner had ARMED the source in prepare (it may block in poll), calls
 * g_main_context_wakeup() (no lock, one write); check reads PENDING; dispatch
 * clears it and calls back. No counting, no destroy safety. */

#define WAKE_PENDING 1
#define WAKE_ARMED   2

typedef struct
{
  GSource       source;
  Callback      callback;
  int           state;     /* atomic: WAKE_* */
} WakeSource;

static gboolean
wake_source_prepare (GSource *source,
                     gint    *timeout)
{
  WakeSource *wake = (WakeSource *) source;

  *timeout = -1;
  return g_atomic_int_or (&wake->state, WAKE_ARMED) & WAKE_PENDING;
}

static gboolean
wake_source_check (GSource *source)
{
  return g_atomic_int_get (&((WakeSource *) source)->state) & WAKE_PENDING;
}

static gboolean
wake_source_dispatch (GSource     *source,
                      GSourceFunc  unused_func,
                      gpointer     unused_data)
{
  WakeSource *wake = (WakeSource *) source;

  g_atomic_int_set (&wake->state, 0);
  wake->callback.func (wake->callback.data);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs wake_source_funcs = {
  .prepare = wake_source_prepare,
  .check = wake_source_check,
  .dispatch = wake_source_dispatch,
};

static gpointer
wake_source_create (GMainContext *context,
                    void        (*func) (gpointer),
                    gpointer      data)
{
  WakeSource *wake = (WakeSource *) g_source_new (&wake_source_funcs, sizeof (WakeSource));

  wake->callback.func = func;
  wake->callback.data = data;
  g_source_attach ((GSource *) wake, context);
  return wake;
}

static void
wake_source_trigger (gpointer handle)
{
  WakeSource *wake = handle;

  if (g_atomic_int_exchange (&wake->state, WAKE_PENDING) & WAKE_ARMED)
    g_main_context_wakeup (g_source_get_context (handle));
}

static const Mechanism wake_source_mechanism = {
  "minimal GSource + g_main_context_wakeup", wake_source_create, wake_source_trigger,
  bare_source_destroy,
};

/* What GLib code writes today to run a function on another thread's context:
 * g_main_context_invoke(). From a thread that does not own the context it
 * attaches a one-shot idle source (the context's lock, then a wake-up write);
 * the owner dispatches and frees it. */

typedef struct
{
  GMainContext *context;
  Callback      callback;
} Invoker;

static gboolean
invoke_dispatch (gpointer user_data)
{
  Invoker *invoker = user_data;

  invoker->callback.func (invoker->callback.data);
  return G_SOURCE_REMOVE;
}

static gpointer
invoker_create (GMainContext *context,
                void        (*func) (gpointer),
                gpointer      data)
{
  Invoker *invoker = g_new (Invoker, 1);

  invoker->context = g_main_context_ref (context);
  invoker->callback.func = func;
  invoker->callback.data = data;
  return invoker;
}

static void
invoker_trigger (gpointer handle)
{
  Invoker *invoker = handle;

  g_main_context_invoke (invoker->context, invoke_dispatch, invoker);
}

static void
invoker_destroy (gpointer handle)
{
  Invoker *invoker = handle;

  g_main_context_unref (invoker->context);
  g_free (invoker);
}

static const Mechanism invoke_mechanism = {
  "g_main_context_invoke", invoker_create, invoker_trigger, invoker_destroy,
};

/* The round trip itself, for any mechanism. */

static void
on_main_side (gpointer user_data)
{
  RoundTrip *rt = user_data;

  if (!g_atomic_int_get (&rt->stop))
    rt->mechanism->trigger (rt->to_worker);
}

static void
on_worker_side (gpointer user_data)
{
  RoundTrip *rt = user_data;

  rt->count++;
  if (rt->count < rt->warmup + rt->iterations)
    rt->mechanism->trigger (rt->to_main);
}

static gpointer
context_pinger (gpointer user_data)
{
  RoundTrip *rt = user_data;
  gint64 start = 0;

  pin_to_cpu (rt->cpu);
  g_main_context_push_thread_default (rt->worker_context);

  rt->mechanism->trigger (rt->to_main);
  while (rt->count < rt->warmup + rt->iterations)
    {
      if (rt->count == rt->warmup && start == 0)
        start = bench_now_ns ();
      g_main_context_iteration (rt->worker_context, TRUE);
    }
  rt->elapsed_ns = bench_now_ns () - start;

  /* The main thread sees @stop in the callback this trigger causes. */
  g_atomic_int_set (&rt->stop, TRUE);
  rt->mechanism->trigger (rt->to_main);

  g_main_context_pop_thread_default (rt->worker_context);
  return NULL;
}

/* ns per round trip */
static double
roundtrip_context (gpointer user_data)
{
  RoundTrip *rt = user_data;
  GThread *worker;

  rt->main_context = g_main_context_new ();
  rt->worker_context = g_main_context_new ();
  rt->to_main = rt->mechanism->create (rt->main_context, on_main_side, rt);
  rt->to_worker = rt->mechanism->create (rt->worker_context, on_worker_side, rt);
  rt->count = 0;
  rt->stop = FALSE;

  pin_to_cpu (rt->cpu);
  g_main_context_push_thread_default (rt->main_context);
  worker = g_thread_new ("bench-pinger", context_pinger, rt);
  bench_iterate_until (rt->main_context, &rt->stop);
  g_thread_join (worker);
  g_main_context_pop_thread_default (rt->main_context);
  unpin ();

  g_clear_pointer (&rt->to_main, rt->mechanism->destroy);
  g_clear_pointer (&rt->to_worker, rt->mechanism->destroy);
  g_clear_pointer (&rt->main_context, g_main_context_unref);
  g_clear_pointer (&rt->worker_context, g_main_context_unref);

  return (double) rt->elapsed_ns / rt->iterations;
}

/* A worker without a main loop: pings the main thread with rt->ping, then
 * blocks in read() until the main thread answers on pong_fd. */
static gpointer
blocking_pinger (gpointer user_data)
{
  RoundTrip *rt = user_data;
  gint64 start;

  pin_to_cpu (rt->cpu);

  for (guint i = 0; i < rt->warmup; i++)
    {
      rt->ping (rt);
      read_one (rt->pong_fd);
    }

  start = bench_now_ns ();
  for (guint i = 0; i < rt->iterations; i++)
    {
      rt->ping (rt);
      read_one (rt->pong_fd);
    }
  rt->elapsed_ns = bench_now_ns () - start;

  g_atomic_int_set (&rt->stop, TRUE);
  rt->ping (rt);
  return NULL;
}

static void
ping_eventfd (gpointer user_data)
{
  RoundTrip *rt = user_data;

  write_one (rt->ping_fd);
}

/* The baseline: two eventfds, blocking reads, nothing else. */
static double
roundtrip_eventfd (gpointer user_data)
{
  RoundTrip *rt = user_data;
  GThread *worker;

  rt->ping_fd = eventfd (0, EFD_CLOEXEC);
  rt->pong_fd = eventfd (0, EFD_CLOEXEC);
  g_assert_true (rt->ping_fd >= 0 && rt->pong_fd >= 0);
  rt->ping = ping_eventfd;
  rt->stop = FALSE;

  pin_to_cpu (rt->cpu);
  worker = g_thread_new ("bench-pinger", blocking_pinger, rt);
  for (;;)
    {
      read_one (rt->ping_fd);
      if (g_atomic_int_get (&rt->stop))
        break;
      write_one (rt->pong_fd);
    }
  g_thread_join (worker);
  unpin ();

  close (rt->ping_fd);
  close (rt->pong_fd);

  return (double) rt->elapsed_ns / rt->iterations;
}

/* GLib on one side only: the main thread iterates a GMainContext whose
 * minimal GSource (the floor above) calls back, the worker blocks in read() as
 * in the baseline: what one GMainContext hop costs, for comparison. */
static void
on_half_main (gpointer user_data)
{
  RoundTrip *rt = user_data;

  if (!g_atomic_int_get (&rt->stop))
    write_one (rt->pong_fd);
}

static void
ping_wake_source (gpointer user_data)
{
  RoundTrip *rt = user_data;

  wake_source_trigger (rt->to_main);
}

static double
roundtrip_half_glib (gpointer user_data)
{
  RoundTrip *rt = user_data;
  GThread *worker;

  rt->main_context = g_main_context_new ();
  rt->to_main = wake_source_create (rt->main_context, on_half_main, rt);
  rt->pong_fd = eventfd (0, EFD_CLOEXEC);
  g_assert_true (rt->pong_fd >= 0);
  rt->ping = ping_wake_source;
  rt->stop = FALSE;

  pin_to_cpu (rt->cpu);
  g_main_context_push_thread_default (rt->main_context);
  worker = g_thread_new ("bench-pinger", blocking_pinger, rt);
  bench_iterate_until (rt->main_context, &rt->stop);
  g_thread_join (worker);
  g_main_context_pop_thread_default (rt->main_context);
  unpin ();

  g_clear_pointer (&rt->to_main, bare_source_destroy);
  close (rt->pong_fd);
  g_clear_pointer (&rt->main_context, g_main_context_unref);

  return (double) rt->elapsed_ns / rt->iterations;
}

/* A note: @mechanism against the raw eventfd, interleaved. */
static void
note_mechanism (RoundTrip       *rt,
                const Mechanism *mechanism,
                guint            rounds)
{
  BenchPair pair;
  g_autofree char *context = NULL, *eventfd = NULL, *ratio = NULL;

  rt->mechanism = mechanism;
  bench_interleave (rounds, roundtrip_context, roundtrip_eventfd, rt, &pair);
  context = bench_format_stats (&pair.relay, "ns");
  eventfd = bench_format_stats (&pair.baseline, "ns");
  ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("notifier-roundtrip [%s]: %s %s, raw eventfd %s, ratio %s",
              rt->cpu >= 0 ? "one CPU" : "unpinned", mechanism->name,
              context, eventfd, ratio);
}

/* One round of rt->other, for compare_mechanism(). */
static double
roundtrip_other (gpointer user_data)
{
  RoundTrip *rt = user_data;
  const Mechanism *relay = rt->mechanism;
  double ns;

  rt->mechanism = rt->other;
  ns = roundtrip_context (rt);
  rt->mechanism = relay;
  return ns;
}

/* Relay's notifier against another mechanism for the same round trip. */
static void
compare_mechanism (RoundTrip       *rt,
                   const Mechanism *mechanism,
                   guint            rounds)
{
  BenchPair pair;
  g_autofree char *relay = NULL, *other = NULL, *ratio = NULL;

  rt->mechanism = &notifier_mechanism;
  rt->other = mechanism;
  bench_interleave (rounds, roundtrip_context, roundtrip_other, rt, &pair);
  relay = bench_format_stats (&pair.relay, "ns");
  other = bench_format_stats (&pair.baseline, "ns");
  ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("notifier-roundtrip [one CPU]: relay notifier %s, %s %s, ratio relay / %s %s",
              relay, mechanism->name, other, mechanism->name, ratio);
}

/*
 * Both threads are pinned to one CPU for the target: then a round trip costs
 * what the two mechanisms make the CPU do (syscalls, context switches, the main
 * loop), not how long this VM takes to wake an idle virtual CPU, which varies
 * from 2 to 50 µs from round to round and would drown the difference. Notes
 * follow with g_main_context_invoke() (GLib's own way to run a function on
 * another thread's context), the floor for a GSource (the least GSource that
 * wakes the same way, both ways), two other ways to wake a GSource, one
 * GMainContext hop alone, and the unpinned numbers.
 */
static void
bench_roundtrip (void)
{
  RoundTrip rt = {
    .mechanism = &notifier_mechanism,
    .cpu = sched_getcpu (),
    .warmup = bench_size (500, 20),
    .iterations = bench_size (5000, 200),
  };
  guint rounds = bench_rounds (11);
  BenchPair pair;
  g_autofree char *half = NULL, *eventfd = NULL, *ratio = NULL;

  bench_interleave (rounds, roundtrip_context, roundtrip_eventfd, &rt, &pair);
  bench_compare ("notifier-roundtrip", "ns", &pair, BENCH_AT_MOST, 1.15);

  compare_mechanism (&rt, &invoke_mechanism, rounds);
  note_mechanism (&rt, &invoke_mechanism, rounds);
  note_mechanism (&rt, &wake_source_mechanism, rounds);
  note_mechanism (&rt, &bare_source_mechanism, rounds);
  note_mechanism (&rt, &fd_source_mechanism, rounds);
  bench_interleave (rounds, roundtrip_half_glib, roundtrip_eventfd, &rt, &pair);
  half = bench_format_stats (&pair.relay, "ns");
  eventfd = bench_format_stats (&pair.baseline, "ns");
  ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("notifier-roundtrip [one CPU]: GMainContext on one hop only: main iterates one "
              "(minimal GSource, no Relay) and the worker blocks in read(): %s, "
              "raw eventfd %s, ratio %s", half, eventfd, ratio);
  rt.cpu = -1;
  note_mechanism (&rt, &notifier_mechanism, rounds);
}

/* --- burst ---------------------------------------------------------------- */

typedef struct
{
  guint          n_events;
  RelayNotifier *notifier;
  guint          seen;          /* main thread */
  int            done;          /* atomic */
  guint          n_callbacks;   /* main thread: callbacks of the current run */
  guint          relay_callbacks;      /* of the last relay run */
  guint          coalesced_callbacks;  /* of the last coalesced idle run */
  int            pending;       /* atomic: coalesced idle, events not yet seen */
} Burst;

static gboolean
on_burst_triggered (RelayNotifier *notifier,
                    guint          n_triggers,
                    gpointer       user_data)
{
  Burst *burst = user_data;

  burst->n_callbacks++;
  burst->seen += n_triggers;
  if (burst->seen >= burst->n_events)
    g_atomic_int_set (&burst->done, TRUE);

  return notifier_keep (notifier);
}

static gpointer
relay_burster (gpointer user_data)
{
  Burst *burst = user_data;

  for (guint i = 0; i < burst->n_events; i++)
    relay_notifier_trigger (burst->notifier);
  return NULL;
}

/* Starts @func on a worker and iterates the main context until it has seen
 * every event. Returns: ns per event */
static double
run_burst (Burst       *burst,
           GThreadFunc  func)
{
  GThread *worker;
  gint64 elapsed;

  burst->seen = 0;
  burst->n_callbacks = 0;
  burst->done = FALSE;
  burst->pending = 0;

  elapsed = bench_now_ns ();
  worker = g_thread_new ("bench-burst", func, burst);
  bench_iterate_until (NULL, &burst->done);
  elapsed = bench_now_ns () - elapsed;
  g_thread_join (worker);

  return (double) elapsed / burst->n_events;
}

static double
burst_relay (gpointer user_data)
{
  Burst *burst = user_data;
  double ns;

  burst->notifier = relay_notifier_new (on_burst_triggered, burst, NULL);
  notifier_set_keep (burst->notifier, TRUE);
  ns = run_burst (burst, relay_burster);
  burst->relay_callbacks = burst->n_callbacks;
  g_clear_object (&burst->notifier);
  return ns;
}

/* The baseline: what a careful GLib programmer writes. The worker counts the
 * event with one atomic add; only the add that finds the counter at zero (no
 * idle pending) adds an idle, which takes the whole count at once. An add after
 * the idle's exchange finds zero again and adds the next idle, so no event is
 * ever left without an idle to see it. */
static gboolean
on_coalesced_idle (gpointer user_data)
{
  Burst *burst = user_data;

  burst->n_callbacks++;
  burst->seen += g_atomic_int_exchange (&burst->pending, 0);
  if (burst->seen >= burst->n_events)
    g_atomic_int_set (&burst->done, TRUE);
  return G_SOURCE_REMOVE;
}

static gpointer
coalesced_idle_burster (gpointer user_data)
{
  Burst *burst = user_data;

  for (guint i = 0; i < burst->n_events; i++)
    if (g_atomic_int_add (&burst->pending, 1) == 0)
      g_idle_add (on_coalesced_idle, burst);
  return NULL;
}

static double
burst_coalesced_idle (gpointer user_data)
{
  Burst *burst = user_data;
  double ns = run_burst (burst, coalesced_idle_burster);

  burst->coalesced_callbacks = burst->n_callbacks;
  return ns;
}

/* A note: one g_idle_add() per event, the naive way. */
static gboolean
on_idle (gpointer user_data)
{
  Burst *burst = user_data;

  burst->n_callbacks++;
  if (++burst->seen == burst->n_events)
    g_atomic_int_set (&burst->done, TRUE);
  return G_SOURCE_REMOVE;
}

static gpointer
idle_burster (gpointer user_data)
{
  Burst *burst = user_data;

  for (guint i = 0; i < burst->n_events; i++)
    g_idle_add (on_idle, burst);
  return NULL;
}

static double
burst_idle (gpointer user_data)
{
  return run_burst (user_data, idle_burster);
}

/* A note, the floor: the worker's atomic adds alone, seen by the main thread
 * after it joined the worker. No mechanism that counts events across threads
 * can cost less. */
static gpointer
atomic_burster (gpointer user_data)
{
  Burst *burst = user_data;

  for (guint i = 0; i < burst->n_events; i++)
    g_atomic_int_add (&burst->pending, 1);
  return NULL;
}

static double
burst_atomic (gpointer user_data)
{
  Burst *burst = user_data;
  GThread *worker;
  gint64 elapsed;

  burst->pending = 0;
  elapsed = bench_now_ns ();
  worker = g_thread_new ("bench-burst", atomic_burster, burst);
  g_thread_join (worker);
  burst->seen = g_atomic_int_get (&burst->pending);
  elapsed = bench_now_ns () - elapsed;
  g_assert_cmpuint (burst->seen, ==, burst->n_events);

  return (double) elapsed / burst->n_events;
}

static void
note_burst (const char *what,
            const char *baseline_name,
            BenchPair  *pair,
            BenchGoal   goal)
{
  g_autofree char *relay = bench_format_stats (&pair->relay, "ns");
  g_autofree char *baseline = bench_format_stats (&pair->baseline, "ns");
  g_autofree char *ratio = bench_format_ratio (pair, goal);

  bench_note ("notifier-burst, %s: relay %s, %s %s per event; %s %s",
              what, relay, baseline_name, baseline,
              goal == BENCH_AT_LEAST ? "relay is cheaper by" : "relay costs", ratio);
}

static void
bench_burst (void)
{
  Burst burst = { .n_events = bench_size (1000000, 10000) };
  guint rounds = bench_rounds (7);
  BenchPair pair;

  bench_interleave (rounds, burst_relay, burst_coalesced_idle, &burst, &pair);
  bench_compare ("notifier-burst", "ns", &pair, BENCH_AT_LEAST, 3);
  bench_note ("notifier-burst: in the last round, %u triggers reached the main thread in "
              "%u notifier callbacks (relay) and in %u idle callbacks (coalesced idle)",
              burst.n_events, burst.relay_callbacks, burst.coalesced_callbacks);

  /* The notes take fewer rounds: g_idle_add() per event is slow. */
  bench_interleave (bench_rounds (3), burst_relay, burst_idle, &burst, &pair);
  note_burst ("against one g_idle_add() per event", "g_idle_add per event", &pair,
              BENCH_AT_LEAST);

  bench_interleave (bench_rounds (3), burst_relay, burst_atomic, &burst, &pair);
  note_burst ("against the floor (the worker's atomic adds alone, no main loop)",
              "atomic floor", &pair, BENCH_AT_MOST);
}

/* --- idle ----------------------------------------------------------------- */

typedef struct
{
  guint           n_sources;
  guint           iterations;
  guint           active_iterations;
  GMainContext   *relay_context;
  GMainContext   *inert_context;
  GMainContext   *active_context;
  RelayNotifier **notifiers;
  RelayNotifier **active;           /* on active_context */
  GSource       **sources;
  guint           n_delivered;      /* active: callbacks */
} Idle;

static gboolean
on_never_triggered (RelayNotifier *notifier,
                    guint          n_triggers,
                    gpointer       user_data)
{
  g_assert_not_reached ();

  return notifier_keep (notifier);
}

static gboolean
on_active_triggered (RelayNotifier *notifier,
                     guint          n_triggers,
                     gpointer       user_data)
{
  Idle *idle = user_data;

  idle->n_delivered++;

  return G_SOURCE_CONTINUE;
}

static gboolean
inert_source_dispatch (GSource     *source,
                       GSourceFunc  unused_func,
                       gpointer     unused_data)
{
  g_assert_not_reached ();
  return G_SOURCE_CONTINUE;
}

/* No prepare, no check, no fd, no ready time: GLib treats it as never ready.
 * The least an attached source can cost the loop. */
static GSourceFuncs inert_source_funcs = {
  .dispatch = inert_source_dispatch,
};

/* ns per iteration with nothing ready */
static double
iterate_idle (GMainContext *context,
              guint         iterations)
{
  gint64 elapsed = bench_now_ns ();

  for (guint i = 0; i < iterations; i++)
    g_main_context_iteration (context, FALSE);
  return (double) (bench_now_ns () - elapsed) / iterations;
}

static double
idle_relay (gpointer user_data)
{
  Idle *idle = user_data;

  return iterate_idle (idle->relay_context, idle->iterations);
}

static double
idle_inert (gpointer user_data)
{
  Idle *idle = user_data;

  return iterate_idle (idle->inert_context, idle->iterations);
}

/* A note: triggers every notifier once and iterates until all were
 * delivered (which makes each active), then times active_iterations
 * iterations, fewer than it takes one to go quiet. ns per iteration */
static double
idle_active (gpointer user_data)
{
  Idle *idle = user_data;

  idle->n_delivered = 0;
  for (guint i = 0; i < idle->n_sources; i++)
    relay_notifier_trigger (idle->active[i]);
  while (idle->n_delivered < idle->n_sources)
    g_main_context_iteration (idle->active_context, FALSE);

  return iterate_idle (idle->active_context, idle->active_iterations);
}

static double
idle_inert_active (gpointer user_data)
{
  Idle *idle = user_data;

  return iterate_idle (idle->inert_context, idle->active_iterations);
}

static void
bench_idle (void)
{
  Idle idle = {
    .n_sources = bench_size (10000, 1000),
    .iterations = bench_size (200, 20),
    .active_iterations = 64,
  };
  BenchPair pair;
  double empty;
  g_autofree char *active = NULL, *inert = NULL, *ratio = NULL;

  idle.relay_context = g_main_context_new ();
  idle.inert_context = g_main_context_new ();
  idle.active_context = g_main_context_new ();
  idle.notifiers = g_new (RelayNotifier *, idle.n_sources);
  idle.active = g_new (RelayNotifier *, idle.n_sources);
  idle.sources = g_new (GSource *, idle.n_sources);

  empty = iterate_idle (idle.relay_context, idle.iterations);

  for (guint i = 0; i < idle.n_sources; i++)
    {
      idle.notifiers[i] = relay_notifier_new_for_context (idle.relay_context,
                                                          on_never_triggered, NULL, NULL);
      idle.active[i] = relay_notifier_new_for_context (idle.active_context,
                                                       on_active_triggered, &idle, NULL);
      idle.sources[i] = g_source_new (&inert_source_funcs, sizeof (GSource));
      g_source_attach (idle.sources[i], idle.inert_context);
    }

  /* Warm up (a notifier never triggered stays quiet: nothing to arm). */
  iterate_idle (idle.relay_context, 2);
  iterate_idle (idle.inert_context, 2);

  bench_interleave (bench_rounds (11), idle_relay, idle_inert, &idle, &pair);
  bench_compare ("notifier-idle", "ns", &pair, BENCH_AT_MOST, 1.5);
  bench_note ("notifier-idle: %u notifiers (relay) or %u inert GSources (baseline) attached, "
              "never ready; ns per g_main_context_iteration (context, FALSE), %u per round; "
              "the same context with no source at all: %.4gns",
              idle.n_sources, idle.n_sources, idle.iterations, empty);

  bench_interleave (bench_rounds (5), idle_active, idle_inert_active, &idle, &pair);
  active = bench_format_stats (&pair.relay, "ns");
  inert = bench_format_stats (&pair.baseline, "ns");
  ratio = bench_format_ratio (&pair, BENCH_AT_MOST);
  bench_note ("notifier-idle, active: %u notifiers just after each delivered a trigger "
              "(their arms attached; %u iterations, fewer than it takes one to go quiet): "
              "%s per iteration, %u inert GSources %s, ratio %s",
              idle.n_sources, idle.active_iterations, active, idle.n_sources, inert, ratio);

  for (guint i = 0; i < idle.n_sources; i++)
    {
      relay_notifier_destroy (idle.notifiers[i]);
      g_object_unref (idle.notifiers[i]);
      relay_notifier_destroy (idle.active[i]);
      g_object_unref (idle.active[i]);
      g_source_destroy (idle.sources[i]);
      g_source_unref (idle.sources[i]);
    }
  /* The notifiers leave their context in their dispatch after a destroy. */
  while (g_main_context_iteration (idle.relay_context, FALSE))
    ;
  while (g_main_context_iteration (idle.active_context, FALSE))
    ;

  g_free (idle.notifiers);
  g_free (idle.active);
  g_free (idle.sources);
  g_main_context_unref (idle.relay_context);
  g_main_context_unref (idle.inert_context);
  g_main_context_unref (idle.active_context);
}

static const BenchCase cases[] = {
  { "roundtrip", bench_roundtrip },
  { "burst", bench_burst },
  { "idle", bench_idle },
};

int
main (int    argc,
      char **argv)
{
  return bench_main (argc, argv, cases, G_N_ELEMENTS (cases));
}
