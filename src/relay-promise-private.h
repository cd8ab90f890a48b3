/* relay-promise-private.h: the promise's fields and the functions its files and
 * the pool share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Which file owns what: relay-promise.c owns the state machine (@state, @flags,
 * @n_consumers, @reactions, @upstream, settling and cancellation) and creates
 * @extra; relay-promise-values.c writes @values/@error only through
 * _relay_promise_settle() and owns PromiseExtra's pointer and errors fields;
 * relay-promise-progress.c owns PromiseExtra's progress fields;
 * relay-promise-combinators.c owns @inputs; relay-promise-handlers.c, -timers.c
 * and -gio.c only add reactions.
 */
#pragma once

#include <stdatomic.h>

#include "relay-promise.h"
#include "relay-dispatcher-private.h"
#include "relay-sync-private.h"

G_BEGIN_DECLS

typedef struct _RelayReaction RelayReaction;

/* @bits packs the state, the flags, the number of values and the lock into
 * one int, so that a pending promise stays small (see the layout note on
 * struct _RelayPromise).
 *
 * - bits 0-1: the RelayPromiseState; written under the lock, read
 *   atomically anywhere;
 * - bits 2-6: the flags below; under the lock;
 * - bits 8-23: how many values a fulfilled promise holds (immutable once
 *   settled); PROMISE_N_VALUES_BIG means more than fit, in @extra;
 * - bit 31: the lock, a g_bit_lock(): the promise's critical sections are a
 *   few loads and stores, never contended for long.
 *
 * Because the lock bit shares the word, every write to it is an atomic
 * read-modify-write (a waiter may set the lock bit at any moment). */
#define PROMISE_STATE_MASK      0x3
#define PROMISE_N_VALUES_SHIFT  8
#define PROMISE_N_VALUES_BIG    0xffff
#define PROMISE_LOCK_BIT        31

enum {
  FLAG_HANDLED          = 1 << 2,   /* a reaction was added: a rejection is not "unhandled" */
  FLAG_REPORTED         = 1 << 3,   /* the unhandled-rejection warning was printed */
  FLAG_CANCEL_REQUESTED = 1 << 4,   /* settled by relay_promise_cancel() */
  FLAG_TASK_QUEUED      = 1 << 5,   /* settled_task is on the dispatcher queue */
  FLAG_FIRST_RUN_DONE   = 1 << 6,   /* settled_task ran once (state notified, rejection checked) */
};

/* Rarely needed state, allocated on first use so that a plain pending promise
 * stays small. */
typedef struct
{
  /* progress (relay-promise-progress.c). Reporting threads and the owner
   * meet through atomics only; @fraction_bits and @text are the delivered
   * values, written on the owner, @text under lock. */
  RelayTask       progress_task;      /* holds a reference on @owner while queued */
  RelayPromise   *owner;              /* borrowed: the promise this belongs to */
  int             progress_scheduled; /* atomic: a delivery is queued or its timer armed */
  _Atomic guint64 pending_bits;       /* the latest reported fraction, as bits */
  char           *pending_text;       /* atomic: the latest reported text, or NULL */
  _Atomic guint64 fraction_bits;      /* the delivered fraction, as bits */
  gint64          delivered_usec;     /* owner only: monotonic time of the last delivery */
  GSource        *progress_timer;     /* owner only: delivers when the interval is over */
  char           *text;               /* lock */

  GCancellable  *cancellable;     /* lock to create */
  GPtrArray     *errors;          /* set before settling; immutable after */

  RelayPromise **inputs;          /* lock: combinator inputs (borrowed back links) */
  guint          n_inputs;

  int            priority;        /* atomic: set when not G_PRIORITY_DEFAULT */
  guint          n_values;        /* when more than PROMISE_N_VALUES_BIG - 1 */

  RelayPromise  *keepalive;       /* owns a pointer value this promise shares */
  gpointer       pointer;         /* resolve_pointer(): released at finalize */
  GDestroyNotify pointer_destroy;
} PromiseExtra;

/* A pending promise is 88 bytes, so that with malloc's header it takes a
 * 96-byte chunk: no per-promise GMutex (a bit lock in @bits), no list tail
 * (@reactions is newest first, reversed when it runs), values and error
 * share a pointer (the state says which), and the priority lives in @extra
 * unless it is the default. Keep it so: tests/bench's promise-memory. */
struct _RelayPromise
{
  GObject          parent_instance;

  RelayDispatcher *dispatcher;     /* owned; immutable after construction */
  RelayTask        settled_task;   /* runs @reactions on the dispatcher */

