/* demo-search-page.c: a search that streams its matches into a list
 *
 * Type a query and press Search: a stream job on the demo's RelayPool walks
 * a generated tree of a million paths (demo-search.c) and pushes the paths
 * that contain the query into a RelayChannel, while this page shows the
 * matches in a GtkListView as they come, with their number, how much of the
 * tree was walked, and a Cancel button. This is the Streams side of Relay:
 *
 * - relay_pool_stream() runs the walk and returns the channel it pushes
 *   into, chunks of up to 256 matches at a time (demo-search.c says why not
 *   one by one); the channel's capacity holds the worker back when the main
 *   thread falls behind;
 * - the page receives a few chunks per dispatch (relay_channel_receive_many(),
 *   a promise), makes a list item of each match and appends them to a
 *   RelayListStore with one append_many() a chunk; it takes the next chunks
 *   only once the store has applied most of the last ones, so that the
 *   channel's backpressure, not the store's queue, holds a fast worker back
 *   (relay_list_store_drain() does the same for a channel of items);
 * - the store applies what it was given in batches on the main thread, one
 *   items-changed per batch and at most 3 ms of work per main-loop
 *   iteration, so that a hundred thousand matches arriving at once never
 *   hold a frame back; the GtkListView shows it through a GtkNoSelection;
 * - the count is the store's n-items, notified after each batch; the
 *   progress is a RelayPromise the worker reports on
 *   (relay_promise_report_progress(), coalesced: at most one notify::progress
 *   per dispatch);
 * - Cancel cancels the job's GCancellable: the job's promise is rejected at
 *   once, which closes the channel with G_IO_ERROR_CANCELLED; the matches
 *   already in the channel still reach the list, then the receive rejects
 *   with that error and the page shows "Cancelled" with the count it got.
 *
 * A search is over when the stream ended and the store has applied every
 * match it was given: only then is the count final. A new search gets a new
 * store, and the list view is given the new one; the old store's items are
 * released a few milliseconds' worth per main-loop iteration (see
 * RelayListStore).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "demo-jobs.h"
#include "demo-search.h"
#include "demo-search-page.h"
#include "demo-status.h"

/* One search. Main thread only; its handlers hold references. */
typedef struct
{
  grefcount        ref_count;
  DemoSearchPage  *page;          /* not owned; NULL once replaced or the page is gone */
  RelayListStore  *store;
  RelayPromise    *progress;      /* the worker reports on it; settled at the end */
  RelayChannel    *channel;       /* the stream of chunks */
  RelayPromise    *receive;       /* the receive in flight, if any */
  gboolean         holding_back;  /* until the store applied most of the last chunks */
  GCancellable    *cancellable;
  char            *query;
  DemoRunStatus    ended;         /* IDLE while the stream runs, then how it ended */
  char            *error_message;
  gint64           started_us;
} SearchRun;

struct _DemoSearchPage
{
  GtkBox          parent_instance;

  DemoRunner     *runner;
  SearchRun      *run;            /* the latest search, or NULL */
  DemoRunStatus   status;
  double          fraction;
  double          seconds;        /* from Search to the last match in the list */
  guint           shown_count;
  gboolean        cancel_requested;
  GtkNoSelection *selection;

  GtkSearchEntry *entry;
  GtkLabel       *note;
  GtkInscription *count_label;
  GtkInscription *status_label;
  GtkProgressBar *progress_bar;
  GtkInscription *progress_text;
  GtkStack       *results;
  GtkListView    *list;
};

