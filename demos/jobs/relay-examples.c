/* relay-examples.c: example background jobs built on Relay's public API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every function here follows one pattern: copy the arguments into a small
 * struct, hand it to relay_pool_run() with a free function, and return the
 * promise. The job function runs on a worker thread; it reports progress with
 * relay_job_set_progress(), stops early when relay_job_is_cancelled() says so,
 * and finishes with exactly one relay_job_return_*() call. Nothing in the job
 * touches the caller's main context: Relay carries the outcome and the
 * progress back to it. stream_numbers() is the streaming variant: it hands
 * its struct to relay_pool_stream() and returns the channel its job pushes
 * into; returning ends the stream.
 */

/**
 * RelayExamples:
 *
 * Example background jobs that return [class@Relay.Promise]s: the pattern a C
 * library follows to hand promises to C, Python and JavaScript callers.
 */

#include "relay-examples.h"

/* Wakes up every few milliseconds while sleeping, so that a cancelled job
 * stops promptly. Returns FALSE if the job was cancelled. */
static gboolean
sleep_unless_cancelled (RelayJob *job,
                        guint     milliseconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) milliseconds * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      if (relay_job_is_cancelled (job))
        return FALSE;
      g_usleep (MIN (5000, MAX (0, deadline - g_get_monotonic_time ())));
    }

  return !relay_job_is_cancelled (job);
}

static RelayPool *
pool_or_default (RelayPool *pool)
{
  return pool != NULL ? pool : relay_pool_get_default ();
}

/* ------------------------------------------------------------------------ */
/* add_after_delay, floor_divide                                            */
/* ------------------------------------------------------------------------ */

typedef struct
{
  int   a;
  int   b;
  guint milliseconds;
} Operands;

static Operands *
operands_new (int   a,
              int   b,
              guint milliseconds)
{
  Operands *operands = g_new (Operands, 1);

  operands->a = a;
  operands->b = b;
  operands->milliseconds = milliseconds;

  return operands;
}

static void
add_job (RelayJob *job,
         gpointer  user_data)
{
  Operands *operands = user_data;

  if (!sleep_unless_cancelled (job, operands->milliseconds))
    return;   /* the promise is already rejected with G_IO_ERROR_CANCELLED */

  relay_job_return_int64 (job, operands->a + operands->b);
}

/**
 * relay_examples_add_after_delay:
 * @pool: (nullable): the pool to run on, or %NULL for the default pool
 * @a: a number
 * @b: another number
 * @milliseconds: how long the worker sleeps before adding
 *
 * The job of the `work` example, sleep and add 4 + 5: a worker sleeps,
 * then adds. Cancelling the promise wakes the worker within a few
 * milliseconds.
 *
 * Returns: (transfer full): a promise fulfilled with one int, @a + @b
 */
RelayPromise *
relay_examples_add_after_delay (RelayPool *pool,
                                int        a,
                                int        b,
                                guint      milliseconds)
{
  g_return_val_if_fail (pool == NULL || RELAY_IS_POOL (pool), NULL);

  return relay_pool_run (pool_or_default (pool), NULL, add_job,
                         operands_new (a, b, milliseconds), g_free);
}

static void
floor_divide_job (RelayJob *job,
                  gpointer  user_data)
{
  Operands *operands = user_data;
  GValue values[2] = { G_VALUE_INIT, G_VALUE_INIT };
  int quotient, remainder;

  if (!sleep_unless_cancelled (job, operands->milliseconds))
    return;

  if (operands->b == 0)
    {
      relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                  "Cannot divide %d by zero", operands->a);
      return;
    }

  /* Common Lisp's floor: the quotient rounds towards negative infinity. */
  quotient = operands->a / operands->b;
  remainder = operands->a % operands->b;
  if (remainder != 0 && ((remainder < 0) != (operands->b < 0)))
    {
      quotient -= 1;
      remainder += operands->b;
    }

  g_value_init (&values[0], G_TYPE_INT);
  g_value_set_int (&values[0], quotient);
  g_value_init (&values[1], G_TYPE_INT);
  g_value_set_int (&values[1], remainder);
  relay_job_return_values (job, values, G_N_ELEMENTS (values));
  g_value_unset (&values[0]);
  g_value_unset (&values[1]);
}

/**
 * relay_examples_floor_divide:
 * @pool: (nullable): the pool to run on, or %NULL for the default pool
 * @dividend: the number to divide
 * @divisor: the number to divide by
 * @milliseconds: how long the worker sleeps first
 *
 * Common Lisp's `(floor dividend divisor)` on a worker: two values, like
 * `(values quotient remainder)`. Shows a promise with several values and a
 * job that fails.
 *
 * Returns: (transfer full): a promise fulfilled with two ints, the quotient
 *   (rounded towards negative infinity) and the remainder, or rejected with
 *   %G_IO_ERROR_INVALID_ARGUMENT if @divisor is 0
 */
