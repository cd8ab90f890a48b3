/* test-notifier.c: RelayNotifier — triggers from any thread, callbacks on the owner
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#include "relay-notifier-private.h"    /* white-box: the quiet and active counters */
#include "test-utils.h"
#include "../notifier-keep.h"

/* Iterates @context until @done is set, failing only if nothing was
 * dispatched for the watchdog's stall interval (see test-watchdog.h). */
static void
iterate_until (GMainContext *context,
               int          *done)
{
  Stall stall;

  stall_init (&stall);
  while (!g_atomic_int_get (done))
    {
      if (g_main_context_iteration (context, FALSE))
        stall_progress (&stall);
      else if (!g_atomic_int_get (done))
        {
          stall_check (&stall, "the notifier callback never ran");
          g_usleep (100);
        }
    }
}


/* --- a thread stores a result and triggers; the main loop reads it -------- */

typedef struct
{
  RelayNotifier *notifier;
  int            result;     /* written without a lock, as in the seed */
  int            seen;
  GThread       *main_thread;
  GThread       *callback_thread;
  int            done;
} SeedData;

static gboolean
seed_finished (RelayNotifier *notifier,
               guint          n_triggers,
               gpointer       user_data)
{
  SeedData *data = user_data;

  data->seen = data->result;
  data->callback_thread = g_thread_self ();
  g_atomic_int_set (&data->done, TRUE);

  return notifier_keep (notifier);
}

static gpointer
seed_worker (gpointer user_data)
{
  SeedData *data = user_data;

  g_usleep (50 * 1000);   /* such work */
  data->result = 42;
  g_assert_true (relay_notifier_trigger (data->notifier));
  return NULL;
}

static void
test_seed_example (void)
{
  SeedData data = { 0 };
  GThread *worker;

  data.main_thread = g_thread_self ();
  data.notifier = relay_notifier_new (seed_finished, &data, NULL);
  worker = g_thread_new ("worker", seed_worker, &data);

  iterate_until (NULL, &data.done);
  g_thread_join (worker);

  g_assert_cmpint (data.seen, ==, 42);
  g_assert_true (data.callback_thread == data.main_thread);
  g_object_unref (data.notifier);
}

/* --- single-shot and repeating -------------------------------------------- */

typedef struct
{
  int       calls;
  guint     covered;
  int       freed;
  GThread  *free_thread;
} Counts;

static gboolean
count_call (RelayNotifier *notifier,
            guint          n_triggers,
            gpointer       user_data)
{
  Counts *counts = user_data;

  counts->calls++;
  counts->covered += n_triggers;

  return notifier_keep (notifier);
}

static void
count_free (gpointer user_data)
{
  Counts *counts = user_data;

  counts->freed++;
  counts->free_thread = g_thread_self ();
}

static void
test_single_shot (void)
{
  Counts counts = { 0 };
  RelayNotifier *notifier = relay_notifier_new (count_call, &counts, count_free);

  g_assert_false (notifier_get_keep (notifier));
  g_assert_true (relay_notifier_trigger (notifier));
  g_assert_true (relay_notifier_trigger (notifier));
  g_assert_true (relay_notifier_trigger (notifier));
  g_assert_cmpint (counts.calls, ==, 0);      /* never synchronously */

  drain (NULL);
  g_assert_cmpint (counts.calls, ==, 1);
  g_assert_cmpuint (counts.covered, ==, 3);   /* coalesced, and it says so */
  g_assert_cmpint (counts.freed, ==, 1);      /* released once it fired */

  g_assert_false (relay_notifier_trigger (notifier));
  drain (NULL);
  g_assert_cmpint (counts.calls, ==, 1);
  g_assert_false (relay_notifier_is_destroyed (notifier));

  relay_notifier_destroy (notifier);
  g_object_unref (notifier);
  g_assert_cmpint (counts.freed, ==, 1);
}

