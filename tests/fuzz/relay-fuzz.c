/* relay-fuzz.c: an interpreter that reads a byte string as a sequence of Relay
 * operations on three threads and checks Relay's invariants after each one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The machine: three threads, each owning a main context it pushed as its
 * thread-default (thread 0 is the caller, threads 1 and 2 are helpers that run
 * one operation at a time when asked, so a program is deterministic and a
 * crash reproduces). Sixteen promise slots, four notifier slots.
 *
 * A program is a sequence of operations. Each starts with one byte: the low
 * five bits choose the operation, the high three choose the thread that runs it
 * (modulo 3). Operands follow, one byte each; a program that ends early reads
 * zeros. Operations: create promises (on a context, on the thread-default,
 * already settled), resolve, reject, cancel, then/catch/chain/finally/tap/
 * catch_error with handlers that return nothing, a new promise, an existing
 * promise (adoption, cycles included) or a rejection, then_values, the four
 * combinators, progress, drop a reference, iterate a context, replace a context
 * (the owner drops the old one with work in flight), create/trigger/destroy/drop
 * notifiers.
 *
 * Invariants checked:
 *   - a settle or cancel returns TRUE exactly when the promise was pending;
 *     a settled promise never changes state;
 *   - handlers and notifier callbacks run only while their context's owner
 *     thread iterates it: never synchronously inside then/resolve/trigger,
 *     never on another thread, never for a context that was replaced until
 *     somebody iterates that context again (promises keep their context alive,
 *     as a GTask does: the teardown reaps every replaced context);
 *   - a handler runs at most once and its user data is released exactly once;
 *     fulfilment handlers see a fulfilled promise, rejection handlers a
 *     rejected one;
 *   - after draining every context, each then_values observer of a settled
 *     promise that is still held has run (nothing lost);
 *   - a trigger returns FALSE exactly after destroy returned or a single-shot
 *     fired; the callback covers no more triggers than were accepted and never
 *     runs after destroy returned (it may after the last unref, for triggers
 *     accepted before it); notifier data is released exactly once;
 *   - when the program ends and every context, replaced ones included, has been
 *     iterated until idle and dropped, every promise ever created has been
 *     finalized (nothing leaked, no reference cycle).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <relay/relay.h>

#include "relay-fuzz.h"
#include "../notifier-keep.h"

#define N_THREADS    3
#define N_SLOTS      16
#define N_NOTIFIERS  4
#define MAX_OPS      400
#define MAX_RECORDS  (MAX_OPS * 3 + 64)

#define FUZZ_ERROR (g_quark_from_static_string ("relay-fuzz-error"))

enum {
  OP_NEW,             /* slot, ctx */
  OP_NEW_DEFAULT,     /* slot */
  OP_NEW_SETTLED,     /* slot, how */
  OP_RESOLVE,         /* slot, value */
  OP_RESOLVE_VALUES,  /* slot, n */
  OP_REJECT,          /* slot, code */
  OP_CANCEL,          /* slot */
  OP_THEN,            /* src, dst, kind, behaviour */
  OP_THEN_VALUES,     /* src */
  OP_COMBINE,         /* kind, a, b, dst */
  OP_PROGRESS,        /* slot, value */
  OP_DROP,            /* slot */
  OP_ITERATE,         /* ctx, n */
  OP_REPLACE_CONTEXT, /* ctx */
  OP_NOTIFIER_NEW,    /* nslot, ctx, repeating */
  OP_TRIGGER,         /* nslot, n */
  OP_NOTIFIER_DESTROY,/* nslot */
  OP_NOTIFIER_DROP,   /* nslot */
  OP_COPY,            /* src, dst: a second reference in another slot */
  N_OPS
};

static const char *op_names[N_OPS] = {
  "new", "new-default", "new-settled", "resolve", "resolve-values", "reject",
  "cancel", "then", "then-values", "combine", "progress", "drop", "iterate",
  "replace-context", "notifier-new", "trigger", "notifier-destroy",
  "notifier-drop", "copy",
};

static const guint op_n_args[N_OPS] = {
  2, 1, 2, 2, 2, 2, 1, 4, 1, 4, 2, 1, 2, 1, 3, 2, 1, 1, 2,
};

typedef struct
{
  guint  code;
  guint  thread;
  guint8 arg[4];
} Op;