RelayPromise *
relay_examples_floor_divide (RelayPool *pool,
                             int        dividend,
                             int        divisor,
                             guint      milliseconds)
{
  g_return_val_if_fail (pool == NULL || RELAY_IS_POOL (pool), NULL);

  return relay_pool_run (pool_or_default (pool), NULL, floor_divide_job,
                         operands_new (dividend, divisor, milliseconds), g_free);
}

/* ------------------------------------------------------------------------ */
/* trigger_after_work                                                       */
/* ------------------------------------------------------------------------ */

typedef struct
{
  RelayNotifier *notifier;
  int            result;
  guint          n_triggers;
  guint          milliseconds;
} TriggerRequest;

static void
trigger_request_free (gpointer data)
{
  TriggerRequest *request = data;

  g_object_unref (request->notifier);
  g_free (request);
}

static void
trigger_job (RelayJob *job,
             gpointer  user_data)
{
  TriggerRequest *request = user_data;

  if (!sleep_unless_cancelled (job, request->milliseconds))
    return;

  /* Store the result first (this fulfils the promise from this thread), then
   * trigger: the notifier's callback can read it without a lock, because the
   * trigger comes after the store. */
  relay_job_return_int64 (job, request->result);

  for (guint i = 0; i < request->n_triggers; i++)
    relay_notifier_trigger (request->notifier);
}

/**
 * relay_examples_trigger_after_work:
 * @pool: (nullable): the pool to run on, or %NULL for the default pool
 * @notifier: the notifier to trigger
 * @result: the result the "work" produces
 * @n_triggers: how many times to trigger @notifier
 * @milliseconds: how long the work takes
 *
 * The first threading example, with the thread on the C side (JavaScript
 * has none): a worker sleeps, stores @result, and then triggers @notifier
 * @n_triggers times. The result is stored by fulfilling the returned promise
 * before the first trigger, so the notifier's callback can read it with
 * [method@Relay.Promise.get_int64] right away.
 *
 * Returns: (transfer full): a promise fulfilled with one int, @result, just
 *   before @notifier is triggered
 */
RelayPromise *
relay_examples_trigger_after_work (RelayPool     *pool,
                                   RelayNotifier *notifier,
                                   int            result,
                                   guint          n_triggers,
                                   guint          milliseconds)
{
  TriggerRequest *request;

  g_return_val_if_fail (pool == NULL || RELAY_IS_POOL (pool), NULL);
  g_return_val_if_fail (RELAY_IS_NOTIFIER (notifier), NULL);

  request = g_new (TriggerRequest, 1);
  request->notifier = g_object_ref (notifier);
  request->result = result;
  request->n_triggers = n_triggers;
  request->milliseconds = milliseconds;

  return relay_pool_run (pool_or_default (pool), NULL, trigger_job, request, trigger_request_free);
}

/* ------------------------------------------------------------------------ */
/* count_primes                                                             */
/* ------------------------------------------------------------------------ */

static gboolean
is_prime (guint n)
{
  if (n < 2)
    return FALSE;
  if (n % 2 == 0)
    return n == 2;

  for (guint d = 3; d <= n / d; d += 2)
    if (n % d == 0)
      return FALSE;

  return TRUE;
}

static void
count_primes_job (RelayJob *job,
                  gpointer  user_data)
{
  guint limit = GPOINTER_TO_UINT (user_data);
  guint found = 0;
  GValue value = G_VALUE_INIT;

  for (guint n = 0; n <= limit; n++)
    {
      /* Checking every 1024 numbers keeps cancellation prompt and cheap. */
      if ((n & 1023) == 0)
        {
          if (relay_job_is_cancelled (job))
            return;
          relay_job_set_progress (job, (double) n / MAX (limit, 1), NULL);
        }

      if (is_prime (n))
        found++;
    }

  relay_job_set_progress (job, 1.0, "Done");
  g_value_init (&value, G_TYPE_UINT);
  g_value_set_uint (&value, found);
  relay_job_return_value (job, &value);
  g_value_unset (&value);
}

/**
 * relay_examples_count_primes:
 * @pool: (nullable): the pool to run on, or %NULL for the default pool
 * @limit: the largest number to check
 *
 * Counts the primes up to and including @limit by trial division: CPU-bound
 * work that reports [property@Relay.Promise:progress] as it goes and stops
 * soon after the promise is cancelled. Counting up to 10,000,000 takes a few
 * seconds.
 *
 * Returns: (transfer full): a promise fulfilled with one guint, the number of
 *   primes, or rejected with %G_IO_ERROR_CANCELLED
 */
RelayPromise *
relay_examples_count_primes (RelayPool *pool,
                             guint      limit)
{
  g_return_val_if_fail (pool == NULL || RELAY_IS_POOL (pool), NULL);

  return relay_pool_run (pool_or_default (pool), NULL, count_primes_job,
                         GUINT_TO_POINTER (limit), NULL);
}

/* ------------------------------------------------------------------------ */
/* stream_numbers                                                           */
/* ------------------------------------------------------------------------ */

typedef struct
{
  gint64   first;
  guint    n;
  gboolean fail;
} NumbersRequest;

