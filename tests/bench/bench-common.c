/* bench-common.c: timing, statistics and the BENCH line for every benchmark
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "bench-common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static gboolean smoke;
static guint    n_missed;

gboolean
bench_is_smoke (void)
{
  return smoke;
}

/* The size of a case: @full normally, @smoke in smoke mode. */
guint
bench_size (guint full,
            guint smoke_size)
{
  return smoke ? smoke_size : full;
}

guint
bench_rounds (guint full)
{
  const char *env = g_getenv ("RELAY_BENCH_ROUNDS");

  if (smoke)
    return 1;
  if (env != NULL && atoi (env) > 0)
    return (guint) atoi (env);
  return full;
}

gint64
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* Of no values (a side that RELAY_BENCH_ONLY skipped), each is NAN. */
double
bench_min (const double *values,
           guint         n)
{
  double min = n > 0 ? values[0] : NAN;

  for (guint i = 1; i < n; i++)
    min = MIN (min, values[i]);
  return min;
}

double
bench_max (const double *values,
           guint         n)
{
  double max = n > 0 ? values[0] : NAN;

  for (guint i = 1; i < n; i++)
    max = MAX (max, values[i]);
  return max;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_median (const double *values,
              guint         n)
{
  g_autofree double *sorted = NULL;

  if (n == 0)
    return NAN;

  sorted = g_memdup2 (values, n * sizeof (double));
  qsort (sorted, n, sizeof (double), compare_doubles);
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* The median of @values, with their range. */
void
bench_stats (const double *values,
             guint         n,
             BenchStats   *out)
{
  out->median = bench_median (values, n);
  out->min = bench_min (values, n);
  out->max = bench_max (values, n);
}

/* Summarises @rounds paired rounds: round i of @relay ran next to round i of
 * @baseline. */
void
bench_pair (const double *relay,
            const double *baseline,
            guint         rounds,
            BenchPair    *out)
{
  g_autofree double *ratio = g_new (double, rounds);
  g_autofree double *inverse = g_new (double, rounds);

  for (guint i = 0; i < rounds; i++)
    {
      ratio[i] = relay[i] / baseline[i];
      inverse[i] = baseline[i] / relay[i];
    }

  bench_stats (relay, rounds, &out->relay);
  bench_stats (baseline, rounds, &out->baseline);
  bench_stats (ratio, rounds, &out->ratio);
  bench_stats (inverse, rounds, &out->inverse_ratio);
}

/*
 * bench_interleave:
 *
 * Runs @rounds rounds of each side, alternating which goes first, so that
 * drift on the machine (another build starting, the CPU clocking down) hits
 * both sides alike.
 */
void
bench_interleave (guint           rounds,
                  BenchRoundFunc  relay,
                  BenchRoundFunc  baseline,
                  gpointer        user_data,
                  BenchPair      *out)
{
  g_autofree double *r = g_new (double, rounds);
  g_autofree double *b = g_new (double, rounds);
  const char *only = g_getenv ("RELAY_BENCH_ONLY");

  for (guint i = 0; i < rounds; i++)
    {
      /* For profiling one side alone; the ratios are meaningless then. */
      if (only != NULL && strcmp (only, "relay") == 0)
        r[i] = relay (user_data), b[i] = 1;
      else if (only != NULL && strcmp (only, "baseline") == 0)
        r[i] = 1, b[i] = baseline (user_data);
      else if (i % 2 == 0)
        {
          r[i] = relay (user_data);
          b[i] = baseline (user_data);
        }
      else
        {
          b[i] = baseline (user_data);
          r[i] = relay (user_data);
        }
    }

  bench_pair (r, b, rounds, out);
}

static const char *
verdict (gboolean pass)
{
  if (!pass)
    n_missed++;
  return pass ? "PASS" : "MISS";
}

/* "<median><unit> [<min>–<max>]"; free with g_free(). */
char *
bench_format_stats (const BenchStats *stats,
                    const char       *unit)
{
  return g_strdup_printf ("%.4g%s [%.4g–%.4g]", stats->median, unit, stats->min, stats->max);
}

/* The ratio a BENCH line reports for @goal, with the range of the per-round
 * ratios: "<median>x [<min>–<max>]"; free with g_free(). */
char *
bench_format_ratio (const BenchPair *pair,
                    BenchGoal        goal)
{
  const BenchStats *ratio = goal == BENCH_AT_MOST ? &pair->ratio : &pair->inverse_ratio;

  return g_strdup_printf ("%.3gx [%.3g–%.3g]", ratio->median, ratio->min, ratio->max);
}

void
bench_compare (const char      *name,
               const char      *unit,
               const BenchPair *pair,
               BenchGoal        goal,
               double           target)
{
  const BenchStats *ratio = goal == BENCH_AT_MOST ? &pair->ratio : &pair->inverse_ratio;
  gboolean pass = goal == BENCH_AT_MOST ? ratio->median <= target : ratio->median >= target;
  g_autofree char *relay = bench_format_stats (&pair->relay, unit);
  g_autofree char *baseline = bench_format_stats (&pair->baseline, unit);

  printf ("BENCH %s relay=%s baseline=%s ratio=%.3g target=%s%gx %s\n",
          name, relay, baseline, ratio->median,
          goal == BENCH_AT_MOST ? "<=" : ">=", target, verdict (pass));
  printf ("# %s: ratio = median of the per-round %s, range [%.3g–%.3g]; "
          "ratio of the medians %.3g\n",
          name, goal == BENCH_AT_MOST ? "relay / baseline" : "baseline / relay",
          ratio->min, ratio->max,
          goal == BENCH_AT_MOST ? pair->relay.median / pair->baseline.median
                                : pair->baseline.median / pair->relay.median);
  fflush (stdout);
}

/* A target with no baseline: the median of @value is compared with @target. */
void
bench_absolute (const char       *name,
                const char       *unit,
                const BenchStats *value,
                BenchGoal         goal,
                double            target)
{
  gboolean pass = goal == BENCH_AT_MOST ? value->median <= target : value->median >= target;
  g_autofree char *relay = bench_format_stats (value, unit);

  printf ("BENCH %s relay=%s baseline=n/a ratio=n/a target=%s%g%s %s\n",
          name, relay, goal == BENCH_AT_MOST ? "<=" : ">=", target, unit,
          verdict (pass));
  fflush (stdout);
}

/* A target on Relay's own value (the median of pair->relay against @target),
 * with a baseline measured the same way printed beside it, for scale. */
void
bench_absolute_beside (const char      *name,
                       const char      *unit,
                       const BenchPair *pair,
                       BenchGoal        goal,
                       double           target)
{
  double value = pair->relay.median;
  gboolean pass = goal == BENCH_AT_MOST ? value <= target : value >= target;
  g_autofree char *relay = bench_format_stats (&pair->relay, unit);
  g_autofree char *baseline = bench_format_stats (&pair->baseline, unit);

  printf ("BENCH %s relay=%s baseline=%s ratio=%.3g target=%s%g%s %s\n",
          name, relay, baseline, pair->ratio.median,
          goal == BENCH_AT_MOST ? "<=" : ">=", target, unit, verdict (pass));
  printf ("# %s: the target is on relay's own value; ratio = median of the per-round "
          "relay / baseline, range [%.3g–%.3g]\n",
          name, pair->ratio.min, pair->ratio.max);
  fflush (stdout);
}

void
bench_note (const char *format,
            ...)
{
  va_list args;

  fputs ("# ", stdout);
  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  fputc ('\n', stdout);
  fflush (stdout);
}

void
bench_iterate_until (GMainContext *context,
                     const int    *done)
{
  while (!g_atomic_int_get (done))
    g_main_context_iteration (context, TRUE);
}

static void
usage (const char      *prog,
       const BenchCase *cases,
       guint            n_cases)
{
  fprintf (stderr, "Usage: %s [--smoke] [CASE...]\nCases:", prog);
  for (guint i = 0; i < n_cases; i++)
    fprintf (stderr, " %s", cases[i].name);
  fputc ('\n', stderr);
}

/*
 * bench_main:
 *
 * Runs the cases named on the command line, or all of them.
 *
 * Returns: the exit status: 1 if a target was missed (never in smoke mode),
 *   2 for bad arguments
 */
int
bench_main (int              argc,
            char           **argv,
            const BenchCase *cases,
            guint            n_cases)
{
  g_autoptr(GPtrArray) selected = g_ptr_array_new ();
  const char *env = g_getenv ("RELAY_BENCH_SMOKE");

  smoke = env != NULL && env[0] != '\0' && strcmp (env, "0") != 0;

  for (int i = 1; i < argc; i++)
    {
      gboolean found = FALSE;

      if (strcmp (argv[i], "--smoke") == 0)
        {
          smoke = TRUE;
          continue;
        }

      for (guint c = 0; c < n_cases; c++)
        if (strcmp (argv[i], cases[c].name) == 0)
          {
            g_ptr_array_add (selected, (gpointer) &cases[c]);
            found = TRUE;
          }

      if (!found)
        {
          usage (argv[0], cases, n_cases);
          return 2;
        }
    }

  if (selected->len == 0)
    for (guint c = 0; c < n_cases; c++)
      g_ptr_array_add (selected, (gpointer) &cases[c]);

  for (guint i = 0; i < selected->len; i++)
    ((const BenchCase *) selected->pdata[i])->run ();

  if (smoke)
    {
      if (n_missed > 0)
        bench_note ("smoke mode: %u target(s) missed at smoke sizes; not a failure", n_missed);
      return 0;
    }

  return n_missed > 0 ? 1 : 0;
}
