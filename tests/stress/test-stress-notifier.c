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

#include "relay-notifier-private.h"    /* white-box: the quiet and active counters */
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

/* ------------------------------------------------------------------------ */
/* Quiet and active: the ready-time path and the arm coming and going       */
/* ------------------------------------------------------------------------ */

/* A new notifier is quiet: the trigger that starts a batch sets its source's
 * ready time, and the dispatch resets it before it takes the batch. Its first
 * call attaches an arm (prepare and check, the lock-free wake-up), which
 * retires after enough idle iterations, making it quiet again. Each round
 * races, on a fresh notifier of one owner: racers triggering in bursts with
 * pauses of every length, the owner's dispatches, and by mode a destroy or
 * the last unref from another thread, before, among or after the triggers. In
 * half the rounds an idle source keeps the owner iterating without sleeping,
 * so that the arm retires between bursts and triggers meet it retiring. Then,
 * with the owner blocked in poll and nothing else to wake it, every accepted
 * trigger must be delivered (exactly, unless destroyed), on the owner, and
 * the data released once, there. */

#define N_QUIET_RACERS 3
#define N_BURSTS       6

typedef enum
{
  QUIET_TRIGGER,      /* triggers only; then the notifier must go quiet */
  QUIET_DESTROY,      /* a destroy races them */
  QUIET_UNREF,        /* the last unref races them */
  N_QUIET_MODES
} QuietMode;

typedef struct
{
  Owner              owners[N_OWNERS];
  pthread_barrier_t  start, end;
  RelayNotifier     *notifier;                    /* the creator's reference */
  RelayNotifier     *racer_refs[N_QUIET_RACERS];
  RaceData          *data;                        /* this round's */
  QuietMode          mode;
  guint              round;
  int                quit;
} Quiet;

/* A pause that varies with @seed: none, a spin, or a sleep of up to ~1 ms
 * (long enough for a spinning owner to retire the arm). */
static void
quiet_pause (guint seed)
{
  seed = seed * 2654435761u;
  switch ((seed >> 8) % 4)
    {
    case 0:
      break;
    case 1:
    case 2:
      for (volatile guint spin = 0; spin < (seed >> 12) % 4000; spin++)
        ;
      break;
    default:
      g_usleep (50 + (seed >> 12) % 1000);
    }
}

typedef struct
{
  Quiet *quiet;
  guint  index;
} QuietRacer;

static gpointer
quiet_racer_thread (gpointer user_data)
{
  QuietRacer *racer = user_data;
  Quiet *quiet = racer->quiet;

  for (;;)
    {
      RaceData *data;

      pthread_barrier_wait (&quiet->start);
      if (g_atomic_int_get (&quiet->quit))
        return NULL;

      data = quiet->data;

      if (racer->index == N_QUIET_RACERS)
        {
          /* The closer: destroys or drops the creator's reference, before,
           * among or after the bursts. */
          quiet_pause (quiet->round * 7 + 3);
          quiet_pause (quiet->round * 13 + 5);
          if (quiet->mode == QUIET_DESTROY)
            {
              relay_notifier_destroy (quiet->notifier);
              g_atomic_int_set (&data->destroy_returned, TRUE);
            }
          else if (quiet->mode == QUIET_UNREF)
            g_clear_object (&quiet->notifier);
        }
      else
        {
          RelayNotifier *notifier = quiet->racer_refs[racer->index];
          gboolean refused = FALSE;

          for (guint b = 0; b < N_BURSTS && !refused; b++)
            {
              quiet_pause (quiet->round * 31 + racer->index * 101 + b * 17);
              for (guint i = 0; i <= (quiet->round + racer->index + b) % 3; i++)
                {
                  gboolean destroyed_before = g_atomic_int_get (&data->destroy_returned);

                  if (relay_notifier_trigger (notifier))
                    {
                      g_atomic_int_inc (&data->accepted);
                      if (destroyed_before)
                        g_atomic_int_inc (&data->late_accepted);
                    }
                  else
                    {
                      /* Only a destroy refuses a repeating notifier's trigger. */
                      g_assert_cmpint (quiet->mode, ==, QUIET_DESTROY);
                      refused = TRUE;
                      break;
                    }
                }
            }
          g_clear_object (&quiet->racer_refs[racer->index]);
        }

      pthread_barrier_wait (&quiet->end);
    }
}