static void
stream_numbers_job (RelayJob     *job,
                    RelayChannel *channel,
                    gpointer      user_data)
{
  NumbersRequest *request = user_data;
  GCancellable *cancellable = relay_job_get_cancellable (job);

  for (guint i = 0; i < request->n; i++)
    /* Blocks while the channel is full; fails once it is closed (by a
     * receiver) or the job is cancelled: then the stream is over. */
    if (!relay_channel_push_int64 (channel, request->first + i, cancellable, NULL))
      return;

  if (request->fail)
    relay_job_return_new_error (job, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                                "The producer failed after %u numbers", request->n);
}

/**
 * relay_examples_stream_numbers:
 * @pool: (nullable): the pool to run on, or %NULL for the default pool
 * @cancellable: (nullable): cancels the job, which ends the stream with
 *   %G_IO_ERROR_CANCELLED
 * @capacity: the channel's capacity: how far the worker may run ahead
 * @first: the first number
 * @n: how many numbers to send
 * @fail: whether the stream ends with an error of its own
 *
 * A job that streams (see [method@Relay.Pool.stream]): a worker pushes the
 * int64s @first, @first + 1, ... (@n of them) into the returned channel,
 * blocking whenever it is full, then the channel closes. Shows a C producer
 * for JavaScript's `for await` and Python's `async for`. A receiver that
 * closes the channel stops the worker at its next push.
 *
 * Returns: (transfer full): the channel; once the numbers are received, it
 *   ends with %RELAY_ERROR_CLOSED, or with %G_IO_ERROR_BROKEN_PIPE if @fail
 */
RelayChannel *
relay_examples_stream_numbers (RelayPool    *pool,
                               GCancellable *cancellable,
                               guint         capacity,
                               gint64        first,
                               guint         n,
                               gboolean      fail)
{
  NumbersRequest *request;

  g_return_val_if_fail (pool == NULL || RELAY_IS_POOL (pool), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (capacity > 0, NULL);

  request = g_new (NumbersRequest, 1);
  request->first = first;
  request->n = n;
  request->fail = fail;

  return relay_pool_stream (pool_or_default (pool), capacity, cancellable,
                            stream_numbers_job, request, g_free);
}

/* ------------------------------------------------------------------------ */
/* hash_file                                                                */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GFile         *file;
  GChecksumType  checksum_type;
} HashRequest;

static void
hash_request_free (gpointer data)
{
  HashRequest *request = data;

  g_object_unref (request->file);
  g_free (request);
}

static void
hash_file_job (RelayJob *job,
               gpointer  user_data)
{
  HashRequest *request = user_data;
  GCancellable *cancellable = relay_job_get_cancellable (job);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GChecksum) checksum = NULL;
  g_autofree guint8 *buffer = NULL;
  g_autofree char *basename = g_file_get_basename (request->file);
  goffset size, done = 0;
  GError *error = NULL;
  gssize n_read;
  const gsize buffer_size = 64 * 1024;

  info = g_file_query_info (request->file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                            G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info == NULL)
    {
      relay_job_return_error (job, error);
      return;
    }
  size = g_file_info_get_size (info);

  stream = g_file_read (request->file, cancellable, &error);
  if (stream == NULL)
    {
      relay_job_return_error (job, error);
      return;
    }

  checksum = g_checksum_new (request->checksum_type);
  buffer = g_malloc (buffer_size);

  /* A cancelled read fails with G_IO_ERROR_CANCELLED; returning that error
   * changes nothing, since the promise was rejected when it was cancelled. */
  while ((n_read = g_input_stream_read (G_INPUT_STREAM (stream), buffer, buffer_size,
                                        cancellable, &error)) > 0)
    {
      g_checksum_update (checksum, buffer, n_read);
      done += n_read;
      relay_job_set_progress (job, size > 0 ? (double) done / size : 1.0, basename);
    }

  if (n_read < 0)
    {
      relay_job_return_error (job, error);
      return;
    }

  relay_job_set_progress (job, 1.0, basename);
  relay_job_return_string (job, g_checksum_get_string (checksum));
}

/**
 * relay_examples_hash_file:
 * @pool: (nullable): the pool to run on, or %NULL for the default pool
 * @file: the file to read
 * @checksum_type: the checksum to compute, such as %G_CHECKSUM_SHA256
 *
 * Reads @file on a worker and computes its checksum with [struct@GLib.Checksum]:
 * I/O-bound work with progress (the fraction read, with the file's name as the
 * text) and cancellation (the read is interrupted through the job's
 * [class@Gio.Cancellable]).
 *
 * Returns: (transfer full): a promise fulfilled with one string, the checksum
 *   in hexadecimal, or rejected with the [error@Gio.IOErrorEnum] that stopped
 *   the read
 */
RelayPromise *
relay_examples_hash_file (RelayPool     *pool,
                          GFile         *file,
                          GChecksumType  checksum_type)
{
  HashRequest *request;

  g_return_val_if_fail (pool == NULL || RELAY_IS_POOL (pool), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  request = g_new (HashRequest, 1);
  request->file = g_object_ref (file);
  request->checksum_type = checksum_type;

  return relay_pool_run (pool_or_default (pool), NULL, hash_file_job, request, hash_request_free);
}
