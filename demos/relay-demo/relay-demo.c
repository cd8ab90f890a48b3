/* Relay demo: a window that stays responsive while background jobs run
 *
 * A GTK 4 window that runs real work on a RelayPool — counting primes,
 * rendering a Mandelbrot set tile by tile, hashing a large temporary file,
 * estimating π and searching Collatz chains — while an animation driven by the
 * frame clock keeps moving and a meter shows the worst gap between frames and
 * the worst main-loop stall of the last three seconds. Every job reports its
 * progress thousands of times a second with relay_job_set_progress(); Relay
 * coalesces the reports on their way to the main loop, so the window gets at
 * most one update per job per dispatch, however fast the workers report.
 * Cancelling a job rejects its promise at once; the worker stops at its next
 * check. The panel at the bottom replays the two cl-async threading examples:
 * a notifier triggered from a thread, and `work` with promises. Run it with
 * `--naive` to do the same jobs the naive way (a thread per job that posts
 * every report with g_idle_add()) and watch the meter, and with `--self-test`
 * to run everything unattended: it saves a screenshot, prints one line of
 * figures and fails if a job failed or the main loop stalled for 16 ms.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>
#include <string.h>

#include <gtk/gtk.h>
#include <relay/relay.h>

#define STALL_LIMIT_MS       16.0   /* one frame at 60 Hz, rounded down */
#define HEARTBEAT_MS         1      /* period of the stall probe */
#define RECENT_BUCKETS       12     /* the meter covers RECENT_BUCKETS × 250 ms */
#define RECENT_BUCKET_US     (G_USEC_PER_SEC / 4)
#define GRAPH_SAMPLES        180    /* frame gaps shown in the graph */
#define SELF_TEST_TIMEOUT_S  55

/* ------------------------------------------------------------------------ */
/* Types                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct _Demo   Demo;
typedef struct _JobRow JobRow;
typedef struct _JobRun JobRun;

/* The work itself runs on a worker thread, reports through @run and returns a
 * one-line summary, or %NULL with @error set. The same functions run in Relay
 * mode and in naive mode; only job_run_report() and the way the result gets
 * back to the main thread differ. */
typedef char *(*WorkFunc) (JobRun  *run,
                           GError **error);

typedef struct
{
  const char *title;
  const char *detail;
  const char *kind;          /* "CPU" or "I/O" */
  WorkFunc    work;
} JobSpec;

typedef enum {
  STATUS_IDLE,
  STATUS_QUEUED,
  STATUS_RUNNING,
  STATUS_DONE,
  STATUS_FAILED,
  STATUS_CANCELLED,
} JobStatus;

/* One execution of a job. Shared between the main thread and one worker. */
struct _JobRun
{
  gatomicrefcount ref_count;
  const JobSpec  *spec;          /* immutable */
  JobRow         *row;           /* main thread only */
  int             n_reports;     /* atomic: progress reports made by the worker */

  /* worker thread only, while the work runs */
  RelayJob       *job;           /* Relay mode */
  GCancellable   *cancellable;   /* the job's (Relay) or our own (naive); owned */

  /* main thread only */
  RelayPromise   *promise;       /* Relay mode */
  GThread        *thread;        /* naive mode, until joined */

  /* Mandelbrot: written by the worker tile by tile; the main thread reads only
   * the rows that a delivered progress report says are complete */
  guint32        *pixels;
};

/* A row of the job list. Main thread only. */
struct _JobRow
{
  Demo          *demo;
  const JobSpec *spec;
  JobRun        *run;            /* the latest run, or NULL */
  JobStatus      status;
  gboolean       cancel_requested;
  gint64         started_us;     /* when the run was seen running */

  GtkWidget     *status_label;
  GtkWidget     *progress_bar;
  GtkWidget     *run_button;
  GtkWidget     *cancel_button;
};

/* The worst value seen in each of the last few 250 ms buckets. */
typedef struct
{
  gint64 bucket[RECENT_BUCKETS];
  double worst[RECENT_BUCKETS];
} RecentWorst;

/* ------------------------------------------------------------------------ */
/* Work: five real jobs                                                     */
/* ------------------------------------------------------------------------ */

#define PRIMES_LIMIT          30000000
#define PRIMES_REPORT_EVERY   32         /* numbers */

#define MANDEL_WIDTH          384        /* shown 1:1: no scaling on the main thread */
#define MANDEL_HEIGHT         256
#define MANDEL_TILE           8
#define MANDEL_SAMPLES        4          /* per pixel and axis */
#define MANDEL_TILES_X        (MANDEL_WIDTH / MANDEL_TILE)
#define MANDEL_TILES          (MANDEL_TILES_X * (MANDEL_HEIGHT / MANDEL_TILE))
#define MANDEL_MAX_ITER       2000

#define HASH_FILE_SIZE        (256 << 20)
#define HASH_CHUNK            (16 << 10)  /* bytes per read, write and report */

#define PI_SAMPLES            150000000
#define PI_REPORT_EVERY       256        /* samples */

#define COLLATZ_LIMIT         10000000
#define COLLATZ_REPORT_EVERY  16         /* starting numbers */

static void     job_run_report          (JobRun     *run,
                                         double      fraction,
                                         const char *text);

static GCancellable *
job_run_get_cancellable (JobRun *run)
{
  return run->cancellable;
}

static gboolean
job_run_check_cancelled (JobRun  *run,
                         GError **error)
{
  return g_cancellable_set_error_if_cancelled (job_run_get_cancellable (run), error);
}

/* 1234567 → "1,234,567" */
static const char *
format_count (char    buffer[32],
              guint64 value)
{
  char digits[24];
  int n_digits = g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, value);
  int out = 0;

  for (int i = 0; i < n_digits; i++)
    {
      if (i > 0 && (n_digits - i) % 3 == 0)
        buffer[out++] = ',';
      buffer[out++] = digits[i];
    }
  buffer[out] = '\0';

  return buffer;
}

static guint64
xorshift64 (guint64 *state)
{
  guint64 x = *state;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;

  return *state = x;
}

static gboolean
is_prime_given (guint        n,
                const guint *primes,
                guint        n_primes)
{
  if (n < 2)
    return FALSE;

  for (guint i = 0; i < n_primes; i++)
    {
      if (primes[i] * primes[i] > n)
        return TRUE;
      if (n % primes[i] == 0)
        return FALSE;
    }

  return TRUE;
}

static char *
count_primes (JobRun  *run,
              GError **error)
{
  g_autoptr(GArray) small = g_array_new (FALSE, FALSE, sizeof (guint));
  char found_text[32], limit_text[32];
  guint found = 0;

  /* The primes up to √limit, which are all the divisors the test needs. */
  for (guint n = 2; n * n < PRIMES_LIMIT; n++)
    if (is_prime_given (n, (guint *) (gpointer) small->data, small->len))
      g_array_append_val (small, n);

  for (guint n = 2; n < PRIMES_LIMIT; n++)
    {
      if (is_prime_given (n, (guint *) (gpointer) small->data, small->len))
        found++;

      if (n % PRIMES_REPORT_EVERY == 0)
        {
          char text[64], number[32];

          if (job_run_check_cancelled (run, error))
            return NULL;

          g_snprintf (text, sizeof text, "%s primes so far", format_count (number, found));
          job_run_report (run, (double) n / PRIMES_LIMIT, text);
        }
    }

  return g_strdup_printf ("%s primes below %s",
                          format_count (found_text, found),
                          format_count (limit_text, PRIMES_LIMIT));
}

/* Adds the colour of the point (@cr, @ci) to @rgb: escape time with a smooth
 * iteration count on a blue-orange ramp, near-black inside the set. */
