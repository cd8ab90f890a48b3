/* channel-job.c: a job that streams into a channel, and stopping it
 *
 * relay_stream_in_thread() runs a job that pushes the squares of 0, 1, 2...
 * without end. The main loop receives them in batches; once it has 1000, it
 * cancels the job, which closes the channel: the values already queued still
 * arrive, then the receive rejects with G_IO_ERROR_CANCELLED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

typedef struct
{
  RelayChannel *channel;
  GCancellable *cancellable;
  GMainLoop    *loop;
  gint64        n;
  gboolean      ok;
} Squares;

/* [job] */
static void
squares (RelayJob     *job,
         RelayChannel *channel,
         gpointer      user_data)
{
  /* Ends when the job is cancelled or a receiver closes the channel: then
   * the push fails. Returning closes the channel for the receivers. */
  for (gint64 i = 0;; i++)
    if (!relay_channel_push_int64 (channel, i * i, relay_job_get_cancellable (job), NULL))
      return;
}
/* [/job] */

static void receive_next (Squares *s);

static RelayPromise *
on_batch (RelayPromise *batch,
          gpointer      user_data)
{
  Squares *s = user_data;
  guint n_values;
  const GValue *values = relay_promise_get_values (batch, &n_values);

  for (guint i = 0; i < n_values; i++, s->n++)
    if (g_value_get_int64 (&values[i]) != s->n * s->n)
      s->ok = FALSE;

  if (s->n >= 1000)
    g_cancellable_cancel (s->cancellable);   /* enough: stop the job */
  receive_next (s);
  return NULL;
}

static RelayPromise *
on_end (RelayPromise *batch,
        gpointer      user_data)
{
  Squares *s = user_data;

  if (!g_error_matches (relay_promise_get_error (batch), G_IO_ERROR, G_IO_ERROR_CANCELLED))
    s->ok = FALSE;
  g_main_loop_quit (s->loop);
  return NULL;
}

static void
receive_next (Squares *s)
{
  g_autoptr(RelayPromise) batch = relay_channel_receive_many (s->channel, 100);

  relay_promise_disown (relay_promise_chain (batch, on_batch, on_end, s, NULL));
}

int
main (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(RelayChannel) channel = NULL;
  Squares s = { NULL, cancellable, loop, 0, TRUE };

  /* [start] */
  channel = relay_stream_in_thread (32, cancellable, squares, NULL, NULL);
  /* [/start] */
  s.channel = channel;
  receive_next (&s);
  g_main_loop_run (loop);

  /* At least the 1000 asked for, at most what the channel held besides. */
  g_print ("%" G_GINT64_FORMAT " squares\n", s.n);
  return s.ok && s.n >= 1000 && s.n <= 1000 + 100 + 32 ? 0 : 1;
}
