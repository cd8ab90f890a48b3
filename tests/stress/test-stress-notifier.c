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
/* What every scene counts                                                  */
/* ------------------------------------------------------------------------ */

/* One notifier's counts, which is its user data: the callback checks the
 * thread it runs on and adds up the trigger counts it receives, the destroy
 * notify checks where the data is released, and the triggering threads count
 * the triggers that returned TRUE. Only the races set destroy_returned, so
 * the late counts can only grow there. */
typedef struct
{
  Owner *owner;
  int    covered;            /* atomic: sum of n_triggers */
  int    calls;              /* atomic */
  int    wrong_thread;       /* atomic */
  int    accepted;           /* atomic: triggers that returned TRUE */
  int    freed;              /* atomic */
  int    freed_elsewhere;    /* atomic */
  int    destroy_returned;   /* atomic */
  int    late_calls;         /* atomic: callbacks that started after destroy returned */
  int    late_accepted;      /* atomic: TRUE from trigger after destroy returned */
} Tally;

static gboolean
tally_callback (RelayNotifier *notifier,
                guint          n_triggers,
                gpointer       user_data)
{
  Tally *tally = user_data;

  if (g_atomic_int_get (&tally->destroy_returned))
    g_atomic_int_inc (&tally->late_calls);
  if (g_thread_self () != tally->owner->thread)
    g_atomic_int_inc (&tally->wrong_thread);
  g_assert_cmpuint (n_triggers, >=, 1);
  g_atomic_int_add (&tally->covered, (int) n_triggers);
  g_atomic_int_inc (&tally->calls);

  return notifier_keep (notifier);
}

static void
tally_free (gpointer user_data)
{
  Tally *tally = user_data;

  if (g_thread_self () != tally->owner->thread)
    g_atomic_int_inc (&tally->freed_elsewhere);
  g_atomic_int_inc (&tally->freed);
}

/* Triggers @notifier, counting a TRUE in @tally, and apart a TRUE that came
 * although destroy had returned before the trigger started. */
static gboolean
tally_trigger (Tally         *tally,
               RelayNotifier *notifier)
{
  gboolean destroyed_before = g_atomic_int_get (&tally->destroy_returned);

  if (!relay_notifier_trigger (notifier))
    return FALSE;

  g_atomic_int_inc (&tally->accepted);
  if (destroyed_before)
    g_atomic_int_inc (&tally->late_accepted);

  return TRUE;
}

/* Once the owners are joined: the data was released exactly once, on its
 * owner, every callback ran there, and none started, and no trigger was
 * accepted, after destroy returned. */
