/* test-stress-promise.c: 64 threads settle, cancel and unref promises owned by
 * 4 contexts on 4 threads, racing each other and the dispatch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each promise P is created on an owner thread with one handler (chain) whose
 * derived promise D gets an outcome observer (then_values). Four threads race
 * on every P: one resolves it, one rejects it, one cancels it, one cancels D
 * (which cancels P too, since nothing else consumes it). Each racer holds its
 * own reference to P and drops it right after its attempt; the owner keeps only
 * D. The checks are exact:
 *   - at most one settle of P returns TRUE; if none did, D was cancelled and
 *     the cancellation reached P;
 *   - the handler runs at most once, exactly once unless D was cancelled, on
 *     the owner thread, and sees the winning outcome;
 *   - D's outcome is observed exactly once, on the owner thread, and is what
 *     the winner implies;
 *   - the handler's user data is released exactly once and every promise is
 *     finalized.
 */
#include <relay/relay.h>

#include <string.h>

#include "stress-common.h"

#define N_OWNERS   4
#define N_THREADS  64
#define N_ROLES    4     /* resolve P, reject P, cancel P, cancel D */
#define N_LANES    (N_THREADS / N_ROLES)

#define TEST_ERROR (g_quark_from_static_string ("relay-stress-error"))

enum { WON_NONE, WON_RESOLVE, WON_REJECT, WON_CANCEL };

enum {
  SAW_NOTHING,
  SAW_VALUE,        /* handler: P fulfilled with the resolver's value */
  SAW_ERROR,        /* handler: P rejected with TEST_ERROR */
  SAW_CANCELLED,    /* handler: P rejected with G_IO_ERROR_CANCELLED */
  SAW_EMPTY,        /* outcome: D fulfilled with no values */
  SAW_OTHER,
};

typedef struct _Context Context;

typedef struct
{
  Context      *ctx;
  guint         index;
  RelayPromise *p;               /* racers' references, dropped after their attempt */
  RelayPromise *d;               /* owner's reference, dropped at the end */
  int           winner;          /* atomic: WON_* from the P settle that returned TRUE */
  int           n_winners;       /* atomic */
  int           d_cancelled;     /* atomic */
  int           handler_runs;    /* atomic */
  int           handler_saw;     /* SAW_*, written by the handler */
  int           outcome_runs;    /* atomic */
  int           outcome_saw;     /* SAW_* */
  int           outcome_value;
  int           wrong_thread;    /* atomic */
  int           released;        /* atomic: handler data released */
} Item;

struct _Context
{
  Owner         owner;
  Item         *items;
  guint         n_items;
  int           outcomes;        /* atomic */
};

static int finalized;            /* atomic: promises finalized */

static int
value_for (Item *item)
{
  return (int) item->index * 7 + 1;
}

static void
check_thread (Item *item)
{
  if (g_thread_self () != item->ctx->owner.thread)
    g_atomic_int_inc (&item->wrong_thread);
}

static int
classify (const GError *error)
{
  if (g_error_matches (error, TEST_ERROR, 1))
    return SAW_ERROR;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return SAW_CANCELLED;
  return SAW_OTHER;
}

static RelayPromise *
on_fulfilled (RelayPromise *p,
              gpointer      user_data)
{
  Item *item = user_data;

  check_thread (item);
  g_atomic_int_inc (&item->handler_runs);
  item->handler_saw = relay_promise_get_int64 (p) == value_for (item) ? SAW_VALUE : SAW_OTHER;
  return g_object_ref (p);    /* pass the value on to D */
}

static RelayPromise *
on_rejected (RelayPromise *p,
             gpointer      user_data)
{
  Item *item = user_data;

  check_thread (item);
  g_atomic_int_inc (&item->handler_runs);
  item->handler_saw = classify (relay_promise_get_error (p));
  return NULL;    /* handled: D is fulfilled with no values */
}

static void
handler_released (gpointer user_data)
{
  Item *item = user_data;

  g_atomic_int_inc (&item->released);
}

static void
on_outcome_value (const GValue *value,
                  gpointer      user_data)
{
  Item *item = user_data;

  check_thread (item);
  if (value == NULL)
    {
      item->outcome_saw = SAW_EMPTY;
    }
  else
    {
      item->outcome_saw = G_VALUE_HOLDS_INT64 (value) ? SAW_VALUE : SAW_OTHER;
      item->outcome_value = G_VALUE_HOLDS_INT64 (value) ? (int) g_value_get_int64 (value) : 0;
    }
  g_atomic_int_inc (&item->outcome_runs);
  g_atomic_int_inc (&item->ctx->outcomes);
}

