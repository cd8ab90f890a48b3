/* relay.h: the one header users include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define RELAY_INSIDE
# include "relay-version.h"
# include "relay-enums.h"
# include "relay-error.h"
# include "relay-notifier.h"
# include "relay-promise.h"
# include "relay-gio.h"
# include "relay-job.h"
# include "relay-pool.h"
# include "relay-channel.h"
# include "relay-list-store.h"
#undef RELAY_INSIDE