G_DEFINE_FINAL_TYPE (DemoSearchPage, demo_search_page, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_RUNNER,
  PROP_STATUS,
  PROP_FRACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static SearchRun *
search_run_ref (SearchRun *run)
{
  g_ref_count_inc (&run->ref_count);
  return run;
}

static void
search_run_unref (gpointer data)
{
  SearchRun *run = data;

  if (!g_ref_count_dec (&run->ref_count))
    return;

  g_clear_object (&run->store);
  g_clear_object (&run->progress);
  g_clear_object (&run->channel);
  g_clear_object (&run->receive);
  g_clear_object (&run->cancellable);
  g_free (run->query);
  g_free (run->error_message);
  g_free (run);
}

/* ------------------------------------------------------------------------ */
/* What the page shows                                                      */
/* ------------------------------------------------------------------------ */

static void
set_status (DemoSearchPage *self,
            DemoRunStatus   status,
            const char     *text)
{
  if (demo_status_set (self->status_label, &self->status, status))
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "search.cancel", DEMO_RUN_STATUS_IS_ACTIVE (status));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
  gtk_inscription_set_text (self->status_label, text);
}

static void
show_fraction (DemoSearchPage *self,
               double          fraction)
{
  char walked[32], total[32];
  g_autofree char *text = NULL;

  if (fraction == self->fraction && self->fraction != 0)
    return;

  self->fraction = fraction;
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  /* The worker reports multiples of 1/DEMO_SEARCH_N_FILES, exactly. */
  text = g_strdup_printf ("%s of %s paths walked",
                          demo_format_count (walked, (guint64) (fraction * DEMO_SEARCH_N_FILES + 0.5)),
                          demo_format_count (total, DEMO_SEARCH_N_FILES));
  gtk_inscription_set_text (self->progress_text, text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

static void
show_count (DemoSearchPage *self,
            guint           count)
{
  char number[32];
  g_autofree char *text = NULL;

  if (count == self->shown_count && count != 0)
    return;

  self->shown_count = count;
  text = g_strdup_printf ("%s match%s", demo_format_count (number, count), count == 1 ? "" : "es");
  gtk_inscription_set_text (self->count_label, text);
}

/* ------------------------------------------------------------------------ */
/* The end of a search                                                      */
/* ------------------------------------------------------------------------ */

static void
disconnect_run (DemoSearchPage *self,
                SearchRun      *run)
{
  g_signal_handlers_disconnect_by_data (run->store, self);
  g_signal_handlers_disconnect_by_data (run->progress, self);
}

/* Once the stream ended and the store applied everything: the count is final. */
static void
maybe_finish (DemoSearchPage *self)
{
  SearchRun *run = self->run;
  guint count;
  g_autofree char *text = NULL;

  if (run == NULL || run->ended == DEMO_RUN_IDLE ||
      relay_list_store_get_n_pending (run->store) > 0)
    return;

  count = g_list_model_get_n_items (G_LIST_MODEL (run->store));
  self->seconds = (g_get_monotonic_time () - run->started_us) / (double) G_USEC_PER_SEC;
  disconnect_run (self, run);
  /* Nothing waits on it; settled so that no promise is left pending. */
  relay_promise_resolve_int64 (run->progress, count);
  show_count (self, count);

  switch (run->ended)
    {
    case DEMO_RUN_DONE:
      show_fraction (self, 1.0);
      text = g_strdup_printf ("Done in %.1f s", self->seconds);
      break;
    case DEMO_RUN_CANCELLED:
      text = g_strdup_printf ("Cancelled at %.0f %% of the tree", 100 * self->fraction);
      break;
    case DEMO_RUN_FAILED:
    default:
      text = g_strdup_printf ("Failed: %s", run->error_message);
      break;
    }
  set_status (self, run->ended, text);
}

/* The stream ended: the channel was closed and everything in it received. */
static RelayPromise *
on_stream_end (RelayPromise *receive,
               gpointer      user_data)
{
  SearchRun *run = user_data;
  const GError *error = relay_promise_get_error (receive);

  g_clear_object (&run->receive);
  if (run->page == NULL)
    return NULL;

  /* RELAY_ERROR_CLOSED: the job returned. G_IO_ERROR_CANCELLED: it was
   * cancelled, which closed the channel with that error. */
  if (g_error_matches (error, RELAY_ERROR, RELAY_ERROR_CLOSED))
    run->ended = DEMO_RUN_DONE;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    run->ended = DEMO_RUN_CANCELLED;
  else
    {
      run->ended = DEMO_RUN_FAILED;
      run->error_message = g_strdup (error->message);
    }
  maybe_finish (run->page);

  return NULL;
}

/* ------------------------------------------------------------------------ */
/* While it runs                                                            */
/* ------------------------------------------------------------------------ */

#define LOW_WATER        2048   /* matches the store may still have to apply */
#define RECEIVE_CHUNKS   4      /* chunks a receive takes at most */

static RelayPromise *on_chunks (RelayPromise *receive,
                                gpointer      user_data);

/* Takes the next chunks, unless the store has yet to apply most of the last
 * ones: then on_n_items() does, once it has. */
static void
receive_next (SearchRun *run)
{
  run->holding_back = relay_list_store_get_n_pending (run->store) >= LOW_WATER;
  if (run->holding_back)
    return;

  run->receive = relay_channel_receive_many (run->channel, RECEIVE_CHUNKS);
  relay_promise_disown (relay_promise_chain (run->receive, on_chunks, on_stream_end,
                                             search_run_ref (run), search_run_unref));
}

/* Up to RECEIVE_CHUNKS chunks: an item per match, into the store. */
static RelayPromise *
on_chunks (RelayPromise *receive,
           gpointer      user_data)
{
  SearchRun *run = user_data;
  guint n_values;
  const GValue *values = relay_promise_get_values (receive, &n_values);

  g_clear_object (&run->receive);
  if (run->page == NULL)
    return NULL;

  for (guint i = 0; i < n_values; i++)
    {
      const DemoSearchChunk *chunk = g_value_get_boxed (&values[i]);
      gpointer hits[DEMO_SEARCH_CHUNK];

      for (guint j = 0; j < chunk->n_files; j++)
        hits[j] = demo_search_hit_new (chunk->first + j, chunk->files[j]);
      relay_list_store_append_many (run->store, hits, chunk->n_files);
      for (guint j = 0; j < chunk->n_files; j++)
        g_object_unref (hits[j]);
    }

  receive_next (run);
  return NULL;
}

/* In the update phase of the first frame after Search: that frame draws the
 * new, empty list, and the first matches go into the list after it, for the
 * next frame to draw. Drawing a list area anew costs the main thread some
 * 13 ms on the self-test's machine (cairo on Xvfb, most of it in filling
 * and copying a buffer the size of what changed), and its first 200 rows
 * another 5-7 ms to measure: in one frame, they would make one long stall.
 * The first matches wait at most a frame. */
static gboolean
start_receiving (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       user_data)
{
  SearchRun *run = user_data;

  if (run->page != NULL)
    receive_next (run);

  return G_SOURCE_REMOVE;
}

/* After each batch the store applied. */
static void
on_n_items (RelayListStore *store,
            GParamSpec     *pspec,
            DemoSearchPage *self)
{
  show_count (self, g_list_model_get_n_items (G_LIST_MODEL (store)));
  if (self->run->holding_back)
    receive_next (self->run);
  maybe_finish (self);
}

/* Coalesced: however often the worker reports, once per dispatch. */
static void
on_progress (RelayPromise   *progress,
             GParamSpec     *pspec,
             DemoSearchPage *self)
{
  if (self->status == DEMO_RUN_QUEUED)
    {
      g_autofree char *text = g_strdup_printf ("Searching for “%s”", self->run->query);

      set_status (self, DEMO_RUN_RUNNING, self->cancel_requested ? "Cancelling" : text);
    }
  show_fraction (self, relay_promise_get_progress (progress));
}

/* Stops listening to the current search and cancels it if it runs. */
static void
drop_run (DemoSearchPage *self)
{
  SearchRun *run = g_steal_pointer (&self->run);

  if (run == NULL)
    return;

  disconnect_run (self, run);
  run->page = NULL;
  g_cancellable_cancel (run->cancellable);
  if (run->receive != NULL)
    relay_promise_cancel (run->receive);  /* stops taking from the channel */
  relay_promise_cancel (run->progress);   /* settled, if it was not */
  search_run_unref (run);
}

void
demo_search_page_start (DemoSearchPage *self,
                        const char     *query)
{
  RelayPool *pool;
  SearchRun *run;

  g_return_if_fail (DEMO_IS_SEARCH_PAGE (self));
  g_return_if_fail (self->runner != NULL);

  drop_run (self);

  if (!g_str_equal (gtk_editable_get_text (GTK_EDITABLE (self->entry)), query))
    gtk_editable_set_text (GTK_EDITABLE (self->entry), query);

  /* In naive mode the runner has no pool; the search still runs on Relay's. */
  pool = demo_runner_get_pool (self->runner);
  if (pool == NULL)
    pool = relay_pool_get_default ();

  run = g_new0 (SearchRun, 1);
  g_ref_count_init (&run->ref_count);
  run->page = self;
  run->query = g_strdup (query);
  run->ended = DEMO_RUN_IDLE;
  run->started_us = g_get_monotonic_time ();
  run->store = relay_list_store_new (DEMO_TYPE_SEARCH_HIT);
  run->progress = relay_promise_new ();
  run->cancellable = g_cancellable_new ();
  run->channel = demo_search_start (pool, query, run->progress, run->cancellable);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_add_tick_callback (GTK_WIDGET (self), start_receiving,
                                  search_run_ref (run), search_run_unref);
  else
    receive_next (run);   /* no frames to wait for */
  g_signal_connect (run->store, "notify::n-items", G_CALLBACK (on_n_items), self);
  g_signal_connect (run->progress, "notify::progress", G_CALLBACK (on_progress), self);
  self->run = run;

  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (run->store));
  gtk_stack_set_visible_child_name (self->results, "list");
  self->cancel_requested = FALSE;
  self->seconds = 0;
  show_count (self, 0);
  show_fraction (self, 0.0);
  set_status (self, DEMO_RUN_QUEUED, "Waiting for a worker");
}

void
demo_search_page_cancel (DemoSearchPage *self)
{
  g_return_if_fail (DEMO_IS_SEARCH_PAGE (self));

  if (self->run == NULL || !DEMO_RUN_STATUS_IS_ACTIVE (self->status))
    return;

  self->cancel_requested = TRUE;
  gtk_inscription_set_text (self->status_label, "Cancelling");
  /* The job's promise rejects now, which closes the channel with
   * G_IO_ERROR_CANCELLED: the page takes what is left in it, then the
   * receive rejects. */
  g_cancellable_cancel (self->run->cancellable);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  DemoSearchPage *self = DEMO_SEARCH_PAGE (widget);

  demo_search_page_start (self, gtk_editable_get_text (GTK_EDITABLE (self->entry)));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  demo_search_page_cancel (DEMO_SEARCH_PAGE (widget));
}

static void
on_entry_activate (DemoSearchPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "search.start", NULL);
}