static void
on_outcome_error (const GError *error,
                  gpointer      user_data)
{
  Item *item = user_data;

  check_thread (item);
  item->outcome_saw = classify (error);
  g_atomic_int_inc (&item->outcome_runs);
  g_atomic_int_inc (&item->ctx->outcomes);
}

static void
count_finalized (gpointer  data,
                 GObject  *where_the_object_was)
{
  g_atomic_int_inc (&finalized);
}

/* On the owner thread, its context pushed: create the promises and handlers. */
static void
context_setup (gpointer data)
{
  Context *ctx = data;

  for (guint i = 0; i < ctx->n_items; i++)
    {
      Item *item = &ctx->items[i];
      RelayPromise *p = relay_promise_new ();

      g_assert_true (relay_promise_get_context (p) == ctx->owner.context);
      item->ctx = ctx;
      item->index = i;
      item->d = relay_promise_chain (p, on_fulfilled, on_rejected, item, handler_released);
      relay_promise_then_values (item->d, on_outcome_value, item, NULL,
                                 on_outcome_error, item, NULL);
      g_object_weak_ref (G_OBJECT (p), count_finalized, NULL);
      g_object_weak_ref (G_OBJECT (item->d), count_finalized, NULL);

      /* One reference per racer; ours is dropped now. */
      item->p = p;
      for (guint r = 1; r < N_ROLES; r++)
        g_object_ref (p);
    }
}

static gboolean
context_done (gpointer data)
{
  Context *ctx = data;

  return g_atomic_int_get (&ctx->outcomes) == (int) ctx->n_items;
}

typedef struct
{
  Context          *contexts;
  pthread_barrier_t *start;
  guint             role;
  guint             lane;
} Racer;

static void
record_win (Item *item,
            int   won)
{
  g_atomic_int_inc (&item->n_winners);
  g_atomic_int_set (&item->winner, won);
}

static gpointer
racer_thread (gpointer data)
{
  Racer *racer = data;

  pthread_barrier_wait (racer->start);

  for (int c = 0; c < N_OWNERS; c++)
    {
      Context *ctx = &racer->contexts[c];

      for (guint i = racer->lane; i < ctx->n_items; i += N_LANES)
        {
          Item *item = &ctx->items[i];
          /* The item's references are shared, not per racer: take the
           * pointer, the reference we drop is one of the N_ROLES taken. */
          RelayPromise *p = item->p;

          switch (racer->role)
            {
            case 0:
              if (relay_promise_resolve_int64 (p, value_for (item)))
                record_win (item, WON_RESOLVE);
              break;
            case 1:
              if (relay_promise_reject_literal (p, TEST_ERROR, 1, "rejected by a racer"))
                record_win (item, WON_REJECT);
              break;
            case 2:
              if (relay_promise_cancel (p))
                record_win (item, WON_CANCEL);
              break;
            case 3:
              if (relay_promise_cancel (item->d))
                g_atomic_int_set (&item->d_cancelled, TRUE);
              break;
            }

          g_object_unref (p);

          /* Let the other roles of this lane catch up, so that the four
           * attempts on an item overlap in time instead of one thread
           * sweeping the whole lane in one time slice. */
          g_thread_yield ();
        }
    }

  return NULL;
}

