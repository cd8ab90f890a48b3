/* test-promise.c: RelayPromise — Promises/A+ clause by clause, then threads,
 * contexts, long chains, combinators, timers, cancellation, unhandled
 * rejections, GIO and misuse
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <pthread.h>
#include <string.h>
#include <relay/relay.h>

#include "test-utils.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static GString *journal;           /* what handlers saw, in order (main thread) */
static GThread *main_thread;

static char *
describe (RelayPromise *promise)
{
  switch (relay_promise_get_state (promise))
    {
    case RELAY_PROMISE_STATE_PENDING:
      return g_strdup ("pending");
    case RELAY_PROMISE_STATE_REJECTED:
      return g_strdup_printf ("error:%s", relay_promise_get_error (promise)->message);
    case RELAY_PROMISE_STATE_FULFILLED:
    default:
      {
        GString *s = g_string_new ("values:");
        guint n = relay_promise_get_n_values (promise);

        for (guint i = 0; i < n; i++)
          {
            g_autofree char *c = g_strdup_value_contents (relay_promise_get_value (promise, i));
            g_string_append_printf (s, "%s%s", i ? "," : "", c);
          }
        return g_string_free (s, FALSE);
      }
    }
}

/* A handler that writes "tag(outcome) " to the journal, then passes values
 * on (by returning the promise itself) and handles an error (by returning
 * NULL: fulfilled with no values). */
static RelayPromise *
record (RelayPromise *promise,
        gpointer      tag)
{
  g_autofree char *outcome = describe (promise);

  g_assert_true (g_thread_self () == main_thread);
  g_string_append_printf (journal, "%s(%s) ", (const char *) tag, outcome);
  if (relay_promise_get_state (promise) == RELAY_PROMISE_STATE_FULFILLED)
    return g_object_ref (promise);
  return NULL;
}

static void
journal_reset (void)
{
  g_string_truncate (journal, 0);
}

static GError *
make_error (const char *message)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, message);
}

static RelayPromise *
resolved_int (int value)
{
  RelayPromise *promise = relay_promise_new ();
  relay_promise_resolve_int64 (promise, value);
  return promise;
}

static RelayPromise *
rejected (const char *message)
{
  g_autoptr(GError) error = make_error (message);
  return relay_promise_new_rejected (g_error_copy (error));
}

