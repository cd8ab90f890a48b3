/* list-store.c: a worker fills a GListModel without stalling the main loop
 *
 * A job streams 100,000 GFileInfo "search hits" into a channel; a
 * RelayListStore drains the channel and applies them on the main context in
 * batches, one items-changed per batch. A GtkListView bound to the store
 * would show them as they come; here a handler counts the batches.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <relay/relay.h>

#define N_HITS 100000

/* [job] */
static void
search (RelayJob     *job,
        RelayChannel *channel,
        gpointer      user_data)
{
  for (guint i = 0; i < N_HITS; i++)
    {
      g_autoptr(GFileInfo) hit = g_file_info_new ();
      g_autofree char *name = g_strdup_printf ("hit-%06u.txt", i);

      g_file_info_set_display_name (hit, name);
      if (!relay_channel_push_object (channel, hit, relay_job_get_cancellable (job), NULL))
        return;
    }
}
/* [/job] */

typedef struct
{
  guint      n_batches;
  guint      n_items;
  GMainLoop *loop;
  gboolean   drained;
} Watch;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Watch *watch = user_data;

  watch->n_batches++;
  watch->n_items = g_list_model_get_n_items (model);
  if (watch->drained && relay_list_store_get_n_pending (RELAY_LIST_STORE (model)) == 0)
    g_main_loop_quit (watch->loop);
}

static RelayPromise *
on_drained (RelayPromise *drained,
            gpointer      user_data)
{
  Watch *watch = user_data;

  g_print ("%" G_GINT64_FORMAT " hits received\n", relay_promise_get_int64 (drained));
  watch->drained = TRUE;
  /* The store may have applied the last batch already. */
  if (watch->n_items == relay_promise_get_int64 (drained))
    g_main_loop_quit (watch->loop);
  return NULL;
}

int
main (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Watch watch = { 0, 0, loop, FALSE };

  /* [store] */
  g_autoptr(RelayListStore) store = relay_list_store_new (G_TYPE_FILE_INFO);
  g_autoptr(RelayChannel) hits = relay_stream_in_thread (256, NULL, search, NULL, NULL);
  g_autoptr(RelayPromise) drained = relay_list_store_drain (store, hits);

  /* gtk_list_view_new (gtk_single_selection_new (G_LIST_MODEL (store)), factory); */
  g_signal_connect (store, "items-changed", G_CALLBACK (on_items_changed), &watch);
  /* [/store] */

  relay_promise_disown (relay_promise_then (drained, on_drained, &watch, NULL));
  g_main_loop_run (loop);

  g_print ("%u items in %u batches\n", watch.n_items, watch.n_batches);
  return watch.n_items == N_HITS && watch.n_batches < N_HITS ? 0 : 1;
}