static void
mandelbrot_sample (double  cr,
                   double  ci,
                   double  rgb[3],
                   guint  *inside)
{
  double zr = 0, zi = 0, zr2 = 0, zi2 = 0, mu, t;
  int i;

  for (i = 0; i < MANDEL_MAX_ITER && zr2 + zi2 <= 256.0; i++)
    {
      zi = 2 * zr * zi + ci;
      zr = zr2 - zi2 + cr;
      zr2 = zr * zr;
      zi2 = zi * zi;
    }

  if (i == MANDEL_MAX_ITER)
    {
      (*inside)++;
      rgb[0] += 0.06;
      rgb[1] += 0.06;
      rgb[2] += 0.12;
      return;
    }

  mu = i + 1 - log2 (log2 (zr2 + zi2) / 2);
  t = sqrt (MAX (mu, 0)) / 6.0;
  rgb[0] += 0.5 + 0.5 * cos (2 * G_PI * (t + 0.00));
  rgb[1] += 0.5 + 0.5 * cos (2 * G_PI * (t + 0.15));
  rgb[2] += 0.5 + 0.5 * cos (2 * G_PI * (t + 0.35));
}

/* MANDEL_SAMPLES² samples a pixel, averaged: anti-aliased, and real work. */
static guint32
mandelbrot_pixel (guint  x,
                  guint  y,
                  guint *inside)
{
  const double x0 = -2.35, y0 = -1.2, scale = 2.4 / MANDEL_HEIGHT;
  const int n = MANDEL_SAMPLES;
  double rgb[3] = { 0, 0, 0 };

  for (int sy = 0; sy < n; sy++)
    for (int sx = 0; sx < n; sx++)
      mandelbrot_sample (x0 + (x + (sx + 0.5) / n) * scale,
                         y0 + (y + (sy + 0.5) / n) * scale,
                         rgb, inside);

  return 0xff000000u |
         (guint32) (255 * rgb[0] / (n * n)) << 16 |
         (guint32) (255 * rgb[1] / (n * n)) << 8 |
         (guint32) (255 * rgb[2] / (n * n));
}

static char *
render_mandelbrot (JobRun  *run,
                   GError **error)
{
  guint inside = 0;

  /* Row-major tile order: every progress report means that all tile rows above
   * the current one are complete, which is what the preview relies on. */
  for (guint tile = 0; tile < MANDEL_TILES; tile++)
    {
      guint tx = tile % MANDEL_TILES_X * MANDEL_TILE;
      guint ty = tile / MANDEL_TILES_X * MANDEL_TILE;
      char text[64];

      if (job_run_check_cancelled (run, error))
        return NULL;

      for (guint y = ty; y < ty + MANDEL_TILE; y++)
        for (guint x = tx; x < tx + MANDEL_TILE; x++)
          run->pixels[y * MANDEL_WIDTH + x] = mandelbrot_pixel (x, y, &inside);

      g_snprintf (text, sizeof text, "tile %u of %u", tile + 1, MANDEL_TILES);
      job_run_report (run, (double) (tile + 1) / MANDEL_TILES, text);
    }

  return g_strdup_printf ("%d × %d px, %.1f %% inside the set",
                          MANDEL_WIDTH, MANDEL_HEIGHT,
                          100.0 * inside / (MANDEL_WIDTH * MANDEL_HEIGHT * MANDEL_SAMPLES * MANDEL_SAMPLES));
}

/* Fills @stream with HASH_FILE_SIZE pseudo-random bytes: progress 0 to ½. */
static gboolean
write_random_file (JobRun         *run,
                   GOutputStream  *stream,
                   GError        **error)
{
  g_autofree guint64 *chunk = g_malloc (HASH_CHUNK);
  guint64 state = 0x9e3779b97f4a7c15u;

  for (gsize written = 0; written < HASH_FILE_SIZE; written += HASH_CHUNK)
    {
      char text[64];

      for (gsize i = 0; i < HASH_CHUNK / sizeof (guint64); i++)
        chunk[i] = xorshift64 (&state);

      if (!g_output_stream_write_all (stream, chunk, HASH_CHUNK, NULL,
                                      job_run_get_cancellable (run), error))
        return FALSE;

      g_snprintf (text, sizeof text, "writing: %zu of %d MiB",
                  (written + HASH_CHUNK) >> 20, HASH_FILE_SIZE >> 20);
      job_run_report (run, 0.5 * (written + HASH_CHUNK) / HASH_FILE_SIZE, text);
    }

  return g_output_stream_close (stream, job_run_get_cancellable (run), error);
}