/* Consumes a rejection so that it is not reported as unhandled. */
static void
handled (RelayPromise *promise)
{
  relay_promise_then_values (promise, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* 2.1 Promise states                                                       */
/* ------------------------------------------------------------------------ */

static void
test_aplus_2_1_1_pending (void)
{
  g_autoptr(RelayPromise) a = relay_promise_new ();
  g_autoptr(RelayPromise) b = relay_promise_new ();
  g_autoptr(GError) error = make_error ("no");

  g_assert_cmpint (relay_promise_get_state (a), ==, RELAY_PROMISE_STATE_PENDING);
  g_assert_true (relay_promise_is_pending (a));
  g_assert_null (relay_promise_get_value (a, 0));
  g_assert_null (relay_promise_get_error (a));

  g_assert_true (relay_promise_resolve_int64 (a, 1));
  g_assert_cmpint (relay_promise_get_state (a), ==, RELAY_PROMISE_STATE_FULFILLED);

  g_assert_true (relay_promise_reject (b, g_error_copy (error)));
  g_assert_cmpint (relay_promise_get_state (b), ==, RELAY_PROMISE_STATE_REJECTED);
  handled (b);
  drain (NULL);
}

static void
test_aplus_2_1_2_fulfilled_is_final (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(GError) error = make_error ("late");

  g_assert_true (relay_promise_resolve_int64 (p, 7));
  g_assert_false (relay_promise_resolve_int64 (p, 8));
  g_assert_false (relay_promise_reject (p, g_error_copy (error)));
  g_assert_false (relay_promise_cancel (p));
  g_assert_cmpint (relay_promise_get_state (p), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpint (relay_promise_get_int64 (p), ==, 7);
  g_assert_null (relay_promise_get_error (p));
  drain (NULL);
}

static void
test_aplus_2_1_3_rejected_is_final (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(GError) first = make_error ("first");
  g_autoptr(GError) second = make_error ("second");

  g_assert_true (relay_promise_reject (p, g_error_copy (first)));
  g_assert_false (relay_promise_reject (p, g_error_copy (second)));
  g_assert_false (relay_promise_resolve_int64 (p, 1));
  g_assert_false (relay_promise_cancel (p));
  g_assert_cmpstr (relay_promise_get_error (p)->message, ==, "first");
  g_assert_cmpuint (relay_promise_get_n_values (p), ==, 0);
  handled (p);
  drain (NULL);
}

/* ------------------------------------------------------------------------ */
/* 2.2 The then method                                                      */
/* ------------------------------------------------------------------------ */

/* 2.2.1 Both handlers are optional; a missing one passes the outcome on. */
static void
test_aplus_2_2_1_optional (void)
{
  g_autoptr(RelayPromise) ok = resolved_int (3);
  g_autoptr(RelayPromise) bad = rejected ("bad");
  g_autoptr(RelayPromise) ok2 = relay_promise_chain (ok, NULL, NULL, NULL, NULL);
  g_autoptr(RelayPromise) bad2 = relay_promise_chain (bad, NULL, NULL, NULL, NULL);

  handled (bad2);
  wait_settled (ok2);
  wait_settled (bad2);
  g_assert_cmpint (relay_promise_get_int64 (ok2), ==, 3);
  g_assert_cmpstr (relay_promise_get_error (bad2)->message, ==, "bad");
}

/* 2.2.2 onFulfilled runs after fulfilment, with the value, at most once;
 * 2.2.3 likewise onRejected with the reason. */
static void
test_aplus_2_2_2_on_fulfilled (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(RelayPromise) d = relay_promise_chain (p, record, record, "h", NULL);

  journal_reset ();
  drain (NULL);
  g_assert_cmpstr (journal->str, ==, "");     /* not before it is fulfilled */

  relay_promise_resolve_int64 (p, 5);
  relay_promise_resolve_int64 (p, 6);
  wait_settled (d);
  drain (NULL);
  g_assert_cmpstr (journal->str, ==, "h(values:5) ");   /* once, with the value */
}

static void
test_aplus_2_2_3_on_rejected (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(RelayPromise) d = relay_promise_chain (p, record, record, "h", NULL);
  g_autoptr(GError) error = make_error ("reason");

  journal_reset ();
  drain (NULL);
  g_assert_cmpstr (journal->str, ==, "");

  relay_promise_reject (p, g_error_copy (error));
  relay_promise_reject (p, g_error_copy (error));
  wait_settled (d);
  g_assert_cmpstr (journal->str, ==, "h(error:reason) ");
  /* a rejection handler that returns NULL handles it */
  g_assert_cmpint (relay_promise_get_state (d), ==, RELAY_PROMISE_STATE_FULFILLED);
}

/* 2.2.4 Handlers never run inside then() or resolve(): only from the dispatcher. */
static void
test_aplus_2_2_4_asynchronous (void)
{
  g_autoptr(RelayPromise) settled = resolved_int (1);
  g_autoptr(RelayPromise) pending = relay_promise_new ();
  g_autoptr(RelayPromise) d1 = NULL, d2 = NULL;

  journal_reset ();
  d1 = relay_promise_then (settled, record, "already", NULL);
  g_assert_cmpstr (journal->str, ==, "");
  d2 = relay_promise_then (pending, record, "later", NULL);
  relay_promise_resolve_int64 (pending, 2);
  g_assert_cmpstr (journal->str, ==, "");

  drain (NULL);
  g_assert_cmpstr (journal->str, ==, "already(values:1) later(values:2) ");
}

typedef struct
{
  RelayPromise *promise;
  RelayPromise *derived;
} AddFromThread;

static gpointer
add_from_thread (gpointer data)
{
  AddFromThread *add = data;

  add->derived = relay_promise_then (add->promise, record, "thread", NULL);
  return NULL;
}

/* 2.2.6 then may be called many times; handlers run in the order of the calls,
 * whether added before or after settling, from any thread. */
static void
test_aplus_2_2_6_order (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(RelayPromise) q = relay_promise_new ();
  g_autoptr(GError) error = make_error ("x");
  GPtrArray *derived = g_ptr_array_new_with_free_func (g_object_unref);
  AddFromThread add = { 0 };
  GThread *thread;

  journal_reset ();
  g_ptr_array_add (derived, relay_promise_then (p, record, "1", NULL));
  g_ptr_array_add (derived, relay_promise_then (p, record, "2", NULL));
  relay_promise_resolve_int64 (p, 9);
  g_ptr_array_add (derived, relay_promise_then (p, record, "3", NULL));
  add.promise = p;
  thread = g_thread_new ("then", add_from_thread, &add);
  g_thread_join (thread);
  g_ptr_array_add (derived, add.derived);
  g_ptr_array_add (derived, relay_promise_then (p, record, "4", NULL));
  drain (NULL);
  g_assert_cmpstr (journal->str, ==,
                   "1(values:9) 2(values:9) 3(values:9) thread(values:9) 4(values:9) ");

  journal_reset ();
  g_ptr_array_add (derived, relay_promise_catch (q, record, "a", NULL));
  g_ptr_array_add (derived, relay_promise_catch (q, record, "b", NULL));
  relay_promise_reject (q, g_error_copy (error));
  g_ptr_array_add (derived, relay_promise_catch (q, record, "c", NULL));
  drain (NULL);
  g_assert_cmpstr (journal->str, ==, "a(error:x) b(error:x) c(error:x) ");

  g_ptr_array_unref (derived);
}

static RelayPromise *
return_int_plus_one (RelayPromise *promise,
                     gpointer      user_data)
{
  return resolved_int (relay_promise_get_int64 (promise) + 1);
}

static RelayPromise *
return_rejection (RelayPromise *promise,
                  gpointer      message)
{
  return rejected (message);
}

/* 2.2.7 then returns a promise: the handler's result (2.2.7.1), its "throw"
 * (2.2.7.2: returning a rejected promise), and pass-through when a handler is
 * missing (2.2.7.3, 2.2.7.4). */
static void
test_aplus_2_2_7_returns_promise (void)
{
  g_autoptr(RelayPromise) p = resolved_int (1);
  g_autoptr(RelayPromise) r = rejected ("r");
  g_autoptr(RelayPromise) plus = relay_promise_then (p, return_int_plus_one, NULL, NULL);
  g_autoptr(RelayPromise) thrown = relay_promise_then (p, return_rejection, "thrown", NULL);
  g_autoptr(RelayPromise) through_f = relay_promise_catch (p, record, "never", NULL);
  g_autoptr(RelayPromise) through_r = relay_promise_then (r, record, "never", NULL);

  g_assert_true (RELAY_IS_PROMISE (plus));
  g_assert_true (plus != p);
  handled (thrown);
  handled (through_r);
  journal_reset ();
  wait_settled (plus);
  wait_settled (thrown);
  wait_settled (through_f);
  wait_settled (through_r);

  g_assert_cmpint (relay_promise_get_int64 (plus), ==, 2);
  g_assert_cmpstr (relay_promise_get_error (thrown)->message, ==, "thrown");
  g_assert_cmpint (relay_promise_get_int64 (through_f), ==, 1);
  g_assert_cmpstr (relay_promise_get_error (through_r)->message, ==, "r");
  g_assert_cmpstr (journal->str, ==, "");
}

/* ------------------------------------------------------------------------ */
/* 2.3 The resolution procedure                                             */
/* ------------------------------------------------------------------------ */

static RelayPromise *derived_self;

static RelayPromise *
return_derived_self (RelayPromise *promise,
                     gpointer      user_data)
{
  return g_object_ref (derived_self);
}

/* 2.3.1 A promise that would adopt itself is rejected. */
static void
test_aplus_2_3_1_self (void)
{
  g_autoptr(RelayPromise) p = resolved_int (1);
  g_autoptr(RelayPromise) d = relay_promise_then (p, return_derived_self, NULL, NULL);

  derived_self = d;
  handled (d);
  wait_settled (d);
  g_assert_error ((GError *) relay_promise_get_error (d), RELAY_ERROR, RELAY_ERROR_CYCLE);
  derived_self = NULL;
}

static RelayPromise *cycle_target;

static RelayPromise *
return_cycle_target (RelayPromise *promise,
                     gpointer      user_data)
{
  return g_object_ref (cycle_target);
}

/* ... also through a chain that waits on it. */
static void
test_aplus_2_3_cycle (void)
{
  g_autoptr(RelayPromise) p = resolved_int (1);
  g_autoptr(RelayPromise) d = relay_promise_then (p, return_cycle_target, NULL, NULL);
  g_autoptr(RelayPromise) e = relay_promise_then (d, record, "e", NULL);
  g_autoptr(RelayPromise) f = relay_promise_then (e, record, "f", NULL);

  cycle_target = f;    /* d would wait for f, which waits for e, which waits for d */
  handled (f);
  wait_settled (f);
  g_assert_error ((GError *) relay_promise_get_error (d), RELAY_ERROR, RELAY_ERROR_CYCLE);
  g_assert_error ((GError *) relay_promise_get_error (f), RELAY_ERROR, RELAY_ERROR_CYCLE);
  cycle_target = NULL;
}

static RelayPromise *adoptee;

static RelayPromise *
return_adoptee (RelayPromise *promise,
                gpointer      user_data)
{
  return g_object_ref (adoptee);
}

/* 2.3.2 Returning a promise adopts its state: pending stays pending until it
 * settles, then the same value or reason. */
static void
test_aplus_2_3_2_adopt (void)
{
  g_autoptr(RelayPromise) p = resolved_int (0);
  g_autoptr(RelayPromise) x = relay_promise_new ();
  g_autoptr(RelayPromise) y = relay_promise_new ();
  g_autoptr(RelayPromise) d = NULL, e = NULL;
  g_autoptr(GError) error = make_error ("adopted");

  adoptee = x;
  d = relay_promise_then (p, return_adoptee, NULL, NULL);
  drain (NULL);
  g_assert_true (relay_promise_is_pending (d));       /* 2.3.2.1 */
  relay_promise_resolve_string (x, "x");
  wait_settled (d);
  g_assert_cmpstr (relay_promise_get_string (d), ==, "x");   /* 2.3.2.2 */

  adoptee = y;
  e = relay_promise_then (p, return_adoptee, NULL, NULL);
  handled (e);
  drain (NULL);
  relay_promise_reject (y, g_error_copy (error));
  wait_settled (e);
  g_assert_cmpstr (relay_promise_get_error (e)->message, ==, "adopted");   /* 2.3.2.3 */
  adoptee = NULL;
}

typedef struct
{
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  int           ready;
} ContextThread;

static gpointer
context_thread_main (gpointer data)
{
  ContextThread *ct = data;

  g_main_context_push_thread_default (ct->context);
  g_atomic_int_set (&ct->ready, TRUE);
  g_main_loop_run (ct->loop);
  g_main_context_pop_thread_default (ct->context);
  return NULL;
}

static ContextThread *
context_thread_start (void)
{
  ContextThread *ct = g_new0 (ContextThread, 1);

  ct->context = g_main_context_new ();
  ct->loop = g_main_loop_new (ct->context, FALSE);
  ct->thread = g_thread_new ("context", context_thread_main, ct);
  while (!g_atomic_int_get (&ct->ready))
    g_thread_yield ();
  return ct;
}

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
context_thread_stop (ContextThread *ct)
{
  g_main_context_invoke (ct->context, quit_loop, ct->loop);
  g_thread_join (ct->thread);
  g_main_loop_unref (ct->loop);
  g_main_context_unref (ct->context);
  g_free (ct);
}

/* Adopting a promise of another thread's context, already settled or not. */
static void
test_aplus_2_3_2_adopt_other_context (void)
{
  ContextThread *ct = context_thread_start ();
  g_autoptr(RelayPromise) p = resolved_int (0);
  g_autoptr(RelayPromise) foreign = relay_promise_new_for_context (ct->context);
  g_autoptr(RelayPromise) d = NULL;

  adoptee = foreign;
  d = relay_promise_then (p, return_adoptee, NULL, NULL);
  drain (NULL);
  g_assert_true (relay_promise_is_pending (d));
  relay_promise_resolve_int64 (foreign, 77);
  wait_settled (d);
  g_assert_cmpint (relay_promise_get_int64 (d), ==, 77);
  adoptee = NULL;

  g_clear_object (&foreign);
  context_thread_stop (ct);
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */
/* ------------------------------------------------------------------------ */

static int pointer_freed;

static void
free_pointer (gpointer data)
{
  pointer_freed++;
  g_free (data);
}

static void
test_values (void)
{
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(RelayPromise) multi = relay_promise_new ();
  g_autoptr(RelayPromise) none = relay_promise_new ();
  g_autoptr(RelayPromise) obj = relay_promise_new ();
  g_autoptr(RelayPromise) through = NULL;
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  RelayPromise *ptr = relay_promise_new ();
  RelayPromise *ptr_through;
  guint n;
  const GValue *got;

  g_value_init (&values[0], G_TYPE_INT);
  g_value_set_int (&values[0], 4);
  g_value_init (&values[1], G_TYPE_STRING);
  g_value_set_string (&values[1], "five");
  g_value_init (&values[2], G_TYPE_DOUBLE);
  g_value_set_double (&values[2], 6.5);

  g_assert_true (relay_promise_resolve_values (multi, values, 3));
  got = relay_promise_get_values (multi, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (g_value_get_int (&got[0]), ==, 4);
  g_assert_cmpstr (g_value_get_string (&got[1]), ==, "five");
  g_assert_cmpfloat (g_value_get_double (&got[2]), ==, 6.5);
  g_assert_null (relay_promise_get_value (multi, 3));

  through = relay_promise_then (multi, NULL, NULL, NULL);
  wait_settled (through);
  g_assert_cmpuint (relay_promise_get_n_values (through), ==, 3);
  g_assert_cmpstr (g_value_get_string (relay_promise_get_value (through, 1)), ==, "five");

  g_assert_true (relay_promise_resolve (none, NULL));
  g_assert_cmpuint (relay_promise_get_n_values (none), ==, 0);
  g_assert_null (relay_promise_get_values (none, &n));

  g_assert_true (relay_promise_resolve_object (obj, object));
  g_assert_true (g_value_get_object (relay_promise_get_value (obj, 0)) == object);

  pointer_freed = 0;
  g_assert_true (relay_promise_resolve_pointer (ptr, g_strdup ("shared"), free_pointer));
  ptr_through = relay_promise_then (ptr, NULL, NULL, NULL);
  wait_settled (ptr_through);
  g_object_unref (ptr);
  g_assert_cmpint (pointer_freed, ==, 0);      /* still shared by ptr_through */
  g_assert_cmpstr (relay_promise_get_pointer (ptr_through), ==, "shared");
  g_object_unref (ptr_through);
  g_assert_cmpint (pointer_freed, ==, 1);

  for (int i = 0; i < 3; i++)
    g_value_unset (&values[i]);
}

/* A promise keeps small value counts in a few bits of its state word and
 * larger ones elsewhere: both read back exactly, directly and through a
 * derived promise, and every value is freed (valgrind and ASan runs). */
static void
test_many_values (void)
{
  const guint counts[] = { 65534, 65535, 65536, 70001 };

  for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
    {
      guint n_values = counts[c];
      g_autoptr(RelayPromise) promise = relay_promise_new ();
      g_autoptr(RelayPromise) through = NULL;
      GValue *values = g_new0 (GValue, n_values);
      const GValue *got;
      guint n = 0;

      for (guint i = 0; i < n_values; i++)
        {
          g_value_init (&values[i], G_TYPE_STRING);
          g_value_take_string (&values[i], g_strdup_printf ("%u", i));
        }

      g_assert_true (relay_promise_resolve_values (promise, values, n_values));
      got = relay_promise_get_values (promise, &n);
      g_assert_cmpuint (n, ==, n_values);
      g_assert_cmpuint (relay_promise_get_n_values (promise), ==, n_values);
      g_assert_cmpstr (g_value_get_string (&got[n_values - 1]), ==,
                       g_value_get_string (&values[n_values - 1]));
      g_assert_null (relay_promise_get_value (promise, n_values));

      through = relay_promise_then (promise, NULL, NULL, NULL);
      wait_settled (through);
      g_assert_cmpuint (relay_promise_get_n_values (through), ==, n_values);
      g_assert_cmpstr (g_value_get_string (relay_promise_get_value (through, n_values - 1)), ==,
                       g_value_get_string (&values[n_values - 1]));

      for (guint i = 0; i < n_values; i++)
        g_value_unset (&values[i]);
      g_free (values);
    }
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(int *) user_data)++;
}

/* The priority property notifies when it changes, and only then, whether or
 * not the promise had a non-default priority before. */
static void
test_priority_notify (void)
{
  g_autoptr(RelayPromise) promise = relay_promise_new ();
  g_autoptr(RelayPromise) derived = NULL;
  int notified = 0;

  g_signal_connect (promise, "notify::priority", G_CALLBACK (count_notify), &notified);
  relay_promise_set_priority (promise, G_PRIORITY_DEFAULT);
  g_assert_cmpint (notified, ==, 0);
  relay_promise_set_priority (promise, G_PRIORITY_HIGH);
  g_assert_cmpint (notified, ==, 1);
  relay_promise_set_priority (promise, G_PRIORITY_HIGH);
  g_assert_cmpint (notified, ==, 1);
  relay_promise_set_priority (promise, G_PRIORITY_DEFAULT);
  g_assert_cmpint (notified, ==, 2);
  g_assert_cmpint (relay_promise_get_priority (promise), ==, G_PRIORITY_DEFAULT);

  relay_promise_set_priority (promise, -7);
  derived = relay_promise_then (promise, NULL, NULL, NULL);
  g_assert_cmpint (relay_promise_get_priority (derived), ==, -7);
  relay_promise_cancel (promise);
}

/* notify::state: emitted once per promise, on its context's thread, before
 * its handlers run, also when it has no handler; a handler connected to
 * another property's notify never hears of the state; plain "notify" does. */
typedef struct
{
  GThread *thread;
  GString *log;
  int      state_seen;    /* atomic */
} StateLog;

static void
log_notify (GObject    *object,
            GParamSpec *pspec,
            gpointer    user_data)
{
  StateLog *log = user_data;

  g_assert_true (g_thread_self () == log->thread);
  g_string_append_printf (log->log, "notify:%s(%d) ", pspec->name,
                          relay_promise_get_state (RELAY_PROMISE (object)));
  if (g_str_equal (pspec->name, "state"))
    g_atomic_int_set (&log->state_seen, TRUE);
}

static RelayPromise *
log_handler (RelayPromise *promise,
             gpointer      user_data)
{
  StateLog *log = user_data;

  g_string_append (log->log, "handler ");
  return NULL;
}

static gpointer
resolve_thread (gpointer data)
{
  relay_promise_resolve_int64 (data, 1);
  return NULL;
}

static void
test_notify_state (void)
{
  StateLog log = { g_thread_self (), g_string_new (NULL), FALSE };
  g_autoptr(RelayPromise) watched = relay_promise_new ();
  g_autoptr(RelayPromise) bare = relay_promise_new ();
  g_autoptr(RelayPromise) other = relay_promise_new ();
  g_autoptr(RelayPromise) derived = NULL;

  /* Settled on another thread, with a handler: notify first, once. */
  g_signal_connect (watched, "notify::state", G_CALLBACK (log_notify), &log);
  derived = relay_promise_then (watched, log_handler, &log, NULL);
  g_thread_join (g_thread_new ("resolve", resolve_thread, watched));
  wait_settled (derived);
  drain (NULL);
  g_assert_cmpstr (log.log->str, ==, "notify:state(1) handler ");

  /* No handler at all: still notified, on this thread. */
  g_string_truncate (log.log, 0);
  g_signal_connect (bare, "notify", G_CALLBACK (log_notify), &log);
  g_thread_join (g_thread_new ("resolve", resolve_thread, bare));
  log.state_seen = FALSE;
  iterate_until_set (&log.state_seen, "notify::state never came");
  drain (NULL);
  g_assert_cmpstr (log.log->str, ==, "notify:state(1) ");

  /* Only a progress watcher: it is not told about the state. */
  g_string_truncate (log.log, 0);
  g_clear_object (&derived);
  g_signal_connect (other, "notify::progress", G_CALLBACK (log_notify), &log);
  derived = relay_promise_then (other, log_handler, &log, NULL);
  relay_promise_resolve_int64 (other, 1);
  wait_settled (derived);
  drain (NULL);
  g_assert_cmpstr (log.log->str, ==, "handler ");

  g_string_free (log.log, TRUE);
}

/* ------------------------------------------------------------------------ */
/* Threads and contexts                                                     */
/* ------------------------------------------------------------------------ */

#define N_SETTLERS 8

typedef struct
{
  RelayPromise *promise;
  int           go;
  int           wins;
  int           index;
} SettleRace;

static gpointer
settle_racer (gpointer data)
{
  SettleRace *race = data;
  int me = g_atomic_int_add (&race->index, 1);

  while (!g_atomic_int_get (&race->go))
    g_thread_yield ();     /* under valgrind, a bare spin holds its one CPU */
  if (relay_promise_resolve_int64 (race->promise, me))
    g_atomic_int_inc (&race->wins);
  return NULL;
}

static void
test_settle_race (void)
{
  for (int round = 0; round < 200; round++)
    {
      SettleRace race = { 0 };
      GThread *threads[N_SETTLERS];
      g_autoptr(RelayPromise) d = NULL;
      int value;

      race.promise = relay_promise_new ();
      d = relay_promise_then (race.promise, record, "winner", NULL);
      journal_reset ();

      for (int i = 0; i < N_SETTLERS; i++)
        threads[i] = g_thread_new ("settle", settle_racer, &race);
      g_atomic_int_set (&race.go, TRUE);
      for (int i = 0; i < N_SETTLERS; i++)
        g_thread_join (threads[i]);

      g_assert_cmpint (race.wins, ==, 1);
      wait_settled (d);
      value = relay_promise_get_int64 (race.promise);
      g_assert_cmpint (value, >=, 0);
      g_assert_cmpint (value, <, N_SETTLERS);
      {
        g_autofree char *expected = g_strdup_printf ("winner(values:%d) ", value);
        g_assert_cmpstr (journal->str, ==, expected);   /* once, on the main thread */
      }
      g_object_unref (race.promise);
    }
}

typedef struct
{
  GThread *thread;
  int      calls;
} ThreadSeen;

static RelayPromise *
note_thread (RelayPromise *promise,
             gpointer      data)
{
  ThreadSeen *seen = data;

  seen->thread = g_thread_self ();
  g_atomic_int_inc (&seen->calls);
  return NULL;
}

static void
test_second_context (void)
{
  ContextThread *ct = context_thread_start ();
  ThreadSeen seen = { 0 };
  g_autoptr(RelayPromise) p = relay_promise_new_for_context (ct->context);
  g_autoptr(RelayPromise) d = relay_promise_then (p, note_thread, &seen, NULL);

  g_assert_true (relay_promise_get_context (p) == ct->context);
  g_assert_true (relay_promise_get_context (d) == ct->context);
  relay_promise_resolve_int64 (p, 1);            /* from the main thread */
  g_assert_true (relay_promise_wait (d, NULL, NULL));

  g_assert_cmpint (g_atomic_int_get (&seen.calls), ==, 1);
  g_assert_true (seen.thread == ct->thread);

  g_clear_object (&d);
  g_clear_object (&p);
  context_thread_stop (ct);
}

/* A context that is finalized with handlers queued never runs them. */
/* Handlers run at the promise's priority: a low-priority promise settled
 * first still waits for a default-priority source; a default-priority one
 * runs before a low-priority source. Derived promises start with their
 * source's priority. */
static gboolean
journal_idle (gpointer tag)
{
  g_string_append_printf (journal, "%s ", (const char *) tag);
  return G_SOURCE_REMOVE;
}

static void
test_priority (void)
{
  g_autoptr(RelayPromise) low = relay_promise_new ();
  g_autoptr(RelayPromise) normal = relay_promise_new ();
  g_autoptr(RelayPromise) low_done = NULL, normal_done = NULL;
  int priority = 0;

  g_assert_cmpint (relay_promise_get_priority (normal), ==, G_PRIORITY_DEFAULT);
  relay_promise_set_priority (low, G_PRIORITY_LOW);
  g_object_get (low, "priority", &priority, NULL);
  g_assert_cmpint (priority, ==, G_PRIORITY_LOW);

  low_done = relay_promise_then (low, record, "low-promise", NULL);
  g_assert_cmpint (relay_promise_get_priority (low_done), ==, G_PRIORITY_LOW);
  normal_done = relay_promise_then (normal, record, "default-promise", NULL);

  journal_reset ();
  relay_promise_resolve_int64 (low, 1);
  g_idle_add_full (G_PRIORITY_DEFAULT, journal_idle, "default-idle", NULL);
  drain (NULL);
  g_assert_cmpstr (journal->str, ==, "default-idle low-promise(values:1) ");

  journal_reset ();
  g_idle_add_full (G_PRIORITY_LOW, journal_idle, "low-idle", NULL);
  relay_promise_resolve_int64 (normal, 2);
  drain (NULL);
  g_assert_cmpstr (journal->str, ==, "default-promise(values:2) low-idle ");
}

/* A source whose finalization tells when its context was finalized (the
 * context holds the only reference). */
static GSourceFuncs sentinel_funcs;

static void
sentinel_finalize (GSource *source)
{
  gboolean **flag = (gboolean **) (source + 1);

  **flag = TRUE;
}

static void
watch_context_finalized (GMainContext *context,
                         gboolean     *finalized)
{
  GSource *source;

  sentinel_funcs.finalize = sentinel_finalize;
  source = g_source_new (&sentinel_funcs, sizeof (GSource) + sizeof (gboolean *));
  *(gboolean **) (source + 1) = finalized;
  *finalized = FALSE;
  g_source_attach (source, context);
  g_source_unref (source);
}

/* The owner drops its context and every promise while a handler is queued:
 * as with a GTask, the queued work keeps the context alive and runs when the
 * context is iterated; then the context goes. */
static gboolean context_gone;

static void
test_context_finalized (void)
{
  GMainContext *context = g_main_context_new ();
  ThreadSeen seen = { 0 };
  RelayPromise *p = relay_promise_new_for_context (context);
  RelayPromise *d = relay_promise_then (p, note_thread, &seen, NULL);

  watch_context_finalized (context, &context_gone);
  relay_promise_resolve_int64 (p, 1);
  g_object_unref (d);
  g_object_unref (p);
  g_assert_cmpint (seen.calls, ==, 0);
  g_assert_false (context_gone);

  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpint (seen.calls, ==, 1);
  g_main_context_unref (context);
  g_assert_true (context_gone);

  /* Nothing queued: the last promise lets the context go at once. */
  context = g_main_context_new ();
  watch_context_finalized (context, &context_gone);
  p = relay_promise_new_for_context (context);
  d = relay_promise_then (p, note_thread, &seen, NULL);
  g_main_context_unref (context);
  g_object_unref (d);
  g_assert_false (context_gone);
  g_object_unref (p);
  g_assert_true (context_gone);
  g_assert_cmpint (seen.calls, ==, 1);
}

/* Each thread remembers the dispatcher of the last context it created a
 * promise for. A context finalized and a new one allocated at the same
 * address (malloc hands the same block back at once, here) must get a
 * dispatcher of its own: a promise bound to the dead one would never run its
 * handler. Contexts are made and dropped in turn, each with a promise of the
 * calling thread's default context in between, so both paths go through the
 * cache. */
static void
test_context_address_reused (void)
{
  ThreadSeen seen = { 0 }, default_seen = { 0 };
  GMainContext *previous = NULL;
  guint reused = 0;

  for (guint round = 0; round < 200; round++)
    {
      GMainContext *context = g_main_context_new ();
      RelayPromise *p, *d;

      if (context == previous)
        reused++;
      previous = context;
      watch_context_finalized (context, &context_gone);

      p = relay_promise_new_for_context (context);
      d = relay_promise_then (p, note_thread, &seen, NULL);
      relay_promise_resolve_int64 (p, round);
      g_object_unref (d);
      g_object_unref (p);

      while (g_main_context_iteration (context, FALSE))
        ;
      g_assert_cmpint (seen.calls, ==, round + 1);
      g_main_context_unref (context);
      g_assert_true (context_gone);

      if (round % 2 == 1)
        {
          p = relay_promise_new ();
          d = relay_promise_then (p, note_thread, &default_seen, NULL);
          relay_promise_resolve_int64 (p, round);
          g_object_unref (d);
          g_object_unref (p);
          while (g_main_context_iteration (NULL, FALSE))
            ;
          g_assert_cmpint (default_seen.calls, ==, round / 2 + 1);
        }
    }

  /* Not asserted: sanitizers and valgrind hold freed memory back. */
  g_test_message ("%u of 200 contexts reused the previous one's address", reused);
}

/* A thread's last dispatcher is released when the thread exits, by a
 * thread-exit destructor. Another destructor that runs after it may still
 * create a promise: it must not find the released dispatcher cached (a read
 * of freed memory, which AddressSanitizer and valgrind report; the plain
 * build does not notice). This GPrivate is first used after the library's
 * own, so its destructor runs after it. */
static void
create_promise_at_exit (gpointer data)
{
  GMainContext *context = data;

  g_object_unref (relay_promise_new_for_context (context));
  g_main_context_unref (context);
}

static GPrivate at_exit = G_PRIVATE_INIT (create_promise_at_exit);

static gpointer
cache_dead_dispatcher_and_exit (gpointer data)
{
  GMainContext *context = g_main_context_new ();

  /* The thread caches @context's dispatcher, then the context is finalized:
   * the cache holds the dead dispatcher's last reference. */
  g_object_unref (relay_promise_new_for_context (context));
  g_main_context_unref (context);

  g_private_set (&at_exit, g_main_context_ref (data));
  return NULL;
}

static void
test_promise_at_thread_exit (void)
{
  GMainContext *context = g_main_context_new ();

  /* The library's GPrivate exists before ours is first used. */
  g_object_unref (relay_promise_new_for_context (context));

  g_thread_join (g_thread_new ("exit", cache_dead_dispatcher_and_exit, context));

  /* Still usable from here. */
  {
    ThreadSeen seen = { 0 };
    RelayPromise *p = relay_promise_new_for_context (context);
    RelayPromise *d = relay_promise_then (p, note_thread, &seen, NULL);

    relay_promise_resolve_int64 (p, 1);
    while (seen.calls == 0)
      g_main_context_iteration (context, TRUE);
    g_assert_true (seen.thread == g_thread_self ());
    g_object_unref (d);
    g_object_unref (p);
  }
  g_main_context_unref (context);
}

/* Progress delivered by a promise's settled task while its progress task is
 * still queued, then reported again: the dispatcher must not queue the same
 * task twice (that overwrote a queued link: later tasks were lost). */
static RelayPromise *reported, *resolved_later;

static RelayPromise *
resolve_the_later_one (RelayPromise *promise,
               gpointer      data)
{
  relay_promise_resolve_int64 (resolved_later, 1);
  return NULL;
}

static RelayPromise *
report_on_reported (RelayPromise *promise,
                    gpointer      data)
{
  relay_promise_report_progress (reported, 0.2, NULL);
  return NULL;
}

static RelayPromise *
outlast_budget (RelayPromise *promise,
                gpointer      data)
{
  g_usleep (6000);      /* longer than the dispatch budget and the progress interval */
  return NULL;
}

static RelayPromise *
count_call (RelayPromise *promise,
            gpointer      data)
{
  (*(int *) data)++;
  return NULL;
}

static void
test_progress_task_never_queued_twice (void)
{
  int later_calls = 0;
  g_autoptr(RelayPromise) w = relay_promise_new ();
  g_autoptr(RelayPromise) x = relay_promise_new ();
  g_autoptr(RelayPromise) dw = NULL, dx = NULL, dp = NULL, dl = NULL;

  reported = relay_promise_new ();
  resolved_later = relay_promise_new ();
  relay_promise_report_progress (reported, 0.1, NULL);
  drain (NULL);
  g_usleep (6000);

  dl = relay_promise_then (resolved_later, count_call, &later_calls, NULL);
  dw = relay_promise_then (w, resolve_the_later_one, NULL, NULL);
  dx = relay_promise_then (x, report_on_reported, NULL, NULL);
  dp = relay_promise_then (reported, outlast_budget, NULL, NULL);
  relay_promise_resolve_int64 (w, 1);
  relay_promise_resolve_int64 (x, 1);
  relay_promise_resolve_int64 (reported, 1);
  g_main_context_iteration (NULL, FALSE);

  relay_promise_report_progress (reported, 0.3, NULL);
  wait_settled (dl);
  g_assert_cmpint (later_calls, ==, 1);
  drain (NULL);
  g_assert_cmpfloat (relay_promise_get_progress (reported), ==, 0.3);

  g_clear_object (&reported);
  g_clear_object (&resolved_later);
}

/* A promise keeps its context alive, as a GTask does: the context its
 * accessor and property hand out stays valid after every other reference is
 * gone, iterating it runs the handlers, and the last promise releases it. */
static void
test_context_outlived (void)
{
  GMainContext *context = g_main_context_new ();
  ThreadSeen seen = { 0 };
  RelayPromise *p = relay_promise_new_for_context (context);
  RelayPromise *d = relay_promise_then (p, note_thread, &seen, NULL);
  GMainContext *from_property = NULL;
  gboolean finalized;

  watch_context_finalized (context, &finalized);
  g_main_context_unref (context);
  g_assert_false (finalized);

  g_assert_true (relay_promise_get_context (p) == context);
  g_object_get (p, "context", &from_property, NULL);
  g_assert_true (from_property == context);
  g_main_context_unref (from_property);

  relay_promise_resolve_int64 (p, 1);
  drain (relay_promise_get_context (p));
  g_assert_cmpint (seen.calls, ==, 1);
  g_assert_false (relay_promise_is_pending (d));

  g_object_unref (d);
  g_assert_false (finalized);
  g_object_unref (p);
  g_assert_true (finalized);
}

/* A handler on context A returns a promise of context B: A's promise settles
 * when B's does, whether or not anybody iterates B. */
static void
test_adopt_without_foreign_loop (void)
{
  GMainContext *foreign_context = g_main_context_new ();
  g_autoptr(RelayPromise) p = resolved_int (0);
  g_autoptr(RelayPromise) foreign = relay_promise_new_for_context (foreign_context);
  g_autoptr(RelayPromise) d = NULL;

  adoptee = foreign;
  d = relay_promise_then (p, return_adoptee, NULL, NULL);
  drain (NULL);
  g_assert_true (relay_promise_is_pending (d));

  relay_promise_resolve_int64 (foreign, 78);
  drain (NULL);          /* never foreign_context */
  g_assert_false (relay_promise_is_pending (d));
  g_assert_cmpint (relay_promise_get_int64 (d), ==, 78);
  adoptee = NULL;

  g_clear_object (&foreign);
  g_main_context_unref (foreign_context);
}

/* ------------------------------------------------------------------------ */
/* A long chain: a loop, not recursion                                      */
/* ------------------------------------------------------------------------ */

static int chain_calls;

static RelayPromise *
count_link (RelayPromise *promise,
            gpointer      data)
{
  chain_calls++;
  return g_object_ref (promise);     /* pass the value on */
}

static guint
chain_length (void)
{
  const char *env = g_getenv ("RELAY_TEST_CHAIN_LENGTH");

  return env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 1000000;
}

static gpointer
run_long_chain (gpointer data)
{
  guint n = chain_length ();
  GMainContext *context = g_main_context_new ();
  RelayPromise *root, *tail;
  gboolean *ok = data;

  g_main_context_push_thread_default (context);

  root = relay_promise_new ();
  tail = g_object_ref (root);
  for (guint i = 0; i < n; i++)
    {
      RelayPromise *next = relay_promise_then (tail, count_link, NULL, NULL);
      g_object_unref (tail);
      tail = next;
    }

  chain_calls = 0;
  relay_promise_resolve_int64 (root, 42);
  g_object_unref (root);    /* the chain keeps itself alive */
  while (relay_promise_is_pending (tail))
    g_main_context_iteration (context, TRUE);

  *ok = chain_calls == (int) n && relay_promise_get_int64 (tail) == 42;
  g_object_unref (tail);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_long_chain (void)
{
  pthread_attr_t attr;
  pthread_t thread;
  gboolean ok = FALSE;

  /* 64 KiB of stack for a million links: recursion would need megabytes. */
  pthread_attr_init (&attr);
  pthread_attr_setstacksize (&attr, 64 * 1024);
  g_assert_cmpint (pthread_create (&thread, &attr, run_long_chain, &ok), ==, 0);
  pthread_join (thread, NULL);
  pthread_attr_destroy (&attr);

  g_assert_true (ok);
}

/* The same on the main thread, for running under `ulimit -s`. */
static void
test_long_chain_main_thread (void)
{
  gboolean ok = FALSE;

  run_long_chain (&ok);
  g_assert_true (ok);
}

/* ------------------------------------------------------------------------ */
/* Combinators                                                              */
/* ------------------------------------------------------------------------ */

/* all() resolves with one value per input: input @i's first value. */
static gint64
nth_input_int (RelayPromise *combined,
               guint         i)
{
  return g_value_get_int64 (relay_promise_get_value (combined, i));
}

static void
test_all (void)
{
  g_autoptr(RelayPromise) empty = relay_promise_all (NULL, 0);
  RelayPromise *good[3] = { resolved_int (1), relay_promise_new (), resolved_int (3) };
  RelayPromise *bad[3] = { resolved_int (1), rejected ("second"), relay_promise_new () };
  g_autoptr(RelayPromise) all_good = relay_promise_all (good, 3);
  g_autoptr(RelayPromise) one_bad = relay_promise_all (bad, 3);

  handled (one_bad);
  wait_settled (empty);
  g_assert_cmpint (relay_promise_get_state (empty), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (empty), ==, 0);

  drain (NULL);
  g_assert_true (relay_promise_is_pending (all_good));   /* waits for every input */
  relay_promise_resolve_int64 (good[1], 2);
  wait_settled (all_good);
  g_assert_cmpuint (relay_promise_get_n_values (all_good), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (nth_input_int (all_good, i), ==, (int) i + 1);

  wait_settled (one_bad);     /* without waiting for bad[2] */
  g_assert_cmpstr (relay_promise_get_error (one_bad)->message, ==, "second");
  g_assert_true (relay_promise_is_pending (bad[2]));

  for (int i = 0; i < 3; i++)
    {
      g_object_unref (good[i]);
      g_object_unref (bad[i]);
    }
}

static void
test_all_settled (void)
{
  g_autoptr(RelayPromise) empty = relay_promise_all_settled (NULL, 0);
  RelayPromise *mixed[2] = { resolved_int (1), rejected ("no") };
  g_autoptr(RelayPromise) all = relay_promise_all_settled (mixed, 2);
  RelayPromise *first, *second;

  wait_settled (empty);
  g_assert_cmpint (relay_promise_get_state (empty), ==, RELAY_PROMISE_STATE_FULFILLED);

  wait_settled (all);
  g_assert_cmpint (relay_promise_get_state (all), ==, RELAY_PROMISE_STATE_FULFILLED);
  first = g_value_get_object (relay_promise_get_value (all, 0));
  second = g_value_get_object (relay_promise_get_value (all, 1));
  g_assert_cmpint (relay_promise_get_state (first), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpint (relay_promise_get_state (second), ==, RELAY_PROMISE_STATE_REJECTED);
  g_assert_cmpstr (relay_promise_get_error (second)->message, ==, "no");

  g_object_unref (mixed[0]);
  g_object_unref (mixed[1]);
}

static void
test_any (void)
{
  g_autoptr(RelayPromise) empty = relay_promise_any (NULL, 0);
  RelayPromise *some[3] = { rejected ("a"), relay_promise_new (), resolved_int (3) };
  RelayPromise *none[2] = { rejected ("a"), rejected ("b") };
  g_autoptr(RelayPromise) one_good = relay_promise_any (some, 3);
  g_autoptr(RelayPromise) all_bad = relay_promise_any (none, 2);
  GError **errors = NULL;

  handled (empty);
  handled (all_bad);
  wait_settled (empty);
  g_assert_error ((GError *) relay_promise_get_error (empty), RELAY_ERROR, RELAY_ERROR_AGGREGATE);

  wait_settled (one_good);
  g_assert_cmpint (relay_promise_get_int64 (one_good), ==, 3);

  wait_settled (all_bad);
  g_assert_error ((GError *) relay_promise_get_error (all_bad), RELAY_ERROR, RELAY_ERROR_AGGREGATE);
  /* Each call hands out copies the caller owns: freeing one set leaves the
   * promise's own untouched (it used to hand out its internal array). */
  for (int round = 0; round < 2; round++)
    {
      guint n_errors = 0;

      errors = relay_promise_dup_errors (all_bad, &n_errors);
      g_assert_nonnull (errors);
      g_assert_cmpuint (n_errors, ==, 2);
      g_assert_null (errors[2]);
      g_assert_cmpstr (errors[0]->message, ==, "a");
      g_assert_cmpstr (errors[1]->message, ==, "b");
      for (guint i = 0; i < n_errors; i++)
        g_error_free (errors[i]);
      g_free (errors);
    }
  g_assert_null (relay_promise_dup_errors (one_good, NULL));
  g_assert_nonnull (strstr (relay_promise_get_error (all_bad)->message, "a; b"));

  for (int i = 0; i < 3; i++)
    g_object_unref (some[i]);
  g_object_unref (none[0]);
  g_object_unref (none[1]);
}

static void
test_race (void)
{
  g_autoptr(RelayPromise) empty = relay_promise_race (NULL, 0);
  RelayPromise *inputs[2] = { relay_promise_new (), relay_promise_new () };
  RelayPromise *bad_first[2] = { rejected ("fast"), relay_promise_new () };
  g_autoptr(RelayPromise) race = relay_promise_race (inputs, 2);
  g_autoptr(RelayPromise) race_bad = relay_promise_race (bad_first, 2);

  handled (race_bad);
  relay_promise_resolve_int64 (inputs[1], 2);
  relay_promise_resolve_int64 (inputs[0], 1);
  wait_settled (race);
  g_assert_cmpint (relay_promise_get_int64 (race), ==, 2);

  wait_settled (race_bad);
  g_assert_cmpstr (relay_promise_get_error (race_bad)->message, ==, "fast");

  drain (NULL);
  g_assert_true (relay_promise_is_pending (empty));   /* as in JavaScript */

  for (int i = 0; i < 2; i++)
    {
      g_object_unref (inputs[i]);
      g_object_unref (bad_first[i]);
    }
}

/* Inputs from two other threads' contexts, combined on the main one. */
static void
test_combinators_mixed_contexts (void)
{
  ContextThread *a = context_thread_start ();
  ContextThread *b = context_thread_start ();
  RelayPromise *inputs[3] = {
    relay_promise_new_for_context (a->context),
    relay_promise_new_for_context (b->context),
    relay_promise_new (),
  };
  g_autoptr(RelayPromise) all = relay_promise_all (inputs, 3);
  g_autoptr(RelayPromise) any = relay_promise_any (inputs, 3);
  g_autoptr(RelayPromise) shown = relay_promise_then (all, record, "all", NULL);

  g_assert_true (relay_promise_get_context (all) == g_main_context_default ());
  journal_reset ();
  relay_promise_resolve_int64 (inputs[1], 20);
  relay_promise_resolve_int64 (inputs[0], 10);
  relay_promise_resolve_int64 (inputs[2], 30);
  wait_settled (shown);
  wait_settled (any);

  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (nth_input_int (all, i), ==, 10 * ((int) i + 1));
  g_assert_true (g_str_has_prefix (journal->str, "all(values:"));

  for (int i = 0; i < 3; i++)
    g_object_unref (inputs[i]);
  context_thread_stop (a);
  context_thread_stop (b);
}

/* ------------------------------------------------------------------------ */
/* Delay and timeout                                                        */
/* ------------------------------------------------------------------------ */

static void
test_delay (void)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(RelayPromise) delay = relay_promise_new_delay (50);
  g_autoptr(RelayPromise) hour = NULL;
  GMainContext *context = g_main_context_new ();

  /* Only an iteration of its context fulfils a delay, and none ran yet,
   * however long creating it took. */
  g_assert_true (relay_promise_is_pending (delay));

  /* Nor does iterating fulfil it early: an hour-long delay is still pending
   * once its context went idle, however slow the machine. Freeing the
   * context removes its timer. */
  g_main_context_push_thread_default (context);
  hour = relay_promise_new_delay (60 * 60 * 1000);
  g_main_context_pop_thread_default (context);
  drain (context);
  g_assert_true (relay_promise_is_pending (hour));
  g_main_context_unref (context);
  g_assert_true (relay_promise_is_pending (hour));

  wait_settled (delay);
  g_assert_cmpint (relay_promise_get_state (delay), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (delay), ==, 0);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 50 * 1000);
}

static void
test_timeout (void)
{
  g_autoptr(RelayPromise) slow = relay_promise_new ();
  g_autoptr(RelayPromise) timed = relay_promise_timeout (slow, 30);
  g_autoptr(RelayPromise) fast = relay_promise_new ();
  /* An hour: fast settles first on any machine (its timer goes with it). */
  g_autoptr(RelayPromise) in_time = relay_promise_timeout (fast, 60 * 60 * 1000);

  handled (timed);
  relay_promise_resolve_int64 (fast, 5);
  wait_settled (in_time);
  g_assert_cmpint (relay_promise_get_int64 (in_time), ==, 5);

  wait_settled (timed);
  g_assert_error ((GError *) relay_promise_get_error (timed), G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  /* nothing else consumed slow, so the timeout cancelled it */
  g_assert_error ((GError *) relay_promise_get_error (slow), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (relay_promise_get_cancellable (slow)));
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

static void
test_cancel (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  GCancellable *cancellable = relay_promise_get_cancellable (p);
  g_autoptr(RelayPromise) d = relay_promise_catch (p, record, "caught", NULL);

  g_assert_false (g_cancellable_is_cancelled (cancellable));
  journal_reset ();
  g_assert_true (relay_promise_cancel (p));
  g_assert_false (relay_promise_cancel (p));
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_assert_error ((GError *) relay_promise_get_error (p), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_settled (d);
  g_assert_cmpstr (journal->str, ==, "caught(error:Operation was cancelled) ");

  /* a cancellable asked for after cancel is already cancelled */
  {
    g_autoptr(RelayPromise) q = relay_promise_new ();
    relay_promise_cancel (q);
    g_assert_true (g_cancellable_is_cancelled (relay_promise_get_cancellable (q)));
  }
}

static void
test_cancel_chain (void)
{
  g_autoptr(RelayPromise) source = relay_promise_new ();
  g_autoptr(RelayPromise) a = relay_promise_then (source, record, "a", NULL);
  g_autoptr(RelayPromise) b = relay_promise_then (a, record, "b", NULL);
  g_autoptr(RelayPromise) shared = relay_promise_new ();
  g_autoptr(RelayPromise) s1 = relay_promise_then (shared, record, "s1", NULL);
  g_autoptr(RelayPromise) s2 = relay_promise_then (shared, record, "s2", NULL);

  /* cancelling the end of a private chain cancels all the way up */
  journal_reset ();
  g_assert_true (relay_promise_cancel (b));
  g_assert_error ((GError *) relay_promise_get_error (a), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error ((GError *) relay_promise_get_error (source), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (relay_promise_get_cancellable (source)));
  drain (NULL);
  g_assert_cmpstr (journal->str, ==, "");   /* then-handlers skip a rejection */

  /* a source still used by s2 keeps going */
  g_assert_true (relay_promise_cancel (s1));
  g_assert_true (relay_promise_is_pending (shared));
  relay_promise_resolve_int64 (shared, 1);
  wait_settled (s2);
  g_assert_cmpstr (journal->str, ==, "s2(values:1) ");

  /* downstream sees the cancellation */
  {
    g_autoptr(RelayPromise) top = relay_promise_new ();
    g_autoptr(RelayPromise) mid = relay_promise_then (top, record, "mid", NULL);
    g_autoptr(RelayPromise) end = relay_promise_then (mid, record, "end", NULL);

    relay_promise_cancel (top);
    wait_settled (end);
    g_assert_error ((GError *) relay_promise_get_error (end), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }

  /* combinators: cancelling the result cancels inputs nothing else uses */
  {
    RelayPromise *inputs[2] = { relay_promise_new (), relay_promise_new () };
    g_autoptr(RelayPromise) other = relay_promise_then (inputs[1], record, "other", NULL);
    g_autoptr(RelayPromise) all = relay_promise_all (inputs, 2);

    relay_promise_cancel (all);
    g_assert_error ((GError *) relay_promise_get_error (inputs[0]), G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_true (relay_promise_is_pending (inputs[1]));
    relay_promise_resolve_int64 (inputs[1], 1);
    g_object_unref (inputs[0]);
    g_object_unref (inputs[1]);
    drain (NULL);
    g_assert_cmpint (relay_promise_get_int64 (other), ==, 1);
  }
}

/* ------------------------------------------------------------------------ */
/* Unhandled rejections                                                     */
/* ------------------------------------------------------------------------ */

static void
test_unhandled (void)
{
  /* reaches a dispatch with no handler: reported once */
  RelayPromise *p = relay_promise_new ();
  g_autoptr(GError) error = make_error ("nobody listens");

  relay_promise_reject (p, g_error_copy (error));
  g_test_expect_message ("Relay", G_LOG_LEVEL_WARNING, "*Unhandled promise rejection: nobody listens*");
  drain (NULL);
  g_test_assert_expected_messages ();
  g_object_unref (p);          /* not reported a second time */
  drain (NULL);

  /* a handler added before the dispatch silences it */
  p = relay_promise_new ();
  relay_promise_reject (p, g_error_copy (error));
  {
    g_autoptr(RelayPromise) caught = relay_promise_catch (p, record, "in time", NULL);
    journal_reset ();
    drain (NULL);
    g_assert_cmpstr (journal->str, ==, "in time(error:nobody listens) ");
    g_assert_cmpint (relay_promise_get_state (caught), ==, RELAY_PROMISE_STATE_FULFILLED);
  }
  g_object_unref (p);

  /* a derived promise that passes the rejection on to nobody is reported */
  p = relay_promise_new ();
  {
    RelayPromise *d = relay_promise_then (p, record, "never", NULL);
    relay_promise_reject (p, g_error_copy (error));
    g_test_expect_message ("Relay", G_LOG_LEVEL_WARNING, "*Unhandled promise rejection: nobody listens*");
    drain (NULL);
    g_test_assert_expected_messages ();
    g_object_unref (d);
  }
  g_object_unref (p);

  /* cancellation is never reported */
  p = relay_promise_new ();
  relay_promise_cancel (p);
  drain (NULL);
  g_object_unref (p);
}

/* ------------------------------------------------------------------------ */
/* catch_error, tap, finally                                                */
/* ------------------------------------------------------------------------ */

static RelayPromise *
recover_with_7 (RelayPromise *promise,
                gpointer      user_data)
{
  return resolved_int (7);
}

static void
test_catch_error (void)
{
  g_autoptr(RelayPromise) io = relay_promise_new ();
  g_autoptr(RelayPromise) other = relay_promise_new ();
  g_autoptr(RelayPromise) io_caught = relay_promise_catch_error (io, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                                 recover_with_7, NULL, NULL);
  g_autoptr(RelayPromise) other_passed = relay_promise_catch_error (other, G_IO_ERROR, -1,
                                                                    recover_with_7, NULL, NULL);

  relay_promise_reject_literal (io, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "missing");
  relay_promise_reject_literal (other, G_FILE_ERROR, G_FILE_ERROR_NOENT, "file error");
  handled (other_passed);
  wait_settled (io_caught);
  wait_settled (other_passed);
  g_assert_cmpint (relay_promise_get_int64 (io_caught), ==, 7);
  g_assert_error ((GError *) relay_promise_get_error (other_passed), G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
observe (RelayPromise *promise,
         gpointer      tag)
{
  /* record() passes a fulfilled promise on; an observer returns nothing */
  g_autoptr(RelayPromise) passed = record (promise, tag);
}

static RelayPromise *
finally_fails (RelayPromise *promise,
               gpointer      user_data)
{
  return rejected ("cleanup failed");
}

static void
test_tap_finally (void)
{
  g_autoptr(RelayPromise) p = resolved_int (1);
  g_autoptr(RelayPromise) r = rejected ("r");
  g_autoptr(RelayPromise) tapped = relay_promise_tap (p, observe, "tap", NULL);
  g_autoptr(RelayPromise) tapped_r = relay_promise_tap (r, observe, "tap-r", NULL);
  g_autoptr(RelayPromise) fin = relay_promise_finally (p, record, "finally", NULL);
  g_autoptr(RelayPromise) fin_r = relay_promise_finally (r, record, "finally-r", NULL);
  g_autoptr(RelayPromise) fin_fail = relay_promise_finally (p, finally_fails, NULL, NULL);

  handled (tapped_r);
  handled (fin_r);
  handled (fin_fail);
  journal_reset ();
  wait_settled (fin_fail);
  wait_settled (fin);
  wait_settled (fin_r);
  wait_settled (tapped);
  wait_settled (tapped_r);

  /* per promise, handlers run in the order they were added */
  g_assert_nonnull (strstr (journal->str, "tap(values:1) finally(values:1) "));
  g_assert_nonnull (strstr (journal->str, "tap-r(error:r) finally-r(error:r) "));
  g_assert_cmpuint (strlen (journal->str), ==, strlen ("tap(values:1) finally(values:1) tap-r(error:r) finally-r(error:r) "));
  g_assert_cmpint (relay_promise_get_int64 (tapped), ==, 1);
  g_assert_cmpstr (relay_promise_get_error (tapped_r)->message, ==, "r");
  g_assert_cmpint (relay_promise_get_int64 (fin), ==, 1);
  g_assert_cmpstr (relay_promise_get_error (fin_r)->message, ==, "r");
  g_assert_cmpstr (relay_promise_get_error (fin_fail)->message, ==, "cleanup failed");
}

/* ------------------------------------------------------------------------ */
/* Abandoned promises                                                       */
/* ------------------------------------------------------------------------ */

static void
test_abandoned (void)
{
  RelayPromise *p = relay_promise_new ();
  g_autoptr(RelayPromise) d = relay_promise_then (p, record, "never", NULL);

  handled (d);
  g_object_unref (p);     /* nobody can settle it now */
  wait_settled (d);
  g_assert_error ((GError *) relay_promise_get_error (d), RELAY_ERROR, RELAY_ERROR_ABANDONED);
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                 */
/* ------------------------------------------------------------------------ */

static gpointer
report_progress (gpointer promise)
{
  for (int i = 1; i <= 100000; i++)
    relay_promise_report_progress (promise, i / 100000.0, i == 100000 ? "done" : NULL);
  relay_promise_resolve (promise, NULL);
  return NULL;
}

static void
test_progress (void)
{
  g_autoptr(RelayPromise) promise = relay_promise_new ();
  ProgressSeen seen;
  GThread *thread;
  g_autofree char *text = NULL;

  progress_seen_watch (&seen, promise);

  thread = g_thread_new ("progress", report_progress, promise);
  wait_settled (promise);
  g_thread_join (thread);
  drain (NULL);

  g_assert_false (seen.wrong_thread);
  g_assert_true (seen.monotonic);
  g_assert_cmpfloat (seen.last, ==, 1.0);
  g_assert_cmpint (seen.notified, >=, 1);
  g_assert_cmpint (seen.notified, <, 100000);
  g_test_message ("100000 reports, %d notifications", seen.notified);
  text = relay_promise_dup_progress_text (promise);
  g_assert_cmpstr (text, ==, "done");
}

/* ------------------------------------------------------------------------ */
/* GIO                                                                      */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GValue *value;
  GError *error;
  int     done;
} WaitResult;

static void
wait_done (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  WaitResult *wait = data;

  wait->value = relay_promise_wait_finish (RELAY_PROMISE (source), result, &wait->error);
  wait->done = TRUE;
}

static void
test_wait_async (void)
{
  g_autoptr(RelayPromise) ok = relay_promise_new ();
  g_autoptr(RelayPromise) bad = relay_promise_new ();
  g_autoptr(RelayPromise) never = relay_promise_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  WaitResult a = { 0 }, b = { 0 }, c = { 0 };

  relay_promise_wait_async (ok, NULL, wait_done, &a);
  relay_promise_wait_async (bad, NULL, wait_done, &b);
  relay_promise_wait_async (never, cancellable, wait_done, &c);
  relay_promise_resolve_string (ok, "value");
  relay_promise_reject_literal (bad, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "denied");
  g_cancellable_cancel (cancellable);

  while (!a.done || !b.done || !c.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (a.error);
  g_assert_cmpstr (g_value_get_string (a.value), ==, "value");
  g_assert_null (b.value);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (relay_promise_is_pending (never));   /* the wait was cancelled, not the promise */

  g_value_unset (a.value);
  g_free (a.value);
  g_clear_error (&b.error);
  g_clear_error (&c.error);
}

static gpointer
resolve_later (gpointer data)
{
  g_usleep (20000);
  relay_promise_resolve_int64 (data, 11);
  return NULL;
}

static void
test_wait_sync (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(GError) error = NULL;
  GThread *thread = g_thread_new ("resolver", resolve_later, p);

  /* no main loop is iterated: the settling thread wakes us */
  g_assert_true (relay_promise_wait (p, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (relay_promise_get_int64 (p), ==, 11);
  g_thread_join (thread);
}

static void
task_done (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  WaitResult *wait = data;
  GValue value = G_VALUE_INIT;

  if (g_task_propagate_value (G_TASK (result), &value, &wait->error))
    {
      wait->value = g_new0 (GValue, 1);
      *wait->value = value;
    }
  wait->done = TRUE;
}

static void
test_task_interop (void)
{
  g_autoptr(RelayPromise) p = relay_promise_new ();
  g_autoptr(RelayPromise) from_task = relay_promise_new ();
  g_autoptr(GTask) task = g_task_new (NULL, NULL, task_done, NULL);
  WaitResult result = { 0 };
  GTask *producer;
  GValue v = G_VALUE_INIT;

  /* promise → GTask */
  g_task_set_task_data (task, &result, NULL);
  g_object_unref (task);
  task = g_task_new (NULL, NULL, task_done, &result);
  relay_promise_return_to_task (p, task);
  relay_promise_resolve_int64 (p, 21);
  while (!result.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (result.error);
  g_assert_cmpint (g_value_get_int64 (result.value), ==, 21);
  g_value_unset (result.value);
  g_free (result.value);

  /* GTask → promise */
  producer = g_task_new (NULL, NULL, relay_promise_async_ready_callback, g_object_ref (from_task));
  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, "from a task");
  g_task_return_value (producer, &v);
  g_value_unset (&v);
  g_object_unref (producer);
  wait_settled (from_task);
  g_assert_cmpstr (relay_promise_get_string (from_task), ==, "from a task");
}

/* ------------------------------------------------------------------------ */
/* Misuse                                                                   */
/* ------------------------------------------------------------------------ */

static void
test_misuse (void)
{
  g_autoptr(GObject) not_a_promise = g_object_new (G_TYPE_OBJECT, NULL);
  RelayPromise *inputs[1] = { (RelayPromise *) not_a_promise };

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_PROMISE*");
  g_assert_false (relay_promise_resolve_int64 (NULL, 1));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_PROMISE*");
  g_assert_false (relay_promise_resolve_int64 ((RelayPromise *) not_a_promise, 1));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*error != NULL*");
  {
    g_autoptr(RelayPromise) p = relay_promise_new ();
    g_assert_false (relay_promise_reject (p, NULL));
    g_assert_true (relay_promise_is_pending (p));
  }
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*RELAY_IS_PROMISE*");
  g_assert_null (relay_promise_then (NULL, record, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*check_inputs*");
  g_assert_null (relay_promise_all (inputs, 1));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*check_inputs*");
  g_assert_null (relay_promise_race (NULL, 2));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*on_settled != NULL*");
  {
    g_autoptr(RelayPromise) p = relay_promise_new ();
    g_assert_null (relay_promise_finally (p, NULL, NULL, NULL));
  }
  g_test_assert_expected_messages ();

  g_test_expect_message ("Relay", G_LOG_LEVEL_CRITICAL, "*G_IS_VALUE*");
  {
    g_autoptr(RelayPromise) p = relay_promise_new ();
    GValue unset = G_VALUE_INIT;
    g_assert_false (relay_promise_resolve (p, &unset));
  }
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  journal = g_string_new (NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/promise/aplus/2.1.1-pending", test_aplus_2_1_1_pending);
  g_test_add_func ("/promise/aplus/2.1.2-fulfilled-is-final", test_aplus_2_1_2_fulfilled_is_final);
  g_test_add_func ("/promise/aplus/2.1.3-rejected-is-final", test_aplus_2_1_3_rejected_is_final);
  g_test_add_func ("/promise/aplus/2.2.1-optional-handlers", test_aplus_2_2_1_optional);
  g_test_add_func ("/promise/aplus/2.2.2-on-fulfilled", test_aplus_2_2_2_on_fulfilled);
  g_test_add_func ("/promise/aplus/2.2.3-on-rejected", test_aplus_2_2_3_on_rejected);
  g_test_add_func ("/promise/aplus/2.2.4-asynchronous", test_aplus_2_2_4_asynchronous);
  g_test_add_func ("/promise/aplus/2.2.6-order", test_aplus_2_2_6_order);
  g_test_add_func ("/promise/aplus/2.2.7-returns-promise", test_aplus_2_2_7_returns_promise);
  g_test_add_func ("/promise/aplus/2.3.1-self-adoption", test_aplus_2_3_1_self);
  g_test_add_func ("/promise/aplus/2.3.1-cycle-through-chain", test_aplus_2_3_cycle);
  g_test_add_func ("/promise/aplus/2.3.2-adopt", test_aplus_2_3_2_adopt);
  g_test_add_func ("/promise/aplus/2.3.2-adopt-other-context", test_aplus_2_3_2_adopt_other_context);
  g_test_add_func ("/promise/values", test_values);
  g_test_add_func ("/promise/values/many", test_many_values);
  g_test_add_func ("/promise/priority/notify", test_priority_notify);
  g_test_add_func ("/promise/notify-state", test_notify_state);
  g_test_add_func ("/promise/threads/settle-race", test_settle_race);
  g_test_add_func ("/promise/threads/second-context", test_second_context);
  g_test_add_func ("/promise/threads/context-finalized", test_context_finalized);
  g_test_add_func ("/promise/threads/context-outlived", test_context_outlived);
  g_test_add_func ("/promise/threads/context-address-reused", test_context_address_reused);
  g_test_add_func ("/promise/threads/promise-at-thread-exit", test_promise_at_thread_exit);
  g_test_add_func ("/promise/priority", test_priority);
  g_test_add_func ("/promise/threads/adopt-without-foreign-loop", test_adopt_without_foreign_loop);
  g_test_add_func ("/promise/chain/long", test_long_chain);
  g_test_add_func ("/promise/chain/long-main-thread", test_long_chain_main_thread);
  g_test_add_func ("/promise/combinators/all", test_all);
  g_test_add_func ("/promise/combinators/all-settled", test_all_settled);
  g_test_add_func ("/promise/combinators/any", test_any);
  g_test_add_func ("/promise/combinators/race", test_race);
  g_test_add_func ("/promise/combinators/mixed-contexts", test_combinators_mixed_contexts);
  g_test_add_func ("/promise/timers/delay", test_delay);
  g_test_add_func ("/promise/timers/timeout", test_timeout);
  g_test_add_func ("/promise/cancel/basic", test_cancel);
  g_test_add_func ("/promise/cancel/chain", test_cancel_chain);
  g_test_add_func ("/promise/unhandled", test_unhandled);
  g_test_add_func ("/promise/catch-error", test_catch_error);
  g_test_add_func ("/promise/tap-finally", test_tap_finally);
  g_test_add_func ("/promise/abandoned", test_abandoned);
  g_test_add_func ("/promise/progress", test_progress);
  g_test_add_func ("/promise/progress/task-never-queued-twice", test_progress_task_never_queued_twice);
  g_test_add_func ("/promise/gio/wait-async", test_wait_async);
  g_test_add_func ("/promise/gio/wait-sync", test_wait_sync);
  g_test_add_func ("/promise/gio/task", test_task_interop);
  g_test_add_func ("/promise/misuse", test_misuse);

  return g_test_run ();
}
