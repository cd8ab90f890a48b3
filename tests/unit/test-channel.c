/* test-channel.c: RelayChannel — every cell of the semantics table (room /
 * full / empty / closed / cancelled × send / push / receive), values, order
 * and the thread handlers run on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#include "test-utils.h"

/* Observes the outcome (so a rejection is never "unhandled") and waits until
 * the promise settled and its handlers ran. */
static void
settle (RelayPromise *promise)
{
  relay_promise_then_values (promise, NULL, NULL, NULL, NULL, NULL, NULL);
  wait_settled (promise);
}

static void
assert_fulfilled_int64 (RelayPromise *promise,
                        gint64        expected)
{
  settle (promise);
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (promise), ==, 1);
  g_assert_cmpint (relay_promise_get_int64 (promise), ==, expected);
}

static void
assert_rejected (RelayPromise *promise,
                 GQuark        domain,
                 int           code)
{
  settle (promise);
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_STATE_REJECTED);
  g_assert_error ((GError *) relay_promise_get_error (promise), domain, code);
}

static void
assert_fulfilled_empty (RelayPromise *promise)
{
  settle (promise);
  g_assert_cmpint (relay_promise_get_state (promise), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_cmpuint (relay_promise_get_n_values (promise), ==, 0);
}

static RelayPromise *
send_int64 (RelayChannel *channel,
            gint64        v)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT64);
  g_value_set_int64 (&value, v);
  return relay_channel_send (channel, &value);
}

static void
receive_expect (RelayChannel *channel,
                gint64        expected)
{
  g_autoptr(RelayPromise) r = relay_channel_receive (channel);

  assert_fulfilled_int64 (r, expected);
}

static void
receive_expect_closed (RelayChannel *channel,
                       GQuark        domain,
                       int           code)
{
  g_autoptr(RelayPromise) r = relay_channel_receive (channel);

  assert_rejected (r, domain, code);
}

/* --- construction --------------------------------------------------------- */

static void
test_new (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (3);

  g_assert_cmpuint (relay_channel_get_capacity (channel), ==, 3);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 0);
  g_assert_false (relay_channel_is_closed (channel));
}

/* --- send (promise) ------------------------------------------------------- */

/* Room: the promise fulfils at once, with no values; the value is queued. */
static void
test_send_room (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (2);
  g_autoptr(RelayPromise) s = send_int64 (channel, 7);

  g_assert_cmpint (relay_promise_get_state (s), ==, RELAY_PROMISE_STATE_FULFILLED);
  assert_fulfilled_empty (s);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 1);
  receive_expect (channel, 7);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 0);
}

/* Full: the promise waits until a receive makes room, then the value is
 * queued behind the older ones; sends waiting for room go in order. */
static void
test_send_full (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (1);
  g_autoptr(RelayPromise) s1 = send_int64 (channel, 1);
  g_autoptr(RelayPromise) s2 = send_int64 (channel, 2);
  g_autoptr(RelayPromise) s3 = send_int64 (channel, 3);

  g_assert_cmpint (relay_promise_get_state (s1), ==, RELAY_PROMISE_STATE_FULFILLED);
  drain (NULL);
  g_assert_true (relay_promise_is_pending (s2));
  g_assert_true (relay_promise_is_pending (s3));
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 1);

  receive_expect (channel, 1);
  /* The receive made room for s2 only. */
  g_assert_cmpint (relay_promise_get_state (s2), ==, RELAY_PROMISE_STATE_FULFILLED);
  g_assert_true (relay_promise_is_pending (s3));
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 1);

  receive_expect (channel, 2);
  assert_fulfilled_empty (s3);
  receive_expect (channel, 3);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 0);
}

/* Closed: the promise rejects with RELAY_ERROR_CLOSED, or the close error. */
static void
test_send_closed (void)
{
  g_autoptr(RelayChannel) plain = relay_channel_new (2);
  g_autoptr(RelayChannel) failed = relay_channel_new (2);
  g_autoptr(RelayPromise) s1 = NULL;
  g_autoptr(RelayPromise) s2 = NULL;

  relay_channel_close (plain, NULL);
  relay_channel_close (failed, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "producer died"));
  g_assert_true (relay_channel_is_closed (plain));

  s1 = send_int64 (plain, 1);
  assert_rejected (s1, RELAY_ERROR, RELAY_ERROR_CLOSED);
  s2 = send_int64 (failed, 1);
  assert_rejected (s2, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_cmpstr (relay_promise_get_error (s2)->message, ==, "producer died");
  g_assert_cmpuint (relay_channel_get_n_queued (plain), ==, 0);
}

/* Closed while the send waits for room: it rejects, its value is not sent,
 * the queued value still is. */
static void
test_send_full_then_closed (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (1);
  g_autoptr(RelayPromise) s1 = send_int64 (channel, 1);
  g_autoptr(RelayPromise) s2 = send_int64 (channel, 2);

  relay_promise_then_values (s2, NULL, NULL, NULL, NULL, NULL, NULL);
  relay_channel_close (channel, NULL);
  assert_rejected (s2, RELAY_ERROR, RELAY_ERROR_CLOSED);
  receive_expect (channel, 1);
  receive_expect_closed (channel, RELAY_ERROR, RELAY_ERROR_CLOSED);
}

