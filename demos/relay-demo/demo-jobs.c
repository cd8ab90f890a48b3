/* demo-jobs.c: the five background jobs
 *
 * Real work for the pool, each a DemoWorkFunc that runs on a worker thread,
 * checks for cancellation between steps and reports its progress far more
 * often than any window could show: counting primes by trial division (a
 * report every 32 numbers), rendering a Mandelbrot set tile by tile into a
 * buffer the window previews, writing a 256 MiB temporary file and hashing it
 * back (I/O), estimating π from random points and searching Collatz chains.
 * Nothing here knows about GTK or about how the run reaches the main thread:
 * demo_run_report() does, in demo-runner.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>

#include "demo-jobs.h"

#define PRIMES_LIMIT          30000000
#define PRIMES_REPORT_EVERY   32         /* numbers */

#define MANDEL_TILE           8
#define MANDEL_SAMPLES        4          /* per pixel and axis */
#define MANDEL_TILES_X        (DEMO_MANDEL_WIDTH / MANDEL_TILE)
#define MANDEL_TILES          (MANDEL_TILES_X * (DEMO_MANDEL_HEIGHT / MANDEL_TILE))
#define MANDEL_MAX_ITER       2000

#define HASH_FILE_SIZE        (256 << 20)
#define HASH_CHUNK            (16 << 10)  /* bytes per read, write and report */

#define PI_SAMPLES            150000000
#define PI_REPORT_EVERY       256        /* samples */

#define COLLATZ_LIMIT         10000000
#define COLLATZ_REPORT_EVERY  16         /* starting numbers */

/* 1234567 → "1,234,567" */
const char *
demo_format_count (char    buffer[32],
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
count_primes (DemoRun  *run,
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

          if (demo_run_check_cancelled (run, error))
            return NULL;

          g_snprintf (text, sizeof text, "%s primes so far", demo_format_count (number, found));
          demo_run_report (run, (double) n / PRIMES_LIMIT, text);
        }
    }

  return g_strdup_printf ("%s primes below %s",
                          demo_format_count (found_text, found),
                          demo_format_count (limit_text, PRIMES_LIMIT));
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
  const double x0 = -2.35, y0 = -1.2, scale = 2.4 / DEMO_MANDEL_HEIGHT;
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
render_mandelbrot (DemoRun  *run,
                   GError **error)
{
  guint32 *pixels = demo_run_get_pixels (run);
  guint inside = 0;

  /* Row-major tile order: every progress report means that all tile rows above
   * the current one are complete, which is what the preview relies on. */
  for (guint tile = 0; tile < MANDEL_TILES; tile++)
    {
      guint tx = tile % MANDEL_TILES_X * MANDEL_TILE;
      guint ty = tile / MANDEL_TILES_X * MANDEL_TILE;
      char text[64];

      if (demo_run_check_cancelled (run, error))
        return NULL;

      for (guint y = ty; y < ty + MANDEL_TILE; y++)
        for (guint x = tx; x < tx + MANDEL_TILE; x++)
          pixels[y * DEMO_MANDEL_WIDTH + x] = mandelbrot_pixel (x, y, &inside);

      g_snprintf (text, sizeof text, "tile %u of %u", tile + 1, MANDEL_TILES);
      demo_run_report (run, (double) (tile + 1) / MANDEL_TILES, text);
    }

  return g_strdup_printf ("%d × %d px, %.1f %% inside the set",
                          DEMO_MANDEL_WIDTH, DEMO_MANDEL_HEIGHT,
                          100.0 * inside / (DEMO_MANDEL_WIDTH * DEMO_MANDEL_HEIGHT * MANDEL_SAMPLES * MANDEL_SAMPLES));
}