/* ------------------------------------------------------------------------ */
/* The rows: the match's number and its path                               */
/* ------------------------------------------------------------------------ */

/* One GtkLabel a row, nothing around it. GTK 4.8's GtkListView keeps a row
 * widget for each of up to 200 items around what it shows, however few fit
 * on screen, so the first batch of a search makes, binds and then measures
 * some 200 rows. Measured on the self-test's machine: 7 ms of the main
 * thread to make them with a GtkLabel, 11-15 ms with a box of two
 * GtkInscriptions (each works out its font's metrics, for its own Pango
 * context); measuring them in the next frame costs another 6 ms. */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  DemoSearchHit *hit = gtk_list_item_get_item (item);
  char count[32], path[DEMO_SEARCH_PATH_MAX], text[32 + DEMO_SEARCH_PATH_MAX];

  g_snprintf (text, sizeof text, "%s  %s",
              demo_format_count (count, demo_search_hit_get_ordinal (hit) + 1),
              demo_search_tree_path (demo_search_hit_get_file (hit), path));
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

/* ------------------------------------------------------------------------ */

DemoRunStatus
demo_search_page_get_status (DemoSearchPage *self)
{
  return self->status;
}

double
demo_search_page_get_fraction (DemoSearchPage *self)
{
  return self->fraction;
}