/* Cancelled while it waits for room: the value is withdrawn. */
static void
test_send_cancelled (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (1);
  g_autoptr(RelayPromise) s1 = send_int64 (channel, 1);
  g_autoptr(RelayPromise) s2 = send_int64 (channel, 2);
  g_autoptr(RelayPromise) s3 = send_int64 (channel, 3);

  g_assert_true (relay_promise_cancel (s2));
  assert_rejected (s2, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  receive_expect (channel, 1);
  assert_fulfilled_empty (s3);
  receive_expect (channel, 3);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 0);

  /* Cancelling a send that was queued changes nothing. */
  g_assert_false (relay_promise_cancel (s1));
}

/* Any GType: a boxed value and an object go through unchanged. */
static void
test_send_any_type (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (4);
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("abc", 3);
  g_auto(GValue) v1 = G_VALUE_INIT;
  g_auto(GValue) v2 = G_VALUE_INIT;
  g_autoptr(RelayPromise) s1 = NULL;
  g_autoptr(RelayPromise) s2 = NULL;
  g_autoptr(RelayPromise) r = NULL;

  g_value_init (&v1, G_TYPE_BYTES);
  g_value_set_boxed (&v1, bytes);
  g_value_init (&v2, G_TYPE_OBJECT);
  g_value_set_object (&v2, object);
  s1 = relay_channel_send (channel, &v1);
  s2 = relay_channel_send (channel, &v2);
  assert_fulfilled_empty (s1);
  assert_fulfilled_empty (s2);

  r = relay_channel_receive_many (channel, 10);
  settle (r);
  g_assert_cmpuint (relay_promise_get_n_values (r), ==, 2);
  g_assert_true (G_VALUE_HOLDS (relay_promise_get_value (r, 0), G_TYPE_BYTES));
  g_assert_true (g_bytes_equal (g_value_get_boxed (relay_promise_get_value (r, 0)), bytes));
  g_assert_true (g_value_get_object (relay_promise_get_value (r, 1)) == object);
}

/* --- typed sends ------------------------------------------------------------ */

/* Each shortcut queues one value of its type; the promise fulfils with no
 * values, and a receive reads the value back with the matching typed
 * getter. */
static void
test_send_typed (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (8);
  g_autoptr(GCancellable) object = g_cancellable_new ();
  g_autofree char *text = g_strdup ("hello");
  RelayPromise *sent[6];
  g_autoptr(RelayPromise) r = NULL;

  sent[0] = relay_channel_send_boolean (channel, TRUE);
  sent[1] = relay_channel_send_int64 (channel, G_MININT64);
  sent[2] = relay_channel_send_double (channel, -2.5);
  sent[3] = relay_channel_send_string (channel, text);
  sent[4] = relay_channel_send_string (channel, NULL);
  sent[5] = relay_channel_send_object (channel, object);
  text[0] = 'J';   /* the string was copied */

  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    {
      /* Room for all: queued by the call itself. */
      g_assert_cmpint (relay_promise_get_state (sent[i]), ==, RELAY_PROMISE_STATE_FULFILLED);
      assert_fulfilled_empty (sent[i]);
      g_object_unref (sent[i]);
    }
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 6);

  /* The types, all in one batch. */
  r = relay_channel_receive_many (channel, 2);
  settle (r);
  g_assert_cmpuint (relay_promise_get_n_values (r), ==, 2);
  g_assert_true (G_VALUE_HOLDS_BOOLEAN (relay_promise_get_value (r, 0)));
  g_assert_true (g_value_get_boolean (relay_promise_get_value (r, 0)));
  g_assert_true (G_VALUE_HOLDS_INT64 (relay_promise_get_value (r, 1)));
  g_assert_cmpint (g_value_get_int64 (relay_promise_get_value (r, 1)), ==, G_MININT64);
  g_clear_object (&r);

  /* One at a time, through the typed getters. */
  r = relay_channel_receive (channel);
  settle (r);
  g_assert_true (G_VALUE_HOLDS_DOUBLE (relay_promise_get_value (r, 0)));
  g_assert_cmpfloat (relay_promise_get_double (r), ==, -2.5);
  g_clear_object (&r);

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_true (G_VALUE_HOLDS_STRING (relay_promise_get_value (r, 0)));
  g_assert_cmpstr (relay_promise_get_string (r), ==, "hello");
  g_clear_object (&r);

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_true (G_VALUE_HOLDS_STRING (relay_promise_get_value (r, 0)));
  g_assert_null (relay_promise_get_string (r));
  g_clear_object (&r);

  /* The object's own type, not G_TYPE_OBJECT; the same object. */
  r = relay_channel_receive (channel);
  settle (r);
  g_assert_true (G_VALUE_TYPE (relay_promise_get_value (r, 0)) == G_TYPE_CANCELLABLE);
  g_assert_true (relay_promise_get_object (r) == object);
  g_clear_object (&r);

  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 0);
}

/* On a full channel a typed send waits for room like send(), in order, and
 * holds its value (the channel's own copy or reference) until it is
 * queued. */