static void
test_repeating (void)
{
  Counts counts = { 0 };
  RelayNotifier *notifier = relay_notifier_new (count_call, &counts, count_free);

  notifier_set_keep (notifier, TRUE);
  g_assert_true (notifier_get_keep (notifier));

  for (int round = 1; round <= 5; round++)
    {
      g_assert_true (relay_notifier_trigger (notifier));
      g_assert_true (relay_notifier_trigger (notifier));
      drain (NULL);
      g_assert_cmpint (counts.calls, ==, round);
      g_assert_cmpuint (counts.covered, ==, 2 * round);
    }

  drain (NULL);
  g_assert_cmpint (counts.calls, ==, 5);     /* no trigger, no call */
  g_assert_cmpint (counts.freed, ==, 0);

  g_object_unref (notifier);                 /* the last unref retires it */
  g_assert_cmpint (counts.freed, ==, 0);     /* ... on the owner, at its next dispatch */
  drain (NULL);
  g_assert_cmpint (counts.freed, ==, 1);
  g_assert_true (counts.free_thread == g_thread_self ());
}

/* --- streams: a blocking owner paces itself, a non-blocking one does not --- */

typedef struct
{
  RelayNotifier *notifier;
  guint          n;
  guint          delay_ms;
} Streamer;

static gpointer
stream_triggers (gpointer user_data)
{
  Streamer *streamer = user_data;

  g_usleep (streamer->delay_ms * 1000);
  for (guint i = 0; i < streamer->n; i++)
    g_assert_true (relay_notifier_trigger (streamer->notifier));
  return NULL;
}

#define N_STREAMED 100000

static void
test_stream (void)
{
  Counts counts = { 0 };
  RelayNotifier *notifier = relay_notifier_new (count_call, &counts, NULL);
  Streamer streamer = { notifier, 1, 50 };
  GThread *thread;
  Watchdog watchdog;
  int stuck = 0;      /* the watchdog's progress: never moves */

  notifier_set_keep (notifier, TRUE);

  /* A dispatch that covers more than one trigger means a stream: */
  relay_notifier_trigger (notifier);
  relay_notifier_trigger (notifier);
  drain (NULL);
  g_assert_cmpint (counts.calls, ==, 1);
  g_assert_cmpuint (counts.covered, ==, 2);

  /* then a blocking iteration waits for poll (at most 1 ms) before it
   * delivers, instead of arming; it still returns having delivered. Nothing
   * else would wake it: were it to wait for a wake-up, the watchdog fails the
   * test. */
  relay_notifier_trigger (notifier);
  watchdog_start (&watchdog, &stuck, "a blocking iteration with a trigger pending "
                  "under a stream never returned", NULL, NULL);
  g_assert_true (g_main_context_iteration (NULL, TRUE));
  watchdog_stop (&watchdog);
  g_assert_cmpint (counts.calls, ==, 2);
  g_assert_cmpuint (counts.covered, ==, 3);

  /* That dispatch covered one trigger: the stream is over, the owner arms
   * again, and a trigger from another thread wakes it from poll. */
  thread = g_thread_new ("late-trigger", stream_triggers, &streamer);
  g_assert_true (g_main_context_iteration (NULL, TRUE));
  g_thread_join (thread);
  g_assert_cmpint (counts.calls, ==, 3);
  g_assert_cmpuint (counts.covered, ==, 4);

  /* A real stream: every trigger is delivered, coalesced. */
  streamer.n = N_STREAMED;
  streamer.delay_ms = 0;
  thread = g_thread_new ("streamer", stream_triggers, &streamer);
  while (counts.covered < 4 + N_STREAMED)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  drain (NULL);
  g_assert_cmpuint (counts.covered, ==, 4 + N_STREAMED);
  g_assert_cmpint (counts.calls - 3, <, N_STREAMED / 10);
  g_test_message ("%d triggers in %d callbacks", N_STREAMED, counts.calls - 3);

  g_object_unref (notifier);
  drain (NULL);
}

/* --- quiet and active ------------------------------------------------------ */

/* Starts a thread that triggers @notifier once, a little later, and iterates
 * @context blocking until the callback ran: only the trigger can wake it. */