  int              bits;           /* atomic: state, flags, n_values, lock; see above */
  guint            n_consumers;    /* lock: reactions that count as consumers */
  union {
    GValue        *values;         /* fulfilled: immutable once settled */
    GError        *error;          /* rejected: immutable once settled */
  };
  RelayReaction   *reactions;      /* lock: reactions not yet run, newest first */
  RelayPromise    *upstream;       /* lock, borrowed: what we wait on (cleared when settled
                                    * or when it is finalized) */
  PromiseExtra    *extra;          /* lock to create */
};

static inline void
_relay_promise_lock (RelayPromise *self)
{
  g_bit_lock (&self->bits, PROMISE_LOCK_BIT);
  relay_tsan_acquire (&self->bits);
}

static inline void
_relay_promise_unlock (RelayPromise *self)
{
  relay_tsan_release (&self->bits);
  g_bit_unlock (&self->bits, PROMISE_LOCK_BIT);
}

/* Any thread. */
static inline RelayPromiseState
_relay_promise_state (RelayPromise *self)
{
  return (RelayPromiseState) (g_atomic_int_get (&self->bits) & PROMISE_STATE_MASK);
}

/* Lock held. */
static inline gboolean
_relay_promise_has_flag (RelayPromise *self,
                         int           flag)
{
  return (g_atomic_int_get (&self->bits) & flag) != 0;
}

/* Lock held. */
static inline void
_relay_promise_set_flag (RelayPromise *self,
                         int           flag)
{
  if (!_relay_promise_has_flag (self, flag))
    g_atomic_int_or (&self->bits, flag);
}

/* Lock held. */
static inline void
_relay_promise_clear_flag (RelayPromise *self,
                           int           flag)
{
  if (_relay_promise_has_flag (self, flag))
    g_atomic_int_and (&self->bits, ~flag);
}

/* How many values @self holds: only once it is fulfilled. */
static inline guint
_relay_promise_n_values (RelayPromise *self)
{
  guint n = ((guint) g_atomic_int_get (&self->bits) >> PROMISE_N_VALUES_SHIFT) & PROMISE_N_VALUES_BIG;

  return n == PROMISE_N_VALUES_BIG ? self->extra->n_values : n;
}

/* The priority handlers are dispatched at. Any thread. */
static inline int
_relay_promise_priority (RelayPromise *self)
{
  PromiseExtra *extra = g_atomic_pointer_get (&self->extra);

  return extra != NULL ? g_atomic_int_get (&extra->priority) : G_PRIORITY_DEFAULT;
}

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
  /* Runs no user code: it runs at once on whatever thread settles the source
   * (or adds it to a settled one, or abandons the source), never from a
   * dispatcher; see run_internal() in relay-promise.c. */
  gboolean internal;
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
  gboolean                  free_on_owner; /* its free releases user data: on the owner */
};

/* relay-promise.c */
PromiseExtra *_relay_promise_ensure_extra_locked (RelayPromise   *self);
gboolean      _relay_promise_settle             (RelayPromise     *self,
                                                 RelayPromiseState state,
                                                 GValue           *values,
                                                 guint             n_values,
                                                 GError           *error,
                                                 gboolean          cancel);
void          _relay_promise_notify_progress    (RelayPromise     *self,
                                                 gboolean          fraction_changed,
                                                 gboolean          text_changed);
RelayPromise *_relay_promise_new_derived        (RelayPromise     *source);
void          _relay_promise_add_reaction       (RelayPromise     *self,
                                                 RelayReaction    *reaction);
gboolean      _relay_promise_add_reaction_if_pending (RelayPromise *self,
                                                 RelayReaction    *reaction);
void          _relay_promise_run_reaction       (RelayPromise     *source,
                                                 RelayReaction    *reaction);
void          _relay_promise_mark_handled       (RelayPromise     *self);
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
void          _relay_promise_set_inputs         (RelayPromise     *self,
                                                 RelayPromise    **inputs,
                                                 guint             n_inputs);
gboolean      _relay_promise_cancel_requested   (RelayPromise     *self);

/* relay-promise-values.c */
void          _relay_promise_set_errors         (RelayPromise     *self,
                                                 GPtrArray        *errors);
gboolean      _relay_promise_resolve_take       (RelayPromise     *self,
                                                 GValue           *value);
GValue       *_relay_values_copy                (const GValue     *values,
                                                 guint             n_values);
void          _relay_values_free                (GValue           *values,
                                                 guint             n_values);

/* relay-promise-progress.c */
void          _relay_promise_progress_task_func (RelayTask        *task,
                                                 gboolean          dispatch);
void          _relay_promise_flush_progress     (RelayPromise     *self);

/* relay-promise-handlers.c */
gsize         _relay_promise_get_n_cycle_steps  (void);
void          _relay_promise_abandon_derived    (RelayReaction    *reaction,
                                                 RelayPromise     *source);

G_END_DECLS