static void
test_send_typed_full (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (1);
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GWeakRef weak;
  g_autoptr(RelayPromise) s1 = relay_channel_send_int64 (channel, 1);
  g_autoptr(RelayPromise) s2 = NULL;
  g_autoptr(RelayPromise) s3 = NULL;
  g_autoptr(RelayPromise) s4 = NULL;
  g_autoptr(RelayPromise) r = NULL;
  g_autofree char *text = g_strdup ("waiting");

  g_weak_ref_init (&weak, object);
  s2 = relay_channel_send_string (channel, text);
  s3 = relay_channel_send_object (channel, object);
  s4 = relay_channel_send_double (channel, 0.25);
  g_clear_pointer (&text, g_free);
  g_object_unref (object);   /* the waiting send keeps its own reference */
  drain (NULL);
  g_assert_true (relay_promise_is_pending (s2));
  g_assert_true (relay_promise_is_pending (s3));
  g_assert_true (relay_promise_is_pending (s4));

  receive_expect (channel, 1);
  assert_fulfilled_empty (s2);
  g_assert_true (relay_promise_is_pending (s3));

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_cmpstr (relay_promise_get_string (r), ==, "waiting");
  g_clear_object (&r);
  assert_fulfilled_empty (s3);

  r = relay_channel_receive (channel);
  settle (r);
  object = g_weak_ref_get (&weak);
  g_assert_nonnull (object);
  g_assert_true (relay_promise_get_object (r) == object);
  g_object_unref (object);
  g_clear_object (&r);
  assert_fulfilled_empty (s4);

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_cmpfloat (relay_promise_get_double (r), ==, 0.25);
  g_clear_object (&r);

  /* Received and dropped: nothing in the channel holds the object. */
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
}

/* A closed channel rejects every typed send with the close error; nothing is
 * queued and nothing kept (the object is released). A typed send waiting for
 * room when the channel closes rejects too, its value not sent; cancelling
 * one withdraws its value. */