static void
deliver_one_from_thread (RelayNotifier *notifier,
                         Counts        *counts,
                         GMainContext  *context)
{
  Streamer streamer = { notifier, 1, 20 };
  int before = counts->calls;
  Watchdog watchdog;
  int stuck = 0;      /* the watchdog's progress: never moves */
  GThread *thread;

  watchdog_start (&watchdog, &stuck, "a trigger from another thread did not wake "
                  "the owner blocked in poll", NULL, NULL);
  thread = g_thread_new ("late-trigger", stream_triggers, &streamer);
  while (counts->calls == before)
    g_main_context_iteration (context, TRUE);
  g_thread_join (thread);
  watchdog_stop (&watchdog);
  g_assert_cmpint (counts->calls, ==, before + 1);
}

/* A new notifier is quiet: the trigger that wakes it sets its source's ready
 * time. Its first call makes it active (an arm with prepare and check decides
 * from then on), and enough idle iterations make it quiet again. Each way, a
 * trigger from another thread wakes the owner blocked in poll. */
static void
test_quiet_and_active (void)
{
  GMainContext *context = g_main_context_new ();
  Counts counts = { 0 };
  RelayNotifier *notifier = relay_notifier_new_for_context (context, count_call, &counts, count_free);
  guint64 activations = _relay_notifier_get_n_activations ();
  guint64 retirements;

  notifier_set_keep (notifier, TRUE);

  deliver_one_from_thread (notifier, &counts, context);             /* quiet */
  g_assert_cmpuint (_relay_notifier_get_n_activations (), ==, activations + 1);

  deliver_one_from_thread (notifier, &counts, context);             /* active */
  g_assert_cmpuint (_relay_notifier_get_n_activations (), ==, activations + 1);

  /* Idle iterations: quiet again (well before the bound of this loop). */
  retirements = _relay_notifier_get_n_retirements ();
  for (int i = 0; i < 100000 && _relay_notifier_get_n_retirements () == retirements; i++)
    g_main_context_iteration (context, FALSE);
  g_assert_cmpuint (_relay_notifier_get_n_retirements (), ==, retirements + 1);
  g_assert_cmpint (counts.calls, ==, 2);

  deliver_one_from_thread (notifier, &counts, context);             /* quiet again */
  g_assert_cmpuint (_relay_notifier_get_n_activations (), ==, activations + 2);
  g_assert_cmpint (counts.calls, ==, 3);
  g_assert_cmpuint (counts.covered, ==, 3);

  /* Triggers from this thread while quiet, then destroyed while active. */
  for (int i = 0; i < 100000 && _relay_notifier_get_n_retirements () == retirements + 1; i++)
    g_main_context_iteration (context, FALSE);
  g_assert_cmpuint (_relay_notifier_get_n_retirements (), ==, retirements + 2);
  g_assert_true (relay_notifier_trigger (notifier));
  g_assert_true (relay_notifier_trigger (notifier));
  drain (context);
  g_assert_cmpint (counts.calls, ==, 4);
  g_assert_cmpuint (counts.covered, ==, 5);
  g_assert_cmpuint (_relay_notifier_get_n_activations (), ==, activations + 3);

  relay_notifier_destroy (notifier);
  g_object_unref (notifier);
  drain (context);
  g_assert_cmpint (counts.freed, ==, 1);
  g_assert_true (counts.free_thread == g_thread_self ());
  g_main_context_unref (context);
}

/* A callback that triggers its own notifier again, each time. */
static gboolean
retrigger_call (RelayNotifier *notifier,
                guint          n_triggers,
                gpointer       user_data)
{
  Counts *counts = user_data;

  counts->calls++;
  counts->covered += n_triggers;
  g_assert_true (relay_notifier_trigger (notifier));

  return G_SOURCE_CONTINUE;
}

/* A trigger made by the callback is delivered by the next iteration, not by
 * the same one: one call per iteration at most, whether the notifier was
 * quiet (its first call, which makes it active) or active. RelayListStore
 * relies on it to apply one budgeted batch per iteration. */
