/* bench-common.h: the harness every Relay benchmark shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A benchmark program holds a few cases; each case measures Relay and the GLib
 * way it replaces in the same process, in interleaved rounds (relay, baseline,
 * baseline, relay, ...), and prints one line per target of DESIGN.md:
 *
 *   BENCH <name> relay=<v><unit> baseline=<v><unit> ratio=<r> target=<t> PASS|MISS
 *
 * Values are the best (minimum) round of each side, because on a shared machine
 * noise only ever adds time; the ratio is taken between those minimums. A
 * "# " line after it gives the medians and the median of the per-round ratios,
 * so a reader can see how stable the run was.
 *
 * Run a program with case names to run only those, with --smoke (or
 * RELAY_BENCH_SMOKE=1) for tiny sizes that only check the benchmark still works
 * (a MISS does not fail then), RELAY_BENCH_ROUNDS=N to change the number of
 * rounds, and RELAY_BENCH_ONLY=relay (or baseline) to run one side alone under
 * a profiler (the ratios are meaningless then).
 */
#pragma once

#include <relay/relay.h>

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

typedef struct
{
  double relay_min;
  double relay_median;
  double baseline_min;
  double baseline_median;
  double paired_ratio_median;    /* median over rounds of relay / baseline */
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
void     bench_absolute      (const char      *name,
                              const char      *unit,
                              double           value,
                              BenchGoal        goal,
                              double           target);
void     bench_note          (const char      *format,
                              ...) G_GNUC_PRINTF (1, 2);

int      bench_main          (int              argc,
                              char           **argv,
                              const BenchCase *cases,
                              guint            n_cases);

/* Iterates @context (NULL: the global default) until *@done is non-zero. */
void     bench_iterate_until (GMainContext    *context,
                              const int       *done);

G_END_DECLS