/* ------------------------------------------------------------------------ */
/* State                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct
{
  gboolean       used;
  int            runs;
  int            released;
  guint          kind;          /* for then: which method */
  guint          behaviour;
  /* then_values observers: the promise observed, until it is finalized */
  gboolean       observer;
  RelayPromise  *source;        /* weak */
  guint          generation;    /* of the source's context when added */
  int            ctx_index;
} Record;

typedef struct
{
  RelayNotifier *notifier;
  int            ctx_index;
  guint          generation;
  gboolean       repeating;
  gboolean       destroyed;     /* destroy returned */
  int            calls;
  int            covered;
  int            accepted;
  int            released;
  gboolean       dropped;
} NotifierState;

typedef struct
{
  GMainContext     *context;
  guint             generation;
  pthread_t         thread;
  /* helper threads: one operation at a time */
  pthread_mutex_t   lock;
  pthread_cond_t    cond;
  void            (*job) (gpointer);
  gpointer          job_data;
  gboolean          has_job;
  gboolean          job_done;
} Owner;

typedef struct
{
  Owner           owners[N_THREADS];
  RelayPromise   *slots[N_SLOTS];
  int             shadow[N_SLOTS];
  /* Which machine context (and which generation of it) each slot's promise
   * belongs to, noted while that context was certainly alive: a freed
   * context's address may be reused by its replacement. */
  int             slot_ctx[N_SLOTS];
  guint           slot_gen[N_SLOTS];
  Record          records[MAX_RECORDS];
  guint           n_records;
  NotifierState   notifiers[N_NOTIFIERS * MAX_OPS / 4 + N_NOTIFIERS];
  guint           n_notifier_states;
  int             notifier_slot[N_NOTIFIERS];   /* index into notifiers, or -1 */
  int             created;
  int             finalized;
  guint           generation_counter;
  gboolean        draining;
  /* Contexts their owners dropped, with their generation: the promises keep
   * them alive until the teardown reaps them. */
  GMainContext   *retired[MAX_OPS + N_THREADS];
  guint           retired_gen[MAX_OPS + N_THREADS];
  guint           n_retired;
} Machine;

static Machine machine;
static __thread int in_iterate;       /* this thread is inside OP_ITERATE */
static __thread int my_index = -1;    /* which of the machine's threads this is */
static __thread guint reaping_gen;    /* generation of the retired context being reaped */
static gboolean helpers_started;

#define violation(...) G_STMT_START {                                     \
    fprintf (stderr, "relay-fuzz: invariant violated: ");                 \
    fprintf (stderr, __VA_ARGS__);                                        \
    fprintf (stderr, "\n");                                               \
    abort ();                                                             \
  } G_STMT_END

/* ------------------------------------------------------------------------ */
/* Helper threads                                                           */
/* ------------------------------------------------------------------------ */

static void *
helper_main (void *data)
{
  Owner *owner = data;

  my_index = (int) (owner - machine.owners);

  pthread_mutex_lock (&owner->lock);
  for (;;)
    {
      while (!owner->has_job)
        pthread_cond_wait (&owner->cond, &owner->lock);
      owner->has_job = FALSE;
      pthread_mutex_unlock (&owner->lock);

      owner->job (owner->job_data);

      pthread_mutex_lock (&owner->lock);
      owner->job_done = TRUE;
      pthread_cond_broadcast (&owner->cond);
    }

  return NULL;
}

static void
start_helpers (void)
{
  if (helpers_started)
    return;

  machine.owners[0].thread = pthread_self ();
  for (int i = 1; i < N_THREADS; i++)
    {
      Owner *owner = &machine.owners[i];

      pthread_mutex_init (&owner->lock, NULL);
      pthread_cond_init (&owner->cond, NULL);
      if (pthread_create (&owner->thread, NULL, helper_main, owner) != 0)
        g_error ("relay-fuzz: cannot start a helper thread");
    }
  helpers_started = TRUE;
}

/* Runs @job on machine thread @index and waits for it. */
static void
run_on (int      index,
        void   (*job) (gpointer),
        gpointer data)
{
  Owner *owner = &machine.owners[index];

  if (index == 0)
    {
      job (data);
      return;
    }

  pthread_mutex_lock (&owner->lock);
  owner->job = job;
  owner->job_data = data;
  owner->job_done = FALSE;
  owner->has_job = TRUE;
  pthread_cond_broadcast (&owner->cond);
  while (!owner->job_done)
    pthread_cond_wait (&owner->cond, &owner->lock);
  pthread_mutex_unlock (&owner->lock);
}