static void
test_send_typed_closed (void)
{
  g_autoptr(RelayChannel) plain = relay_channel_new (2);
  g_autoptr(RelayChannel) failed = relay_channel_new (2);
  g_autoptr(RelayChannel) full = relay_channel_new (1);
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GWeakRef weak;
  RelayPromise *sent[10];
  g_autoptr(RelayPromise) queued = NULL;
  g_autoptr(RelayPromise) waiting = NULL;
  g_autoptr(RelayPromise) withdrawn = NULL;
  g_autoptr(RelayPromise) last = NULL;

  g_weak_ref_init (&weak, object);
  relay_channel_close (plain, NULL);
  relay_channel_close (failed, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "producer died"));

  sent[0] = relay_channel_send_boolean (plain, TRUE);
  sent[1] = relay_channel_send_int64 (plain, 1);
  sent[2] = relay_channel_send_double (plain, 1.5);
  sent[3] = relay_channel_send_string (plain, "lost");
  sent[4] = relay_channel_send_object (plain, object);
  sent[5] = relay_channel_send_boolean (failed, FALSE);
  sent[6] = relay_channel_send_int64 (failed, 2);
  sent[7] = relay_channel_send_double (failed, 2.5);
  sent[8] = relay_channel_send_string (failed, "lost too");
  sent[9] = relay_channel_send_object (failed, object);
  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    {
      /* Rejected by the call itself; observed before the context runs. */
      g_assert_cmpint (relay_promise_get_state (sent[i]), ==, RELAY_PROMISE_STATE_REJECTED);
      relay_promise_then_values (sent[i], NULL, NULL, NULL, NULL, NULL, NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    {
      if (i < 5)
        assert_rejected (sent[i], RELAY_ERROR, RELAY_ERROR_CLOSED);
      else
        {
          assert_rejected (sent[i], G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
          g_assert_cmpstr (relay_promise_get_error (sent[i])->message, ==, "producer died");
        }
      g_object_unref (sent[i]);
    }
  g_assert_cmpuint (relay_channel_get_n_queued (plain), ==, 0);
  g_assert_cmpuint (relay_channel_get_n_queued (failed), ==, 0);

  /* Waiting for room, then closed; and one cancelled while it waits. */
  queued = relay_channel_send_int64 (full, 7);
  withdrawn = relay_channel_send_string (full, "withdrawn");
  waiting = relay_channel_send_object (full, object);
  g_object_unref (object);
  g_assert_true (relay_promise_cancel (withdrawn));
  assert_rejected (withdrawn, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  relay_promise_then_values (waiting, NULL, NULL, NULL, NULL, NULL, NULL);
  relay_channel_close (full, NULL);
  assert_rejected (waiting, RELAY_ERROR, RELAY_ERROR_CLOSED);
  last = relay_channel_send_string (full, "after close");
  assert_rejected (last, RELAY_ERROR, RELAY_ERROR_CLOSED);
  receive_expect (full, 7);
  receive_expect_closed (full, RELAY_ERROR, RELAY_ERROR_CLOSED);

  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
}

/* The promise of a typed send belongs to the sending thread's thread-default
 * context, and its handlers run there, even when the receive that makes room
 * runs on another thread. */
typedef struct
{
  RelayChannel *channel;
  TestEvent     sent;
  GThread      *handler_thread;
  int           immediate_on_context;
  int           done;      /* atomic */
} Sending;

static void
on_sent (const GValue *value,
         gpointer      data)
{
  Sending *sending = data;

  sending->handler_thread = g_thread_self ();
  g_atomic_int_set (&sending->done, TRUE);
}

static gpointer
typed_sender_thread (gpointer data)
{
  Sending *sending = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(RelayPromise) immediate = NULL;
  g_autoptr(RelayPromise) s = NULL;

  g_main_context_push_thread_default (context);
  /* Room: fulfilled at once, still a promise of this thread's context. */
  immediate = relay_channel_send_int64 (sending->channel, 1);
  sending->immediate_on_context = relay_promise_get_context (immediate) == context &&
                                  relay_promise_get_state (immediate) == RELAY_PROMISE_STATE_FULFILLED;
  /* Full now: this one waits for a receive on the main thread. */
  s = relay_channel_send_string (sending->channel, "from a thread");
  g_assert_true (relay_promise_get_context (s) == context);
  g_assert_true (relay_promise_is_pending (s));
  relay_promise_then_values (s, on_sent, sending, NULL, NULL, NULL, NULL);
  test_event_set (&sending->sent);
  while (!g_atomic_int_get (&sending->done))
    g_main_context_iteration (context, TRUE);
  g_clear_object (&immediate);
  g_clear_object (&s);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_send_typed_thread (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (1);
  Sending sending = { .channel = channel };
  g_autoptr(RelayPromise) r = NULL;
  GThread *thread;

  test_event_init (&sending.sent);
  thread = g_thread_new ("typed-sender", typed_sender_thread, &sending);
  test_event_wait (&sending.sent, "the sending thread never sent");

  /* This receive, on the main thread, makes room for the waiting send. */
  receive_expect (channel, 1);
  r = relay_channel_receive (channel);
  settle (r);
  g_assert_cmpstr (relay_promise_get_string (r), ==, "from a thread");

  g_thread_join (thread);
  g_assert_true (sending.immediate_on_context);
  g_assert_true (sending.handler_thread == thread);
  test_event_clear (&sending.sent);
}

/* --- push (blocking) ------------------------------------------------------ */

static void
test_push_room (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (8);
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(RelayPromise) r = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_UINT);
  g_value_set_uint (&value, 42);

  g_assert_true (relay_channel_push (channel, &value, NULL, &error));
  g_assert_true (relay_channel_push_boolean (channel, TRUE, NULL, &error));
  g_assert_true (relay_channel_push_int64 (channel, G_MININT64, NULL, &error));
  g_assert_true (relay_channel_push_double (channel, 2.5, NULL, &error));
  g_assert_true (relay_channel_push_string (channel, "hello", NULL, &error));
  g_assert_true (relay_channel_push_object (channel, object, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 6);

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_cmpuint (g_value_get_uint (relay_promise_get_value (r, 0)), ==, 42);
  g_clear_object (&r);

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_true (relay_promise_get_boolean (r));
  g_clear_object (&r);

  receive_expect (channel, G_MININT64);

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_cmpfloat (relay_promise_get_double (r), ==, 2.5);
  g_clear_object (&r);

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_cmpstr (relay_promise_get_string (r), ==, "hello");
  g_clear_object (&r);

  r = relay_channel_receive (channel);
  settle (r);
  g_assert_true (relay_promise_get_object (r) == object);
  g_clear_object (&r);
}

static void
test_push_closed (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (2);
  g_autoptr(RelayChannel) failed = relay_channel_new (2);
  g_autoptr(GError) error = NULL;

  relay_channel_close (channel, NULL);
  relay_channel_close (failed, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "no"));
  g_assert_false (relay_channel_push_int64 (channel, 1, NULL, &error));
  g_assert_error (error, RELAY_ERROR, RELAY_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (relay_channel_push_int64 (failed, 1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 0);
}

static void
nothing (void)
{
}

/* A push that finds room queues its value without connecting to its
 * cancellable. Connecting takes GLib's process-wide signal lock, which the
 * main thread takes for every signal it emits: a worker preempted while it
 * holds it (a pool worker at nice +10 on a busy machine) stalls the main
 * thread for as long, which the demo's search measured at 40-100 ms. Handler
 * ids are numbered in sequence, process-wide, so a push that connected a
 * handler would have used one. */
static void
test_push_room_no_handler (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GObject) probe = g_object_new (G_TYPE_OBJECT, NULL);
  gulong before, after;

  before = g_signal_connect (probe, "notify", G_CALLBACK (nothing), NULL);
  for (int i = 0; i < 4; i++)
    g_assert_true (relay_channel_push_int64 (channel, i, cancellable, NULL));
  after = g_signal_connect (probe, "notify", G_CALLBACK (nothing), NULL);
  g_assert_cmpuint (after, ==, before + 1);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 4);
}

static void
test_push_cancelled_before (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (relay_channel_push_int64 (channel, 1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 0);
}

typedef struct
{
  RelayChannel *channel;
  GCancellable *cancellable;
  gint64        first;
  guint         n;
  TestEvent     started;
  int           returned;   /* atomic */
  gboolean      result;
  GError       *error;
} Pusher;

static gpointer
pusher_thread (gpointer data)
{
  Pusher *pusher = data;

  test_event_set (&pusher->started);
  pusher->result = TRUE;
  for (guint i = 0; i < pusher->n && pusher->result; i++)
    pusher->result = relay_channel_push_int64 (pusher->channel, pusher->first + i,
                                               pusher->cancellable, &pusher->error);
  g_atomic_int_set (&pusher->returned, TRUE);
  return NULL;
}

static GThread *
pusher_start (Pusher       *pusher,
              RelayChannel *channel,
              GCancellable *cancellable,
              gint64        first,
              guint         n)
{
  *pusher = (Pusher) { .channel = channel, .cancellable = cancellable, .first = first, .n = n };
  test_event_init (&pusher->started);
  return g_thread_new ("pusher", pusher_thread, pusher);
}

static void
pusher_clear (Pusher *pusher)
{
  test_event_clear (&pusher->started);
  g_clear_error (&pusher->error);
}

/* Waits until the channel holds @n values: the pusher made progress. */
static void
wait_queued (RelayChannel *channel,
             guint         n)
{
  Stall stall;
  guint last = relay_channel_get_n_queued (channel), now;

  stall_init (&stall);
  while ((now = relay_channel_get_n_queued (channel)) < n)
    {
      if (now != last)
        {
          last = now;
          stall_progress (&stall);
        }
      stall_check (&stall, "a pusher stopped queueing values");
      g_usleep (100);
    }
}

/* Full: push blocks until receives make room (backpressure), and the
 * values arrive in order. */
static void
test_push_full (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (2);
  Pusher pusher;
  GThread *thread = pusher_start (&pusher, channel, NULL, 100, 5);

  wait_queued (channel, 2);
  /* Full, nothing received: the third push cannot have returned. */
  g_assert_false (g_atomic_int_get (&pusher.returned));
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 2);

  for (gint64 i = 100; i < 105; i++)
    receive_expect (channel, i);

  g_thread_join (thread);
  g_assert_true (pusher.result);
  g_assert_no_error (pusher.error);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 0);
  pusher_clear (&pusher);
}

/* Full, then closed: the blocked push fails with the close error and its
 * value is not sent; the queued ones are still received. */
static void
test_push_full_then_closed (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (2);
  Pusher pusher;
  GThread *thread = pusher_start (&pusher, channel, NULL, 0, 3);

  wait_queued (channel, 2);
  relay_channel_close (channel, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "enough"));
  g_thread_join (thread);
  g_assert_false (pusher.result);
  g_assert_error (pusher.error, G_IO_ERROR, G_IO_ERROR_CLOSED);

  receive_expect (channel, 0);
  receive_expect (channel, 1);
  receive_expect_closed (channel, G_IO_ERROR, G_IO_ERROR_CLOSED);
  pusher_clear (&pusher);
}

/* Full, then cancelled: the blocked push fails with G_IO_ERROR_CANCELLED and
 * its value is not sent. */
static void
test_push_full_then_cancelled (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RelayPromise) s = NULL;
  Pusher pusher;
  GThread *thread = pusher_start (&pusher, channel, cancellable, 0, 3);

  wait_queued (channel, 2);
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);
  g_assert_false (pusher.result);
  g_assert_error (pusher.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  receive_expect (channel, 0);
  receive_expect (channel, 1);
  /* The third value never went in: the next one received is sent now. */
  s = send_int64 (channel, 99);
  receive_expect (channel, 99);
  pusher_clear (&pusher);
}

