/* demo-search.c: a search over a generated tree, streamed from a worker
 *
 * The search page's work, with no GTK in it. The tree is generated, not read
 * from a disk, so that it is the same on every machine and a search has a
 * known number of matches: 32 projects of 16 directories of 2,048 files,
 * 1,048,576 paths such as "/cobalt/tests/parser-0412.c", each computed from
 * its index. A search walks them in order on a worker of the pool, in the
 * job of a stream (relay_pool_stream()), and collects the paths containing
 * the query (ASCII, case-insensitive). Each match has its ordinal, the n-th
 * match from 0, and the index of its file: the self-test checks that the
 * list received every ordinal exactly once, in order, with the files a
 * plain walk finds.
 *
 * The worker pushes its matches in chunks of up to 256 (DemoSearchChunk),
 * not one by one, and leaves making the list's items to the main thread.
 * A push takes the channel's lock, and a GObject made on the worker takes
 * GLib's slice allocator lock (GLib 2.74), and the main thread takes both
 * too, all the time. The pool's workers run at nice +10, so beside other
 * load (the self-test's CPU hog) a worker can be preempted while it holds
 * one of them, and the main thread then sleeps until the worker runs again:
 * the self-test measured 12-68 ms when the worker pushed a GObject per
 * match. With chunks, the worker takes the channel's lock once per 256
 * matches and the slice allocator's not at all; making 131,085 small
 * objects costs the main thread about 20 ms in all, a few hundredths of a
 * millisecond per batch.
 *
 * The channel's capacity is the backpressure: once DEMO_SEARCH_CAPACITY
 * chunks wait in it, the worker's push blocks until the main thread has
 * taken some, so the walk never runs further ahead of the list than that.
 * The worker reports how much of the tree it has walked on a promise of the
 * page's (relay_promise_report_progress(), coalesced on its way to the main
 * loop), and stops when it is cancelled: its next push fails, or it notices
 * between two reports.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "demo-search.h"

#define DIRS_PER_PROJECT   16u
#define FILES_PER_DIR      2048u
#define REPORT_EVERY       4096u    /* files walked between progress reports */

static const char *const projects[] = {
  "aurora", "basalt", "cobalt", "delta", "ember", "fjord", "garnet", "harbor",
  "indigo", "juniper", "kestrel", "lumen", "meridian", "nimbus", "onyx", "prism",
  "quartz", "raven", "sierra", "tundra", "umber", "vertex", "willow", "xenon",
  "yarrow", "zephyr", "atlas", "beacon", "cinder", "dune", "echo", "flint",
};

static const char *const dirs[DIRS_PER_PROJECT] = {
  "src", "lib", "include", "tests", "doc", "data", "po", "tools",
  "build-aux", "examples", "bench", "icons", "schemas", "scripts", "vendor", "web",
};

static const char *const stems[] = {
  "widget", "window", "parser", "buffer", "channel", "stream", "search", "index",
  "cache", "config", "render", "layout", "thread", "worker", "socket", "server",
  "client", "request", "reply", "filter", "model", "view", "store", "list",
  "tree", "node", "graph", "table", "queue", "timer", "clock", "event",
  "signal", "action", "menu", "dialog", "button", "label", "entry", "image",
  "font", "color", "theme", "style", "shader", "mesh", "audio", "video",
  "codec", "packet", "frame", "record", "report", "query", "token", "lexer",
  "schema", "column", "cursor", "session", "account", "profile", "message", "status",
};

static const char *const extensions[] = { "c", "h", "py", "js", "md", "ui", "css", "txt" };

G_STATIC_ASSERT (G_N_ELEMENTS (projects) * DIRS_PER_PROJECT * FILES_PER_DIR == DEMO_SEARCH_N_FILES);
G_STATIC_ASSERT (G_N_ELEMENTS (stems) == 64);
G_STATIC_ASSERT (G_N_ELEMENTS (extensions) == 8);

/* ------------------------------------------------------------------------ */
/* The hits                                                                 */
/* ------------------------------------------------------------------------ */

/* No strings of its own: a row computes the path from the file's index, for
 * the rows it shows. So a hit is one small allocation, cheap to make and to
 * free. */
struct _DemoSearchHit
{
  GObject parent_instance;

  guint   ordinal;
  guint   file;
};

G_DEFINE_FINAL_TYPE (DemoSearchHit, demo_search_hit, G_TYPE_OBJECT)

static void
demo_search_hit_class_init (DemoSearchHitClass *klass)
{
}

static void
demo_search_hit_init (DemoSearchHit *self)
{
}

DemoSearchHit *
demo_search_hit_new (guint ordinal,
                     guint file)
{
  DemoSearchHit *self = g_object_new (DEMO_TYPE_SEARCH_HIT, NULL);

  self->ordinal = ordinal;
  self->file = file;

  return self;
}

guint
demo_search_hit_get_ordinal (DemoSearchHit *self)
{
  return self->ordinal;
}

guint
demo_search_hit_get_file (DemoSearchHit *self)
{
  return self->file;
}

/* ------------------------------------------------------------------------ */
/* The chunks                                                               */
/* ------------------------------------------------------------------------ */

G_DEFINE_BOXED_TYPE (DemoSearchChunk, demo_search_chunk, demo_search_chunk_ref, demo_search_chunk_unref)

