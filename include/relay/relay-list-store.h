/* relay-list-store.h: a GListModel that any thread appends to, applied on its
 * main context in batches
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(RELAY_INSIDE) && !defined(RELAY_COMPILATION)
# error "Only <relay/relay.h> can be included directly."
#endif

#include <gio/gio.h>
#include "relay-version.h"
#include "relay-promise.h"
#include "relay-channel.h"

G_BEGIN_DECLS

#define RELAY_TYPE_LIST_STORE (relay_list_store_get_type ())

RELAY_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (RelayListStore, relay_list_store, RELAY, LIST_STORE, GObject)

RELAY_AVAILABLE_IN_1_0
RelayListStore *relay_list_store_new            (GType            item_type);
RELAY_AVAILABLE_IN_1_0
RelayListStore *relay_list_store_new_for_context (GMainContext    *context,
                                                  GType            item_type);
RELAY_AVAILABLE_IN_1_0
GMainContext   *relay_list_store_get_context    (RelayListStore  *self);

/* Any thread */
RELAY_AVAILABLE_IN_1_0
void            relay_list_store_append         (RelayListStore  *self,
                                                 gpointer         item);
RELAY_AVAILABLE_IN_1_0
void            relay_list_store_append_many    (RelayListStore  *self,
                                                 gpointer        *items,
                                                 guint            n_items);
RELAY_AVAILABLE_IN_1_0
void            relay_list_store_remove_all     (RelayListStore  *self);
RELAY_AVAILABLE_IN_1_0
guint           relay_list_store_get_n_pending  (RelayListStore  *self);
RELAY_AVAILABLE_IN_1_0
guint           relay_list_store_get_budget     (RelayListStore  *self);
RELAY_AVAILABLE_IN_1_0
void            relay_list_store_set_budget     (RelayListStore  *self,
                                                 guint            budget_usec);

/* On the store's context */
RELAY_AVAILABLE_IN_1_0
RelayPromise   *relay_list_store_drain          (RelayListStore  *self,
                                                 RelayChannel    *channel) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
