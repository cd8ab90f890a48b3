/* demo-search.h: a search over a generated tree, streamed from a worker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <relay/relay.h>

G_BEGIN_DECLS

#define DEMO_SEARCH_N_FILES      (32u * 16u * 2048u)   /* 1,048,576 */
#define DEMO_SEARCH_PATH_MAX     64
#define DEMO_SEARCH_CHUNK        256                   /* matches a chunk holds at most */
#define DEMO_SEARCH_CAPACITY     16                    /* chunks the channel holds */

/* What the self-test searches for, and how many files match: a plain walk
 * (demo_search_walk_plain) finds the same number, or the tree changed. */
#define DEMO_SEARCH_TEST_QUERY   ".h"
#define DEMO_SEARCH_TEST_MATCHES 131085

/* One match: the n-th (from 0) of its search, and which file of the tree. */
#define DEMO_TYPE_SEARCH_HIT (demo_search_hit_get_type ())
G_DECLARE_FINAL_TYPE (DemoSearchHit, demo_search_hit, DEMO, SEARCH_HIT, GObject)

DemoSearchHit *demo_search_hit_new         (guint          ordinal,
                                            guint          file);
guint         demo_search_hit_get_ordinal  (DemoSearchHit *self);
guint         demo_search_hit_get_file     (DemoSearchHit *self);

/* What the worker sends: the files of up to DEMO_SEARCH_CHUNK consecutive
 * matches, the first of them the first-th match of the search. A boxed
 * type, so that a GValue can carry it through the channel. */
typedef struct
{
  guint first;
  guint n_files;
  guint files[DEMO_SEARCH_CHUNK];
} DemoSearchChunk;

#define DEMO_TYPE_SEARCH_CHUNK (demo_search_chunk_get_type ())
GType            demo_search_chunk_get_type (void) G_GNUC_CONST;
DemoSearchChunk *demo_search_chunk_ref      (DemoSearchChunk *chunk);
void             demo_search_chunk_unref    (DemoSearchChunk *chunk);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DemoSearchChunk, demo_search_chunk_unref)

/* The generated tree: file @index's path, into @buffer. Any thread. */
const char   *demo_search_tree_path        (guint          index,
                                            char           buffer[DEMO_SEARCH_PATH_MAX]);
gboolean      demo_search_matches          (const char    *path,
                                            const char    *query);

/* Starts the search on @pool: a stream job walks the tree and pushes its
 * matches into the returned channel, a DemoSearchChunk at a time, and
 * reports the share of the tree walked on @progress. Cancelling
 * @cancellable ends it. */
RelayChannel *demo_search_start            (RelayPool     *pool,
                                            const char    *query,
                                            RelayPromise  *progress,
                                            GCancellable  *cancellable);

/* The same walk, plainly, on the calling thread: the file indices of the
 * matches in tree order. */
GArray       *demo_search_walk_plain       (const char    *query);

G_END_DECLS
