/* demo-search.c: a search over a generated tree, streamed from a worker
 *
 * The search page's work, with no GTK in it. The tree is generated, not read
 * from a disk, so that it is the same on every machine and a search has a
 * known number of matches: 32 projects of 16 directories of 2,048 files,
 * 1,048,576 paths such as "/cobalt/tests/parser-0412.c", each computed from
 * its index. A search walks them in order on a worker of the pool and, for
 * every path containing the query (ASCII, case-insensitive), pushes a
 * DemoSearchHit into the channel of a stream job (relay_pool_stream()). The
 * hit carries its ordinal, the n-th match from 0, and the index of its file:
 * the self-test checks that the list received every ordinal exactly once,
 * in order, and the same files as a plain walk.
 *
 * The channel's capacity is the backpressure: once DEMO_SEARCH_CAPACITY hits
 * wait in it, the worker's push blocks until the main thread has taken some,
 * so the walk never runs further ahead of the list than that. The worker
 * reports how much of the tree it has walked on a promise of the page's
 * (relay_promise_report_progress(), coalesced on its way to the main loop),
 * and stops when it is cancelled: its next push fails, or it notices between
 * two reports.
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
 * the few rows on screen. So a hit is one small allocation, cheap to make on
 * the worker and to free on the main thread. */
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

/* A RelayStreamFunc: on a worker of the pool. Returning closes the channel,
 * so the receivers see every hit and then the end of the stream. */
static void
search_stream (RelayJob     *job,
               RelayChannel *channel,
               gpointer      user_data)
{
  Search *search = user_data;
  GCancellable *cancellable = relay_job_get_cancellable (job);
  char path[DEMO_SEARCH_PATH_MAX];
  guint ordinal = 0;

  relay_promise_report_progress (search->progress, 0.0, NULL);

  for (guint i = 0; i < DEMO_SEARCH_N_FILES; i++)
    {
      DemoSearchHit *hit;
      gboolean pushed;

      if (i % REPORT_EVERY == 0 && i > 0)
        {
          if (g_cancellable_is_cancelled (cancellable))
            return;
          relay_promise_report_progress (search->progress, (double) i / DEMO_SEARCH_N_FILES, NULL);
        }

      if (!demo_search_matches (demo_search_tree_path (i, path), search->query))
        continue;

      hit = g_object_new (DEMO_TYPE_SEARCH_HIT, NULL);
      hit->ordinal = ordinal++;
      hit->file = i;
      /* Blocks while the channel is full; fails once the job is cancelled
       * (the channel is closed then). */
      pushed = relay_channel_push_object (channel, hit, cancellable, NULL);
      g_object_unref (hit);
      if (!pushed)
        return;
    }

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