static void
check_item (Item *item)
{
  int winner = item->winner;

  g_assert_cmpint (item->wrong_thread, ==, 0);
  g_assert_cmpint (item->n_winners, <=, 1);
  g_assert_cmpint (item->handler_runs, <=, 1);
  g_assert_cmpint (item->outcome_runs, ==, 1);
  g_assert_cmpint (item->released, ==, 1);

  if (item->d_cancelled)
    {
      g_assert_cmpint (item->outcome_saw, ==, SAW_CANCELLED);
      return;
    }

  /* Nothing cancelled D, so P was settled by exactly one racer and the
   * handler saw it. */
  g_assert_cmpint (item->n_winners, ==, 1);
  g_assert_cmpint (item->handler_runs, ==, 1);

  switch (winner)
    {
    case WON_RESOLVE:
      g_assert_cmpint (item->handler_saw, ==, SAW_VALUE);
      g_assert_cmpint (item->outcome_saw, ==, SAW_VALUE);
      g_assert_cmpint (item->outcome_value, ==, value_for (item));
      break;
    case WON_REJECT:
      g_assert_cmpint (item->handler_saw, ==, SAW_ERROR);
      g_assert_cmpint (item->outcome_saw, ==, SAW_EMPTY);
      break;
    case WON_CANCEL:
      g_assert_cmpint (item->handler_saw, ==, SAW_CANCELLED);
      g_assert_cmpint (item->outcome_saw, ==, SAW_EMPTY);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
run_settle_race (guint64 *totals)
{
  Context contexts[N_OWNERS];
  Racer racers[N_THREADS];
  GThread *threads[N_THREADS];
  pthread_barrier_t start_barrier, *start = &start_barrier;
  guint n_items = stress_count (16384, 256);
  guint wins[4] = { 0 }, d_cancels = 0;

  g_atomic_int_set (&finalized, 0);
  memset (contexts, 0, sizeof contexts);
  pthread_barrier_init (start, NULL, N_THREADS + 1);

  for (int c = 0; c < N_OWNERS; c++)
    {
      contexts[c].items = g_new0 (Item, n_items);
      contexts[c].n_items = n_items;
      owner_start (&contexts[c].owner, c, context_setup, context_done, &contexts[c]);
    }

  for (guint t = 0; t < N_THREADS; t++)
    {
      racers[t].contexts = contexts;
      racers[t].start = start;
      racers[t].role = t / N_LANES;
      racers[t].lane = t % N_LANES;
      threads[t] = g_thread_new ("racer", racer_thread, &racers[t]);
    }

  pthread_barrier_wait (start);
  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);

  /* The owners stop by themselves once every outcome arrived. */
  for (int c = 0; c < N_OWNERS; c++)
    {
      g_thread_join (contexts[c].owner.thread);
      contexts[c].owner.thread = NULL;
    }

  /* A handler skipped because D was cancelled may still sit in a queue
   * nobody iterated since: the promises keep their context alive (as a GTask
   * does) and this thread, iterating it now, releases it. */
  for (int c = 0; c < N_OWNERS; c++)
    {
      g_main_context_push_thread_default (contexts[c].owner.context);
      for (int round = 0; round < 3; round++)
        while (g_main_context_iteration (contexts[c].owner.context, FALSE))
          ;
      g_main_context_pop_thread_default (contexts[c].owner.context);
      for (guint i = 0; i < n_items; i++)
        g_clear_object (&contexts[c].items[i].d);
      g_clear_pointer (&contexts[c].owner.context, g_main_context_unref);
      pthread_mutex_destroy (&contexts[c].owner.lock);
      pthread_cond_destroy (&contexts[c].owner.cond);
    }

  for (int c = 0; c < N_OWNERS; c++)
    {
      for (guint i = 0; i < n_items; i++)
        {
          Item *item = &contexts[c].items[i];

          check_item (item);
          wins[item->winner]++;
          d_cancels += item->d_cancelled;
        }
      g_free (contexts[c].items);
    }

  g_assert_cmpint (g_atomic_int_get (&finalized), ==, 2 * N_OWNERS * (int) n_items);

  totals[0] += N_OWNERS * n_items;
  totals[WON_RESOLVE] += wins[WON_RESOLVE];
  totals[WON_REJECT] += wins[WON_REJECT];
  totals[WON_CANCEL] += wins[WON_CANCEL];
  totals[4] += d_cancels;

  pthread_barrier_destroy (start);
}

static void
test_settle_race (void)
{
  guint n_rounds = stress_count (16, 1);
  guint64 totals[5] = { 0 };

  for (guint r = 0; r < n_rounds; r++)
    run_settle_race (totals);

  g_test_message ("%u rounds of %d threads x %" G_GUINT64_FORMAT " settle attempts on "
                  "%" G_GUINT64_FORMAT " promises of %d contexts: resolve won %" G_GUINT64_FORMAT
                  ", reject %" G_GUINT64_FORMAT ", cancel %" G_GUINT64_FORMAT
                  ", cancel of the derived promise %" G_GUINT64_FORMAT,
                  n_rounds, N_THREADS, totals[0] / n_rounds / N_LANES, totals[0] / n_rounds,
                  N_OWNERS, totals[WON_RESOLVE], totals[WON_REJECT], totals[WON_CANCEL], totals[4]);

  /* Every role must have won some: otherwise the race did not race. */
  if (n_rounds * N_OWNERS * stress_count (16384, 256) >= 16384)
    for (int w = WON_RESOLVE; w <= 4; w++)
      g_assert_cmpuint (totals[w], >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/promise/settle-cancel-unref-race-64-threads-4-contexts",
                   test_settle_race);

  return g_test_run ();
}
