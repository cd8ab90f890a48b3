/* notifier-keep.h: whether a test notifier's callback stays armed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A RelayNotifierFunc returns G_SOURCE_CONTINUE to stay armed or
 * G_SOURCE_REMOVE to be done. Tests that run the same callback both ways
 * note the choice on the notifier and return notifier_keep (notifier).
 */
#pragma once

#include <relay/relay.h>

static inline void
notifier_set_keep (RelayNotifier *notifier,
                   gboolean       keep)
{
  g_object_set_data (G_OBJECT (notifier), "relay-test-keep", GINT_TO_POINTER (keep ? 1 : 0));
}

static inline gboolean
notifier_get_keep (RelayNotifier *notifier)
{
  return GPOINTER_TO_INT (g_object_get_data (G_OBJECT (notifier), "relay-test-keep"));
}

static inline gboolean
notifier_keep (RelayNotifier *notifier)
{
  return notifier_get_keep (notifier) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}