/* Reads @file back through SHA-256: progress ½ to 1. */
static char *
hash_file (JobRun  *run,
           GFile   *file,
           GError **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autofree guchar *chunk = g_malloc (HASH_CHUNK);
  gint64 start = g_get_monotonic_time ();
  gsize total = 0;
  double seconds;

  stream = g_file_read (file, job_run_get_cancellable (run), error);
  if (stream == NULL)
    return NULL;

  for (;;)
    {
      char text[64];
      gssize n = g_input_stream_read (G_INPUT_STREAM (stream), chunk, HASH_CHUNK,
                                      job_run_get_cancellable (run), error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;

      g_checksum_update (checksum, chunk, n);
      total += n;

      g_snprintf (text, sizeof text, "hashing: %zu of %d MiB", total >> 20, HASH_FILE_SIZE >> 20);
      job_run_report (run, 0.5 + 0.5 * total / HASH_FILE_SIZE, text);
    }

  seconds = MAX (g_get_monotonic_time () - start, 1) / (double) G_USEC_PER_SEC;

  return g_strdup_printf ("SHA-256 %.12s…, %zu MiB at %.0f MiB/s",
                          g_checksum_get_string (checksum), total >> 20,
                          (total >> 20) / seconds);
}

static char *
hash_temp_file (JobRun  *run,
                GError **error)
{
  g_autoptr(GFileIOStream) io = NULL;
  g_autoptr(GFile) file = NULL;
  char *summary = NULL;

  file = g_file_new_tmp ("relay-demo-XXXXXX.bin", &io, error);
  if (file == NULL)
    return NULL;

  if (write_random_file (run, g_io_stream_get_output_stream (G_IO_STREAM (io)), error))
    summary = hash_file (run, file, error);

  g_file_delete (file, NULL, NULL);

  return summary;
}

static char *
estimate_pi (JobRun  *run,
             GError **error)
{
  guint64 state = 0x2545f4914f6cdd1du;
  guint inside = 0;

  for (guint n = 1; n <= PI_SAMPLES; n++)
    {
      double x = (xorshift64 (&state) >> 11) * 0x1.0p-53;
      double y = (xorshift64 (&state) >> 11) * 0x1.0p-53;

      if (x * x + y * y <= 1.0)
        inside++;

      if (n % PI_REPORT_EVERY == 0)
        {
          char text[64];

          if (job_run_check_cancelled (run, error))
            return NULL;

          g_snprintf (text, sizeof text, "π ≈ %.5f", 4.0 * inside / n);
          job_run_report (run, (double) n / PI_SAMPLES, text);
        }
    }

  return g_strdup_printf ("π ≈ %.6f from %d million samples",
                          4.0 * inside / PI_SAMPLES, PI_SAMPLES / 1000000);
}

static char *
longest_collatz_chain (JobRun  *run,
                       GError **error)
{
  char start_text[32], limit_text[32];
  guint best_start = 1, best_steps = 0;

  for (guint start = 1; start < COLLATZ_LIMIT; start++)
    {
      guint64 x = start;
      guint steps = 0;

      while (x != 1)
        {
          x = (x & 1) ? 3 * x + 1 : x / 2;
          steps++;
        }

      if (steps > best_steps)
        {
          best_steps = steps;
          best_start = start;
        }

      if (start % COLLATZ_REPORT_EVERY == 0)
        {
          char text[64], number[32];

          if (job_run_check_cancelled (run, error))
            return NULL;

          g_snprintf (text, sizeof text, "best so far: %s, %u steps",
                      format_count (number, best_start), best_steps);
          job_run_report (run, (double) start / COLLATZ_LIMIT, text);
        }
    }

  return g_strdup_printf ("%s takes %u steps, the most below %s",
                          format_count (start_text, best_start), best_steps,
                          format_count (limit_text, COLLATZ_LIMIT));
}

static const JobSpec job_specs[] = {
  { "Count primes", "Trial division below 30,000,000", "CPU", count_primes },
  { "Mandelbrot set", "384 × 256 px, 16 samples a pixel, 1,536 tiles", "CPU", render_mandelbrot },
  { "Hash a file", "Write 256 MiB to a temporary file, then SHA-256 it", "I/O", hash_temp_file },
  { "Estimate π", "150 million random points in a square", "CPU", estimate_pi },
  { "Collatz chains", "Longest chain below 10,000,000", "CPU", longest_collatz_chain },
};

#define N_JOBS G_N_ELEMENTS (job_specs)
#define SELF_TEST_CANCELLED_JOB 3      /* "Estimate π", cancelled at 30 % */

/* ------------------------------------------------------------------------ */
/* The demo                                                                 */
/* ------------------------------------------------------------------------ */

enum {
  EXAMPLE_NOTIFIER_FIRED = 1 << 0,
  EXAMPLE_LOOP_RAN       = 1 << 1,
  EXAMPLE_GOT_VAL        = 1 << 2,
  EXAMPLES_ALL           = (1 << 3) - 1,
};

struct _Demo
{
  gboolean     naive;
  gboolean     self_test;
  gboolean     quit;
  int          exit_status;

  RelayPool   *pool;           /* Relay mode */
  guint        max_running;    /* the pool's bound; naive mode keeps it too */
  GQueue       naive_queue;    /* JobRun, owned: waiting for a thread */
  guint        naive_running;

  JobRow       rows[N_JOBS];

  GtkWidget   *window;
  GtkWidget   *pulse;
  GtkWidget   *graph;
  GtkWidget   *frame_gap_label;
  GtkWidget   *stall_label;
  GtkWidget   *frames_label;
  GtkWidget   *updates_label;
  GtkWidget   *preview;
  GtkTextBuffer *log;

  /* responsiveness, main thread */
  gint64       last_tick_us;
  gint64       last_beat_us;
  gint64       last_meter_us;
  RecentWorst  recent_frame_gaps;
  RecentWorst  recent_stalls;
  double       frame_gaps[GRAPH_SAMPLES];   /* ms, a ring */
  guint        frame_gaps_pos;

  /* totals since the measurement started (the self-test resets them) */
  gboolean     measuring;
  gint64       measure_start_us;
  gint64       measure_end_us;
  guint        n_frames;
  guint        n_beats;
  double       worst_frame_gap_ms;
  double       worst_stall_ms;
  guint        n_updates;      /* progress updates shown in the window */
  guint        n_reports;      /* progress reports of the runs that ended */

  /* the Mandelbrot preview: a main-thread copy of the rows known complete */
  guint32     *preview_pixels;
  guint        preview_rows;
  gboolean     preview_dirty;

  /* cl-async examples */
  guint        examples_seen;

  /* self-test */
  gboolean     self_test_started;
  gboolean     self_test_finishing;
};

static void job_run_show_progress (JobRun     *run,
                                   double      fraction,
                                   const char *text);
static void job_run_finish        (JobRun     *run,
                                   JobStatus   status,
                                   const char *text);
static void self_test_check_done  (Demo       *demo);
static void job_row_cancel        (JobRow     *row);

/* ------------------------------------------------------------------------ */
/* Runs                                                                     */
/* ------------------------------------------------------------------------ */

static JobRun *
job_run_new (JobRow *row)
{
  JobRun *run = g_new0 (JobRun, 1);

  g_atomic_ref_count_init (&run->ref_count);
  run->spec = row->spec;
  run->row = row;
  if (row->spec->work == render_mandelbrot)
    run->pixels = g_new0 (guint32, MANDEL_WIDTH * MANDEL_HEIGHT);

  return run;
}

static JobRun *
job_run_ref (JobRun *run)
{
  g_atomic_ref_count_inc (&run->ref_count);
  return run;
}

static void
job_run_unref (gpointer data)
{
  JobRun *run = data;

  if (!g_atomic_ref_count_dec (&run->ref_count))
    return;

  g_clear_object (&run->cancellable);
  g_clear_object (&run->promise);
  g_free (run->pixels);
  g_free (run);
}

/* ------------------------------------------------------------------------ */
/* Relay mode: the pool runs the job, progress and the result come back     */
/* through the job's promise                                                */
/* ------------------------------------------------------------------------ */

/* On a worker of the pool. */
static void
relay_job_func (RelayJob *job,
                gpointer  user_data)
{
  JobRun *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  run->job = job;
  run->cancellable = g_object_ref (relay_job_get_cancellable (job));

  job_run_report (run, 0.0, "starting");
  summary = run->spec->work (run, &error);
  run->job = NULL;

  /* A cancelled promise is already rejected; nothing more to say. */
  if (relay_job_return_error_if_cancelled (job))
    return;

  if (summary != NULL)
    relay_job_return_string (job, summary);
  else
    relay_job_return_error (job, g_steal_pointer (&error));
}

/* notify::progress, on the main thread, coalesced:
 * however often the worker reported, this runs once per dispatch. */
static void
on_promise_progress (RelayPromise *promise,
                     GParamSpec   *pspec,
                     gpointer      user_data)
{
  g_autofree char *text = relay_promise_dup_progress_text (promise);

  job_run_show_progress (user_data, relay_promise_get_progress (promise), text);
}

static void
on_promise_value (const GValue *value,
                  gpointer      user_data)
{
  job_run_finish (user_data, STATUS_DONE, g_value_get_string (value));
}

static void
on_promise_error (const GError *error,
                  gpointer      user_data)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    job_run_finish (user_data, STATUS_CANCELLED, NULL);
  else
    job_run_finish (user_data, STATUS_FAILED, error->message);
}

static void
relay_submit (Demo   *demo,
              JobRun *run)
{
  run->promise = relay_pool_run (demo->pool, relay_job_func, job_run_ref (run), job_run_unref);

  /* Every report moves the fraction; the text is read along with it. */
  g_signal_connect_data (run->promise, "notify::progress",
                         G_CALLBACK (on_promise_progress), job_run_ref (run),
                         (GClosureNotify) (void (*) (void)) job_run_unref, 0);
  relay_promise_then_values (run->promise,
                             on_promise_value, job_run_ref (run), job_run_unref,
                             on_promise_error, job_run_ref (run), job_run_unref);
}

/* ------------------------------------------------------------------------ */
/* Naive mode: a plain GThread per job, every report posted with            */
/* g_idle_add(). At most as many threads at once as the pool has, so that   */
/* the only difference from Relay mode is how updates reach the main loop.  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  JobRun *run;
  double  fraction;
  char   *text;
} NaiveProgress;

typedef struct
{
  JobRun *run;
  char   *summary;
  GError *error;
} NaiveResult;

static gboolean
naive_progress_idle (gpointer data)
{
  NaiveProgress *progress = data;

  job_run_show_progress (progress->run, progress->fraction, progress->text);

  return G_SOURCE_REMOVE;
}

static void
naive_progress_free (gpointer data)
{
  NaiveProgress *progress = data;

  job_run_unref (progress->run);
  g_free (progress->text);
  g_free (progress);
}

/* On the job's thread. */
static void
naive_post_progress (JobRun     *run,
                     double      fraction,
                     const char *text)
{
  NaiveProgress *progress = g_new (NaiveProgress, 1);

  progress->run = job_run_ref (run);
  progress->fraction = fraction;
  progress->text = g_strdup (text);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, naive_progress_idle, progress, naive_progress_free);
}

static void naive_start_next (Demo *demo);