static DemoSearchChunk *
demo_search_chunk_new (guint first)
{
  DemoSearchChunk *chunk = g_atomic_rc_box_new0 (DemoSearchChunk);

  chunk->first = first;

  return chunk;
}

/* Any thread: the channel copies a value by taking a reference. */
DemoSearchChunk *
demo_search_chunk_ref (DemoSearchChunk *chunk)
{
  return g_atomic_rc_box_acquire (chunk);
}

void
demo_search_chunk_unref (DemoSearchChunk *chunk)
{
  g_atomic_rc_box_release (chunk);
}

/* ------------------------------------------------------------------------ */
/* The tree                                                                 */
/* ------------------------------------------------------------------------ */

/* A fixed integer mix (no random state, no locale): the same tree everywhere. */
static guint32
mix (guint32 x)
{
  x ^= x >> 16;
  x *= 0x7feb352d;
  x ^= x >> 15;
  x *= 0x846ca68b;
  x ^= x >> 16;

  return x;
}

const char *
demo_search_tree_path (guint index,
                       char  buffer[DEMO_SEARCH_PATH_MAX])
{
  guint32 h = mix (index);

  g_snprintf (buffer, DEMO_SEARCH_PATH_MAX, "/%s/%s/%s-%04u.%s",
              projects[index / (DIRS_PER_PROJECT * FILES_PER_DIR)],
              dirs[(index / FILES_PER_DIR) % DIRS_PER_PROJECT],
              stems[h % G_N_ELEMENTS (stems)],
              index % FILES_PER_DIR,
              extensions[(h >> 8) % G_N_ELEMENTS (extensions)]);

  return buffer;
}

/* @query is lower case; so are the paths. */
gboolean
demo_search_matches (const char *path,
                     const char *query)
{
  return strstr (path, query) != NULL;
}

/* ------------------------------------------------------------------------ */
/* The search, on a worker                                                  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  char         *query;      /* lower case */
  RelayPromise *progress;   /* owned */
} Search;

static void
search_free (gpointer data)
{
  Search *search = data;

  g_free (search->query);
  g_object_unref (search->progress);
  g_free (search);
}

/* Pushes *@chunk, if it holds anything, and starts the next one. Blocks
 * while the channel is full; fails once the job is cancelled (the channel is
 * closed then). */
static gboolean
push_chunk (RelayChannel     *channel,
            DemoSearchChunk **chunk,
            GCancellable     *cancellable)
{
  GValue value = G_VALUE_INIT;
  guint next = (*chunk)->first + (*chunk)->n_files;
  gboolean pushed;

  if ((*chunk)->n_files == 0)
    return TRUE;

  g_value_init (&value, DEMO_TYPE_SEARCH_CHUNK);
  g_value_take_boxed (&value, g_steal_pointer (chunk));
  pushed = relay_channel_push (channel, &value, cancellable, NULL);
  g_value_unset (&value);
  *chunk = demo_search_chunk_new (next);

  return pushed;
}

/* A RelayStreamFunc: on a worker of the pool. Returning closes the channel,
 * so the receivers see every match and then the end of the stream. */
static void
search_stream (RelayJob     *job,
               RelayChannel *channel,
               gpointer      user_data)
{
  Search *search = user_data;
  GCancellable *cancellable = relay_job_get_cancellable (job);
  g_autoptr(DemoSearchChunk) chunk = demo_search_chunk_new (0);
  char path[DEMO_SEARCH_PATH_MAX];

  relay_promise_report_progress (search->progress, 0.0, NULL);

  for (guint i = 0; i < DEMO_SEARCH_N_FILES; i++)
    {
      if (i % REPORT_EVERY == 0 && i > 0)
        {
          if (g_cancellable_is_cancelled (cancellable))
            return;
          /* What was found so far goes out with the report, so that a
           * query with few matches shows them as they come. */
          if (!push_chunk (channel, &chunk, cancellable))
            return;
          relay_promise_report_progress (search->progress, (double) i / DEMO_SEARCH_N_FILES, NULL);
        }

      if (!demo_search_matches (demo_search_tree_path (i, path), search->query))
        continue;

      chunk->files[chunk->n_files++] = i;
      if (chunk->n_files == DEMO_SEARCH_CHUNK && !push_chunk (channel, &chunk, cancellable))
        return;
    }

  if (push_chunk (channel, &chunk, cancellable))
    relay_promise_report_progress (search->progress, 1.0, NULL);
}

RelayChannel *
demo_search_start (RelayPool    *pool,
                   const char   *query,
                   RelayPromise *progress,
                   GCancellable *cancellable)
{
  Search *search = g_new0 (Search, 1);

  search->query = g_ascii_strdown (query, -1);
  search->progress = g_object_ref (progress);

  return relay_pool_stream (pool, DEMO_SEARCH_CAPACITY, cancellable,
                            search_stream, search, search_free);
}

GArray *
demo_search_walk_plain (const char *query)
{
  g_autofree char *lower = g_ascii_strdown (query, -1);
  GArray *files = g_array_new (FALSE, FALSE, sizeof (guint));
  char path[DEMO_SEARCH_PATH_MAX];

  for (guint i = 0; i < DEMO_SEARCH_N_FILES; i++)
    if (demo_search_matches (demo_search_tree_path (i, path), lower))
      g_array_append_val (files, i);

  return files;
}
