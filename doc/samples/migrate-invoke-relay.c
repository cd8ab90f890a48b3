/* migrate-invoke-relay.c: run code on another thread's context (after)
 *
 * A promise created for the network context runs its handlers there, with
 * the value it was resolved with, and hands back a result the caller can
 * wait for. Unlike g_main_context_invoke(), the handler never runs inside the
 * calling function, even when the caller already owns the context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

static GMainContext *net_context;
static GMainLoop *net_loop;

static RelayPromise *
send_request (RelayPromise *request,
              gpointer      user_data)
{
  /* On the network thread. */
  const char *text = relay_promise_get_string (request);

  g_print ("sending %s\n", text);
  if (g_str_equal (text, "bye"))
    g_main_loop_quit (net_loop);
  return NULL;
}

static gpointer
network_thread (gpointer user_data)
{
  g_main_context_push_thread_default (net_context);
  g_main_loop_run (net_loop);
  g_main_context_pop_thread_default (net_context);
  return NULL;
}

static RelayPromise *
request (const char *text)
{
  g_autoptr(RelayPromise) request = relay_promise_new_for_context (net_context);
  RelayPromise *sent = relay_promise_then (request, send_request, NULL, NULL);

  relay_promise_resolve_string (request, text);
  return sent;       /* settles on the network thread once the handler ran */
}

int
main (void)
{
  g_autoptr(RelayPromise) hello = NULL, bye = NULL;
  GThread *thread;

  net_context = g_main_context_new ();
  net_loop = g_main_loop_new (net_context, FALSE);
  thread = g_thread_new ("network", network_thread, NULL);

  hello = request ("hello");
  bye = request ("bye");

  /* Block until the network thread handled both (safe: not its thread). */
  g_assert_true (relay_promise_wait (bye, NULL, NULL));
  g_assert_true (relay_promise_wait (hello, NULL, NULL));

  g_thread_join (thread);
  g_main_loop_unref (net_loop);
  g_main_context_unref (net_context);
  return 0;
}
