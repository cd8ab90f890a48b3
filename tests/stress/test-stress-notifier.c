/* test-stress-notifier.c: 64 threads trigger notifiers owned by 4 contexts on
 * 4 threads; destroy and the last unref race trigger and dispatch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every check is exact: callbacks run only on the owner thread, the trigger
 * counts a repeating callback receives add up to the triggers that returned
 * TRUE, single-shot callbacks run once (covering at most the triggers that
 * returned TRUE: one made while the callback runs is dropped by its REMOVE), no callback starts after destroy returned, and user data
 * is released exactly once, on the owner thread.
 */
#include <relay/relay.h>

#include "stress-common.h"
#include "../notifier-keep.h"

#define N_OWNERS   4
#define N_THREADS  64

/* ------------------------------------------------------------------------ */
/* Many threads, many notifiers                                             */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayNotifier *notifier;
  Owner         *owner;
  int            covered;        /* atomic: sum of n_triggers */
  int            calls;          /* atomic */
  int            wrong_thread;   /* atomic */
  int            accepted;       /* atomic: triggers that returned TRUE */
  int            freed;          /* atomic */
  int            freed_elsewhere;/* atomic */
} Target;

typedef struct
{
  Owner            owners[N_OWNERS];
  Target          *targets;
  guint            n_targets;
  guint            n_triggers;    /* per thread */
  pthread_barrier_t start;
  int              total_covered; /* atomic */
} Swarm;

static gboolean
target_callback (RelayNotifier *notifier,
                 guint          n_triggers,
                 gpointer       user_data)
{
  Target *target = user_data;

  if (g_thread_self () != target->owner->thread)
    g_atomic_int_inc (&target->wrong_thread);
  g_assert_cmpuint (n_triggers, >=, 1);
  g_atomic_int_add (&target->covered, (int) n_triggers);
  g_atomic_int_inc (&target->calls);

  return notifier_keep (notifier);
}

static void
target_free (gpointer user_data)
{
  Target *target = user_data;

  if (g_thread_self () != target->owner->thread)
    g_atomic_int_inc (&target->freed_elsewhere);
  g_atomic_int_inc (&target->freed);
}

typedef struct
{
  Swarm *swarm;
  guint  index;
} Trigger;

static gpointer
trigger_thread (gpointer data)
{
  Trigger *t = data;
  Swarm *swarm = t->swarm;

  pthread_barrier_wait (&swarm->start);

  for (guint i = 0; i < swarm->n_triggers; i++)
    {
      Target *target = &swarm->targets[(t->index + i) % swarm->n_targets];

      if (relay_notifier_trigger (target->notifier))
        g_atomic_int_inc (&target->accepted);
    }

  return NULL;
}

static void
run_swarm (Swarm    *swarm,
           gboolean  repeating)
{
  GThread *threads[N_THREADS];
  Trigger triggers[N_THREADS];
  guint64 accepted = 0, covered = 0, expected;

  pthread_barrier_init (&swarm->start, NULL, N_THREADS + 1);

  for (int i = 0; i < N_OWNERS; i++)
    owner_start (&swarm->owners[i], i, NULL, NULL, NULL);

  for (guint i = 0; i < swarm->n_targets; i++)
    {
      Target *target = &swarm->targets[i];

      target->owner = &swarm->owners[i % N_OWNERS];
      target->notifier = relay_notifier_new_for_context (target->owner->context,
                                                         target_callback, target,
                                                         target_free);
      notifier_set_keep (target->notifier, repeating);
    }

  for (guint i = 0; i < N_THREADS; i++)
    {
      triggers[i].swarm = swarm;
      triggers[i].index = i;
      threads[i] = g_thread_new ("trigger", trigger_thread, &triggers[i]);
    }
  pthread_barrier_wait (&swarm->start);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  /* Every accepted trigger must be covered by a callback that runs after it:
   * wait for the owners to catch up, for as long as they make progress. */
  for (guint i = 0; i < swarm->n_targets; i++)
    {
      Target *target = &swarm->targets[i];
      int want = g_atomic_int_get (&target->accepted);

      if (repeating)
        g_assert_cmpint (wait_for_count (&target->covered, want), ==, want);
      else
        g_assert_cmpint (wait_for_count (&target->calls, 1), ==, 1);
    }

  /* Destroy from this (non-owner) thread: the owners release the data. */
  for (guint i = 0; i < swarm->n_targets; i++)
    {
      Target *target = &swarm->targets[i];

      relay_notifier_destroy (target->notifier);
      g_assert_false (relay_notifier_trigger (target->notifier));
      g_clear_object (&target->notifier);
      g_assert_cmpint (wait_for_count (&target->freed, 1), ==, 1);
    }

  for (int i = 0; i < N_OWNERS; i++)
    owner_join (&swarm->owners[i]);

  expected = (guint64) N_THREADS * swarm->n_triggers;
  for (guint i = 0; i < swarm->n_targets; i++)
    {
      Target *target = &swarm->targets[i];

      g_assert_cmpint (target->wrong_thread, ==, 0);
      g_assert_cmpint (target->freed, ==, 1);
      g_assert_cmpint (target->freed_elsewhere, ==, 0);
      if (repeating)
        {
          g_assert_cmpint (target->covered, ==, target->accepted);
          g_assert_cmpint (target->calls, >=, 1);
          g_assert_cmpint (target->calls, <=, target->accepted);
        }
      else
        {
          /* Single-shot: exactly one call. It covers every trigger made
           * before it started; a trigger made while it ran returned TRUE
           * but is dropped, because the callback returned G_SOURCE_REMOVE
           * (as a GSource that removes itself drops what came meanwhile). */
          g_assert_cmpint (target->calls, ==, 1);
          g_assert_cmpint (target->covered, >=, 1);
          g_assert_cmpint (target->covered, <=, target->accepted);
        }
      accepted += target->accepted;
      covered += target->covered;
    }

  if (repeating)
    {
      g_assert_cmpuint (accepted, ==, expected);   /* a repeating notifier takes every trigger */
      g_assert_cmpuint (covered, ==, accepted);
    }
  else
    g_assert_cmpuint (covered, <=, accepted);

  g_test_message ("%s: %d threads x %u triggers on %u notifiers of %d contexts: "
                  "%" G_GUINT64_FORMAT " accepted, all covered",
                  repeating ? "repeating" : "single-shot",
                  N_THREADS, swarm->n_triggers, swarm->n_targets, N_OWNERS, accepted);

  pthread_barrier_destroy (&swarm->start);
}