/* ------------------------------------------------------------------------ */
/* Contexts                                                                 */
/* ------------------------------------------------------------------------ */

static void
context_open (gpointer data)
{
  Owner *owner = &machine.owners[my_index];

  owner->context = g_main_context_new ();
  owner->generation = ++machine.generation_counter;
  g_main_context_push_thread_default (owner->context);
}

/* The owner drops its context; its promises may keep it alive, so the
 * machine remembers it for the teardown. */
static void
context_close (gpointer data)
{
  Owner *owner = &machine.owners[my_index];

  g_main_context_pop_thread_default (owner->context);
  machine.retired[machine.n_retired] = g_steal_pointer (&owner->context);
  machine.retired_gen[machine.n_retired] = owner->generation;
  machine.n_retired++;
}

/* Whether a handler of a context of generation @generation may run on this
 * thread now: its owner iterates it, or the teardown reaps it. */
static gboolean
may_run_here (int   ctx_index,
              guint generation)
{
  if (reaping_gen != 0)
    return generation == reaping_gen || generation == 0;

  return ctx_index == my_index && in_iterate &&
         machine.owners[my_index].generation == generation;
}

/* Iterates every dropped context until idle, then lets it go. */
static void
reap_retired (void)
{
  for (guint i = 0; i < machine.n_retired; i++)
    {
      GMainContext *context = machine.retired[i];

      reaping_gen = machine.retired_gen[i];
      g_main_context_push_thread_default (context);
      for (int round = 0; round < 3; round++)
        while (g_main_context_iteration (context, FALSE))
          ;
      g_main_context_pop_thread_default (context);
      reaping_gen = 0;
      g_main_context_unref (context);
    }
  machine.n_retired = 0;
}

static void
context_replace (gpointer data)
{
  context_close (NULL);
  context_open (NULL);
}

/* ------------------------------------------------------------------------ */
/* Records: handler user data                                               */
/* ------------------------------------------------------------------------ */

static Record *
record_new (void)
{
  Record *record;

  if (machine.n_records == MAX_RECORDS)
    return NULL;
  record = &machine.records[machine.n_records++];
  memset (record, 0, sizeof *record);
  record->used = TRUE;
  return record;
}

static void
record_release (gpointer data)
{
  Record *record = data;

  if (++record->released != 1)
    violation ("handler data released %d times", record->released);
}

static void
promise_finalized (gpointer  data,
                   GObject  *where_the_object_was)
{
  machine.finalized++;
}

static void
observer_source_gone (gpointer  data,
                      GObject  *where_the_object_was)
{
  Record *record = data;

  record->source = NULL;
}

static RelayPromise *
track (RelayPromise *promise)
{
  if (promise != NULL)
    {
      machine.created++;
      g_object_weak_ref (G_OBJECT (promise), promise_finalized, NULL);
    }
  return promise;
}

/* ------------------------------------------------------------------------ */
/* Handlers                                                                 */
/* ------------------------------------------------------------------------ */

enum { THEN_THEN, THEN_CATCH, THEN_CHAIN, THEN_FINALLY, THEN_TAP, THEN_CATCH_ERROR, N_THEN_KINDS };

static RelayPromise *
handler_result (Record       *record,
                RelayPromise *source)
{
  guint behaviour = record->behaviour;
  RelayPromise *result = NULL;

  switch (behaviour % 5)
    {
    case 0:
    case 1:
      return NULL;
    case 2:
      result = relay_promise_new ();
      relay_promise_resolve_int64 (result, (int) behaviour);
      return track (result);
    case 3:
      result = relay_promise_new ();
      relay_promise_reject_literal (result, FUZZ_ERROR, (int) behaviour, "from a handler");
      return track (result);
    default:
      /* Adopt whatever a slot holds: pending, settled, on another context,
       * or the very promise this handler settles (a cycle). */
      result = machine.slots[(behaviour / 5) % N_SLOTS];
      return result != NULL ? g_object_ref (result) : NULL;
    }
}

