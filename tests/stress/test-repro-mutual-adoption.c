/* test-repro-mutual-adoption.c: two handlers on two contexts that adopt each
 * other's promise at the same time form a cycle, which must be rejected
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The cycle check (does the adopted promise wait on us?) and the link that
 * makes us wait on it used to be separate steps: two adoptions on two threads
 * could both check, find no cycle, and both link, leaving both promises
 * pending forever. Each round settles a promise on each of two contexts at
 * once; the handler on A returns a promise at the end of a chain of `then`s
 * on B's derived promise, and vice versa (the chains make each check walk a
 * while, which widens the window). Once both handlers ran and both contexts
 * went idle, both derived promises must be settled (with RELAY_ERROR_CYCLE).
 */
#include <relay/relay.h>

#include "stress-common.h"

#define CHAIN_LENGTH 64

typedef struct
{
  RelayPromise *derived[2];     /* written before either handler can run */
  RelayPromise *chained[2];     /* the end of a chain of thens on derived[i] */
  int           ran;            /* atomic */
} Round;

static Round *current;

static RelayPromise *
return_other (RelayPromise *promise,
              gpointer      data)
{
  int index = GPOINTER_TO_INT (data);
  RelayPromise *other = g_object_ref (current->chained[1 - index]);

  /* Both handlers return at the same moment: the adoptions overlap. */
  g_atomic_int_inc (&current->ran);
  for (guint spins = 0; g_atomic_int_get (&current->ran) < 2; spins++)
    if (spins > 1000)
      g_thread_yield ();
  return other;
}

static RelayPromise *
ignore_error (RelayPromise *promise,
              gpointer      data)
{
  return NULL;
}

static RelayPromise *
pass (RelayPromise *promise,
      gpointer      data)
{
  return NULL;
}

static int synced;

static gboolean
mark_synced (gpointer data)
{
  g_atomic_int_inc (&synced);
  return G_SOURCE_REMOVE;
}

/* Waits until each owner has run one more main-loop dispatch. */
static void
sync_owners (Owner *owners)
{
  int before = g_atomic_int_get (&synced);

  for (int i = 0; i < 2; i++)
    stress_invoke (owners[i].context, mark_synced, NULL);
  while (g_atomic_int_get (&synced) < before + 2)
    g_thread_yield ();
}

static void
test_mutual_adoption_is_a_cycle (void)
{
  Owner owners[2] = { 0 };
  guint n_rounds = stress_count (8000, 100);

  for (int i = 0; i < 2; i++)
    owner_start (&owners[i], i, NULL, NULL, NULL);

  for (guint r = 0; r < n_rounds; r++)
    {
      Round round = { 0 };
      RelayPromise *trigger[2], *handled[2];

      current = &round;
      for (int i = 0; i < 2; i++)
        {
          trigger[i] = relay_promise_new_for_context (owners[i].context);
          round.derived[i] = relay_promise_then (trigger[i], return_other, GINT_TO_POINTER (i), NULL);
        }
      for (int i = 0; i < 2; i++)
        {
          round.chained[i] = g_object_ref (round.derived[i]);
          for (int k = 0; k < CHAIN_LENGTH; k++)
            {
              RelayPromise *next = relay_promise_then (round.chained[i], pass, NULL, NULL);

              g_object_unref (round.chained[i]);
              round.chained[i] = next;
            }
          handled[i] = relay_promise_catch (round.chained[i], ignore_error, NULL, NULL);
        }
      for (int i = 0; i < 2; i++)
        relay_promise_resolve_int64 (trigger[i], i);

      while (g_atomic_int_get (&round.ran) < 2)
        g_thread_yield ();

      /* Give queued work every chance to settle them, then check. */
      for (int k = 0; k < 10 && (relay_promise_is_pending (round.derived[0]) ||
                                 relay_promise_is_pending (round.derived[1])); k++)
        sync_owners (owners);

      for (int i = 0; i < 2; i++)
        {
          if (relay_promise_is_pending (round.derived[i]))
            g_error ("round %u: mutual adoption left both promises pending forever", r);
          g_assert_true (g_error_matches (relay_promise_get_error (round.derived[i]),
                                          RELAY_ERROR, RELAY_ERROR_CYCLE));
        }

      for (int i = 0; i < 2; i++)
        {
          g_object_unref (trigger[i]);
          g_object_unref (handled[i]);
          g_object_unref (round.chained[i]);
          g_object_unref (round.derived[i]);
        }
      sync_owners (owners);
      current = NULL;
    }

  for (int i = 0; i < 2; i++)
    owner_join (&owners[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/repro/mutual-adoption-is-a-cycle", test_mutual_adoption_is_a_cycle);

  return g_test_run ();
}