/* --- receive -------------------------------------------------------------- */

/* Queued values: the oldest first; receive_many takes up to max at once. */
static void
test_receive_queued (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (10);
  g_autoptr(RelayPromise) r1 = NULL;
  g_autoptr(RelayPromise) r2 = NULL;

  for (gint64 i = 0; i < 7; i++)
    g_assert_true (relay_channel_push_int64 (channel, i, NULL, NULL));

  r1 = relay_channel_receive_many (channel, 4);
  settle (r1);
  g_assert_cmpuint (relay_promise_get_n_values (r1), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (g_value_get_int64 (relay_promise_get_value (r1, i)), ==, i);

  r2 = relay_channel_receive_many (channel, 100);
  settle (r2);
  g_assert_cmpuint (relay_promise_get_n_values (r2), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (g_value_get_int64 (relay_promise_get_value (r2, i)), ==, 4 + i);
}

/* Many values, the queue's storage wrapping round and growing: still every
 * value once, in order. */
static void
test_receive_wrap_and_grow (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (10000);
  gint64 next = 0, sent = 0;

  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(RelayPromise) r = NULL;

      for (guint i = 0; i < 7 + round * 13; i++)
        g_assert_true (relay_channel_push_int64 (channel, sent++, NULL, NULL));
      r = relay_channel_receive_many (channel, 5 + round * 7);
      settle (r);
      for (guint i = 0; i < relay_promise_get_n_values (r); i++)
        g_assert_cmpint (g_value_get_int64 (relay_promise_get_value (r, i)), ==, next++);
    }
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, sent - next);
  while (next < sent)
    {
      g_autoptr(RelayPromise) r = relay_channel_receive_many (channel, 100);

      settle (r);
      for (guint i = 0; i < relay_promise_get_n_values (r); i++)
        g_assert_cmpint (g_value_get_int64 (relay_promise_get_value (r, i)), ==, next++);
    }
}

/* Empty: pending receives wait, and are served in the order they were made. */
static void
test_receive_empty (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (4);
  g_autoptr(RelayPromise) r1 = relay_channel_receive (channel);
  g_autoptr(RelayPromise) r2 = relay_channel_receive_many (channel, 5);
  g_autoptr(RelayPromise) s1 = NULL;
  g_autoptr(RelayPromise) s2 = NULL;
  g_autoptr(RelayPromise) s3 = NULL;

  drain (NULL);
  g_assert_true (relay_promise_is_pending (r1));
  g_assert_true (relay_promise_is_pending (r2));

  s1 = send_int64 (channel, 10);
  assert_fulfilled_int64 (r1, 10);
  g_assert_true (relay_promise_is_pending (r2));

  s2 = send_int64 (channel, 11);
  s3 = send_int64 (channel, 12);
  settle (r2);
  /* r2 took what was there when it was served: one value. */
  g_assert_cmpuint (relay_promise_get_n_values (r2), ==, 1);
  g_assert_cmpint (relay_promise_get_int64 (r2), ==, 11);
  receive_expect (channel, 12);
}