static void
handler_common (Record       *record,
                RelayPromise *source,
                const char   *what)
{
  if (!may_run_here (record->ctx_index, record->generation))
    violation ("%s ran off its context's iteration (thread %d, context of thread %d)",
               what, my_index, record->ctx_index);
  if (++record->runs != 1)
    violation ("%s ran %d times", what, record->runs);
  if (relay_promise_get_state (source) == RELAY_PROMISE_STATE_PENDING)
    violation ("%s ran for a pending promise", what);
}

static RelayPromise *
on_fulfilled (RelayPromise *source,
              gpointer      data)
{
  handler_common (data, source, "a fulfilment handler");
  if (relay_promise_get_state (source) != RELAY_PROMISE_STATE_FULFILLED)
    violation ("a fulfilment handler saw a rejected promise");
  return handler_result (data, source);
}

static RelayPromise *
on_rejected (RelayPromise *source,
             gpointer      data)
{
  handler_common (data, source, "a rejection handler");
  if (relay_promise_get_state (source) != RELAY_PROMISE_STATE_REJECTED ||
      relay_promise_get_error (source) == NULL)
    violation ("a rejection handler saw a fulfilled promise");
  return handler_result (data, source);
}

static RelayPromise *
on_either (RelayPromise *source,
           gpointer      data)
{
  handler_common (data, source, "a finally handler");
  return handler_result (data, source);
}

static void
on_tap (RelayPromise *source,
        gpointer      data)
{
  handler_common (data, source, "a tap");
}

static RelayPromise *
on_domain_error (RelayPromise *source,
                 gpointer      data)
{
  handler_common (data, source, "a catch_error handler");
  if (!g_error_matches (relay_promise_get_error (source), FUZZ_ERROR, 1))
    violation ("catch_error ran for an error it does not handle");
  return handler_result (data, source);
}

static void
observe_value (const GValue *value,
               gpointer      data)
{
  Record *record = data;

  if (++record->runs != 1)
    violation ("a then_values observer ran %d times", record->runs);
  if (!may_run_here (record->ctx_index, record->generation))
    violation ("a then_values observer ran outside its context's iteration");
}

static void
observe_error (const GError *error,
               gpointer      data)
{
  if (error == NULL)
    violation ("a then_values error observer got no error");
  observe_value (NULL, data);
}

/* ------------------------------------------------------------------------ */
/* Notifiers                                                                */
/* ------------------------------------------------------------------------ */

static gboolean
notifier_callback (RelayNotifier *notifier,
                   guint          n_triggers,
                   gpointer       data)
{
  NotifierState *state = data;

  /* The notifier holds its context, so a replaced one is merely not
   * iterated by its owner any more: the callback must not run for it until
   * the teardown reaps it. */
  if (!may_run_here (state->ctx_index, state->generation))
    violation ("a notifier callback ran off its context's iteration");
  if (state->destroyed)
    violation ("a notifier callback ran after destroy returned");
  if (!state->repeating && state->calls > 0)
    violation ("a single-shot notifier fired twice");
  if (n_triggers == 0)
    violation ("a notifier callback covered zero triggers");
  state->calls++;
  state->covered += (int) n_triggers;
  if (state->covered > state->accepted)
    violation ("a notifier covered %d triggers, %d were accepted", state->covered, state->accepted);

  return notifier_keep (notifier);
}

static void
notifier_released (gpointer data)
{
  NotifierState *state = data;

  if (++state->released != 1)
    violation ("notifier data released %d times", state->released);
}

/* ------------------------------------------------------------------------ */
/* Operations                                                               */
/* ------------------------------------------------------------------------ */

static void
slot_set_full (guint         slot,
               RelayPromise *promise,    /* transfer full */
               int           ctx,
               guint         generation)
{
  g_clear_object (&machine.slots[slot]);
  machine.slots[slot] = promise;
  machine.shadow[slot] = promise != NULL ? (int) relay_promise_get_state (promise) : -1;
  machine.slot_ctx[slot] = ctx;
  machine.slot_gen[slot] = generation;
}

/* For a promise of machine context @ctx as it is now. */
static void
slot_set_on (guint         slot,
             RelayPromise *promise,
             int           ctx)
{
  slot_set_full (slot, promise, ctx, machine.owners[ctx].generation);
}