static void
test_repeating_swarm (void)
{
  Swarm swarm = { 0 };

  swarm.n_targets = 64;
  swarm.n_triggers = stress_count (1000000, 200);
  swarm.targets = g_new0 (Target, swarm.n_targets);
  run_swarm (&swarm, TRUE);
  g_free (swarm.targets);
}

static void
test_single_shot_swarm (void)
{
  Swarm swarm = { 0 };

  swarm.n_targets = stress_count (4096, 64);
  swarm.n_triggers = swarm.n_targets;   /* every thread triggers every notifier once */
  swarm.targets = g_new0 (Target, swarm.n_targets);
  run_swarm (&swarm, FALSE);
  g_free (swarm.targets);
}

/* ------------------------------------------------------------------------ */
/* destroy and the last unref racing trigger and dispatch                   */
/* ------------------------------------------------------------------------ */

#define N_RACERS 6    /* triggering threads per round, plus one destroyer */

typedef struct
{
  Owner *owner;
  int    destroy_returned;   /* atomic */
  int    late_calls;         /* atomic: callbacks that started after destroy returned */
  int    wrong_thread;       /* atomic */
  int    covered;            /* atomic */
  int    calls;              /* atomic */
  int    accepted;           /* atomic */
  int    late_accepted;      /* atomic: TRUE from trigger after destroy returned */
  int    freed;              /* atomic */
  int    freed_elsewhere;    /* atomic */
} RaceData;

typedef struct
{
  Owner              owners[N_OWNERS];
  pthread_barrier_t  start, end;
  RelayNotifier     *notifier;        /* this round's */
  RelayNotifier     *racer_refs[N_RACERS];
  RaceData          *data;            /* this round's */
  guint              round;
  guint              n_rounds;
  int                quit;
} Race;

static gboolean
race_callback (RelayNotifier *notifier,
               guint          n_triggers,
               gpointer       user_data)
{
  RaceData *data = user_data;

  if (g_atomic_int_get (&data->destroy_returned))
    g_atomic_int_inc (&data->late_calls);
  if (g_thread_self () != data->owner->thread)
    g_atomic_int_inc (&data->wrong_thread);
  g_atomic_int_add (&data->covered, (int) n_triggers);
  g_atomic_int_inc (&data->calls);

  return notifier_keep (notifier);
}

static void
race_free (gpointer user_data)
{
  RaceData *data = user_data;

  if (g_thread_self () != data->owner->thread)
    g_atomic_int_inc (&data->freed_elsewhere);
  g_atomic_int_inc (&data->freed);
}

typedef struct
{
  Race *race;
  guint index;
} Racer;