/* Closed: the queued values first, then every receive rejects. */
static void
test_receive_closed (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (4);

  g_assert_true (relay_channel_push_int64 (channel, 1, NULL, NULL));
  g_assert_true (relay_channel_push_int64 (channel, 2, NULL, NULL));
  relay_channel_close (channel, NULL);
  /* A second close changes nothing (and frees its error). */
  relay_channel_close (channel, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "late"));

  receive_expect (channel, 1);
  receive_expect (channel, 2);
  receive_expect_closed (channel, RELAY_ERROR, RELAY_ERROR_CLOSED);
  receive_expect_closed (channel, RELAY_ERROR, RELAY_ERROR_CLOSED);
}

/* Closed while receives wait: they all reject with (copies of) the error. */
static void
test_receive_empty_then_closed (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (4);
  g_autoptr(RelayPromise) r1 = relay_channel_receive (channel);
  g_autoptr(RelayPromise) r2 = relay_channel_receive_many (channel, 3);

  relay_promise_then_values (r1, NULL, NULL, NULL, NULL, NULL, NULL);
  relay_promise_then_values (r2, NULL, NULL, NULL, NULL, NULL, NULL);
  relay_channel_close (channel, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone"));
  assert_rejected (r1, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  assert_rejected (r2, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (relay_promise_get_error (r1) != relay_promise_get_error (r2));
  receive_expect_closed (channel, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* Cancelled while waiting: the value goes to the next receive, none is lost. */
static void
test_receive_cancelled (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (4);
  g_autoptr(RelayPromise) r1 = relay_channel_receive (channel);
  g_autoptr(RelayPromise) r2 = relay_channel_receive (channel);
  g_autoptr(RelayPromise) r3 = relay_channel_receive (channel);
  g_autoptr(RelayPromise) s1 = NULL;
  g_autoptr(RelayPromise) s2 = NULL;

  g_assert_true (relay_promise_cancel (r2));
  g_assert_true (relay_promise_cancel (r1));
  assert_rejected (r1, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_rejected (r2, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  s1 = send_int64 (channel, 5);
  assert_fulfilled_int64 (r3, 5);
  s2 = send_int64 (channel, 6);
  g_assert_cmpuint (relay_channel_get_n_queued (channel), ==, 1);
  receive_expect (channel, 6);
}

/* Many cancelled receives do not pile up: the channel prunes them. */
static void
test_receive_cancelled_many (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (4);
  g_autoptr(RelayPromise) last = NULL;
  GWeakRef refs[100];

  for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
    {
      RelayPromise *r = relay_channel_receive (channel);

      g_weak_ref_init (&refs[i], r);
      g_assert_true (relay_promise_cancel (r));
      g_object_unref (r);
    }
  last = relay_channel_receive (channel);
  drain (NULL);

  /* At most the latest few are still held (the prune runs when the queue
   * doubled); the first ones were released. */
  for (guint i = 0; i < 32; i++)
    {
      GObject *object = g_weak_ref_get (&refs[i]);

      g_assert_null (object);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
    g_weak_ref_clear (&refs[i]);

  g_assert_true (relay_channel_push_int64 (channel, 3, NULL, NULL));
  assert_fulfilled_int64 (last, 3);
}

/* The promise settles on the receiver's thread-default context, whatever
 * thread sends. */
typedef struct
{
  RelayChannel *channel;
  GThread      *handler_thread;
  gint64        value;
  int           done;      /* atomic */
} Receiving;

static void
on_received (const GValue *value,
             gpointer      data)
{
  Receiving *receiving = data;

  receiving->handler_thread = g_thread_self ();
  receiving->value = g_value_get_int64 (value);
  g_atomic_int_set (&receiving->done, TRUE);
}

static gpointer
receiver_thread (gpointer data)
{
  Receiving *receiving = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(RelayPromise) r = NULL;

  g_main_context_push_thread_default (context);
  r = relay_channel_receive (receiving->channel);
  g_assert_true (relay_promise_get_context (r) == context);
  relay_promise_then_values (r, on_received, receiving, NULL, NULL, NULL, NULL);
  while (!g_atomic_int_get (&receiving->done))
    g_main_context_iteration (context, TRUE);
  g_clear_object (&r);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_receive_thread (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (4);
  Receiving receiving = { .channel = channel };
  GThread *thread = g_thread_new ("receiver", receiver_thread, &receiving);
  Pusher pusher;
  GThread *sender;

  /* Sent from a third thread. */
  sender = pusher_start (&pusher, channel, NULL, 77, 1);
  g_thread_join (sender);
  g_assert_true (pusher.result);
  g_thread_join (thread);
  g_assert_true (receiving.handler_thread == thread);
  g_assert_cmpint (receiving.value, ==, 77);
  pusher_clear (&pusher);
}

/* Dropping the channel rejects the receives and sends still waiting. */
static void
test_finalize_pending (void)
{
  RelayChannel *channel = relay_channel_new (1);
  g_autoptr(RelayPromise) r = relay_channel_receive (channel);
  g_autoptr(RelayChannel) full = relay_channel_new (1);
  g_autoptr(RelayPromise) s1 = send_int64 (full, 1);
  g_autoptr(RelayPromise) s2 = send_int64 (full, 2);

  relay_promise_then_values (r, NULL, NULL, NULL, NULL, NULL, NULL);
  relay_promise_then_values (s2, NULL, NULL, NULL, NULL, NULL, NULL);
  g_object_unref (channel);
  g_clear_object (&full);
  assert_rejected (r, RELAY_ERROR, RELAY_ERROR_CLOSED);
  assert_rejected (s2, RELAY_ERROR, RELAY_ERROR_CLOSED);
}

/* A send waiting for room goes before pushers that came later, and a pusher
 * blocked behind it gets in once it is queued. */
static void
test_send_and_push_full (void)
{
  g_autoptr(RelayChannel) channel = relay_channel_new (1);
  g_autoptr(RelayPromise) s1 = send_int64 (channel, 1);
  g_autoptr(RelayPromise) s2 = send_int64 (channel, 2);
  Pusher pusher;
  GThread *thread;

  thread = pusher_start (&pusher, channel, NULL, 3, 1);
  test_event_wait (&pusher.started, "the pusher never started");
  receive_expect (channel, 1);
  receive_expect (channel, 2);
  receive_expect (channel, 3);
  g_thread_join (thread);
  g_assert_true (pusher.result);
  assert_fulfilled_empty (s2);
  pusher_clear (&pusher);
}

/* --- a job streaming into a channel ---------------------------------------- */

typedef struct
{
  guint      n;
  TestEvent  first_received;  /* the main thread got the first value */
  GThread   *thread;          /* the worker the job ran on */
  GQuark     fail_domain;     /* return this error at the end, if set */
  int        destroyed;       /* atomic */
  gboolean   push_failed;
  GError    *push_error;
} Streaming;

static void
streaming_destroy (gpointer data)
{
  Streaming *streaming = data;

  g_atomic_int_inc (&streaming->destroyed);
}

static void
stream_numbers (RelayJob     *job,
                RelayChannel *channel,
                gpointer      data)
{
  Streaming *streaming = data;

  streaming->thread = g_thread_self ();
  for (guint i = 0; i < streaming->n; i++)
    {
      if (!relay_channel_push_int64 (channel, i, relay_job_get_cancellable (job), &streaming->push_error))
        {
          streaming->push_failed = TRUE;
          return;
        }
      /* The first value must arrive while the job still runs. */
      if (i == 0)
        test_event_wait (&streaming->first_received, "the first value never arrived while the job ran");
    }

  if (streaming->fail_domain != 0)
    relay_job_return_new_error (job, streaming->fail_domain, 7, "failed after %u values", streaming->n);
}

static void
streaming_init (Streaming *streaming,
                guint      n)
{
  *streaming = (Streaming) { .n = n };
  test_event_init (&streaming->first_received);
}

static void
streaming_clear (Streaming *streaming)
{
  test_event_clear (&streaming->first_received);
  g_clear_error (&streaming->push_error);
}

/* Receives everything until the stream ends; checks the values are 0, 1, 2...
 * and returns how many came; *@end gets the final rejection. */
static guint
receive_all (RelayChannel  *channel,
             Streaming     *streaming,
             RelayPromise **end)
{
  guint n = 0;

  for (;;)
    {
      RelayPromise *batch = relay_channel_receive_many (channel, 64);

      settle (batch);
      if (relay_promise_get_state (batch) == RELAY_PROMISE_STATE_REJECTED)
        {
          *end = batch;
          return n;
        }
      for (guint i = 0; i < relay_promise_get_n_values (batch); i++)
        g_assert_cmpint (g_value_get_int64 (relay_promise_get_value (batch, i)), ==, n++);
      if (streaming != NULL && !test_event_is_set (&streaming->first_received))
        test_event_set (&streaming->first_received);
      g_object_unref (batch);
    }
}

static void
test_stream_job (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (2);
  g_autoptr(RelayChannel) channel = NULL;
  g_autoptr(RelayPromise) end = NULL;
  Streaming streaming;

  streaming_init (&streaming, 1000);
  channel = relay_pool_stream (pool, 8, NULL, stream_numbers, &streaming, streaming_destroy);
  g_assert_cmpuint (relay_channel_get_capacity (channel), ==, 8);

  g_assert_cmpuint (receive_all (channel, &streaming, &end), ==, 1000);
  g_assert_error ((GError *) relay_promise_get_error (end), RELAY_ERROR, RELAY_ERROR_CLOSED);
  g_assert_false (streaming.push_failed);
  g_assert_true (streaming.thread != g_thread_self ());
  relay_pool_shutdown (pool);
  g_assert_cmpint (g_atomic_int_get (&streaming.destroyed), ==, 1);
  streaming_clear (&streaming);
}

static void
test_stream_job_error (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (2);
  g_autoptr(RelayChannel) channel = NULL;
  g_autoptr(RelayPromise) end = NULL;
  Streaming streaming;

  streaming_init (&streaming, 10);
  streaming.fail_domain = G_IO_ERROR;
  channel = relay_pool_stream (pool, 4, NULL, stream_numbers, &streaming, NULL);

  /* The values pushed before the error still arrive. */
  g_assert_cmpuint (receive_all (channel, &streaming, &end), ==, 10);
  g_assert_error ((GError *) relay_promise_get_error (end), G_IO_ERROR, 7);
  g_assert_cmpstr (relay_promise_get_error (end)->message, ==, "failed after 10 values");
  relay_pool_shutdown (pool);
  streaming_clear (&streaming);
}

/* Cancelling the job while it is blocked in a push closes the stream at once:
 * the queued values arrive, then G_IO_ERROR_CANCELLED; the push fails. */
static void
test_stream_job_cancelled (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RelayChannel) channel = NULL;
  g_autoptr(RelayPromise) end = NULL;
  Streaming streaming;

  streaming_init (&streaming, 1000);
  test_event_set (&streaming.first_received);   /* no handshake here */
  channel = relay_pool_stream (pool, 4, cancellable, stream_numbers, &streaming, streaming_destroy);

  wait_queued (channel, 4);                      /* full: the job blocks */
  g_cancellable_cancel (cancellable);
  g_assert_true (relay_channel_is_closed (channel));

  g_assert_cmpuint (receive_all (channel, NULL, &end), ==, 4);
  g_assert_error ((GError *) relay_promise_get_error (end), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  relay_pool_shutdown (pool);
  g_assert_true (streaming.push_failed);
  g_assert_nonnull (streaming.push_error);
  g_assert_cmpint (g_atomic_int_get (&streaming.destroyed), ==, 1);
  streaming_clear (&streaming);
}

/* A receiver closing the channel stops the job at its next push. */
static void
test_stream_job_receiver_closes (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (2);
  g_autoptr(RelayChannel) channel = NULL;
  Streaming streaming;

  streaming_init (&streaming, 1000000);
  channel = relay_pool_stream (pool, 4, NULL, stream_numbers, &streaming, streaming_destroy);
  receive_expect (channel, 0);
  relay_channel_close (channel, NULL);
  test_event_set (&streaming.first_received);
  relay_pool_shutdown (pool);   /* waits for the job */
  g_assert_true (streaming.push_failed);
  g_assert_error (streaming.push_error, RELAY_ERROR, RELAY_ERROR_CLOSED);
  g_assert_cmpint (g_atomic_int_get (&streaming.destroyed), ==, 1);
  streaming_clear (&streaming);
}

static void
block_job (RelayJob *job,
           gpointer  data)
{
  test_event_wait (data, "the blocking job was never released");
  relay_job_return_values (job, NULL, 0);
}

/* Cancelled before it started: it never starts, the stream ends at once. */
static void
test_stream_job_cancelled_queued (void)
{
  g_autoptr(RelayPool) pool = relay_pool_new (1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(RelayChannel) channel = NULL;
  g_autoptr(RelayPromise) blocker = NULL;
  g_autoptr(RelayPromise) end = NULL;
  TestEvent release;
  Streaming streaming;

  test_event_init (&release);
  streaming_init (&streaming, 10);
  blocker = relay_pool_run (pool, NULL, block_job, &release, NULL);
  channel = relay_pool_stream (pool, 4, cancellable, stream_numbers, &streaming, streaming_destroy);
  g_cancellable_cancel (cancellable);

  g_assert_cmpuint (receive_all (channel, NULL, &end), ==, 0);
  g_assert_error ((GError *) relay_promise_get_error (end), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  test_event_set (&release);
  wait_settled (blocker);
  relay_pool_shutdown (pool);
  g_assert_null (streaming.thread);
  g_assert_cmpint (g_atomic_int_get (&streaming.destroyed), ==, 1);
  streaming_clear (&streaming);
  test_event_clear (&release);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/channel/new", test_new);
  g_test_add_func ("/channel/send/room", test_send_room);
  g_test_add_func ("/channel/send/full", test_send_full);
  g_test_add_func ("/channel/send/closed", test_send_closed);
  g_test_add_func ("/channel/send/full-then-closed", test_send_full_then_closed);
  g_test_add_func ("/channel/send/cancelled", test_send_cancelled);
  g_test_add_func ("/channel/send/any-type", test_send_any_type);
  g_test_add_func ("/channel/send/typed", test_send_typed);
  g_test_add_func ("/channel/send/typed-full", test_send_typed_full);
  g_test_add_func ("/channel/send/typed-closed", test_send_typed_closed);
  g_test_add_func ("/channel/send/typed-thread", test_send_typed_thread);
  g_test_add_func ("/channel/send/before-later-push", test_send_and_push_full);
  g_test_add_func ("/channel/push/room", test_push_room);
  g_test_add_func ("/channel/push/full", test_push_full);
  g_test_add_func ("/channel/push/closed", test_push_closed);
  g_test_add_func ("/channel/push/full-then-closed", test_push_full_then_closed);
  g_test_add_func ("/channel/push/room-no-handler", test_push_room_no_handler);
  g_test_add_func ("/channel/push/cancelled", test_push_cancelled_before);
  g_test_add_func ("/channel/push/full-then-cancelled", test_push_full_then_cancelled);
  g_test_add_func ("/channel/receive/queued", test_receive_queued);
  g_test_add_func ("/channel/receive/empty", test_receive_empty);
  g_test_add_func ("/channel/receive/wrap-and-grow", test_receive_wrap_and_grow);
  g_test_add_func ("/channel/receive/closed", test_receive_closed);
  g_test_add_func ("/channel/receive/empty-then-closed", test_receive_empty_then_closed);
  g_test_add_func ("/channel/receive/cancelled", test_receive_cancelled);
  g_test_add_func ("/channel/receive/cancelled-many", test_receive_cancelled_many);
  g_test_add_func ("/channel/receive/thread", test_receive_thread);
  g_test_add_func ("/channel/finalize-pending", test_finalize_pending);

  g_test_add_func ("/channel/stream-job/values", test_stream_job);
  g_test_add_func ("/channel/stream-job/error", test_stream_job_error);
  g_test_add_func ("/channel/stream-job/cancelled", test_stream_job_cancelled);
  g_test_add_func ("/channel/stream-job/cancelled-queued", test_stream_job_cancelled_queued);
  g_test_add_func ("/channel/stream-job/receiver-closes", test_stream_job_receiver_closes);

  return g_test_run ();
}