static void
slot_set (guint         slot,
          RelayPromise *promise)
{
  slot_set_full (slot, promise, -1, 0);
}

/* Whether the promise in @slot belongs to a context that is still current. */
static gboolean
slot_context_current (guint slot)
{
  int ctx = machine.slot_ctx[slot];

  return ctx >= 0 && machine.owners[ctx].generation == machine.slot_gen[slot];
}

static void
check_settle (RelayPromise      *promise,
              RelayPromiseState  before,
              gboolean           returned,
              const char        *what)
{
  if (returned != (before == RELAY_PROMISE_STATE_PENDING))
    violation ("%s returned %s on a %s promise", what, returned ? "TRUE" : "FALSE",
               before == RELAY_PROMISE_STATE_PENDING ? "pending" : "settled");
  if (relay_promise_get_state (promise) == RELAY_PROMISE_STATE_PENDING)
    violation ("%s left the promise pending", what);
}

static void
add_handler (guint slot,
             guint dst,
             guint kind,
             guint behaviour)
{
  RelayPromise *source = machine.slots[slot];
  Record *record = record_new ();
  RelayPromise *derived = NULL;

  if (record == NULL)
    return;
  record->kind = kind % N_THEN_KINDS;
  record->behaviour = behaviour;
  /* A handler of a replaced context must never run: mark it so. */
  record->ctx_index = slot_context_current (slot) ? machine.slot_ctx[slot] : -1;
  record->generation = machine.slot_gen[slot];

  switch (record->kind)
    {
    case THEN_THEN:
      derived = relay_promise_then (source, on_fulfilled, record, record_release);
      break;
    case THEN_CATCH:
      derived = relay_promise_catch (source, on_rejected, record, record_release);
      break;
    case THEN_CHAIN:
      /* The same data for both: exactly one of them may run. */
      derived = relay_promise_chain (source, on_fulfilled, on_rejected, record, record_release);
      break;
    case THEN_FINALLY:
      derived = relay_promise_finally (source, on_either, record, record_release);
      break;
    case THEN_TAP:
      derived = relay_promise_tap (source, on_tap, record, record_release);
      break;
    case THEN_CATCH_ERROR:
      derived = relay_promise_catch_error (source, FUZZ_ERROR, 1, on_domain_error,
                                           record, record_release);
      break;
    }

  if (record->runs != 0)
    violation ("a handler ran synchronously inside then()");
  if (relay_promise_get_context (derived) != relay_promise_get_context (source))
    violation ("a derived promise belongs to another context than its source");
  slot_set_full (dst % N_SLOTS, track (derived), machine.slot_ctx[slot], machine.slot_gen[slot]);
}

