/* bench-channel.c: RelayChannel against a raw GAsyncQueue hand-off
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * throughput  one worker sends 1,000,000 integers to the main thread. Relay:
 *             the worker calls relay_channel_push_int64() into a channel of
 *             1024 slots (blocking whenever it is full) and closes it; the
 *             main loop receives with relay_channel_receive_many (channel,
 *             1024), one promise per batch, and reads every value in a `then`
 *             handler. Baseline, the floor of a hand-off between the same two
 *             threads: the worker g_async_queue_push()es each integer, the
 *             main thread g_async_queue_pop()s them, blocking, with no main
 *             loop, no bound and no GValue. The time runs from starting the
 *             worker to the main thread having read the last value. Target:
 *             Relay's throughput ≥ 0.5 × the GAsyncQueue's. Note: the same
 *             with batches of at most 64 and a channel of 64 slots.
 */
#include "bench-common.h"

#include <relay/relay.h>

typedef struct
{
  guint         n_values;
  guint         capacity;
  guint         batch;
  RelayChannel *channel;
  GAsyncQueue  *queue;
  gint64        sum;       /* main thread: the values, so they are really read */
  guint         received;  /* main thread */
  guint         n_batches; /* main thread */
  int           done;
} Throughput;

/* --- Relay ------------------------------------------------------------------ */

static gpointer
relay_producer (gpointer data)
{
  Throughput *t = data;

  for (guint i = 1; i <= t->n_values; i++)
    if (!relay_channel_push_int64 (t->channel, i, NULL, NULL))
      g_error ("push failed");
  relay_channel_close (t->channel, NULL);
  return NULL;
}

static void receive_next (Throughput *t);

static RelayPromise *
on_batch (RelayPromise *batch,
          gpointer      data)
{
  Throughput *t = data;
  guint n_values;
  const GValue *values = relay_promise_get_values (batch, &n_values);

  for (guint i = 0; i < n_values; i++)
    t->sum += g_value_get_int64 (&values[i]);
  t->received += n_values;
  t->n_batches++;
  receive_next (t);
  return NULL;
}

static RelayPromise *
on_end (RelayPromise *batch,
        gpointer      data)
{
  Throughput *t = data;

  g_assert_error ((GError *) relay_promise_get_error (batch), RELAY_ERROR, RELAY_ERROR_CLOSED);
  t->done = TRUE;
  return NULL;
}

static void
receive_next (Throughput *t)
{
  RelayPromise *batch = relay_channel_receive_many (t->channel, t->batch);

  relay_promise_disown (relay_promise_chain (batch, on_batch, on_end, t, NULL));
  g_object_unref (batch);
}

/* ns per value */
static double
round_relay (gpointer data)
{
  Throughput *t = data;
  GThread *producer;
  gint64 elapsed;

  t->channel = relay_channel_new (t->capacity);
  t->sum = 0;
  t->received = 0;
  t->n_batches = 0;
  t->done = FALSE;

  elapsed = bench_now_ns ();
  producer = g_thread_new ("producer", relay_producer, t);
  receive_next (t);
  bench_iterate_until (NULL, &t->done);
  elapsed = bench_now_ns () - elapsed;
  g_thread_join (producer);

  g_assert_cmpuint (t->received, ==, t->n_values);
  g_assert_cmpint (t->sum, ==, (gint64) t->n_values * (t->n_values + 1) / 2);
  g_clear_object (&t->channel);
  return (double) elapsed / t->n_values;
}

/* --- GAsyncQueue ------------------------------------------------------------ */

static gpointer
queue_producer (gpointer data)
{
  Throughput *t = data;

  for (guint i = 1; i <= t->n_values; i++)
    g_async_queue_push (t->queue, GUINT_TO_POINTER (i));
  return NULL;
}

static double
round_queue (gpointer data)
{
  Throughput *t = data;
  GThread *producer;
  gint64 elapsed;

  t->queue = g_async_queue_new ();
  t->sum = 0;
  t->received = 0;

  elapsed = bench_now_ns ();
  producer = g_thread_new ("producer", queue_producer, t);
  while (t->received < t->n_values)
    {
      t->sum += GPOINTER_TO_UINT (g_async_queue_pop (t->queue));
      t->received++;
    }
  elapsed = bench_now_ns () - elapsed;
  g_thread_join (producer);

  g_assert_cmpint (t->sum, ==, (gint64) t->n_values * (t->n_values + 1) / 2);
  g_clear_pointer (&t->queue, g_async_queue_unref);
  return (double) elapsed / t->n_values;
}

static void
bench_throughput (void)
{
  Throughput t = { .n_values = bench_size (1000000, 20000), .capacity = 1024, .batch = 1024 };
  guint rounds = bench_rounds (7);
  BenchPair pair, small;

  bench_interleave (rounds, round_relay, round_queue, &t, &pair);
  bench_compare ("channel-throughput", "ns", &pair, BENCH_AT_LEAST, 0.5);
  bench_note ("channel-throughput: ns per value, %u values, channel of %u, batches of at most %u "
              "(%.0f values per batch in the last round); ratio = GAsyncQueue time / channel "
              "time, i.e. the channel's share of the GAsyncQueue's throughput",
              t.n_values, t.capacity, t.batch, (double) t.n_values / MAX (t.n_batches, 1));

  t.capacity = 64;
  t.batch = 64;
  bench_interleave (rounds, round_relay, round_queue, &t, &small);
  bench_note ("channel-throughput, channel of 64 and batches of at most 64: relay %.1f ns, "
              "GAsyncQueue %.1f ns per value, %.2f × its throughput (%.0f values per batch)",
              small.relay.median, small.baseline.median, small.inverse_ratio.median,
              (double) t.n_values / MAX (t.n_batches, 1));
}

static const BenchCase cases[] = {
  { "throughput", bench_throughput },
};

int
main (int    argc,
      char **argv)
{
  return bench_main (argc, argv, cases, G_N_ELEMENTS (cases));
}
