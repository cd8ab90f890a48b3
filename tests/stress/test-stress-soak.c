/* test-stress-soak.c: 10,000,000 promise lifecycles whose heap stays flat
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each lifecycle creates a promise on the main context, adds a handler, has a
 * second thread settle it (resolve, reject, cancel or resolve-with-string, in
 * turn), runs the handler from the dispatcher and drops every reference. Work
 * goes in batches; between batches nothing is in flight, so the heap in use
 * must come back to where it was. It is sampled at 20 points after a warm-up;
 * the peak may not exceed the warm-up level by more than HEAP_SLACK bytes.
 *
 * The heap in use is glibc's mallinfo2() (every arena); under AddressSanitizer
 * or ThreadSanitizer, the sanitizer's allocator statistics. Under valgrind,
 * which replaces malloc and delays reuse of freed blocks, neither exists: the
 * resident set size is printed for information only, and memcheck's own leak
 * check (which fails the test on any lost block) is the judge. In every mode
 * the test also counts promises: after each batch none may be left alive.
 * The full count runs in the normal suite; RELAY_STRESS_SCALE scales it down
 * for valgrind and sanitizers.
 */
#include <malloc.h>
#include <stdio.h>
#include <relay/relay.h>

#include "stress-common.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
# define SOAK_SANITIZER 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#  define SOAK_SANITIZER 1
# endif
#endif

#ifdef SOAK_SANITIZER
size_t __sanitizer_get_current_allocated_bytes (void);
#endif

#define FULL_COUNT   10000000
#define BATCH        1000
#define N_SAMPLES    20
#define HEAP_SLACK   (1024 * 1024)

#define SOAK_ERROR (g_quark_from_static_string ("relay-soak-error"))

static gsize
rss_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%lu %lu", &size, &resident) != 2)
    g_error ("cannot read /proc/self/statm");

  return (gsize) resident * (gsize) sysconf (_SC_PAGESIZE);
}

/* Bytes of heap in use; *what says how it was measured. FALSE if only an
 * informational figure (the resident set size) is available. */
static gboolean
heap_in_use (gsize       *bytes,
             const char **what)
{
#ifdef SOAK_SANITIZER
  *what = "sanitizer allocated bytes";
  *bytes = __sanitizer_get_current_allocated_bytes ();
  return TRUE;
#else
  struct mallinfo2 info = mallinfo2 ();

  if (info.uordblks > 0)
    {
      *what = "mallinfo2 in-use bytes";
      *bytes = info.uordblks;
      return TRUE;
    }

  /* malloc replaced (valgrind): memcheck's leak check judges instead. */
  *what = "resident set size, informational: malloc is replaced";
  *bytes = rss_bytes ();
  return FALSE;
#endif
}

static int alive;    /* promises created and not yet finalized; main thread */

static void
promise_finalized (gpointer  data,
                   GObject  *where_the_object_was)
{
  g_atomic_int_add (&alive, -1);
}

static RelayPromise *
tracked (RelayPromise *p)
{
  g_atomic_int_inc (&alive);
  g_object_weak_ref (G_OBJECT (p), promise_finalized, NULL);
  return p;
}

typedef struct
{
  RelayPromise     *batch[BATCH];
  guint             base;       /* lifecycle number of batch[0] */
  pthread_mutex_t   lock;
  pthread_cond_t    cond;
  gboolean          posted;     /* lock: a batch waits to be settled */
  gboolean          quit;       /* lock */
  GMainContext     *context;
} Soak;

typedef struct
{
  guint64 handled;
  guint64 wrong;
} Counts;

static Counts counts;

static RelayPromise *
on_settled (RelayPromise *p,
            gpointer      user_data)
{
  guint kind = GPOINTER_TO_UINT (user_data);
  gboolean ok;

  switch (kind)
    {
    case 0:
      ok = relay_promise_get_int64 (p) == 42;
      break;
    case 1:
      ok = g_error_matches (relay_promise_get_error (p), SOAK_ERROR, 7);
      break;
    case 2:
      ok = g_error_matches (relay_promise_get_error (p), G_IO_ERROR, G_IO_ERROR_CANCELLED);
      break;
    default:
      ok = g_strcmp0 (relay_promise_get_string (p), "soak") == 0;
      break;
    }

  counts.handled++;
  if (!ok)
    counts.wrong++;
  return NULL;
}

static void
settle_one (RelayPromise *p,
            guint         kind)
{
  gboolean settled = FALSE;

  switch (kind)
    {
    case 0:
      settled = relay_promise_resolve_int64 (p, 42);
      break;
    case 1:
      settled = relay_promise_reject_literal (p, SOAK_ERROR, 7, "soak");
      break;
    case 2:
      settled = relay_promise_cancel (p);
      break;
    default:
      settled = relay_promise_resolve_string (p, "soak");
      break;
    }

  g_assert_true (settled);
  g_object_unref (p);
}