static void
test_once_per_iteration (void)
{
  GMainContext *context = g_main_context_new ();
  Counts counts = { 0 };
  RelayNotifier *notifier = relay_notifier_new_for_context (context, retrigger_call, &counts, count_free);

  g_assert_true (relay_notifier_trigger (notifier));
  for (int i = 1; i <= 10; i++)
    {
      g_assert_true (g_main_context_iteration (context, FALSE));
      g_assert_cmpint (counts.calls, ==, i);
      g_assert_cmpuint (counts.covered, ==, i);
    }

  relay_notifier_destroy (notifier);
  g_object_unref (notifier);
  drain (context);
  g_assert_cmpint (counts.calls, ==, 10);
  g_assert_cmpint (counts.freed, ==, 1);
  g_main_context_unref (context);
}

static void
test_destroy (void)
{
  Counts counts = { 0 };
  RelayNotifier *notifier = relay_notifier_new (count_call, &counts, count_free);

  g_assert_true (relay_notifier_trigger (notifier));
  relay_notifier_destroy (notifier);
  g_assert_true (relay_notifier_is_destroyed (notifier));
  g_assert_false (relay_notifier_trigger (notifier));
  relay_notifier_destroy (notifier);         /* idempotent */

  drain (NULL);
  g_assert_cmpint (counts.calls, ==, 0);     /* the pending trigger died with it */
  g_assert_cmpint (counts.freed, ==, 1);
  g_object_unref (notifier);
  g_assert_cmpint (counts.freed, ==, 1);
}

/* A worker may trigger and drop the last reference: the trigger still counts. */
static gpointer
trigger_and_unref (gpointer notifier)
{
  g_assert_true (relay_notifier_trigger (notifier));
  g_object_unref (notifier);
  return NULL;
}

static void
test_trigger_then_last_unref (void)
{
  for (int repeating = 0; repeating <= 1; repeating++)
    {
      Counts counts = { 0 };
      RelayNotifier *notifier = relay_notifier_new (count_call, &counts, count_free);

      notifier_set_keep (notifier, repeating);
      g_thread_join (g_thread_new ("worker", trigger_and_unref, notifier));
      g_assert_cmpint (counts.calls, ==, 0);
      drain (NULL);
      g_assert_cmpint (counts.calls, ==, 1);
      g_assert_cmpuint (counts.covered, ==, 1);
      g_assert_cmpint (counts.freed, ==, 1);
      g_assert_true (counts.free_thread == g_thread_self ());
    }
}

static gboolean
destroy_self_in_callback (RelayNotifier *notifier,
                          guint          n_triggers,
                          gpointer       user_data)
{
  RelayNotifier **slot = user_data;

  g_assert_true (*slot == notifier);
  relay_notifier_destroy (*slot);
  g_clear_object (slot);

  return G_SOURCE_CONTINUE;   /* destroyed already: no more calls anyway */
}

static void
test_destroy_from_callback (void)
{
  RelayNotifier *notifier = relay_notifier_new (destroy_self_in_callback, &notifier, NULL);

  notifier_set_keep (notifier, TRUE);
  relay_notifier_trigger (notifier);
  drain (NULL);
  g_assert_null (notifier);
}

/* The callback destroys and drops its own notifier (single-shot or
 * repeating): the user data must outlive the callback, then be released
 * once, on the owner thread. */
typedef struct
{
  RelayNotifier *notifier;
  gboolean       in_callback;
  int            freed;
  int            freed_during_callback;
  GThread       *free_thread;
  int            calls;
} SelfDestroy;

static void
self_destroy_free (gpointer data)
{
  SelfDestroy *self = data;

  self->freed++;
  if (self->in_callback)
    self->freed_during_callback++;
  self->free_thread = g_thread_self ();
}

static gboolean
self_destroy_callback (RelayNotifier *notifier,
                       guint          n_triggers,
                       gpointer       data)
{
  SelfDestroy *self = data;

  self->in_callback = TRUE;
  self->calls++;
  relay_notifier_destroy (self->notifier);
  g_clear_object (&self->notifier);
  g_assert_cmpint (self->freed, ==, 0);     /* still ours: we are running */
  self->in_callback = FALSE;

  return notifier_keep (notifier);
}