/* The current search's store, or NULL before the first search. */
GListModel *
demo_search_page_get_model (DemoSearchPage *self)
{
  return self->run != NULL ? G_LIST_MODEL (self->run->store) : NULL;
}

guint
demo_search_page_get_n_pending (DemoSearchPage *self)
{
  return self->run != NULL ? relay_list_store_get_n_pending (self->run->store) : 0;
}

/* How long the last search took, from Search to its last match in the list;
 * 0 while it runs. */
double
demo_search_page_get_seconds (DemoSearchPage *self)
{
  return self->seconds;
}

const char *
demo_search_page_get_count_text (DemoSearchPage *self)
{
  return gtk_inscription_get_text (self->count_label);
}

const char *
demo_search_page_get_status_text (DemoSearchPage *self)
{
  return gtk_inscription_get_text (self->status_label);
}

static void
update_note (DemoSearchPage *self)
{
  g_autofree char *note = NULL;
  char total[32];

  if (self->runner == NULL)
    return;

  note = g_strdup_printf ("A stream job on %s walks %s generated paths and pushes the matches "
                          "into a RelayChannel; a RelayListStore takes them into the list, "
                          "a batch per main-loop iteration.",
                          demo_runner_get_pool (self->runner) != NULL ? "the demo's RelayPool"
                                                                      : "Relay's default pool",
                          demo_format_count (total, DEMO_SEARCH_N_FILES));
  gtk_label_set_text (self->note, note);
}