static gboolean
naive_finished_idle (gpointer data)
{
  NaiveResult *result = data;
  JobRun *run = result->run;
  Demo *demo = run->row->demo;

  g_thread_join (g_steal_pointer (&run->thread));
  demo->naive_running--;
  naive_start_next (demo);

  if (result->summary != NULL)
    job_run_finish (run, STATUS_DONE, result->summary);
  else if (g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    job_run_finish (run, STATUS_CANCELLED, NULL);
  else
    job_run_finish (run, STATUS_FAILED, result->error->message);

  job_run_unref (run);
  g_free (result->summary);
  g_clear_error (&result->error);
  g_free (result);

  return G_SOURCE_REMOVE;
}

static gpointer
naive_thread_func (gpointer data)
{
  NaiveResult *result = g_new0 (NaiveResult, 1);

  result->run = data;   /* the reference passes on to naive_finished_idle() */
  job_run_report (result->run, 0.0, "starting");
  result->summary = result->run->spec->work (result->run, &result->error);
  g_idle_add (naive_finished_idle, result);

  return NULL;
}

static void
naive_start_next (Demo *demo)
{
  while (demo->naive_running < demo->max_running && !g_queue_is_empty (&demo->naive_queue))
    {
      JobRun *run = g_queue_pop_head (&demo->naive_queue);

      demo->naive_running++;
      run->thread = g_thread_new (run->spec->title, naive_thread_func, run);
    }
}

static void
naive_submit (Demo   *demo,
              JobRun *run)
{
  run->cancellable = g_cancellable_new ();
  g_queue_push_tail (&demo->naive_queue, job_run_ref (run));
  naive_start_next (demo);
}

static void
naive_cancel (Demo   *demo,
              JobRun *run)
{
  g_cancellable_cancel (run->cancellable);

  /* A running thread reports back when it notices; a queued one never starts. */
  if (g_queue_remove (&demo->naive_queue, run))
    {
      job_run_finish (run, STATUS_CANCELLED, NULL);
      job_run_unref (run);
    }
}

/* On the worker, in either mode. */
static void
job_run_report (JobRun     *run,
                double      fraction,
                const char *text)
{
  g_atomic_int_inc (&run->n_reports);

  if (run->job != NULL)
    relay_job_set_progress (run->job, fraction, text);
  else
    naive_post_progress (run, fraction, text);
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                     */
/* ------------------------------------------------------------------------ */

static gboolean
job_status_is_active (JobStatus status)
{
  return status == STATUS_QUEUED || status == STATUS_RUNNING;
}

static void
job_row_set_status (JobRow     *row,
                    JobStatus   status,
                    const char *text)
{
  static const char *const labels[] = { "Idle", "Queued", "Running", "Done", "Failed", "Cancelled" };
  static const char *const classes[] = { "idle", "queued", "running", "done", "failed", "cancelled" };

  gtk_widget_remove_css_class (row->status_label, classes[row->status]);
  row->status = status;
  gtk_label_set_text (GTK_LABEL (row->status_label), labels[status]);
  gtk_widget_add_css_class (row->status_label, classes[status]);

  if (text != NULL)
    gtk_progress_bar_set_text (GTK_PROGRESS_BAR (row->progress_bar), text);

  gtk_widget_set_sensitive (row->run_button, !job_status_is_active (status));
  gtk_widget_set_sensitive (row->cancel_button, job_status_is_active (status));
}

static void
preview_reset (Demo *demo)
{
  for (guint i = 0; i < MANDEL_WIDTH * MANDEL_HEIGHT; i++)
    demo->preview_pixels[i] = 0xff303040;
  demo->preview_rows = 0;
  demo->preview_dirty = TRUE;
}

/* Copies the Mandelbrot rows that @fraction says are complete. */
static void
preview_take_rows (Demo   *demo,
                   JobRun *run,
                   double  fraction)
{
  guint tiles_done = (guint) lround (fraction * MANDEL_TILES);
  guint rows = tiles_done / MANDEL_TILES_X * MANDEL_TILE;

  if (rows <= demo->preview_rows)
    return;

  memcpy (demo->preview_pixels + demo->preview_rows * MANDEL_WIDTH,
          run->pixels + demo->preview_rows * MANDEL_WIDTH,
          (rows - demo->preview_rows) * MANDEL_WIDTH * sizeof (guint32));
  demo->preview_rows = rows;
  demo->preview_dirty = TRUE;
}

/* At most once per frame, from the tick callback. */
static void
preview_refresh (Demo *demo)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  if (!demo->preview_dirty)
    return;

  bytes = g_bytes_new (demo->preview_pixels, MANDEL_WIDTH * MANDEL_HEIGHT * sizeof (guint32));
  texture = gdk_memory_texture_new (MANDEL_WIDTH, MANDEL_HEIGHT, GDK_MEMORY_DEFAULT,
                                    bytes, MANDEL_WIDTH * sizeof (guint32));
  gtk_picture_set_paintable (GTK_PICTURE (demo->preview), GDK_PAINTABLE (texture));
  demo->preview_dirty = FALSE;
}

/* Main thread: one progress update, however it got here. */
static void
job_run_show_progress (JobRun     *run,
                       double      fraction,
                       const char *text)
{
  JobRow *row = run->row;
  Demo *demo = row->demo;

  /* Reports can trail behind a cancelled run, or a run that was replaced. */
  if (row->run != run || !job_status_is_active (row->status))
    return;

  demo->n_updates++;

  if (row->status == STATUS_QUEUED)
    {
      row->started_us = g_get_monotonic_time ();
      job_row_set_status (row, STATUS_RUNNING, NULL);
    }

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (row->progress_bar), fraction);
  if (text != NULL)
    gtk_progress_bar_set_text (GTK_PROGRESS_BAR (row->progress_bar), text);

  if (run->pixels != NULL)
    preview_take_rows (demo, run, fraction);

  /* The self-test cancels one job while it runs. */
  if (demo->self_test && row == &demo->rows[SELF_TEST_CANCELLED_JOB] &&
      fraction >= 0.3 && !row->cancel_requested)
    {
      job_row_cancel (row);
    }
}

/* Main thread: the run settled. */
static void
job_run_finish (JobRun     *run,
                JobStatus   status,
                const char *text)
{
  JobRow *row = run->row;
  Demo *demo = row->demo;
  GtkProgressBar *bar = GTK_PROGRESS_BAR (row->progress_bar);
  g_autofree char *stopped = NULL;

  if (row->run != run || !job_status_is_active (row->status))
    return;

  if (status == STATUS_DONE)
    gtk_progress_bar_set_fraction (bar, 1.0);
  if (status == STATUS_DONE && run->pixels != NULL)
    preview_take_rows (demo, run, 1.0);   /* the job returned: every row is written */
  if (status == STATUS_CANCELLED)
    text = stopped = g_strdup_printf ("stopped at %.0f %%", 100 * gtk_progress_bar_get_fraction (bar));

  job_row_set_status (row, status, text);
  if (status == STATUS_DONE && row->started_us != 0)
    {
      g_autofree char *done = g_strdup_printf ("Done in %.1f s",
                                               (g_get_monotonic_time () - row->started_us) /
                                               (double) G_USEC_PER_SEC);
      gtk_label_set_text (GTK_LABEL (row->status_label), done);
    }
  self_test_check_done (demo);
}

static void
job_row_start (JobRow *row)
{
  Demo *demo = row->demo;

  if (job_status_is_active (row->status))
    return;

  if (row->run != NULL)
    {
      /* The previous run is over: keep its report count for the totals. */
      demo->n_reports += g_atomic_int_get (&row->run->n_reports);
      g_clear_pointer (&row->run, job_run_unref);
    }

  row->run = job_run_new (row);
  row->cancel_requested = FALSE;
  row->started_us = 0;
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (row->progress_bar), 0.0);
  job_row_set_status (row, STATUS_QUEUED, "waiting for a thread");

  if (row->run->pixels != NULL)
    preview_reset (demo);

  if (demo->naive)
    naive_submit (demo, row->run);
  else
    relay_submit (demo, row->run);
}

static void
job_row_cancel (JobRow *row)
{
  if (!job_status_is_active (row->status))
    return;

  row->cancel_requested = TRUE;

  /* Relay: the promise is rejected now; on_promise_error() runs from the
   * dispatcher, and the worker stops at its next check. */
  if (row->run->promise != NULL)
    relay_promise_cancel (row->run->promise);
  else
    naive_cancel (row->demo, row->run);
}

static void
on_run_clicked (GtkButton *button,
                JobRow    *row)
{
  job_row_start (row);
}

static void
on_cancel_clicked (GtkButton *button,
                   JobRow    *row)
{
  job_row_cancel (row);
}

static void
on_run_all_clicked (GtkButton *button,
                    Demo      *demo)
{
  for (guint i = 0; i < N_JOBS; i++)
    job_row_start (&demo->rows[i]);
}

static void
on_cancel_all_clicked (GtkButton *button,
                       Demo      *demo)
{
  for (guint i = 0; i < N_JOBS; i++)
    job_row_cancel (&demo->rows[i]);
}

/* ------------------------------------------------------------------------ */
/* Responsiveness: frame gaps from the frame clock, stalls from a probe     */
/* ------------------------------------------------------------------------ */