static gboolean
self_unref_callback (RelayNotifier *notifier,
                     guint          n_triggers,
                     gpointer       data)
{
  SelfDestroy *self = data;

  self->in_callback = TRUE;
  self->calls++;
  g_clear_object (&self->notifier);          /* the last reference */
  g_assert_cmpint (self->freed, ==, 0);
  self->in_callback = FALSE;

  return notifier_keep (notifier);
}

static void
test_destroy_self_releases_after_callback (void)
{
  RelayNotifierFunc callbacks[] = { self_destroy_callback, self_unref_callback };

  for (guint c = 0; c < G_N_ELEMENTS (callbacks); c++)
    for (int repeating = 0; repeating <= 1; repeating++)
      {
        SelfDestroy self = { 0 };

        self.notifier = relay_notifier_new (callbacks[c], &self, self_destroy_free);
        notifier_set_keep (self.notifier, repeating);
        g_assert_true (relay_notifier_trigger (self.notifier));
        drain (NULL);

        g_assert_null (self.notifier);
        g_assert_cmpint (self.calls, ==, 1);
        g_assert_cmpint (self.freed_during_callback, ==, 0);
        g_assert_cmpint (self.freed, ==, 1);
        g_assert_true (self.free_thread == g_thread_self ());
      }
}

static void
test_properties (void)
{
  Counts counts = { 0 };
  g_autoptr(RelayNotifier) notifier = relay_notifier_new (count_call, &counts, NULL);
  g_autoptr(GMainContext) context = NULL;
  int priority;

  relay_notifier_set_priority (notifier, G_PRIORITY_HIGH);
  relay_notifier_set_name (notifier, "test notifier");
  g_object_get (notifier, "priority", &priority, "context", &context, NULL);

  g_assert_cmpint (priority, ==, G_PRIORITY_HIGH);
  g_assert_cmpstr (relay_notifier_get_name (notifier), ==, "test notifier");
  g_assert_true (context == g_main_context_default ());
  g_assert_true (relay_notifier_get_context (notifier) == g_main_context_default ());
}

/* --- 8 threads × 100,000 triggers on a repeating notifier ------------------ */

#define N_THREADS  8
#define N_TRIGGERS 100000

typedef struct
{
  RelayNotifier *notifier;
  GThread       *owner;
  guint64        covered;        /* owner thread only */
  guint          calls;          /* owner thread only */
  gboolean       wrong_thread;   /* owner thread only */
  int            workers_done;   /* atomic */
  int            calls_after_last;  /* owner: calls that began after every worker finished */
  int            start;          /* atomic: go */
} Burst;

static gboolean
burst_call (RelayNotifier *notifier,
            guint          n_triggers,
            gpointer       user_data)
{
  Burst *burst = user_data;

  if (g_thread_self () != burst->owner)
    burst->wrong_thread = TRUE;
  burst->calls++;
  burst->covered += n_triggers;
  if (g_atomic_int_get (&burst->workers_done) == N_THREADS)
    burst->calls_after_last++;

  return notifier_keep (notifier);
}

static gpointer
burst_worker (gpointer user_data)
{
  Burst *burst = user_data;

  while (!g_atomic_int_get (&burst->start))
    g_thread_yield ();

  for (int i = 0; i < N_TRIGGERS; i++)
    g_assert_true (relay_notifier_trigger (burst->notifier));

  g_atomic_int_inc (&burst->workers_done);
  return NULL;
}