static void
execute (gpointer data)
{
  const Op *op = data;
  guint slot = op->arg[0] % N_SLOTS;
  RelayPromise *p = machine.slots[slot];
  RelayPromiseState before = p != NULL ? relay_promise_get_state (p) : RELAY_PROMISE_STATE_PENDING;

  switch (op->code)
    {
    case OP_NEW:
      {
        int ctx = op->arg[1] % N_THREADS;

        slot_set_on (slot, track (relay_promise_new_for_context (machine.owners[ctx].context)), ctx);
      }
      break;

    case OP_NEW_DEFAULT:
      slot_set_on (slot, track (relay_promise_new ()), my_index);
      if (relay_promise_get_context (machine.slots[slot]) != machine.owners[my_index].context)
        violation ("relay_promise_new() did not take the thread-default context");
      break;

    case OP_NEW_SETTLED:
      {
        g_autoptr(GError) error = g_error_new_literal (FUZZ_ERROR, op->arg[1] % 3, "born rejected");
        GValue v = G_VALUE_INIT;

        if (op->arg[1] % 2 == 0)
          {
            g_value_init (&v, G_TYPE_INT);
            g_value_set_int (&v, op->arg[1]);
            slot_set_on (slot, track (relay_promise_new_resolved (&v)), my_index);
            g_value_unset (&v);
          }
        else
          {
            slot_set_on (slot, track (relay_promise_new_rejected (g_error_copy (error))), my_index);
          }
      }
      break;

    case OP_RESOLVE:
      if (p != NULL)
        check_settle (p, before, relay_promise_resolve_int64 (p, op->arg[1]), "resolve");
      break;

    case OP_RESOLVE_VALUES:
      if (p != NULL)
        {
          GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
          guint n = op->arg[1] % 4;

          for (guint i = 0; i < n; i++)
            {
              g_value_init (&values[i], i == 1 ? G_TYPE_STRING : G_TYPE_INT);
              if (i == 1)
                g_value_set_string (&values[i], "fuzz");
              else
                g_value_set_int (&values[i], (int) i);
            }
          check_settle (p, before, relay_promise_resolve_values (p, values, n), "resolve_values");
          for (guint i = 0; i < n; i++)
            g_value_unset (&values[i]);
          if (before == RELAY_PROMISE_STATE_PENDING && relay_promise_get_n_values (p) != n)
            violation ("resolve_values kept %u values of %u", relay_promise_get_n_values (p), n);
        }
      break;

    case OP_REJECT:
      if (p != NULL)
        check_settle (p, before,
                      relay_promise_reject_literal (p, FUZZ_ERROR, op->arg[1] % 3, "rejected"),
                      "reject");
      break;

    case OP_CANCEL:
      if (p != NULL)
        {
          check_settle (p, before, relay_promise_cancel (p), "cancel");
          if (before == RELAY_PROMISE_STATE_PENDING &&
              !g_error_matches (relay_promise_get_error (p), G_IO_ERROR, G_IO_ERROR_CANCELLED))
            violation ("cancel did not reject with G_IO_ERROR_CANCELLED");
          if (before == RELAY_PROMISE_STATE_PENDING &&
              !g_cancellable_is_cancelled (relay_promise_get_cancellable (p)))
            violation ("cancel did not cancel the promise's GCancellable");
        }
      break;

    case OP_THEN:
      if (p != NULL)
        add_handler (slot, op->arg[1], op->arg[2], op->arg[3]);
      break;

    case OP_THEN_VALUES:
      if (p != NULL)
        {
          Record *record = record_new ();

          if (record == NULL)
            break;
          record->observer = TRUE;
          record->source = p;
          record->ctx_index = slot_context_current (slot) ? machine.slot_ctx[slot] : -1;
          record->generation = machine.slot_gen[slot];
          g_object_weak_ref (G_OBJECT (p), observer_source_gone, record);
          relay_promise_then_values (p, observe_value, record, record_release,
                                     observe_error, record, NULL);
          if (record->runs != 0)
            violation ("then_values ran its observer synchronously");
        }
      break;

    case OP_COMBINE:
      {
        RelayPromise *inputs[2];
        guint n = 0;
        RelayPromise *result = NULL;

        for (guint i = 1; i <= 2; i++)
          if (machine.slots[op->arg[i] % N_SLOTS] != NULL)
            inputs[n++] = machine.slots[op->arg[i] % N_SLOTS];

        switch (op->arg[0] % 4)
          {
          case 0: result = relay_promise_all (inputs, n); break;
          case 1: result = relay_promise_all_settled (inputs, n); break;
          case 2: result = relay_promise_any (inputs, n); break;
          default: result = relay_promise_race (inputs, n); break;
          }
        if (relay_promise_get_context (result) != machine.owners[my_index].context)
          violation ("a combinator's result is not on the caller's context");
        slot_set_on (op->arg[3] % N_SLOTS, track (result), my_index);
      }
      break;

    case OP_PROGRESS:
      if (p != NULL)
        relay_promise_report_progress (p, op->arg[1] / 255.0, op->arg[1] % 2 ? "step" : NULL);
      break;

    case OP_DROP:
      slot_set (slot, NULL);
      break;

    case OP_COPY:
      slot_set_full (op->arg[1] % N_SLOTS, p != NULL ? g_object_ref (p) : NULL,
                     machine.slot_ctx[slot], machine.slot_gen[slot]);
      break;

    case OP_ITERATE:
      in_iterate++;
      for (guint i = 0; i <= op->arg[1] % 4u; i++)
        g_main_context_iteration (machine.owners[my_index].context, FALSE);
      in_iterate--;
      break;

    case OP_REPLACE_CONTEXT:
      context_replace (NULL);
      break;

    case OP_NOTIFIER_NEW:
      {
        guint nslot = op->arg[0] % N_NOTIFIERS;
        int ctx = op->arg[1] % N_THREADS;
        NotifierState *state;

        if (machine.n_notifier_states == G_N_ELEMENTS (machine.notifiers))
          break;
        state = &machine.notifiers[machine.n_notifier_states];
        memset (state, 0, sizeof *state);
        if (machine.notifier_slot[nslot] >= 0)
          {
            NotifierState *old = &machine.notifiers[machine.notifier_slot[nslot]];

            g_clear_object (&old->notifier);
            old->dropped = TRUE;
          }
        machine.notifier_slot[nslot] = (int) machine.n_notifier_states++;
        state->ctx_index = ctx;
        state->generation = machine.owners[ctx].generation;
        state->repeating = op->arg[2] % 2;
        state->notifier = relay_notifier_new_for_context (machine.owners[ctx].context,
                                                          notifier_callback, state,
                                                          notifier_released);
        notifier_set_keep (state->notifier, state->repeating);
      }
      break;

    case OP_TRIGGER:
      {
        int index = machine.notifier_slot[op->arg[0] % N_NOTIFIERS];
        NotifierState *state;

        if (index < 0)
          break;
        state = &machine.notifiers[index];
        for (guint i = 0; i <= op->arg[1] % 3u; i++)
          {
            gboolean expected = !state->destroyed && (state->repeating || state->calls == 0);
            gboolean accepted = relay_notifier_trigger (state->notifier);

            if (accepted != expected)
              violation ("trigger returned %s, expected %s (destroyed %d, repeating %d, calls %d)",
                         accepted ? "TRUE" : "FALSE", expected ? "TRUE" : "FALSE",
                         state->destroyed, state->repeating, state->calls);
            if (accepted)
              state->accepted++;
          }
        if (state->calls != 0 && !state->repeating && state->covered != state->accepted)
          violation ("a single-shot notifier fired without covering every accepted trigger");
      }
      break;

    case OP_NOTIFIER_DESTROY:
      {
        int index = machine.notifier_slot[op->arg[0] % N_NOTIFIERS];

        if (index < 0)
          break;
        relay_notifier_destroy (machine.notifiers[index].notifier);
        machine.notifiers[index].destroyed = TRUE;
        if (relay_notifier_trigger (machine.notifiers[index].notifier))
          violation ("trigger after destroy returned TRUE");
      }
      break;

    case OP_NOTIFIER_DROP:
      {
        guint nslot = op->arg[0] % N_NOTIFIERS;
        int index = machine.notifier_slot[nslot];

        if (index < 0)
          break;
        /* The last unref does not destroy it: triggers already accepted are
         * still delivered, then the data is released (see RelayNotifier). */
        g_clear_object (&machine.notifiers[index].notifier);
        machine.notifiers[index].dropped = TRUE;
        machine.notifier_slot[nslot] = -1;
      }
      break;
    }
}

