/* demo-runner.h: how a job runs, on a RelayPool or the naive way
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <relay/relay.h>

G_BEGIN_DECLS

typedef enum {
  DEMO_RUN_IDLE,
  DEMO_RUN_QUEUED,
  DEMO_RUN_RUNNING,
  DEMO_RUN_DONE,
  DEMO_RUN_FAILED,
  DEMO_RUN_CANCELLED,
} DemoRunStatus;

#define DEMO_TYPE_RUN_STATUS (demo_run_status_get_type ())
GType demo_run_status_get_type (void) G_GNUC_CONST;

#define DEMO_RUN_STATUS_IS_ACTIVE(status) ((status) == DEMO_RUN_QUEUED || (status) == DEMO_RUN_RUNNING)

typedef struct _DemoRun DemoRun;

/* The work itself, on a worker thread: it reports through @run and returns a
 * one-line summary, or %NULL with @error set. The same function runs in both
 * modes; only demo_run_report() and the way the result gets back differ. */
typedef char *(*DemoWorkFunc) (DemoRun  *run,
                               GError  **error);

typedef struct
{
  const char   *title;
  const char   *detail;
  const char   *kind;          /* "CPU" or "I/O" */
  DemoWorkFunc  work;
  gsize         n_pixels;      /* a buffer the work fills, or 0 */
} DemoJobSpec;

/* Main thread, in either mode. */
typedef struct
{
  void (*progress) (DemoRun    *run,
                    double      fraction,
                    const char *text,
                    gpointer    user_data);
  void (*finished) (DemoRun       *run,
                    DemoRunStatus  status,
                    const char    *text,
                    gpointer       user_data);
} DemoRunCallbacks;

#define DEMO_TYPE_RUNNER (demo_runner_get_type ())
G_DECLARE_FINAL_TYPE (DemoRunner, demo_runner, DEMO, RUNNER, GObject)

DemoRunner   *demo_runner_new              (gboolean                naive,
                                            guint                   max_running);
gboolean      demo_runner_is_naive         (DemoRunner             *self);
guint         demo_runner_get_max_running  (DemoRunner             *self);
RelayPool    *demo_runner_get_pool         (DemoRunner             *self);
guint64       demo_runner_get_n_reports    (DemoRunner             *self);
guint64       demo_runner_get_n_updates    (DemoRunner             *self);
DemoRun      *demo_runner_start            (DemoRunner             *self,
                                            const DemoJobSpec      *spec,
                                            const DemoRunCallbacks *callbacks,
                                            gpointer                user_data);
void          demo_runner_shutdown         (DemoRunner             *self);

DemoRun      *demo_run_ref                 (DemoRun                *run);
void          demo_run_unref               (DemoRun                *run);
void          demo_run_cancel              (DemoRun                *run);
void          demo_run_detach              (DemoRun                *run);
const guint32 *demo_run_peek_pixels        (DemoRun                *run);

/* Worker side */
void          demo_run_report              (DemoRun                *run,
                                            double                  fraction,
                                            const char             *text);
GCancellable *demo_run_get_cancellable     (DemoRun                *run);
gboolean      demo_run_check_cancelled     (DemoRun                *run,
                                            GError                **error);
guint32      *demo_run_get_pixels          (DemoRun                *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DemoRun, demo_run_unref)

G_END_DECLS