static void
test_many_threads (void)
{
  Burst burst = { 0 };
  GThread *threads[N_THREADS];

  burst.owner = g_thread_self ();
  burst.notifier = relay_notifier_new (burst_call, &burst, NULL);
  notifier_set_keep (burst.notifier, TRUE);

  for (int i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("trigger", burst_worker, &burst);
  g_atomic_int_set (&burst.start, TRUE);

  while (burst.covered < (guint64) N_THREADS * N_TRIGGERS)
    g_main_context_iteration (NULL, TRUE);

  for (int i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  drain (NULL);

  g_assert_false (burst.wrong_thread);
  g_assert_cmpuint (burst.covered, ==, (guint64) N_THREADS * N_TRIGGERS);
  g_assert_cmpuint (burst.calls, >=, 1);
  g_assert_cmpuint (burst.calls, <=, N_THREADS * N_TRIGGERS);
  g_test_message ("%u callbacks covered %" G_GUINT64_FORMAT " triggers",
                  burst.calls, burst.covered);

  /* The callback that covered the last trigger ran after that trigger: the
   * total can only reach N×M once every trigger was delivered. */
  g_object_unref (burst.notifier);
  drain (NULL);
}

/* --- trigger racing destroy / unref ---------------------------------------- */

typedef struct
{
  RelayNotifier *notifier;     /* the racer's own reference */
  int            destroyed;    /* atomic: set once destroy() returned */
  int            late_calls;   /* atomic: callbacks that began after that */
  int            calls;
  int            freed;        /* atomic */
  int            go;
  gboolean       unref_only;
} Race;

static gboolean
race_call (RelayNotifier *notifier,
           guint          n_triggers,
           gpointer       user_data)
{
  Race *race = user_data;

  if (g_atomic_int_get (&race->destroyed))
    g_atomic_int_inc (&race->late_calls);
  race->calls++;

  return notifier_keep (notifier);
}

static void
race_free (gpointer user_data)
{
  Race *race = user_data;

  g_atomic_int_inc (&race->freed);
}

static gpointer
race_trigger (gpointer user_data)
{
  Race *race = user_data;

  while (!g_atomic_int_get (&race->go))
    g_thread_yield ();     /* under valgrind, a bare spin holds its one CPU */
  for (int i = 0; i < 200; i++)
    relay_notifier_trigger (race->notifier);
  g_object_unref (race->notifier);
  return NULL;
}

static gpointer
race_destroy (gpointer user_data)
{
  Race *race = user_data;

  while (!g_atomic_int_get (&race->go))
    g_thread_yield ();     /* under valgrind, a bare spin holds its one CPU */
  relay_notifier_destroy (race->notifier);
  g_atomic_int_set (&race->destroyed, TRUE);
  return NULL;
}

static void
run_race (gboolean unref_only)
{
  GMainContext *context = g_main_context_new ();
  Race race = { 0 };
  RelayNotifier *notifier;
  GThread *trigger, *destroyer = NULL;

  race.unref_only = unref_only;
  notifier = relay_notifier_new_for_context (context, race_call, &race, race_free);
  notifier_set_keep (notifier, TRUE);
  race.notifier = g_object_ref (notifier);

  trigger = g_thread_new ("trigger", race_trigger, &race);
  if (!unref_only)
    destroyer = g_thread_new ("destroy", race_destroy, &race);
  g_atomic_int_set (&race.go, TRUE);

  /* The owner iterates while the others race. */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (context, FALSE);

  if (unref_only)
    {
      g_object_unref (notifier);     /* racing the trigger thread's unref */
      g_thread_join (trigger);
    }
  else
    {
      g_thread_join (destroyer);
      g_thread_join (trigger);
      g_object_unref (notifier);
    }

  drain (context);
  g_assert_cmpint (g_atomic_int_get (&race.late_calls), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&race.freed), ==, 1);
  g_main_context_unref (context);
  g_assert_cmpint (g_atomic_int_get (&race.freed), ==, 1);
}

static void
test_race_destroy (void)
{
  for (int round = 0; round < 1000; round++)
    run_race (FALSE);
}

static void
test_race_unref (void)
{
  for (int round = 0; round < 1000; round++)
    run_race (TRUE);
}

/* --- ping-pong: each side sleeps in poll until the other's trigger ---------- */

#define N_ROUND_TRIPS 10000

typedef struct
{
  GMainContext  *main_context;
  GMainContext  *worker_context;
  RelayNotifier *to_main;
  RelayNotifier *to_worker;
  GThread       *worker;
  guint          main_seen;       /* main thread */
  guint          worker_seen;     /* worker thread */
  gboolean       wrong_thread;
  int            round_trips;     /* atomic: the watchdog's progress */
  int            timed_out;       /* atomic */
} PingPong;

static gboolean
pong_on_main (RelayNotifier *notifier,
              guint          n_triggers,
              gpointer       user_data)
{
  PingPong *pp = user_data;

  if (g_thread_self () == pp->worker)
    pp->wrong_thread = TRUE;
  pp->main_seen += n_triggers;
  relay_notifier_trigger (pp->to_worker);

  return notifier_keep (notifier);
}

static gboolean
ping_on_worker (RelayNotifier *notifier,
                guint          n_triggers,
                gpointer       user_data)
{
  PingPong *pp = user_data;

  if (g_thread_self () != pp->worker)
    pp->wrong_thread = TRUE;
  pp->worker_seen += n_triggers;
  g_atomic_int_inc (&pp->round_trips);
  if (pp->worker_seen < N_ROUND_TRIPS)
    relay_notifier_trigger (pp->to_main);

  return notifier_keep (notifier);
}

/* A lost wake-up leaves both sides blocked in poll, and no round trip ends:
 * the watchdog, which samples the count without waking anyone, unblocks them
 * once none ended for its stall interval, and the test fails. */
static void
ping_pong_stalled (gpointer user_data)
{
  PingPong *pp = user_data;

  g_atomic_int_set (&pp->timed_out, TRUE);
  g_main_context_wakeup (pp->main_context);
  g_main_context_wakeup (pp->worker_context);
}

static gpointer
ping_pong_worker (gpointer user_data)
{
  PingPong *pp = user_data;

  relay_notifier_trigger (pp->to_main);
  while (pp->worker_seen < N_ROUND_TRIPS && !g_atomic_int_get (&pp->timed_out))
    g_main_context_iteration (pp->worker_context, TRUE);

  return NULL;
}

static void
test_ping_pong (void)
{
  PingPong pp = { 0 };
  Watchdog watchdog;

  pp.main_context = g_main_context_new ();
  pp.worker_context = g_main_context_new ();
  pp.to_main = relay_notifier_new_for_context (pp.main_context, pong_on_main, &pp, NULL);
  pp.to_worker = relay_notifier_new_for_context (pp.worker_context, ping_on_worker, &pp, NULL);
  notifier_set_keep (pp.to_main, TRUE);
  notifier_set_keep (pp.to_worker, TRUE);
  watchdog_start (&watchdog, &pp.round_trips, "ping-pong: a wake-up was lost",
                  ping_pong_stalled, &pp);

  /* Both sides block in poll between triggers: every round trip needs the
   * other side's trigger to wake them, and none may be lost. */
  g_main_context_push_thread_default (pp.main_context);
  pp.worker = g_thread_new ("pinger", ping_pong_worker, &pp);
  while (pp.main_seen < N_ROUND_TRIPS && !g_atomic_int_get (&pp.timed_out))
    g_main_context_iteration (pp.main_context, TRUE);
  g_thread_join (pp.worker);
  g_main_context_pop_thread_default (pp.main_context);
  watchdog_stop (&watchdog);

  g_assert_false (g_atomic_int_get (&pp.timed_out));
  g_assert_false (pp.wrong_thread);
  g_assert_cmpuint (pp.main_seen, ==, N_ROUND_TRIPS);
  g_assert_cmpuint (pp.worker_seen, ==, N_ROUND_TRIPS);

  g_object_unref (pp.to_main);
  g_object_unref (pp.to_worker);
  drain (pp.main_context);
  drain (pp.worker_context);
  g_main_context_unref (pp.main_context);
  g_main_context_unref (pp.worker_context);
}

/* --- a notifier on a context iterated by its own thread -------------------- */

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  GThread      *callback_thread;
  guint         covered;
  int           ready;
} OwnThread;

