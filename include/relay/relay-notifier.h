/* relay-notifier.h: a callback that waits in a main context until any thread triggers it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(RELAY_INSIDE) && !defined(RELAY_COMPILATION)
# error "Only <relay/relay.h> can be included directly."
#endif

#include <glib-object.h>
#include "relay-version.h"

G_BEGIN_DECLS

#define RELAY_TYPE_NOTIFIER (relay_notifier_get_type ())

RELAY_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (RelayNotifier, relay_notifier, RELAY, NOTIFIER, GObject)

/**
 * RelayNotifierFunc:
 * @notifier: the notifier
 * @n_triggers: how many calls to [method@Relay.Notifier.trigger] this call covers
 *   (at least 1)
 * @user_data: the data passed when the notifier was created
 *
 * The callback of a [class@Relay.Notifier]. It always runs on the thread that
 * iterates the notifier's main context. Like a [callback@GLib.SourceFunc], it
 * returns %G_SOURCE_CONTINUE to be called again after the next trigger, or
 * %G_SOURCE_REMOVE to be done with: the notifier then releases its user data
 * and later triggers return %FALSE.
 *
 * Returns: %G_SOURCE_CONTINUE to stay armed, %G_SOURCE_REMOVE to be done
 */
typedef gboolean (*RelayNotifierFunc) (RelayNotifier *notifier,
                                       guint          n_triggers,
                                       gpointer       user_data);

RELAY_AVAILABLE_IN_1_0
RelayNotifier *relay_notifier_new             (RelayNotifierFunc  func,
                                               gpointer           user_data,
                                               GDestroyNotify     destroy);
RELAY_AVAILABLE_IN_1_0
RelayNotifier *relay_notifier_new_for_context (GMainContext      *context,
                                               RelayNotifierFunc  func,
                                               gpointer           user_data,
                                               GDestroyNotify     destroy);
RELAY_AVAILABLE_IN_1_0
gboolean       relay_notifier_trigger         (RelayNotifier     *self);
RELAY_AVAILABLE_IN_1_0
void           relay_notifier_destroy         (RelayNotifier     *self);
RELAY_AVAILABLE_IN_1_0
gboolean       relay_notifier_is_destroyed    (RelayNotifier     *self);
RELAY_AVAILABLE_IN_1_0
GMainContext  *relay_notifier_get_context     (RelayNotifier     *self);
RELAY_AVAILABLE_IN_1_0
int            relay_notifier_get_priority    (RelayNotifier     *self);
RELAY_AVAILABLE_IN_1_0
void           relay_notifier_set_priority    (RelayNotifier     *self,
                                               int                priority);
RELAY_AVAILABLE_IN_1_0
const char    *relay_notifier_get_name        (RelayNotifier     *self);
RELAY_AVAILABLE_IN_1_0
void           relay_notifier_set_name        (RelayNotifier     *self,
                                               const char        *name);

G_END_DECLS
