/* relay-notifier-private.h: what the white-box tests read of the notifier
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* For the tests: how many times any notifier went active (attached its arm)
 * and quiet (its arm retired), so that a test knows it ran both paths. */
guint64 _relay_notifier_get_n_activations (void);
guint64 _relay_notifier_get_n_retirements (void);

G_END_DECLS