/* Fills @stream with HASH_FILE_SIZE pseudo-random bytes: progress 0 to ½. */
static gboolean
write_random_file (DemoRun        *run,
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
                                      demo_run_get_cancellable (run), error))
        return FALSE;

      g_snprintf (text, sizeof text, "writing: %zu of %d MiB",
                  (written + HASH_CHUNK) >> 20, HASH_FILE_SIZE >> 20);
      demo_run_report (run, 0.5 * (written + HASH_CHUNK) / HASH_FILE_SIZE, text);
    }

  return g_output_stream_close (stream, demo_run_get_cancellable (run), error);
}

/* Reads @file back through SHA-256: progress ½ to 1. */
static char *
hash_file (DemoRun  *run,
           GFile   *file,
           GError **error)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autofree guchar *chunk = g_malloc (HASH_CHUNK);
  gint64 start = g_get_monotonic_time ();
  gsize total = 0;
  double seconds;

  stream = g_file_read (file, demo_run_get_cancellable (run), error);
  if (stream == NULL)
    return NULL;

  for (;;)
    {
      char text[64];
      gssize n = g_input_stream_read (G_INPUT_STREAM (stream), chunk, HASH_CHUNK,
                                      demo_run_get_cancellable (run), error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;

      g_checksum_update (checksum, chunk, n);
      total += n;

      g_snprintf (text, sizeof text, "hashing: %zu of %d MiB", total >> 20, HASH_FILE_SIZE >> 20);
      demo_run_report (run, 0.5 + 0.5 * total / HASH_FILE_SIZE, text);
    }

  seconds = MAX (g_get_monotonic_time () - start, 1) / (double) G_USEC_PER_SEC;

  return g_strdup_printf ("SHA-256 %.12s…, %zu MiB at %.0f MiB/s",
                          g_checksum_get_string (checksum), total >> 20,
                          (total >> 20) / seconds);
}

static char *
hash_temp_file (DemoRun  *run,
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
estimate_pi (DemoRun  *run,
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

          if (demo_run_check_cancelled (run, error))
            return NULL;

          g_snprintf (text, sizeof text, "π ≈ %.5f", 4.0 * inside / n);
          demo_run_report (run, (double) n / PI_SAMPLES, text);
        }
    }

  return g_strdup_printf ("π ≈ %.6f from %d million samples",
                          4.0 * inside / PI_SAMPLES, PI_SAMPLES / 1000000);
}

static char *
longest_collatz_chain (DemoRun  *run,
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

          if (demo_run_check_cancelled (run, error))
            return NULL;

          g_snprintf (text, sizeof text, "best so far: %s, %u steps",
                      demo_format_count (number, best_start), best_steps);
          demo_run_report (run, (double) start / COLLATZ_LIMIT, text);
        }
    }

  return g_strdup_printf ("%s takes %u steps, the most below %s",
                          demo_format_count (start_text, best_start), best_steps,
                          demo_format_count (limit_text, COLLATZ_LIMIT));
}

const DemoJobSpec demo_job_specs[DEMO_N_JOBS] = {
  { "Count primes", "Trial division below 30,000,000", "CPU", count_primes },
  { "Mandelbrot set", "384 × 256 px, 16 samples a pixel, 1,536 tiles", "CPU", render_mandelbrot, DEMO_MANDEL_WIDTH * DEMO_MANDEL_HEIGHT },
  { "Hash a file", "Write 256 MiB to a temporary file, then SHA-256 it", "I/O", hash_temp_file },
  { "Estimate π", "150 million random points in a square", "CPU", estimate_pi },
  { "Collatz chains", "Longest chain below 10,000,000", "CPU", longest_collatz_chain },
};

/* How many pixel rows of the Mandelbrot buffer a report of @fraction says are
 * complete: the tiles go row-major, so every tile row above the current one
 * is. */
guint
demo_mandelbrot_rows_done (double fraction)
{
  guint tiles_done = (guint) lround (fraction * MANDEL_TILES);

  return tiles_done / MANDEL_TILES_X * MANDEL_TILE;
}