static gboolean
own_thread_call (RelayNotifier *notifier,
                 guint          n_triggers,
                 gpointer       user_data)
{
  OwnThread *own = user_data;

  own->callback_thread = g_thread_self ();
  own->covered += n_triggers;
  g_main_loop_quit (own->loop);

  return notifier_keep (notifier);
}

static gpointer
own_thread_main (gpointer user_data)
{
  OwnThread *own = user_data;

  g_main_context_push_thread_default (own->context);
  g_atomic_int_set (&own->ready, TRUE);
  g_main_loop_run (own->loop);
  g_main_context_pop_thread_default (own->context);
  return NULL;
}

static void
test_other_context (void)
{
  OwnThread own = { 0 };
  RelayNotifier *notifier;

  own.context = g_main_context_new ();
  own.loop = g_main_loop_new (own.context, FALSE);
  notifier = relay_notifier_new_for_context (own.context, own_thread_call, &own, NULL);
  g_assert_true (relay_notifier_get_context (notifier) == own.context);

  own.thread = g_thread_new ("context-owner", own_thread_main, &own);
  while (!g_atomic_int_get (&own.ready))
    g_thread_yield ();

  g_assert_true (relay_notifier_trigger (notifier));    /* from the main thread */
  g_thread_join (own.thread);

  g_assert_true (own.callback_thread == own.thread);
  g_assert_true (own.callback_thread != g_thread_self ());
  g_assert_cmpuint (own.covered, ==, 1);

  g_object_unref (notifier);
  g_main_loop_unref (own.loop);
  g_main_context_unref (own.context);
}