static void
recent_worst_add (RecentWorst *recent,
                  gint64       now_us,
                  double       value)
{
  gint64 bucket = now_us / RECENT_BUCKET_US;
  guint i = bucket % RECENT_BUCKETS;

  if (recent->bucket[i] != bucket)
    {
      recent->bucket[i] = bucket;
      recent->worst[i] = 0;
    }
  recent->worst[i] = MAX (recent->worst[i], value);
}

static double
recent_worst_get (const RecentWorst *recent,
                  gint64             now_us)
{
  gint64 bucket = now_us / RECENT_BUCKET_US;
  double worst = 0;

  for (guint i = 0; i < RECENT_BUCKETS; i++)
    if (bucket - recent->bucket[i] < RECENT_BUCKETS)
      worst = MAX (worst, recent->worst[i]);

  return worst;
}

/* The stall probe: a G_PRIORITY_HIGH timeout every millisecond. Its lateness
 * is how long the main loop was busy (or not scheduled) before it could run
 * anything else: a handler, an idle, a batch of idles, a frame. */
static gboolean
heartbeat (gpointer user_data)
{
  Demo *demo = user_data;
  gint64 now = g_get_monotonic_time ();

  if (demo->last_beat_us != 0)
    {
      double stall_ms = MAX (now - demo->last_beat_us - HEARTBEAT_MS * 1000, 0) / 1000.0;

      recent_worst_add (&demo->recent_stalls, now, stall_ms);
      if (demo->measuring)
        {
          demo->worst_stall_ms = MAX (demo->worst_stall_ms, stall_ms);
          demo->n_beats++;
        }
    }
  demo->last_beat_us = now;

  return G_SOURCE_CONTINUE;
}

static void
update_meters (Demo   *demo,
               gint64  now)
{
  char text[64], reports[32], updates[32];
  guint n_reports = demo->n_reports;

  g_snprintf (text, sizeof text, "%.1f ms", recent_worst_get (&demo->recent_frame_gaps, now));
  gtk_label_set_text (GTK_LABEL (demo->frame_gap_label), text);
  g_snprintf (text, sizeof text, "%.1f ms", recent_worst_get (&demo->recent_stalls, now));
  gtk_label_set_text (GTK_LABEL (demo->stall_label), text);
  g_snprintf (text, sizeof text, "%u", demo->n_frames);
  gtk_label_set_text (GTK_LABEL (demo->frames_label), text);

  for (guint i = 0; i < N_JOBS; i++)
    if (demo->rows[i].run != NULL)
      n_reports += g_atomic_int_get (&demo->rows[i].run->n_reports);
  g_snprintf (text, sizeof text, "%s of %s",
              format_count (updates, demo->n_updates), format_count (reports, n_reports));
  gtk_label_set_text (GTK_LABEL (demo->updates_label), text);

  if (recent_worst_get (&demo->recent_stalls, now) >= STALL_LIMIT_MS)
    gtk_widget_add_css_class (demo->stall_label, "bad");
  else
    gtk_widget_remove_css_class (demo->stall_label, "bad");
}

static void self_test_start (gpointer user_data);

/* Every frame. The gap is measured with the monotonic clock rather than the
 * frame clock's frame time, which GTK may smooth. */
static gboolean
pulse_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       user_data)
{
  Demo *demo = user_data;
  gint64 now = g_get_monotonic_time ();

  if (demo->last_tick_us != 0)
    {
      double gap_ms = (now - demo->last_tick_us) / 1000.0;

      recent_worst_add (&demo->recent_frame_gaps, now, gap_ms);
      demo->frame_gaps[demo->frame_gaps_pos++ % GRAPH_SAMPLES] = gap_ms;
      if (demo->measuring)
        {
          demo->worst_frame_gap_ms = MAX (demo->worst_frame_gap_ms, gap_ms);
          demo->n_frames++;
        }
    }
  demo->last_tick_us = now;

  preview_refresh (demo);

  if (now - demo->last_meter_us >= G_USEC_PER_SEC / 4)
    {
      update_meters (demo, now);
      demo->last_meter_us = now;
    }

  /* The self-test starts once the window is up and drawing. */
  if (demo->self_test && !demo->self_test_started && demo->frame_gaps_pos >= 10)
    {
      demo->self_test_started = TRUE;
      g_idle_add_once (self_test_start, demo);
    }

  gtk_widget_queue_draw (widget);
  gtk_widget_queue_draw (demo->graph);

  return G_SOURCE_CONTINUE;
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   width,
                   double   height,
                   double   radius)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + width - radius, y + radius, radius, -G_PI / 2, 0);
  cairo_arc (cr, x + width - radius, y + height - radius, radius, 0, G_PI / 2);
  cairo_arc (cr, x + radius, y + height - radius, radius, G_PI / 2, G_PI);
  cairo_arc (cr, x + radius, y + radius, radius, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* A spinner and a ball, both positioned from the frame time: if the main
 * thread blocks, they visibly jump. */
static void
pulse_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (area));
  double t = clock != NULL ? gdk_frame_clock_get_frame_time (clock) / (double) G_USEC_PER_SEC : 0;
  double cx = height / 2.0, cy = height / 2.0, radius = height / 2.0 - 12;
  double left = height + 8, right = width - 16, x;

  rounded_rectangle (cr, 0, 0, width, height, 10);
  cairo_set_source_rgb (cr, 0.12, 0.13, 0.17);
  cairo_fill (cr);

  /* twelve dots, the bright one going round once a second */
  for (int i = 0; i < 12; i++)
    {
      double angle = i * G_PI / 6 - G_PI / 2;
      double behind = fmod (t * 12 - i + 1200, 12);

      cairo_arc (cr, cx + radius * cos (angle), cy + radius * sin (angle), 4.5, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, 0.38, 0.63, 0.98, 1.0 - behind / 13);
      cairo_fill (cr);
    }

  /* a ball sweeping across, there and back in two seconds */
  cairo_set_source_rgba (cr, 1, 1, 1, 0.15);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, left, cy);
  cairo_line_to (cr, right, cy);
  cairo_stroke (cr);

  x = left + (right - left) * (0.5 - 0.5 * cos (t * G_PI));
  cairo_arc (cr, x, cy, 10, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 0.96, 0.62, 0.26);
  cairo_fill (cr);
}

/* The last GRAPH_SAMPLES frame gaps, against the 16.7 ms budget. */
static void
graph_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  Demo *demo = user_data;
  const double full_scale_ms = 50.0;
  double bar = (double) width / GRAPH_SAMPLES;
  double budget_y = height - height * (1000.0 / 60) / full_scale_ms;

  rounded_rectangle (cr, 0, 0, width, height, 10);
  cairo_set_source_rgb (cr, 0.12, 0.13, 0.17);
  cairo_fill_preserve (cr);
  cairo_clip (cr);

  for (guint i = 0; i < GRAPH_SAMPLES; i++)
    {
      /* oldest on the left */
      double gap = demo->frame_gaps[(demo->frame_gaps_pos + i) % GRAPH_SAMPLES];
      double h = MIN (gap / full_scale_ms, 1.0) * height;

      if (gap < 20)
        cairo_set_source_rgb (cr, 0.20, 0.82, 0.48);
      else if (gap < 34)
        cairo_set_source_rgb (cr, 0.96, 0.76, 0.07);
      else
        cairo_set_source_rgb (cr, 0.93, 0.20, 0.23);
      cairo_rectangle (cr, i * bar, height - h, MAX (bar - 0.5, 0.5), h);
      cairo_fill (cr);
    }

  cairo_set_source_rgba (cr, 1, 1, 1, 0.5);
  cairo_set_line_width (cr, 1);
  cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
  cairo_move_to (cr, 0, budget_y);
  cairo_line_to (cr, width, budget_y);
  cairo_stroke (cr);

  cairo_set_dash (cr, NULL, 0, 0);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10);
  cairo_move_to (cr, 6, budget_y - 4);
  cairo_show_text (cr, "16.7 ms");
  cairo_move_to (cr, 6, 14);
  cairo_show_text (cr, "frame gaps, last 3 s");
}

/* ------------------------------------------------------------------------ */
/* The two cl-async threading examples, replayed                            */
/* ------------------------------------------------------------------------ */

