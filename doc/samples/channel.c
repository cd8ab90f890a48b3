/* channel.c: a worker streams results through a RelayChannel
 *
 * A job pushes 10,000 numbers into a channel of 64 slots (it blocks whenever
 * the main loop falls behind) and closes it when done. The main loop receives
 * them in batches of up to 256 values, one promise per batch, until the
 * receive rejects with RELAY_ERROR_CLOSED. It checks that every value came,
 * once, in order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#define N_VALUES 10000

typedef struct
{
  RelayChannel *channel;
  GMainLoop    *loop;
  gint64        next;      /* the value expected next */
  guint         batches;
  gboolean      ok;
} Stream;

/* [producer] */
static void
produce (RelayJob *job,
         gpointer  user_data)
{
  RelayChannel *channel = user_data;
  g_autoptr(GError) error = NULL;

  for (gint64 i = 0; i < N_VALUES; i++)
    if (!relay_channel_push_int64 (channel, i, relay_job_get_cancellable (job), &error))
      {
        /* Closed by the receiver, or the job was cancelled. */
        relay_channel_close (channel, g_error_copy (error));
        relay_job_return_error (job, g_steal_pointer (&error));
        return;
      }

  relay_channel_close (channel, NULL);   /* done: receivers drain, then stop */
  relay_job_return_int64 (job, N_VALUES);
}
/* [/producer] */

/* [consumer] */
static void receive_next (Stream *stream);

static RelayPromise *
on_batch (RelayPromise *batch,
          gpointer      user_data)
{
  Stream *stream = user_data;
  guint n_values;
  const GValue *values = relay_promise_get_values (batch, &n_values);

  for (guint i = 0; i < n_values; i++)
    if (g_value_get_int64 (&values[i]) != stream->next++)
      stream->ok = FALSE;
  stream->batches++;

  receive_next (stream);
  return NULL;
}

static RelayPromise *
on_end (RelayPromise *batch,
        gpointer      user_data)
{
  Stream *stream = user_data;
  const GError *error = relay_promise_get_error (batch);

  /* The end of the stream, or the producer's error. */
  if (!g_error_matches (error, RELAY_ERROR, RELAY_ERROR_CLOSED))
    {
      g_printerr ("stream failed: %s\n", error->message);
      stream->ok = FALSE;
    }
  g_main_loop_quit (stream->loop);
  return NULL;
}

static void
receive_next (Stream *stream)
{
  g_autoptr(RelayPromise) batch = relay_channel_receive_many (stream->channel, 256);

  relay_promise_disown (relay_promise_chain (batch, on_batch, on_end, stream, NULL));
}
/* [/consumer] */

int
main (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (64);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(RelayPromise) job = NULL;
  g_autoptr(GError) error = NULL;
  Stream stream = { channel, loop, 0, 0, TRUE };

  job = relay_run_in_thread (NULL, produce, g_object_ref (channel), g_object_unref);
  receive_next (&stream);
  g_main_loop_run (loop);

  if (!relay_promise_wait (job, NULL, &error))
    g_error ("%s", error->message);

  g_print ("%" G_GINT64_FORMAT " values in %u batches\n", stream.next, stream.batches);
  return stream.ok && stream.next == N_VALUES ? 0 : 1;
}