/* --- the last references go before the notifier fires -------------------- */

/* A triggered notifier whose last reference and whose context's other
 * references are dropped before it fires keeps itself and its context alive
 * for the pending trigger, as a GTask keeps its context: iterating the
 * context delivers it, then both go. An untriggered one goes at once. */
static void
test_context_finalized (void)
{
  Counts counts = { 0 };
  GMainContext *context = g_main_context_new ();
  RelayNotifier *notifier = relay_notifier_new_for_context (context, count_call, &counts, count_free);

  g_assert_true (relay_notifier_trigger (notifier));
  g_object_unref (notifier);                   /* the pending trigger holds it */
  g_assert_cmpint (counts.calls, ==, 0);
  g_assert_cmpint (counts.freed, ==, 0);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpint (counts.calls, ==, 1);
  g_assert_cmpint (counts.freed, ==, 1);
  g_main_context_unref (context);

  counts = (Counts) { 0 };
  context = g_main_context_new ();
  notifier = relay_notifier_new_for_context (context, count_call, &counts, count_free);
  g_main_context_unref (context);              /* the notifier still holds it */
  g_object_unref (notifier);                   /* last ref, nothing pending: all go */
  g_assert_cmpint (counts.calls, ==, 0);
  g_assert_cmpint (counts.freed, ==, 1);
}

/* --- misuse ---------------------------------------------------------------- */

static void
test_misuse (void)
{
  g_autoptr(GObject) not_a_notifier = g_object_new (G_TYPE_OBJECT, NULL);

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_NOTIFIER*");
  g_assert_false (relay_notifier_trigger (NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_NOTIFIER*");
  relay_notifier_destroy (NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*func != NULL*");
  g_assert_null (relay_notifier_new (NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_NOTIFIER*");
  g_assert_false (relay_notifier_trigger ((RelayNotifier *) not_a_notifier));
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/notifier/seed-example", test_seed_example);
  g_test_add_func ("/notifier/single-shot", test_single_shot);
  g_test_add_func ("/notifier/repeating", test_repeating);
  g_test_add_func ("/notifier/stream", test_stream);
  g_test_add_func ("/notifier/quiet-and-active", test_quiet_and_active);
  g_test_add_func ("/notifier/once-per-iteration", test_once_per_iteration);
  g_test_add_func ("/notifier/destroy", test_destroy);
  g_test_add_func ("/notifier/destroy-from-callback", test_destroy_from_callback);
  g_test_add_func ("/notifier/destroy-self-releases-after-callback", test_destroy_self_releases_after_callback);
  g_test_add_func ("/notifier/trigger-then-last-unref", test_trigger_then_last_unref);
  g_test_add_func ("/notifier/properties", test_properties);
  g_test_add_func ("/notifier/many-threads", test_many_threads);
  g_test_add_func ("/notifier/race-destroy", test_race_destroy);
  g_test_add_func ("/notifier/race-unref", test_race_unref);
  g_test_add_func ("/notifier/other-context", test_other_context);
  g_test_add_func ("/notifier/ping-pong", test_ping_pong);
  g_test_add_func ("/notifier/context-finalized", test_context_finalized);
  g_test_add_func ("/notifier/misuse", test_misuse);

  return g_test_run ();
}