static void demo_log (Demo       *demo,
                      const char *example,
                      gint64      start_us,
                      const char *format,
                      ...) G_GNUC_PRINTF (4, 5);

static void
demo_log (Demo       *demo,
          const char *example,
          gint64      start_us,
          const char *format,
          ...)
{
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  GtkTextIter end;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  line = g_strdup_printf ("%-9s +%.2f s  %s\n", example,
                          (g_get_monotonic_time () - start_us) / (double) G_USEC_PER_SEC,
                          message);
  gtk_text_buffer_get_end_iter (demo->log, &end);
  gtk_text_buffer_insert (demo->log, &end, line, -1);
}

/* Example 1: a notifier waits in the main loop; a thread does the work, stores
 * the result without a lock and triggers the notifier; the callback runs on the
 * main thread. */
typedef struct
{
  Demo          *demo;
  gint64         start_us;
  RelayNotifier *notifier;  /* main thread: ours until it fired */
  int            result;    /* written by the worker before it triggers */
} NotifierReplay;

static void
notifier_replay_fired (guint    n_triggers,
                       gpointer user_data)
{
  NotifierReplay *replay = user_data;

  demo_log (replay->demo, "notifier", replay->start_us, "Job finished! %d", replay->result);
  if (replay->result == 42)
    replay->demo->examples_seen |= EXAMPLE_NOTIFIER_FIRED;
  self_test_check_done (replay->demo);

  /* Single-shot: it is done. (Dropping the last reference earlier would have
   * destroyed it, pending trigger and all.) */
  g_clear_object (&replay->notifier);
}

static gpointer
notifier_replay_thread (gpointer data)
{
  NotifierReplay *replay = data;
  RelayNotifier *notifier = replay->notifier;   /* the thread's own reference */

  g_usleep (G_USEC_PER_SEC);   /* such work */
  replay->result = 42;
  relay_notifier_trigger (notifier);   /* from here on, @replay belongs to the main thread */
  g_object_unref (notifier);

  return NULL;
}

static void
replay_notifier (Demo *demo)
{
  NotifierReplay *replay = g_new0 (NotifierReplay, 1);

  replay->demo = demo;
  replay->start_us = g_get_monotonic_time ();
  replay->notifier = relay_notifier_new (notifier_replay_fired, replay, g_free);
  demo_log (demo, "notifier", replay->start_us, "notifier made; a thread sleeps, sets result, triggers it");
  g_object_ref (replay->notifier);   /* for the thread; ours is dropped when it fires */
  g_thread_unref (g_thread_new ("cl-async-notifier", notifier_replay_thread, replay));
}

/* Example 2: `work` runs a function on the pool and returns a promise; a delay
 * shows that the event loop keeps running meanwhile. */
typedef struct
{
  Demo         *demo;
  gint64        start_us;
  RelayPromise *delay;
  RelayPromise *work;
} WorkReplay;

static void
work_replay_clear (gpointer data)
{
  WorkReplay *replay = data;

  g_clear_object (&replay->delay);
  g_clear_object (&replay->work);
}

static void
work_replay_release (gpointer data)
{
  g_rc_box_release_full (data, work_replay_clear);
}

static void
work_replay_add (RelayJob *job,
                 gpointer  user_data)
{
  g_usleep (2 * G_USEC_PER_SEC);   /* (sleep 3) in the original */

  if (GPOINTER_TO_INT (user_data))
    relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_FAILED, "could not add %d and %d", 4, 5);
  else
    relay_job_return_int (job, 4 + 5);
}

static void
work_replay_still_running (const GValue *value,
                           gpointer      user_data)
{
  WorkReplay *replay = user_data;

  demo_log (replay->demo, "work", replay->start_us, "event loop still running...");
  replay->demo->examples_seen |= EXAMPLE_LOOP_RAN;
}

static void
work_replay_got_val (const GValue *value,
                     gpointer      user_data)
{
  WorkReplay *replay = user_data;

  demo_log (replay->demo, "work", replay->start_us, "got val: %d", g_value_get_int (value));
  if (g_value_get_int (value) == 9)
    replay->demo->examples_seen |= EXAMPLE_GOT_VAL;
  self_test_check_done (replay->demo);
}

static void
work_replay_err (const GError *error,
                 gpointer      user_data)
{
  WorkReplay *replay = user_data;

  demo_log (replay->demo, "work", replay->start_us, "err: %s", error->message);
}

static void
replay_work (Demo     *demo,
             gboolean  fail)
{
  WorkReplay *replay = g_rc_box_new0 (WorkReplay);

  replay->demo = demo;
  replay->start_us = g_get_monotonic_time ();
  demo_log (demo, "work", replay->start_us, "(work (lambda () (sleep 2) (+ 4 5)))%s",
            fail ? ", failing on purpose" : "");

  replay->delay = relay_promise_new_delay (1000);
  relay_promise_then_values (replay->delay,
                             work_replay_still_running, g_rc_box_acquire (replay), work_replay_release,
                             NULL, NULL, NULL);

  replay->work = relay_run_in_thread (work_replay_add, GINT_TO_POINTER (fail), NULL);
  relay_promise_then_values (replay->work,
                             work_replay_got_val, g_rc_box_acquire (replay), work_replay_release,
                             work_replay_err, g_rc_box_acquire (replay), work_replay_release);

  g_rc_box_release_full (replay, work_replay_clear);
}

static void
on_replay_notifier_clicked (GtkButton *button,
                            Demo      *demo)
{
  replay_notifier (demo);
}

static void
on_replay_work_clicked (GtkButton *button,
                        Demo      *demo)
{
  replay_work (demo, FALSE);
}

static void
on_replay_work_fail_clicked (GtkButton *button,
                             Demo      *demo)
{
  replay_work (demo, TRUE);
}

/* ------------------------------------------------------------------------ */
/* Self-test                                                                */
/* ------------------------------------------------------------------------ */

static gboolean
save_screenshot (GtkWidget  *window,
                 const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;

  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  return texture != NULL && gdk_texture_save_to_png (texture, path);
}

static void
self_test_finish (gpointer user_data)
{
  Demo *demo = user_data;
  const char *path = demo->naive ? "relay-demo-self-test-naive.png" : "relay-demo-self-test.png";
  guint n_done = 0, n_cancelled = 0, n_failed = 0, n_reports = demo->n_reports;
  gboolean saved, pass;

  for (guint i = 0; i < N_JOBS; i++)
    {
      JobRow *row = &demo->rows[i];

      n_done += row->status == STATUS_DONE;
      n_cancelled += row->status == STATUS_CANCELLED;
      n_failed += row->status == STATUS_FAILED;
      n_reports += g_atomic_int_get (&row->run->n_reports);
    }

  saved = save_screenshot (demo->window, path);
  pass = n_failed == 0 && n_cancelled == 1 && demo->worst_stall_ms < STALL_LIMIT_MS &&
         demo->examples_seen == EXAMPLES_ALL && saved;

  g_print ("relay-demo self-test (%s): %u done, %u cancelled, %u failed; "
           "worst main-loop stall %.1f ms (%u probes); %u frames, worst frame gap %.1f ms; "
           "%u progress reports, %u window updates; cl-async examples %s; %.1f s; "
           "screenshot %s; %s\n",
           demo->naive ? "naive: GThread + g_idle_add" : "Relay",
           n_done, n_cancelled, n_failed,
           demo->worst_stall_ms, demo->n_beats, demo->n_frames, demo->worst_frame_gap_ms,
           n_reports, demo->n_updates,
           demo->examples_seen == EXAMPLES_ALL ? "ok" : "MISSING",
           (demo->measure_end_us - demo->measure_start_us) / (double) G_USEC_PER_SEC,
           saved ? path : "NOT SAVED",
           pass ? "PASS" : "FAIL");

  demo->exit_status = pass ? 0 : 1;
  demo->quit = TRUE;
  g_main_context_wakeup (NULL);
}