static gboolean
keep_iterating (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates until the notifiers that went active went quiet again (on the
 * spinning owner), failing only if the counts stop moving. */
static void
wait_quiet (guint64 activations,
            guint64 retirements)
{
  Stall stall;
  guint64 last = _relay_notifier_get_n_retirements ();

  stall_init (&stall);
  while (_relay_notifier_get_n_activations () - activations >
         _relay_notifier_get_n_retirements () - retirements)
    {
      guint64 now = _relay_notifier_get_n_retirements ();

      if (now != last)
        {
          last = now;
          stall_progress (&stall);
        }
      stall_check (&stall, "an active notifier on a spinning owner never went quiet");
      g_usleep (100);
    }
}

static void
test_quiet_and_active (void)
{
  Quiet quiet = { 0 };
  GThread *threads[N_QUIET_RACERS + 1];
  QuietRacer racers[N_QUIET_RACERS + 1];
  RaceData *all;
  guint n_rounds = stress_count (3000, 30);
  guint64 activations = _relay_notifier_get_n_activations ();
  guint64 retirements = _relay_notifier_get_n_retirements ();
  guint64 accepted = 0, covered = 0;
  guint n_delivering = 0;

  all = g_new0 (RaceData, n_rounds);

  for (int i = 0; i < N_OWNERS; i++)
    owner_start (&quiet.owners[i], i, NULL, NULL, NULL);

  pthread_barrier_init (&quiet.start, NULL, N_QUIET_RACERS + 2);
  pthread_barrier_init (&quiet.end, NULL, N_QUIET_RACERS + 2);
  for (guint i = 0; i <= N_QUIET_RACERS; i++)
    {
      racers[i].quiet = &quiet;
      racers[i].index = i;
      threads[i] = g_thread_new ("quiet-racer", quiet_racer_thread, &racers[i]);
    }

  for (guint r = 0; r < n_rounds; r++)
    {
      RaceData *data = &all[r];
      GSource *spinner = NULL;
      guint64 round_activations = _relay_notifier_get_n_activations ();
      guint64 round_retirements = _relay_notifier_get_n_retirements ();

      data->owner = &quiet.owners[r % N_OWNERS];
      quiet.round = r;
      quiet.mode = r % N_QUIET_MODES;
      quiet.data = data;
      quiet.notifier = relay_notifier_new_for_context (data->owner->context,
                                                       race_callback, data, race_free);
      notifier_set_keep (quiet.notifier, TRUE);
      for (guint i = 0; i < N_QUIET_RACERS; i++)
        quiet.racer_refs[i] = g_object_ref (quiet.notifier);

      if ((r / N_QUIET_MODES) % 2 == 1)
        {
          /* Lower than the notifier: its arm is prepared first. */
          spinner = g_idle_source_new ();
          g_source_set_callback (spinner, keep_iterating, NULL, NULL);
          g_source_attach (spinner, data->owner->context);
        }

      pthread_barrier_wait (&quiet.start);
      pthread_barrier_wait (&quiet.end);

      if (spinner != NULL && quiet.mode == QUIET_TRIGGER)
        {
          /* The arm retires; then a trigger from this thread finds the
           * notifier quiet and must still be delivered. */
          wait_quiet (round_activations, round_retirements);
          g_assert_true (relay_notifier_trigger (quiet.notifier));
          g_atomic_int_inc (&data->accepted);
        }
      if (spinner != NULL)
        {
          g_source_destroy (spinner);
          g_source_unref (spinner);
        }

      /* The owner now sleeps in poll unless a trigger wakes it. */
      switch (quiet.mode)
        {
        case QUIET_TRIGGER:
          g_assert_cmpint (wait_for_count (&data->covered, data->accepted), ==, data->accepted);
          relay_notifier_destroy (quiet.notifier);
          g_clear_object (&quiet.notifier);
          break;
        case QUIET_UNREF:
          /* The last reference went, perhaps before some triggers were
           * delivered: none is lost. */
          g_assert_cmpint (wait_for_count (&data->covered, data->accepted), ==, data->accepted);
          g_clear_object (&quiet.notifier);   /* NULL unless the closer had not run */
          break;
        case QUIET_DESTROY:
        default:
          g_assert_false (relay_notifier_trigger (quiet.notifier));
          g_clear_object (&quiet.notifier);
          break;
        }
      g_assert_cmpint (wait_for_count (&data->freed, 1), ==, 1);
    }

  g_atomic_int_set (&quiet.quit, TRUE);
  pthread_barrier_wait (&quiet.start);
  for (guint i = 0; i <= N_QUIET_RACERS; i++)
    g_thread_join (threads[i]);

  for (int i = 0; i < N_OWNERS; i++)
    owner_join (&quiet.owners[i]);

  for (guint r = 0; r < n_rounds; r++)
    {
      RaceData *data = &all[r];

      g_assert_cmpint (data->freed, ==, 1);
      g_assert_cmpint (data->freed_elsewhere, ==, 0);
      g_assert_cmpint (data->late_calls, ==, 0);
      g_assert_cmpint (data->late_accepted, ==, 0);
      g_assert_cmpint (data->wrong_thread, ==, 0);
      if (r % N_QUIET_MODES == QUIET_DESTROY)
        g_assert_cmpint (data->covered, <=, data->accepted);
      else
        g_assert_cmpint (data->covered, ==, data->accepted);
      if (data->calls > 0)
        n_delivering++;
      accepted += data->accepted;
      covered += data->covered;
    }

  /* Both paths ran: every notifier that delivered went active at least once,
   * and the spinning rounds made them quiet again. */
  g_assert_cmpuint (_relay_notifier_get_n_activations () - activations, >=, n_delivering);
  g_assert_cmpuint (_relay_notifier_get_n_retirements () - retirements, >=,
                    (n_rounds / N_QUIET_MODES) / 2);

  g_test_message ("%u rounds x (%d triggering threads + 1 destroying/unreffing): "
                  "%" G_GUINT64_FORMAT " triggers accepted, %" G_GUINT64_FORMAT " delivered; "
                  "%" G_GUINT64_FORMAT " times active, %" G_GUINT64_FORMAT " times quiet again",
                  n_rounds, N_QUIET_RACERS, accepted, covered,
                  _relay_notifier_get_n_activations () - activations,
                  _relay_notifier_get_n_retirements () - retirements);

  pthread_barrier_destroy (&quiet.start);
  pthread_barrier_destroy (&quiet.end);
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
  g_test_add_func ("/stress/notifier/quiet-and-active", test_quiet_and_active);

  return g_test_run ();
}