/* Settled promises never change state. */
static void
check_shadows (void)
{
  for (guint i = 0; i < N_SLOTS; i++)
    {
      RelayPromise *p = machine.slots[i];
      int now;

      if (p == NULL)
        continue;
      now = (int) relay_promise_get_state (p);
      if (machine.shadow[i] > RELAY_PROMISE_STATE_PENDING && now != machine.shadow[i])
        violation ("slot %u changed state from %d to %d", i, machine.shadow[i], now);
      machine.shadow[i] = now;
    }
}

static void
iterate_all (void)
{
  /* Cross-context adoption posts from one context to another: a few rounds. */
  for (int round = 0; round < 8; round++)
    for (int t = 0; t < N_THREADS; t++)
      {
        Op op = { OP_ITERATE, (guint) t, { 0, 3, 0, 0 } };

        run_on (t, execute, &op);
      }
}

/* Every observer of a settled promise that is still held has run. */
static void
check_liveness (void)
{
  for (guint i = 0; i < machine.n_records; i++)
    {
      Record *record = &machine.records[i];

      if (!record->observer || record->source == NULL || record->ctx_index < 0)
        continue;
      if (machine.owners[record->ctx_index].generation != record->generation)
        continue;    /* its context was replaced: dropped by design */
      if (relay_promise_get_state (record->source) != RELAY_PROMISE_STATE_PENDING && record->runs != 1)
        violation ("a then_values observer of a settled promise did not run (lost)");
    }
}

static void
drop_slot_job (gpointer data)
{
  slot_set (GPOINTER_TO_UINT (data), NULL);
}

