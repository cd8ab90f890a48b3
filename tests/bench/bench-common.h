/* bench-common.h: the harness every Relay benchmark shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A benchmark program holds a few cases; each case measures Relay and the GLib
 * way it replaces in the same process, in interleaved rounds (relay, baseline,
 * baseline, relay, ...), and prints one line per target of RESULTS.md:
 *
 *   BENCH <name> relay=<median><unit> [<min>–<max>] baseline=<median><unit> [<min>–<max>] ratio=<r> target=<t> PASS|MISS
 *
 * Every figure is the MEDIAN of the rounds, with the range of the rounds
 * beside it. The ratio is the median over the rounds of the per-round ratio
 * (relay / baseline for an "at most" target, baseline / relay, "how many times
 * cheaper", for an "at least" one): the two sides of a round ran next to each
 * other, so drift on the machine cancels out of the ratio of one round, and the
 * median ignores the odd round a neighbour's build disturbed, on either side.
 * The "# " line under a BENCH line gives the range of the per-round ratios and,
 * for comparison, the ratio of the two medians.
 * Run an odd number of rounds, so that the median is a round that happened.
 *
 * A target without a baseline prints baseline=n/a ratio=n/a and compares the
 * median of the rounds with the target itself; bench_absolute_beside() does the
 * same with a baseline measured the same way printed beside it, for scale.
 *
 * Run a program with case names to run only those, with --smoke (or
 * RELAY_BENCH_SMOKE=1) for tiny sizes that only check the benchmark still works
 * (a MISS does not fail then), RELAY_BENCH_ROUNDS=N to change the number of
 * rounds, and RELAY_BENCH_ONLY=relay (or baseline) to run one side alone under
 * a profiler (the ratios are meaningless then).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  BENCH_AT_MOST,     /* ratio = relay / baseline, must be <= target */
  BENCH_AT_LEAST,    /* ratio = baseline / relay (how much cheaper), must be >= target */
} BenchGoal;

typedef struct
{
  const char *name;
  void      (*run) (void);
} BenchCase;

/* One round of one side: returns its cost (e.g. ns per operation). */
typedef double (*BenchRoundFunc) (gpointer user_data);

/* A summary of the rounds of one quantity. */
typedef struct
{
  double median;
  double min;
  double max;
} BenchStats;

typedef struct
{
  BenchStats relay;
  BenchStats baseline;
  BenchStats ratio;          /* over the rounds: relay / baseline */
  BenchStats inverse_ratio;  /* over the rounds: baseline / relay */
} BenchPair;

gboolean bench_is_smoke      (void);
guint    bench_size          (guint        full,
                              guint        smoke);
guint    bench_rounds        (guint        full);
gint64   bench_now_ns        (void);
double   bench_min           (const double *values,
                              guint         n);
double   bench_max           (const double *values,
                              guint         n);
double   bench_median        (const double *values,
                              guint         n);
void     bench_stats         (const double *values,
                              guint         n,
                              BenchStats   *out);
void     bench_pair          (const double *relay,
                              const double *baseline,
                              guint         rounds,
                              BenchPair    *out);

void     bench_interleave    (guint           rounds,
                              BenchRoundFunc  relay,
                              BenchRoundFunc  baseline,
                              gpointer        user_data,
                              BenchPair      *out);

void     bench_compare       (const char      *name,
                              const char      *unit,
                              const BenchPair *pair,
                              BenchGoal        goal,
                              double           target);
void     bench_absolute      (const char       *name,
                              const char       *unit,
                              const BenchStats *value,
                              BenchGoal         goal,
                              double            target);
void     bench_absolute_beside (const char      *name,
                                const char      *unit,
                                const BenchPair *pair,
                                BenchGoal        goal,
                                double           target);
void     bench_note          (const char      *format,
                              ...) G_GNUC_PRINTF (1, 2);
char    *bench_format_stats  (const BenchStats *stats,
                              const char       *unit);
char    *bench_format_ratio  (const BenchPair  *pair,
                              BenchGoal         goal);

int      bench_main          (int              argc,
                              char           **argv,
                              const BenchCase *cases,
                              guint            n_cases);

/* Iterates @context (NULL: the global default) until *@done is non-zero. */
void     bench_iterate_until (GMainContext    *context,
                              const int       *done);

G_END_DECLS
