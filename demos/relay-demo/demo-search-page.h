/* demo-search-page.h: a search that streams its matches into a list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "demo-runner.h"

G_BEGIN_DECLS

#define DEMO_TYPE_SEARCH_PAGE (demo_search_page_get_type ())
G_DECLARE_FINAL_TYPE (DemoSearchPage, demo_search_page, DEMO, SEARCH_PAGE, GtkBox)

void           demo_search_page_start            (DemoSearchPage *self,
                                                  const char     *query);
void           demo_search_page_cancel           (DemoSearchPage *self);

DemoRunStatus  demo_search_page_get_status       (DemoSearchPage *self);
double         demo_search_page_get_fraction     (DemoSearchPage *self);
GListModel    *demo_search_page_get_model        (DemoSearchPage *self);
guint          demo_search_page_get_n_pending    (DemoSearchPage *self);
double         demo_search_page_get_seconds      (DemoSearchPage *self);
const char    *demo_search_page_get_count_text   (DemoSearchPage *self);
const char    *demo_search_page_get_status_text  (DemoSearchPage *self);

G_END_DECLS