static gpointer
racer_thread (gpointer user_data)
{
  Racer *racer = user_data;
  Race *race = racer->race;

  for (;;)
    {
      RaceData *data;
      gboolean unref_mode;

      pthread_barrier_wait (&race->start);
      if (g_atomic_int_get (&race->quit))
        return NULL;

      data = race->data;
      unref_mode = race->round % 3 == 2;

      if (racer->index == N_RACERS)
        {
          /* The destroyer: a little later than the triggers, varying. */
          for (volatile guint spin = 0; spin < (race->round * 37) % 2000; spin++)
            ;
          if (unref_mode)
            {
              /* Drop the creator's reference while the racers hold theirs: the
               * last racer's unref destroys it, from a non-owner thread. */
              g_clear_object (&race->notifier);
            }
          else
            {
              relay_notifier_destroy (race->notifier);
              g_atomic_int_set (&data->destroy_returned, TRUE);
            }
        }
      else
        {
          RelayNotifier *notifier = race->racer_refs[racer->index];

          for (guint i = 0; i < 300; i++)
            {
              gboolean destroyed_before = g_atomic_int_get (&data->destroy_returned);

              if (relay_notifier_trigger (notifier))
                {
                  g_atomic_int_inc (&data->accepted);
                  if (destroyed_before)
                    g_atomic_int_inc (&data->late_accepted);
                }
              else if (!unref_mode)
                {
                  /* FALSE is final for a destroyed or fired single-shot notifier. */
                  g_assert_false (relay_notifier_trigger (notifier));
                  break;
                }
            }
          g_clear_object (&race->racer_refs[racer->index]);
        }

      pthread_barrier_wait (&race->end);
    }
}

static void
test_destroy_races_trigger (void)
{
  Race race = { 0 };
  GThread *threads[N_RACERS + 1];
  Racer racers[N_RACERS + 1];
  RaceData *all;
  guint64 accepted = 0, covered = 0;

  race.n_rounds = stress_count (50000, 60);
  all = g_new0 (RaceData, race.n_rounds);

  for (int i = 0; i < N_OWNERS; i++)
    owner_start (&race.owners[i], i, NULL, NULL, NULL);

  pthread_barrier_init (&race.start, NULL, N_RACERS + 2);
  pthread_barrier_init (&race.end, NULL, N_RACERS + 2);
  for (guint i = 0; i <= N_RACERS; i++)
    {
      racers[i].race = &race;
      racers[i].index = i;
      threads[i] = g_thread_new ("racer", racer_thread, &racers[i]);
    }

  for (guint r = 0; r < race.n_rounds; r++)
    {
      RaceData *data = &all[r];

      data->owner = &race.owners[r % N_OWNERS];
      race.round = r;
      race.data = data;
      race.notifier = relay_notifier_new_for_context (data->owner->context,
                                                      race_callback, data, race_free);
      notifier_set_keep (race.notifier, r % 2 == 0);
      for (guint i = 0; i < N_RACERS; i++)
        race.racer_refs[i] = g_object_ref (race.notifier);

      pthread_barrier_wait (&race.start);
      pthread_barrier_wait (&race.end);

      if (race.notifier != NULL)
        {
          /* Destroy returned: every later trigger is refused. */
          g_assert_false (relay_notifier_trigger (race.notifier));
          g_clear_object (&race.notifier);
        }
    }

  g_atomic_int_set (&race.quit, TRUE);
  pthread_barrier_wait (&race.start);
  for (guint i = 0; i <= N_RACERS; i++)
    g_thread_join (threads[i]);

  /* Every round's data is released on its owner thread, exactly once. */
  for (guint r = 0; r < race.n_rounds; r++)
    g_assert_cmpint (wait_for_count (&all[r].freed, 1), ==, 1);

  for (int i = 0; i < N_OWNERS; i++)
    owner_join (&race.owners[i]);

  for (guint r = 0; r < race.n_rounds; r++)
    {
      RaceData *data = &all[r];

      g_assert_cmpint (data->freed, ==, 1);
      g_assert_cmpint (data->freed_elsewhere, ==, 0);
      g_assert_cmpint (data->late_calls, ==, 0);
      g_assert_cmpint (data->late_accepted, ==, 0);
      g_assert_cmpint (data->wrong_thread, ==, 0);
      g_assert_cmpint (data->covered, <=, data->accepted);
      if (r % 2 == 1)
        g_assert_cmpint (data->calls, <=, 1);   /* single-shot */
      accepted += data->accepted;
      covered += data->covered;
    }

  g_test_message ("%u rounds x (%d triggering threads + 1 destroying/unreffing): "
                  "%" G_GUINT64_FORMAT " triggers accepted, %" G_GUINT64_FORMAT " delivered "
                  "before destroy",
                  race.n_rounds, N_RACERS, accepted, covered);

  pthread_barrier_destroy (&race.start);
  pthread_barrier_destroy (&race.end);
  g_free (all);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/notifier/repeating-64-threads-4-contexts", test_repeating_swarm);
  g_test_add_func ("/stress/notifier/single-shot-64-threads-4-contexts", test_single_shot_swarm);
  g_test_add_func ("/stress/notifier/destroy-and-unref-race-trigger", test_destroy_races_trigger);

  return g_test_run ();
}
