/* relay-promise-private.h: promise internals shared with the combinators and the pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "relay-promise.h"
#include "relay-dispatcher-private.h"

G_BEGIN_DECLS

typedef struct _RelayReaction RelayReaction;

/* What a promise does when it settles: run a handler, settle a derived promise,
 * feed a combinator, wake a waiter. */
typedef struct
{
  /* @source has settled. Runs on the dispatcher of @source's context, or, for
   * internal reactions, on any thread. */
  void (*run)     (RelayReaction *self,
                   RelayPromise  *source);
  /* @source was finalized while pending and will never settle. Any thread. */
  void (*abandon) (RelayReaction *self,
                   RelayPromise  *source);
  /* Releases everything; called exactly once, after run or abandon or neither. */
  void (*free)    (RelayReaction *self);
  /* Runs no user code: it may run on whatever thread the source settles or is
   * released on, even when the source's context is gone. */
  gboolean internal;
  /* Runs on the settling thread itself, never queued (blocking waits). */
  gboolean immediate;
} RelayReactionClass;

struct _RelayReaction
{
  RelayReaction            *next;       /* in the promise's FIFO of reactions */
  const RelayReactionClass *klass;
  RelayPromise             *derived;    /* strong, nullable: the promise this reaction settles */
  /* A slot in @derived that points back at the source (for cancellation and the
   * cycle check); the source clears it if it is finalized first. Nullable. */
  RelayPromise            **back_link;
  gboolean                  consumer;   /* counts as a consumer of the source */
};

RelayPromise *_relay_promise_new_for_dispatcher (RelayDispatcher  *dispatcher);
RelayDispatcher *_relay_promise_get_dispatcher  (RelayPromise     *self);
void          _relay_promise_add_reaction       (RelayPromise     *self,
                                                 RelayReaction    *reaction);
gboolean      _relay_promise_settle_take        (RelayPromise     *self,
                                                 GValue           *values,
                                                 guint             n_values,
                                                 GError           *error);
gboolean      _relay_promise_settle_from        (RelayPromise     *self,
                                                 RelayPromise     *source);
gboolean      _relay_promise_reject_code        (RelayPromise     *self,
                                                 GQuark            domain,
                                                 int               code,
                                                 const char       *message);
void          _relay_promise_release_consumer   (RelayPromise     *source);
void          _relay_promise_unlink             (RelayReaction    *reaction,
                                                 RelayPromise     *source);
RelayPromise **_relay_promise_alloc_inputs      (RelayPromise     *self,
                                                 guint             n_inputs);
void          _relay_promise_set_errors         (RelayPromise     *self,
                                                 GPtrArray        *errors);
gboolean      _relay_promise_cancel_requested   (RelayPromise     *self);

G_END_DECLS