static void
quiet_log (const char     *domain,
           GLogLevelFlags  level,
           const char     *message,
           gpointer        data)
{
  /* Unhandled rejections are expected in random programs; anything else
   * (a critical, a warning from GLib) is a bug. */
  if ((level & G_LOG_LEVEL_WARNING) && g_str_has_prefix (message, "Unhandled promise rejection"))
    return;
  violation ("unexpected log message (%s): %s", domain ? domain : "-", message);
}

static gboolean
parse (const guint8 **data,
       gsize         *size,
       Op            *op)
{
  if (*size == 0)
    return FALSE;

  op->code = (*data)[0] % 32;
  op->thread = ((*data)[0] >> 5) % N_THREADS;
  (*data)++;
  (*size)--;
  if (op->code >= N_OPS)
    op->code %= N_OPS;

  for (guint i = 0; i < 4; i++)
    {
      op->arg[i] = 0;
      if (i < op_n_args[op->code] && *size > 0)
        {
          op->arg[i] = (*data)[0];
          (*data)++;
          (*size)--;
        }
    }

  return TRUE;
}

char *
relay_fuzz_describe (const guint8 *data,
                     gsize         size)
{
  GString *out = g_string_new (NULL);
  Op op;

  for (guint n = 0; n < MAX_OPS && parse (&data, &size, &op); n++)
    {
      g_string_append_printf (out, "%3u  thread %u  %-16s", n, op.thread, op_names[op.code]);
      for (guint i = 0; i < op_n_args[op.code]; i++)
        g_string_append_printf (out, " %u", op.arg[i]);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

void
relay_fuzz_run (const guint8 *data,
                gsize         size)
{
  static const char *domains[] = { "Relay", "GLib", "GLib-GObject", "GLib-GIO" };
  Op op;

  if (!helpers_started)
    for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
      g_log_set_handler (domains[i], G_LOG_LEVEL_MASK, quiet_log, NULL);

  my_index = 0;
  start_helpers ();

  memset (machine.slots, 0, sizeof machine.slots);
  machine.n_records = 0;
  machine.n_notifier_states = 0;
  machine.created = machine.finalized = 0;
  for (int i = 0; i < N_NOTIFIERS; i++)
    machine.notifier_slot[i] = -1;
  for (int t = 0; t < N_THREADS; t++)
    run_on (t, context_open, NULL);

  for (guint n = 0; n < MAX_OPS && parse (&data, &size, &op); n++)
    {
      guint thread = op.code == OP_ITERATE || op.code == OP_REPLACE_CONTEXT
        ? op.arg[0] % N_THREADS
        : op.thread;

      run_on ((int) thread, execute, &op);
      check_shadows ();
    }

  /* Drain: everything settled must reach its observers. */
  iterate_all ();
  check_shadows ();
  check_liveness ();

  /* Tear down: drop references from various threads, drain, free contexts. */
  for (guint i = 0; i < N_SLOTS; i++)
    run_on ((int) (i % N_THREADS), drop_slot_job, GUINT_TO_POINTER (i));
  for (int i = 0; i < N_NOTIFIERS; i++)
    if (machine.notifier_slot[i] >= 0)
      {
        NotifierState *state = &machine.notifiers[machine.notifier_slot[i]];

        g_clear_object (&state->notifier);
        state->dropped = TRUE;
      }
  iterate_all ();
  for (int t = 0; t < N_THREADS; t++)
    run_on (t, context_close, NULL);
  reap_retired ();

  for (guint i = 0; i < machine.n_records; i++)
    {
      Record *record = &machine.records[i];

      if (record->released != 1)
        violation ("handler data %u released %d times (kind %u)", i, record->released, record->kind);
      if (record->runs > 1)
        violation ("handler %u ran %d times", i, record->runs);
    }
  for (guint i = 0; i < machine.n_notifier_states; i++)
    {
      NotifierState *state = &machine.notifiers[i];

      if (state->released != 1)
        violation ("notifier data %u released %d times", i, state->released);
      if (state->covered > state->accepted)
        violation ("notifier %u covered more triggers than accepted", i);
    }
  if (machine.finalized != machine.created)
    violation ("%d of %d promises were never finalized (leak or reference cycle)",
               machine.created - machine.finalized, machine.created);
}