static void
tally_check_clean (const Tally *tally)
{
  g_assert_cmpint (tally->freed, ==, 1);
  g_assert_cmpint (tally->freed_elsewhere, ==, 0);
  g_assert_cmpint (tally->late_calls, ==, 0);
  g_assert_cmpint (tally->late_accepted, ==, 0);
  g_assert_cmpint (tally->wrong_thread, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Many threads, many notifiers                                             */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayNotifier *notifier;
  Tally          tally;
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

      tally_trigger (&target->tally, target->notifier);
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

      target->tally.owner = &swarm->owners[i % N_OWNERS];
      target->notifier = relay_notifier_new_for_context (target->tally.owner->context,
                                                         tally_callback, &target->tally,
                                                         tally_free);
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
      Tally *tally = &swarm->targets[i].tally;
      int want = g_atomic_int_get (&tally->accepted);

      if (repeating)
        g_assert_cmpint (wait_for_count (&tally->covered, want), ==, want);
      else
        g_assert_cmpint (wait_for_count (&tally->calls, 1), ==, 1);
    }

  /* Destroy from this (non-owner) thread: the owners release the data. */
  for (guint i = 0; i < swarm->n_targets; i++)
    {
      Target *target = &swarm->targets[i];

      relay_notifier_destroy (target->notifier);
      g_assert_false (relay_notifier_trigger (target->notifier));
      g_clear_object (&target->notifier);
      g_assert_cmpint (wait_for_count (&target->tally.freed, 1), ==, 1);
    }

  for (int i = 0; i < N_OWNERS; i++)
    owner_join (&swarm->owners[i]);

  expected = (guint64) N_THREADS * swarm->n_triggers;
  for (guint i = 0; i < swarm->n_targets; i++)
    {
      Tally *tally = &swarm->targets[i].tally;

      tally_check_clean (tally);
      if (repeating)
        {
          g_assert_cmpint (tally->covered, ==, tally->accepted);
          g_assert_cmpint (tally->calls, >=, 1);
          g_assert_cmpint (tally->calls, <=, tally->accepted);
        }
      else
        {
          /* Single-shot: exactly one call. It covers every trigger made
           * before it started; a trigger made while it ran returned TRUE
           * but is dropped, because the callback returned G_SOURCE_REMOVE
           * (as a GSource that removes itself drops what came meanwhile). */
          g_assert_cmpint (tally->calls, ==, 1);
          g_assert_cmpint (tally->covered, >=, 1);
          g_assert_cmpint (tally->covered, <=, tally->accepted);
        }
      accepted += tally->accepted;
      covered += tally->covered;
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
/* Rounds of racers on one notifier at a time                               */
/* ------------------------------------------------------------------------ */

/* The frame of the two scenes below: N_OWNERS owner threads, and n_racers
 * triggering threads plus a closer (the one with index n_racers) that live
 * through all the rounds. Each round the main thread makes a fresh notifier
 * on the round's owner, with a fresh Tally as its data, and gives each racer
 * a reference of its own; the racers and the closer play their parts of the
 * round (the scene's play function) between the start and end barriers. */

#define MAX_RACERS 6

typedef struct _Scene Scene;

/* Plays racer @index's part of the current round (the closer's if @index is
 * the scene's n_racers). */
typedef void (* ScenePlay) (Scene *scene,
                            guint  index);

typedef struct
{
  Scene *scene;
  guint  index;
} Racer;

struct _Scene
{
  Owner              owners[N_OWNERS];
  pthread_barrier_t  start, end;
  guint              n_racers;                /* triggering threads, besides the closer */
  ScenePlay          play;
  GThread           *threads[MAX_RACERS + 1];
  Racer              racers[MAX_RACERS + 1];
  RelayNotifier     *notifier;                /* this round's: the creator's reference */
  RelayNotifier     *racer_refs[MAX_RACERS];
  Tally             *data;                    /* this round's */
  guint              round;
  int                quit;
};

static gpointer
racer_thread (gpointer user_data)
{
  Racer *racer = user_data;
  Scene *scene = racer->scene;

  for (;;)
    {
      pthread_barrier_wait (&scene->start);
      if (g_atomic_int_get (&scene->quit))
        return NULL;

      scene->play (scene, racer->index);

      pthread_barrier_wait (&scene->end);
    }
}

/* Starts the owners, and the racers and the closer, which wait for the first
 * round. */
static void
scene_start (Scene       *scene,
             guint        n_racers,
             ScenePlay    play,
             const char  *thread_name)
{
  g_assert_cmpuint (n_racers, <=, MAX_RACERS);
  scene->n_racers = n_racers;
  scene->play = play;

  for (int i = 0; i < N_OWNERS; i++)
    owner_start (&scene->owners[i], i, NULL, NULL, NULL);

  pthread_barrier_init (&scene->start, NULL, n_racers + 2);
  pthread_barrier_init (&scene->end, NULL, n_racers + 2);
  for (guint i = 0; i <= n_racers; i++)
    {
      scene->racers[i].scene = scene;
      scene->racers[i].index = i;
      scene->threads[i] = g_thread_new (thread_name, racer_thread, &scene->racers[i]);
    }
}

/* Sets up round @round: a fresh notifier on owner @round % N_OWNERS, with
 * @data as its user data, repeating or single-shot, and a reference for
 * each racer. */
static void
scene_prepare_round (Scene    *scene,
                     guint     round,
                     Tally    *data,
                     gboolean  repeating)
{
  data->owner = &scene->owners[round % N_OWNERS];
  scene->round = round;
  scene->data = data;
  scene->notifier = relay_notifier_new_for_context (data->owner->context,
                                                    tally_callback, data, tally_free);
  notifier_set_keep (scene->notifier, repeating);
  for (guint i = 0; i < scene->n_racers; i++)
    scene->racer_refs[i] = g_object_ref (scene->notifier);
}

/* Lets the racers and the closer play the round, and waits until all have. */
static void
scene_play_round (Scene *scene)
{
  pthread_barrier_wait (&scene->start);
  pthread_barrier_wait (&scene->end);
}

/* Stops the racers; waits until the data of every one of the @n_rounds
 * rounds in @all has been released, then joins the owners. */
static void
scene_stop (Scene *scene,
            Tally *all,
            guint  n_rounds)
{
  g_atomic_int_set (&scene->quit, TRUE);
  pthread_barrier_wait (&scene->start);
  for (guint i = 0; i <= scene->n_racers; i++)
    g_thread_join (scene->threads[i]);

  /* Every round's data is released on its owner thread, exactly once. */
  for (guint r = 0; r < n_rounds; r++)
    g_assert_cmpint (wait_for_count (&all[r].freed, 1), ==, 1);

  for (int i = 0; i < N_OWNERS; i++)
    owner_join (&scene->owners[i]);

  pthread_barrier_destroy (&scene->start);
  pthread_barrier_destroy (&scene->end);
}

/* ------------------------------------------------------------------------ */
/* destroy and the last unref racing trigger and dispatch                   */
/* ------------------------------------------------------------------------ */

/* Each round, on a notifier that is repeating in even rounds and single-shot
 * in odd ones: N_RACERS threads trigger it up to 300 times each, while the
 * closer destroys it, or in every third round drops the creator's reference
 * so that the last racer's unref destroys it. */

#define N_RACERS 6    /* triggering threads per round, plus one destroyer */

static void
race_play (Scene *scene,
           guint  index)
{
  Tally *data = scene->data;
  gboolean unref_mode = scene->round % 3 == 2;

  if (index == N_RACERS)
    {
      /* The destroyer: a little later than the triggers, varying. */
      for (volatile guint spin = 0; spin < (scene->round * 37) % 2000; spin++)
        ;
      if (unref_mode)
        {
          /* Drop the creator's reference while the racers hold theirs: the
           * last racer's unref destroys it, from a non-owner thread. */
          g_clear_object (&scene->notifier);
        }
      else
        {
          relay_notifier_destroy (scene->notifier);
          g_atomic_int_set (&data->destroy_returned, TRUE);
        }
    }
  else
    {
      RelayNotifier *notifier = scene->racer_refs[index];

      for (guint i = 0; i < 300; i++)
        {
          if (!tally_trigger (data, notifier) && !unref_mode)
            {
              /* FALSE is final for a destroyed or fired single-shot notifier. */
              g_assert_false (relay_notifier_trigger (notifier));
              break;
            }
        }
      g_clear_object (&scene->racer_refs[index]);
    }
}

static void
test_destroy_races_trigger (void)
{
  Scene scene = { 0 };
  guint n_rounds = stress_count (50000, 60);
  Tally *all = g_new0 (Tally, n_rounds);
  guint64 accepted = 0, covered = 0;

  scene_start (&scene, N_RACERS, race_play, "racer");

  for (guint r = 0; r < n_rounds; r++)
    {
      scene_prepare_round (&scene, r, &all[r], r % 2 == 0);
      scene_play_round (&scene);

      if (scene.notifier != NULL)
        {
          /* Destroy returned: every later trigger is refused. */
          g_assert_false (relay_notifier_trigger (scene.notifier));
          g_clear_object (&scene.notifier);
        }
    }

  scene_stop (&scene, all, n_rounds);

  for (guint r = 0; r < n_rounds; r++)
    {
      Tally *data = &all[r];

      tally_check_clean (data);
      g_assert_cmpint (data->covered, <=, data->accepted);
      if (r % 2 == 1)
        g_assert_cmpint (data->calls, <=, 1);   /* single-shot */
      accepted += data->accepted;
      covered += data->covered;
    }

  g_test_message ("%u rounds x (%d triggering threads + 1 destroying/unreffing): "
                  "%" G_GUINT64_FORMAT " triggers accepted, %" G_GUINT64_FORMAT " delivered "
                  "before destroy",
                  n_rounds, N_RACERS, accepted, covered);

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

static void
quiet_play (Scene *scene,
            guint  index)
{
  Tally *data = scene->data;
  QuietMode mode = scene->round % N_QUIET_MODES;

  if (index == N_QUIET_RACERS)
    {
      /* The closer: destroys or drops the creator's reference, before,
       * among or after the bursts. */
      quiet_pause (scene->round * 7 + 3);
      quiet_pause (scene->round * 13 + 5);
      if (mode == QUIET_DESTROY)
        {
          relay_notifier_destroy (scene->notifier);
          g_atomic_int_set (&data->destroy_returned, TRUE);
        }
      else if (mode == QUIET_UNREF)
        g_clear_object (&scene->notifier);
    }
  else
    {
      RelayNotifier *notifier = scene->racer_refs[index];
      gboolean refused = FALSE;

      for (guint b = 0; b < N_BURSTS && !refused; b++)
        {
          quiet_pause (scene->round * 31 + index * 101 + b * 17);
          for (guint i = 0; i <= (scene->round + index + b) % 3; i++)
            {
              if (!tally_trigger (data, notifier))
                {
                  /* Only a destroy refuses a repeating notifier's trigger. */
                  g_assert_cmpint (mode, ==, QUIET_DESTROY);
                  refused = TRUE;
                  break;
                }
            }
        }
      g_clear_object (&scene->racer_refs[index]);
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
  Scene scene = { 0 };
  guint n_rounds = stress_count (3000, 30);
  Tally *all = g_new0 (Tally, n_rounds);
  guint64 activations = _relay_notifier_get_n_activations ();
  guint64 retirements = _relay_notifier_get_n_retirements ();
  guint64 accepted = 0, covered = 0;
  guint n_delivering = 0;

  scene_start (&scene, N_QUIET_RACERS, quiet_play, "quiet-racer");

  for (guint r = 0; r < n_rounds; r++)
    {
      Tally *data = &all[r];
      QuietMode mode = r % N_QUIET_MODES;
      GSource *spinner = NULL;
      guint64 round_activations = _relay_notifier_get_n_activations ();
      guint64 round_retirements = _relay_notifier_get_n_retirements ();

      scene_prepare_round (&scene, r, data, TRUE);

      if ((r / N_QUIET_MODES) % 2 == 1)
        {
          /* Lower than the notifier: its arm is prepared first. */
          spinner = g_idle_source_new ();
          g_source_set_callback (spinner, keep_iterating, NULL, NULL);
          g_source_attach (spinner, data->owner->context);
        }

      scene_play_round (&scene);

      if (spinner != NULL && mode == QUIET_TRIGGER)
        {
          /* The arm retires; then a trigger from this thread finds the
           * notifier quiet and must still be delivered. */
          wait_quiet (round_activations, round_retirements);
          g_assert_true (relay_notifier_trigger (scene.notifier));
          g_atomic_int_inc (&data->accepted);
        }
      if (spinner != NULL)
        {
          g_source_destroy (spinner);
          g_source_unref (spinner);
        }

      /* The owner now sleeps in poll unless a trigger wakes it. */
      switch (mode)
        {
        case QUIET_TRIGGER:
          g_assert_cmpint (wait_for_count (&data->covered, data->accepted), ==, data->accepted);
          relay_notifier_destroy (scene.notifier);
          g_clear_object (&scene.notifier);
          break;
        case QUIET_UNREF:
          /* The last reference went, perhaps before some triggers were
           * delivered: none is lost. */
          g_assert_cmpint (wait_for_count (&data->covered, data->accepted), ==, data->accepted);
          g_clear_object (&scene.notifier);   /* NULL unless the closer had not run */
          break;
        case QUIET_DESTROY:
        default:
          g_assert_false (relay_notifier_trigger (scene.notifier));
          g_clear_object (&scene.notifier);
          break;
        }
      g_assert_cmpint (wait_for_count (&data->freed, 1), ==, 1);
    }

  scene_stop (&scene, all, n_rounds);

  for (guint r = 0; r < n_rounds; r++)
    {
      Tally *data = &all[r];

      tally_check_clean (data);
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
