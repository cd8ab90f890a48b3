/* relay-promise-progress.c: progress reported from any thread, delivered
 * coalesced on the promise's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Owns PromiseExtra's progress fields. The reporting thread and the owner
 * context meet through atomics only, so a worker pre-empted in the middle of
 * a report can never block the main loop.
 */
#include "config.h"

#include <string.h>

#include "relay-promise-private.h"
#include "relay-sync-private.h"

/* Progress reaches the main context at most this often (250 times a second). */
#define PROGRESS_INTERVAL_USEC 4000

/* The fraction crosses threads as the bits of a double in a C11 atomic
 * (GLib 2.74 has no 64-bit atomic API). */
static inline void
store_double (_Atomic guint64 *bits,
              double           value)
{
  guint64 raw;

  memcpy (&raw, &value, sizeof raw);
  atomic_store (bits, raw);
}

static inline double
load_double (_Atomic guint64 *bits)
{
  guint64 raw = atomic_load (bits);
  double value;

  memcpy (&value, &raw, sizeof value);
  return value;
}

/* ------------------------------------------------------------------------ */
/* Delivery, on the owner                                                   */
/* ------------------------------------------------------------------------ */

/* Moves the latest report into the properties and notifies, on the owner
 * context. Harmless when nothing changed. */
static void
deliver_progress (RelayPromise *self)
{
  PromiseExtra *extra = self->extra;
  gboolean fraction_changed, text_changed = FALSE;
  double fraction;
  char *text;

  /* Clear the flag before reading: a report that lands after the reads
   * schedules another delivery; one that lands before is read here. */
  g_atomic_int_set (&extra->progress_scheduled, FALSE);
  extra->delivered_usec = g_get_monotonic_time ();

  fraction = load_double (&extra->pending_bits);
  fraction_changed = fraction != load_double (&extra->fraction_bits);
  store_double (&extra->fraction_bits, fraction);

  text = g_atomic_pointer_exchange (&extra->pending_text, NULL);
  if (text != NULL)
    {
      _relay_promise_lock (self);
      text_changed = g_strcmp0 (extra->text, text) != 0;
      g_free (extra->text);
      extra->text = text;
      _relay_promise_unlock (self);
    }

  _relay_promise_notify_progress (self, fraction_changed, text_changed);
}

/* The settled task delivers the latest report before the state changes and
 * the handlers run; a throttling timer is then not needed any more. On the
 * owner. */
void
_relay_promise_flush_progress (RelayPromise *self)
{
  PromiseExtra *extra = self->extra;

  if (extra->progress_timer != NULL)
    g_source_destroy (g_steal_pointer (&extra->progress_timer));
  deliver_progress (self);
}

/* The throttling timer only has a weak reference: a promise dropped while its
 * timer is armed goes at once, and so can its context. */
static gboolean
progress_interval_elapsed (gpointer data)
{
  g_autoptr(RelayPromise) self = g_weak_ref_get (data);

  if (self != NULL)
    {
      self->extra->progress_timer = NULL;
      deliver_progress (self);
    }

  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* A report was made: deliver it now, or, if the last delivery is less than
 * an interval old, when the interval is over. The owner arms that timer: a
 * worker never touches the context. A flood of reports thus costs the main
 * loop at most one dispatch per interval. */
void
_relay_promise_progress_task_func (RelayTask *task,
                                   gboolean   dispatch)
{
  PromiseExtra *extra = (PromiseExtra *) task;
  RelayPromise *self = extra->owner;

  if (!dispatch)
    {
      g_atomic_int_set (&extra->progress_scheduled, FALSE);
    }
  else if (extra->progress_timer == NULL)
    {
      gint64 wait_usec = extra->delivered_usec + PROGRESS_INTERVAL_USEC - g_get_monotonic_time ();

      if (extra->delivered_usec == 0 || wait_usec <= 0)
        {
          deliver_progress (self);
        }
      else
        {
          GSource *timer = g_timeout_source_new ((guint) ((wait_usec + 999) / 1000));
          GWeakRef *weak = g_new0 (GWeakRef, 1);

          g_weak_ref_init (weak, self);
          g_source_set_static_name (timer, "[relay] progress");
          g_source_set_callback (timer, progress_interval_elapsed, weak, weak_ref_free);
          g_source_attach (timer, relay_dispatcher_get_context (self->dispatcher));
          extra->progress_timer = timer;
          g_source_unref (timer);
        }
    }
  /* else: the armed timer delivers the latest report */

  g_object_unref (self);
}

/* ------------------------------------------------------------------------ */
/* Public                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * relay_promise_report_progress:
 * @self: a promise
 * @fraction: how far the work is, from 0 to 1 (clamped)
 * @text: (nullable): a short description of the current step, or %NULL to keep
 *   the previous text
 *
 * Reports progress towards settling @self. Any thread, as often as you like:
 * reports are coalesced, the latest wins, and [property@Relay.Promise:progress]
 * and [property@Relay.Promise:progress-text] are updated and notified on the
 * promise's context at most once per dispatch and at most once every 4 ms (the
 * latest value is always delivered). Reports after @self settled are still
 * delivered. A report costs the reporting thread a few atomic operations and,
 * at most once per delivery, a post to the context's dispatcher; it never
 * takes a lock the main loop holds.
 */
void
relay_promise_report_progress (RelayPromise *self,
                               double        fraction,
                               const char   *text)
{
  PromiseExtra *extra;

  g_return_if_fail (RELAY_IS_PROMISE (self));

  extra = g_atomic_pointer_get (&self->extra);
  if (extra == NULL)
    {
      _relay_promise_lock (self);
      extra = _relay_promise_ensure_extra_locked (self);
      _relay_promise_unlock (self);
    }

  store_double (&extra->pending_bits, CLAMP (fraction, 0.0, 1.0));
  if (text != NULL)
    g_free (g_atomic_pointer_exchange (&extra->pending_text, g_strdup (text)));

  /* Only the report that finds no delivery scheduled schedules one. The
   * task may still be queued (a settle delivered meanwhile): then the queued
   * one delivers this report too. */
  if (!g_atomic_int_compare_and_exchange (&extra->progress_scheduled, FALSE, TRUE))
    return;

  g_object_ref (self);
  if (!relay_dispatcher_post_at (self->dispatcher, _relay_promise_priority (self),
                                 &extra->progress_task))
    g_object_unref (self);
}

/**
 * relay_promise_get_progress:
 * @self: a promise
 *
 * Gets [property@Relay.Promise:progress]: the latest report that reached the
 * promise's context, not the latest one sent. Any thread.
 *
 * Returns: the latest progress delivered to the promise's context, from 0 to 1
 */
double
relay_promise_get_progress (RelayPromise *self)
{
  PromiseExtra *extra;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), 0.0);

  extra = g_atomic_pointer_get (&self->extra);
  return extra != NULL ? load_double (&extra->fraction_bits) : 0.0;
}

/**
 * relay_promise_dup_progress_text:
 * @self: a promise
 *
 * Gets [property@Relay.Promise:progress-text], delivered like
 * [property@Relay.Promise:progress]. Any thread.
 *
 * Returns: (transfer full) (nullable): the latest progress text delivered to
 *   the promise's context
 */
char *
relay_promise_dup_progress_text (RelayPromise *self)
{
  char *text = NULL;

  g_return_val_if_fail (RELAY_IS_PROMISE (self), NULL);

  _relay_promise_lock (self);
  if (self->extra != NULL)
    text = g_strdup (self->extra->text);
  _relay_promise_unlock (self);

  return text;
}