static void
demo_search_page_dispose (GObject *object)
{
  DemoSearchPage *self = DEMO_SEARCH_PAGE (object);

  drop_run (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), DEMO_TYPE_SEARCH_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->runner);

  G_OBJECT_CLASS (demo_search_page_parent_class)->dispose (object);
}

static void
demo_search_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DemoSearchPage *self = DEMO_SEARCH_PAGE (object);

  switch (prop_id)
    {
    case PROP_RUNNER:
      g_value_set_object (value, self->runner);
      break;
    default:
      if (!demo_status_get_property (pspec, self->status, self->fraction, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_search_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DemoSearchPage *self = DEMO_SEARCH_PAGE (object);

  switch (prop_id)
    {
    case PROP_RUNNER:
      if (g_set_object (&self->runner, g_value_get_object (value)))
        {
          update_note (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
demo_search_page_class_init (DemoSearchPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = demo_search_page_dispose;
  object_class->get_property = demo_search_page_get_property;
  object_class->set_property = demo_search_page_set_property;

  properties[PROP_RUNNER] =
    g_param_spec_object ("runner", NULL, NULL, DEMO_TYPE_RUNNER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  demo_status_param_specs (&properties[PROP_STATUS], &properties[PROP_FRACTION]);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "search.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "search.cancel", NULL, cancel_action);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/relay/Demo/demo-search-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DemoSearchPage, entry);
  gtk_widget_class_bind_template_child (widget_class, DemoSearchPage, note);
  gtk_widget_class_bind_template_child (widget_class, DemoSearchPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, DemoSearchPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, DemoSearchPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DemoSearchPage, progress_text);
  gtk_widget_class_bind_template_child (widget_class, DemoSearchPage, results);
  gtk_widget_class_bind_template_child (widget_class, DemoSearchPage, list);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
}

static void
demo_search_page_init (DemoSearchPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  gtk_list_view_set_factory (self->list, factory);
  self->selection = gtk_no_selection_new (NULL);
  gtk_list_view_set_model (self->list, GTK_SELECTION_MODEL (self->selection));

  demo_status_init (self->status_label, &self->status);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "search.cancel", FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), DEMO_SEARCH_TEST_QUERY);
  show_count (self, 0);
  show_fraction (self, 0.0);
  set_status (self, DEMO_RUN_IDLE, "Type a query, then Search");
}