/* Called whenever a job settles or an example prints its result. */
static void
self_test_check_done (Demo *demo)
{
  if (!demo->self_test || !demo->self_test_started || demo->self_test_finishing)
    return;

  for (guint i = 0; i < N_JOBS; i++)
    if (demo->rows[i].run == NULL || job_status_is_active (demo->rows[i].status))
      return;

  if ((demo->examples_seen & (EXAMPLE_NOTIFIER_FIRED | EXAMPLE_GOT_VAL)) !=
      (EXAMPLE_NOTIFIER_FIRED | EXAMPLE_GOT_VAL))
    return;

  /* Stop measuring before the screenshot, which renders on the main thread;
   * give the window a few frames to show the final state. */
  demo->measuring = FALSE;
  demo->measure_end_us = g_get_monotonic_time ();
  demo->self_test_finishing = TRUE;
  g_timeout_add_once (300, self_test_finish, demo);
}

static void
self_test_start (gpointer user_data)
{
  Demo *demo = user_data;

  demo->measuring = TRUE;
  demo->measure_start_us = g_get_monotonic_time ();

  replay_notifier (demo);
  replay_work (demo, FALSE);
  on_run_all_clicked (NULL, demo);
}

static gboolean
self_test_timeout (gpointer user_data)
{
  Demo *demo = user_data;
  g_autoptr(GString) waiting = g_string_new (NULL);

  for (guint i = 0; i < N_JOBS; i++)
    if (job_status_is_active (demo->rows[i].status))
      g_string_append_printf (waiting, "%s\"%s\" at %.0f %%", waiting->len > 0 ? ", " : "",
                              demo->rows[i].spec->title,
                              100 * gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (demo->rows[i].progress_bar)));
  if ((demo->examples_seen & EXAMPLE_NOTIFIER_FIRED) == 0)
    g_string_append_printf (waiting, "%sthe notifier example", waiting->len > 0 ? ", " : "");
  if ((demo->examples_seen & EXAMPLE_GOT_VAL) == 0)
    g_string_append_printf (waiting, "%sthe work example", waiting->len > 0 ? ", " : "");

  g_print ("relay-demo self-test (%s): FAIL: not finished after %d s; still waiting for %s\n",
           demo->naive ? "naive" : "Relay", SELF_TEST_TIMEOUT_S, waiting->str);
  demo->exit_status = 1;
  demo->quit = TRUE;

  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* The window                                                               */
/* ------------------------------------------------------------------------ */

static const char css[] =
  ".jobs row { padding: 10px 14px; }\n"
  ".tag { font-size: 0.8em; font-weight: bold; padding: 2px 8px; border-radius: 999px;"
  "       min-width: 28px; background: alpha(#3584e4, 0.15); color: #1c71d8; }\n"
  ".tag.io { background: alpha(#9141ac, 0.15); color: #813d9c; }\n"
  ".status { font-weight: bold; min-width: 80px; }\n"
  ".status.queued, .status.idle { color: alpha(currentColor, 0.55); }\n"
  ".status.running { color: #1c71d8; }\n"
  ".status.done { color: #26a269; }\n"
  ".status.failed { color: #c01c28; }\n"
  ".status.cancelled { color: #c64600; }\n"
  ".panel-title { font-weight: bold; font-size: 1.1em; margin-bottom: 2px; }\n"
  ".meter { font-weight: bold; font-size: 1.25em; font-feature-settings: 'tnum'; }\n"
  ".meter.bad { color: #c01c28; }\n"
  ".card { background: @theme_base_color; border: 1px solid @borders; border-radius: 10px; }\n"
  ".log { font-size: 0.9em; padding: 8px; }\n"
  ".jobs progressbar > text { font-size: 0.85em; color: alpha(currentColor, 0.75); }\n"
  "picture.preview { border-radius: 10px; }\n";

static GtkWidget *
panel_title (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "panel-title");

  return label;
}

/*  [CPU]  Title                                  Status   [Run] [Cancel]
 *         What it does, dimmed
 *         [=========== progress ===========]  progress text             */
static GtkWidget *
job_row_build (JobRow *row)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *tag = gtk_label_new (row->spec->kind);
  GtkWidget *title = gtk_label_new (row->spec->title);
  GtkWidget *detail = gtk_label_new (row->spec->detail);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);

  gtk_widget_add_css_class (tag, "tag");
  if (g_str_equal (row->spec->kind, "I/O"))
    gtk_widget_add_css_class (tag, "io");
  gtk_widget_set_valign (tag, GTK_ALIGN_START);
  gtk_grid_attach (GTK_GRID (grid), tag, 0, 0, 1, 1);

  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_grid_attach (GTK_GRID (grid), title, 1, 0, 1, 1);

  row->status_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (row->status_label, "status");
  gtk_label_set_xalign (GTK_LABEL (row->status_label), 1);
  gtk_grid_attach (GTK_GRID (grid), row->status_label, 2, 0, 1, 1);

  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "caption");
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_grid_attach (GTK_GRID (grid), detail, 1, 1, 2, 1);

  row->progress_bar = gtk_progress_bar_new ();
  gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (row->progress_bar), TRUE);
  gtk_progress_bar_set_ellipsize (GTK_PROGRESS_BAR (row->progress_bar), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_top (row->progress_bar, 4);
  gtk_grid_attach (GTK_GRID (grid), row->progress_bar, 1, 2, 2, 1);

  row->run_button = gtk_button_new_with_label ("Run");
  g_signal_connect (row->run_button, "clicked", G_CALLBACK (on_run_clicked), row);
  row->cancel_button = gtk_button_new_with_label ("Cancel");
  g_signal_connect (row->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), row);
  gtk_box_append (GTK_BOX (buttons), row->run_button);
  gtk_box_append (GTK_BOX (buttons), row->cancel_button);
  gtk_widget_set_valign (buttons, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_start (buttons, 6);
  gtk_grid_attach (GTK_GRID (grid), buttons, 3, 0, 1, 3);

  job_row_set_status (row, STATUS_IDLE, "not started");

  return grid;
}

static GtkWidget *
meter_row (GtkGrid    *grid,
           int         line,
           const char *name)
{
  GtkWidget *label = gtk_label_new (name);
  GtkWidget *value = gtk_label_new ("–");

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_hexpand (label, TRUE);
  gtk_label_set_xalign (GTK_LABEL (value), 1);
  gtk_widget_add_css_class (value, "meter");
  gtk_grid_attach (grid, label, 0, line, 1, 1);
  gtk_grid_attach (grid, value, 1, line, 1, 1);

  return value;
}

static GtkWidget *
build_jobs_panel (Demo *demo)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *list = gtk_list_box_new ();
  g_autofree char *note = NULL;
  GtkWidget *note_label;

  note = demo->naive
    ? g_strdup_printf ("Naive mode: a GThread per job (at most %u at once), every "
                       "report posted with g_idle_add()", demo->max_running)
    : g_strdup_printf ("A RelayPool of %u thread%s; progress coalesced on the way "
                       "to the main loop", demo->max_running, demo->max_running == 1 ? "" : "s");
  note_label = gtk_label_new (note);
  gtk_label_set_xalign (GTK_LABEL (note_label), 0);
  gtk_label_set_wrap (GTK_LABEL (note_label), TRUE);
  gtk_widget_add_css_class (note_label, "dim-label");

  gtk_box_append (GTK_BOX (box), panel_title ("Background jobs"));
  gtk_box_append (GTK_BOX (box), note_label);

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "jobs");
  gtk_widget_add_css_class (list, "card");
  gtk_widget_set_overflow (list, GTK_OVERFLOW_HIDDEN);
  for (guint i = 0; i < N_JOBS; i++)
    {
      JobRow *row = &demo->rows[i];

      row->demo = demo;
      row->spec = &job_specs[i];
      gtk_list_box_append (GTK_LIST_BOX (list), job_row_build (row));
    }
  gtk_box_append (GTK_BOX (box), list);

  return box;
}

