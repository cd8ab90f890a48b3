/* migrate-invoke-glib.c: run code on another thread's context (before)
 *
 * A "network" thread iterates its own GMainContext. The main thread asks it
 * to run a function there with g_main_context_invoke_full(), once per request.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>

static GMainContext *net_context;
static GMainLoop *net_loop;

static gboolean
send_request (gpointer data)
{
  /* On the network thread. */
  g_print ("sending %s\n", (const char *) data);
  if (g_str_equal (data, "bye"))
    g_main_loop_quit (net_loop);
  return G_SOURCE_REMOVE;
}

static gpointer
network_thread (gpointer user_data)
{
  g_main_context_push_thread_default (net_context);
  g_main_loop_run (net_loop);
  g_main_context_pop_thread_default (net_context);
  return NULL;
}

int
main (void)
{
  GThread *thread;

  net_context = g_main_context_new ();
  net_loop = g_main_loop_new (net_context, FALSE);
  thread = g_thread_new ("network", network_thread, NULL);

  g_main_context_invoke_full (net_context, G_PRIORITY_DEFAULT, send_request,
                              g_strdup ("hello"), g_free);
  g_main_context_invoke_full (net_context, G_PRIORITY_DEFAULT, send_request,
                              g_strdup ("bye"), g_free);

  g_thread_join (thread);
  g_main_loop_unref (net_loop);
  g_main_context_unref (net_context);
  return 0;
}
