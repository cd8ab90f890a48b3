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
#define PROGRESS_INTERVAL_MS 4

/* 64-bit atomics on a double's bits (GLib 2.74 has no 64-bit atomic API). */
static inline void
store_double (guint64 *bits,
              double   value)
{
  guint64 raw;

  memcpy (&raw, &value, sizeof raw);
  __atomic_store_n (bits, raw, __ATOMIC_SEQ_CST);
}

static inline double
load_double (guint64 *bits)
{
  guint64 raw = __atomic_load_n (bits, __ATOMIC_SEQ_CST);
  double value;

  memcpy (&value, &raw, sizeof value);
  return value;
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                 */
/* ------------------------------------------------------------------------ */

/* Moves the latest report into the properties and notifies, on the owner
 * context. Harmless when nothing changed. */
void
_relay_promise_deliver_progress (RelayPromise *self,
                                 gboolean      dispatch)
{
  PromiseExtra *extra = self->extra;
  gboolean fraction_changed, text_changed = FALSE;
  double fraction;
  char *text;

  /* Clear the flag before reading: a report that lands after the reads posts
   * again; one that lands before is read here. */
  g_atomic_int_set (&extra->progress_posted, FALSE);
  g_atomic_int_set (&extra->delivered_ms, (int) (g_get_monotonic_time () / 1000));

  fraction = load_double (&extra->pending_bits);
  fraction_changed = fraction != load_double (&extra->fraction_bits);
  store_double (&extra->fraction_bits, fraction);

  text = g_atomic_pointer_exchange (&extra->pending_text, NULL);
  if (text != NULL)
    {
      relay_mutex_lock (&self->lock);
      text_changed = g_strcmp0 (extra->text, text) != 0;
      g_free (extra->text);
      extra->text = text;
      relay_mutex_unlock (&self->lock);
    }

  if (dispatch)
    _relay_promise_notify_progress (self, fraction_changed, text_changed);
}

void
_relay_promise_progress_task_func (RelayTask *task,
                                   gboolean   dispatch)
{
  RelayPromise *self = ((PromiseExtra *) task)->owner;

  _relay_promise_deliver_progress (self, dispatch);
  g_object_unref (self);
}

/* Delivers a throttled progress report once its interval has passed. */
static gboolean
progress_interval_elapsed (gpointer data)
{
  RelayPromise *self = data;

  _relay_promise_deliver_progress (self, TRUE);
  return G_SOURCE_REMOVE;
}

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
 * delivered.
 */
void
relay_promise_report_progress (RelayPromise *self,
                               double        fraction,
                               const char   *text)
{
  PromiseExtra *extra;
  int wait_ms;

  g_return_if_fail (RELAY_IS_PROMISE (self));

  extra = g_atomic_pointer_get (&self->extra);
  if (extra == NULL)
    {
      relay_mutex_lock (&self->lock);
      extra = _relay_promise_ensure_extra_locked (self);
      relay_mutex_unlock (&self->lock);
    }

  store_double (&extra->pending_bits, CLAMP (fraction, 0.0, 1.0));
  if (text != NULL)
    g_free (g_atomic_pointer_exchange (&extra->pending_text, g_strdup (text)));

  /* Only the report that finds no delivery queued queues one. */
  if (!g_atomic_int_compare_and_exchange (&extra->progress_posted, FALSE, TRUE))
    return;

  wait_ms = g_atomic_int_get (&extra->delivered_ms) + PROGRESS_INTERVAL_MS -
            (int) (g_get_monotonic_time () / 1000);

  if (g_atomic_int_get (&extra->delivered_ms) == 0 || wait_ms <= 0 || wait_ms > PROGRESS_INTERVAL_MS)
    {
      g_object_ref (self);
      relay_dispatcher_post (self->dispatcher, &extra->progress_task);
    }
  else
    {
      /* Delivered less than an interval ago: deliver the latest value when the
       * interval is over, so a flood of reports costs the main loop at most
       * one wake-up per interval. */
      g_autoptr(GMainContext) context = relay_dispatcher_ref_context (self->dispatcher);
      g_autoptr(GSource) timer = NULL;

      if (context == NULL)
        return;     /* the context is gone: nobody to tell */

      timer = g_timeout_source_new ((guint) wait_ms);
      g_source_set_static_name (timer, "[relay] progress");
      g_source_set_callback (timer, progress_interval_elapsed, g_object_ref (self), g_object_unref);
      g_source_attach (timer, context);
    }
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

  relay_mutex_lock (&self->lock);
  if (self->extra != NULL)
    text = g_strdup (self->extra->text);
  relay_mutex_unlock (&self->lock);

  return text;
}