static GtkWidget *
build_meter_panel (Demo *demo)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *grid = gtk_grid_new ();

  gtk_widget_set_size_request (box, MANDEL_WIDTH, -1);
  gtk_box_append (GTK_BOX (box), panel_title ("Responsiveness"));

  demo->pulse = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (demo->pulse), 76);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (demo->pulse), pulse_draw, demo, NULL);
  gtk_widget_add_tick_callback (demo->pulse, pulse_tick, demo, NULL);
  gtk_box_append (GTK_BOX (box), demo->pulse);

  demo->graph = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (demo->graph), 72);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (demo->graph), graph_draw, demo, NULL);
  gtk_box_append (GTK_BOX (box), demo->graph);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 2);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  demo->frame_gap_label = meter_row (GTK_GRID (grid), 0, "Worst frame gap, last 3 s");
  demo->stall_label = meter_row (GTK_GRID (grid), 1, "Worst main-loop stall, last 3 s");
  demo->frames_label = meter_row (GTK_GRID (grid), 2, "Frames measured");
  demo->updates_label = meter_row (GTK_GRID (grid), 3, "Updates shown of reports");
  gtk_box_append (GTK_BOX (box), grid);

  gtk_box_append (GTK_BOX (box), panel_title ("Mandelbrot, tile by tile"));
  demo->preview = gtk_picture_new ();
  gtk_widget_add_css_class (demo->preview, "preview");
  gtk_widget_set_overflow (demo->preview, GTK_OVERFLOW_HIDDEN);
  gtk_picture_set_can_shrink (GTK_PICTURE (demo->preview), FALSE);
  gtk_widget_set_halign (demo->preview, GTK_ALIGN_START);
  gtk_widget_set_valign (demo->preview, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), demo->preview);

  demo->preview_pixels = g_new (guint32, MANDEL_WIDTH * MANDEL_HEIGHT);
  preview_reset (demo);
  preview_refresh (demo);

  return box;
}

static GtkWidget *
build_examples_panel (Demo *demo)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();
  GtkWidget *button;

  gtk_box_append (GTK_BOX (box), panel_title ("The cl-async threading examples"));

  button = gtk_button_new_with_label ("Notifier");
  gtk_widget_set_tooltip_text (button, "make-notifier, a thread, trigger-notifier");
  g_signal_connect (button, "clicked", G_CALLBACK (on_replay_notifier_clicked), demo);
  gtk_box_append (GTK_BOX (buttons), button);
  button = gtk_button_new_with_label ("Work with promises");
  gtk_widget_set_tooltip_text (button, "work: the pool runs the function, the promise brings back 9");
  g_signal_connect (button, "clicked", G_CALLBACK (on_replay_work_clicked), demo);
  gtk_box_append (GTK_BOX (buttons), button);
  button = gtk_button_new_with_label ("Work, failing");
  gtk_widget_set_tooltip_text (button, "the job returns an error; the catch handler prints it");
  g_signal_connect (button, "clicked", G_CALLBACK (on_replay_work_fail_clicked), demo);
  gtk_box_append (GTK_BOX (buttons), button);
  gtk_box_append (GTK_BOX (box), buttons);

  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_cursor_visible (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_widget_add_css_class (view, "log");
  demo->log = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 120);
  gtk_widget_add_css_class (scrolled, "card");
  gtk_widget_set_overflow (scrolled, GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);

  return box;
}

static gboolean
on_close_request (GtkWindow *window,
                  Demo      *demo)
{
  demo->quit = TRUE;
  return FALSE;
}

static void
build_window (Demo *demo)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *title_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title = gtk_label_new ("Relay demo");
  GtkWidget *subtitle = gtk_label_new (demo->naive ? "naive mode: GThread + g_idle_add"
                                                   : "background jobs, responsive window");
  GtkWidget *run_all = gtk_button_new_with_label ("Run all");
  GtkWidget *cancel_all = gtk_button_new_with_label ("Cancel all");
  GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *columns = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);
  GtkWidget *left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);

  gtk_css_provider_load_from_data (provider, css, -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  demo->window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (demo->window), "Relay demo");
  gtk_window_set_default_size (GTK_WINDOW (demo->window), 1040, 760);
  g_signal_connect (demo->window, "close-request", G_CALLBACK (on_close_request), demo);

  gtk_widget_add_css_class (title, "title");
  gtk_widget_add_css_class (subtitle, "subtitle");
  gtk_box_append (GTK_BOX (title_box), title);
  gtk_box_append (GTK_BOX (title_box), subtitle);
  gtk_widget_set_valign (title_box, GTK_ALIGN_CENTER);
  gtk_header_bar_set_title_widget (GTK_HEADER_BAR (header), title_box);

  gtk_widget_add_css_class (run_all, "suggested-action");
  g_signal_connect (run_all, "clicked", G_CALLBACK (on_run_all_clicked), demo);
  g_signal_connect (cancel_all, "clicked", G_CALLBACK (on_cancel_all_clicked), demo);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), run_all);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), cancel_all);
  gtk_window_set_titlebar (GTK_WINDOW (demo->window), header);

  gtk_widget_set_margin_top (outer, 18);
  gtk_widget_set_margin_bottom (outer, 18);
  gtk_widget_set_margin_start (outer, 18);
  gtk_widget_set_margin_end (outer, 18);

  gtk_widget_set_hexpand (left, TRUE);
  gtk_box_append (GTK_BOX (left), build_jobs_panel (demo));
  gtk_box_append (GTK_BOX (left), build_examples_panel (demo));
  gtk_box_append (GTK_BOX (columns), left);
  gtk_box_append (GTK_BOX (columns), build_meter_panel (demo));
  gtk_widget_set_vexpand (columns, TRUE);
  gtk_box_append (GTK_BOX (outer), columns);

  gtk_window_set_child (GTK_WINDOW (demo->window), outer);
}

/* ------------------------------------------------------------------------ */
/* main                                                                     */
/* ------------------------------------------------------------------------ */

static void
demo_shutdown (Demo *demo)
{
  for (guint i = 0; i < N_JOBS; i++)
    job_row_cancel (&demo->rows[i]);

  /* Queued jobs are rejected, running ones noticed the cancellation. */
  if (demo->pool != NULL)
    relay_pool_shutdown (demo->pool);

  for (guint i = 0; i < N_JOBS; i++)
    {
      JobRun *run = demo->rows[i].run;

      if (run != NULL && run->thread != NULL)
        g_thread_join (g_steal_pointer (&run->thread));
      g_clear_pointer (&demo->rows[i].run, job_run_unref);
    }

  g_clear_object (&demo->pool);
  if (demo->window != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&demo->window)));
  g_clear_pointer (&demo->preview_pixels, g_free);
}

int
main (int   argc,
      char *argv[])
{
  static Demo demo;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  int threads = 0;
  const GOptionEntry entries[] = {
    { "self-test", 0, 0, G_OPTION_ARG_NONE, &demo.self_test,
      "Run all jobs, cancel one, measure, save a screenshot, print the figures", NULL },
    { "naive", 0, 0, G_OPTION_ARG_NONE, &demo.naive,
      "Run the jobs on plain threads that post every update with g_idle_add()", NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
      "How many jobs run at once (default: processors − 1, at least 1)", "N" },
    { NULL }
  };

  context = g_option_context_new ("— a GTK window that stays responsive during background jobs");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("relay-demo: %s\n", error->message);
      return 2;
    }

  /* Under Xvfb, GTK's GL renderer runs on Mesa's software rasteriser and takes
   * 30 to 50 ms of the main thread per frame: that would measure Mesa, not the
   * main loop. The self-test uses the cairo renderer unless told otherwise. */
  if (demo.self_test)
    g_setenv ("GSK_RENDERER", "cairo", FALSE);

  /* A failure here is a failure, never a skip: the self-test must see a display. */
  if (!gtk_init_check ())
    {
      g_printerr ("relay-demo: cannot open a display; set DISPLAY or WAYLAND_DISPLAY, "
                  "or run it under `xvfb-run -a`\n");
      return 1;
    }

  /* Leave a processor to the main thread: the jobs are CPU-bound. */
  demo.max_running = threads > 0 ? (guint) threads : MAX (g_get_num_processors () - 1, 1);
  if (!demo.naive)
    demo.pool = relay_pool_new (demo.max_running);

  build_window (&demo);
  g_timeout_add_full (G_PRIORITY_HIGH, HEARTBEAT_MS, heartbeat, &demo, NULL);
  if (demo.self_test)
    g_timeout_add_seconds (SELF_TEST_TIMEOUT_S, self_test_timeout, &demo);
  else
    demo.measuring = TRUE;

  gtk_window_present (GTK_WINDOW (demo.window));

  while (!demo.quit)
    g_main_context_iteration (NULL, TRUE);

  demo_shutdown (&demo);

  return demo.exit_status;
}