static gpointer
settler_thread (gpointer data)
{
  Soak *soak = data;

  pthread_mutex_lock (&soak->lock);
  for (;;)
    {
      while (!soak->posted && !soak->quit)
        pthread_cond_wait (&soak->cond, &soak->lock);
      if (soak->quit)
        break;
      pthread_mutex_unlock (&soak->lock);

      for (guint i = 0; i < BATCH; i++)
        settle_one (soak->batch[i], (soak->base + i) % 4);

      pthread_mutex_lock (&soak->lock);
      soak->posted = FALSE;
      pthread_cond_broadcast (&soak->cond);
    }
  pthread_mutex_unlock (&soak->lock);

  return NULL;
}

static void
run_batch (Soak *soak,
           guint base)
{
  RelayPromise *derived[BATCH];
  guint64 want = counts.handled + BATCH;

  for (guint i = 0; i < BATCH; i++)
    {
      guint kind = (base + i) % 4;
      RelayPromise *p = tracked (relay_promise_new ());

      derived[i] = tracked (kind == 0 || kind == 3
        ? relay_promise_then (p, on_settled, GUINT_TO_POINTER (kind), NULL)
        : relay_promise_catch (p, on_settled, GUINT_TO_POINTER (kind), NULL));
      soak->batch[i] = p;    /* the settler drops our reference */
    }

  pthread_mutex_lock (&soak->lock);
  soak->base = base;
  soak->posted = TRUE;
  pthread_cond_broadcast (&soak->cond);
  pthread_mutex_unlock (&soak->lock);

  while (counts.handled < want)
    g_main_context_iteration (soak->context, TRUE);

  /* The settler may still be unreffing the tail of the batch. */
  pthread_mutex_lock (&soak->lock);
  while (soak->posted)
    pthread_cond_wait (&soak->cond, &soak->lock);
  pthread_mutex_unlock (&soak->lock);

  for (guint i = 0; i < BATCH; i++)
    {
      g_assert_cmpint (relay_promise_get_state (derived[i]), !=, RELAY_PROMISE_STATE_PENDING);
      g_object_unref (derived[i]);
    }

  /* Let the sources that hold the last references finish. */
  while (g_main_context_iteration (soak->context, FALSE))
    ;

  /* Nothing outlives its lifecycle. */
  g_assert_cmpint (g_atomic_int_get (&alive), ==, 0);
}

static void
test_soak (void)
{
  Soak soak = { 0 };
  GThread *settler;
  guint n_batches = stress_count (FULL_COUNT, 20 * BATCH) / BATCH;
  guint warmup = MAX (n_batches / 20, 1);
  guint sample_every = MAX ((n_batches - warmup) / N_SAMPLES, 1);
  gsize baseline = 0, peak = 0, rss_start, rss_end;
  const char *what = NULL;
  gboolean measurable = TRUE;
  gint64 start;

  soak.context = g_main_context_new ();
  g_main_context_push_thread_default (soak.context);
  pthread_mutex_init (&soak.lock, NULL);
  pthread_cond_init (&soak.cond, NULL);
  settler = g_thread_new ("settler", settler_thread, &soak);
  counts.handled = counts.wrong = 0;

  start = g_get_monotonic_time ();
  rss_start = rss_bytes ();

  for (guint b = 0; b < n_batches; b++)
    {
      run_batch (&soak, b * BATCH);

      if (b + 1 == warmup)
        {
          measurable = heap_in_use (&baseline, &what);
          peak = baseline;
          rss_start = rss_bytes ();
        }
      else if (b + 1 > warmup && ((b + 1 - warmup) % sample_every == 0 || b + 1 == n_batches))
        {
          gsize now;

          measurable = heap_in_use (&now, &what) && measurable;

          peak = MAX (peak, now);
          g_test_message ("after %u lifecycles: %" G_GSIZE_FORMAT " bytes (%s)",
                          (b + 1) * BATCH, now, what);
        }
    }

  rss_end = rss_bytes ();

  pthread_mutex_lock (&soak.lock);
  soak.quit = TRUE;
  pthread_cond_broadcast (&soak.cond);
  pthread_mutex_unlock (&soak.lock);
  g_thread_join (settler);

  g_assert_cmpuint (counts.handled, ==, (guint64) n_batches * BATCH);
  g_assert_cmpuint (counts.wrong, ==, 0);

  g_test_message ("%u promise lifecycles in %.1f s; heap (%s): %" G_GSIZE_FORMAT
                  " after warm-up, peak %" G_GSIZE_FORMAT " (+%" G_GSSIZE_FORMAT
                  "); RSS %" G_GSIZE_FORMAT " -> %" G_GSIZE_FORMAT " KiB",
                  n_batches * BATCH,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC,
                  what, baseline, peak, (gssize) (peak - baseline),
                  rss_start / 1024, rss_end / 1024);

  if (measurable)
    g_assert_cmpuint (peak, <=, baseline + HEAP_SLACK);

  pthread_mutex_destroy (&soak.lock);
  pthread_cond_destroy (&soak.cond);
  g_main_context_pop_thread_default (soak.context);
  g_main_context_unref (soak.context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stress/soak/promise-lifecycles-heap-flat", test_soak);

  return g_test_run ();
}
