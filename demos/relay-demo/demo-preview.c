/* demo-preview.c: the Mandelbrot set as it is rendered
 *
 * The Mandelbrot job writes its pixels tile by tile, row-major, into a buffer
 * of its run. A progress report of fraction f means every tile row above the
 * current one is complete, so the main thread copies exactly those rows here
 * and nothing a worker may still be writing. The copy is shown 1:1 (no
 * scaling on the main thread), and the texture is made once per frame at
 * most: in snapshot, and only when rows came in since the last one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "demo-jobs.h"
#include "demo-preview.h"

#define BACKGROUND 0xff303040u
#define RADIUS     10

struct _DemoPreview
{
  GtkWidget   parent_instance;

  guint32    *pixels;   /* the rows known complete; the rest background */
  guint       n_rows;
  GdkTexture *texture;  /* NULL when pixels changed since it was made */
};

G_DEFINE_FINAL_TYPE (DemoPreview, demo_preview, GTK_TYPE_WIDGET)

void
demo_preview_reset (DemoPreview *self)
{
  for (guint i = 0; i < DEMO_MANDEL_WIDTH * DEMO_MANDEL_HEIGHT; i++)
    self->pixels[i] = BACKGROUND;
  self->n_rows = 0;
  g_clear_object (&self->texture);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Copies the rows of @pixels below the ones already here, up to @n_rows. */
void
demo_preview_take_rows (DemoPreview   *self,
                        const guint32 *pixels,
                        guint          n_rows)
{
  n_rows = MIN (n_rows, DEMO_MANDEL_HEIGHT);
  if (n_rows <= self->n_rows)
    return;

  memcpy (self->pixels + self->n_rows * DEMO_MANDEL_WIDTH,
          pixels + self->n_rows * DEMO_MANDEL_WIDTH,
          (n_rows - self->n_rows) * DEMO_MANDEL_WIDTH * sizeof (guint32));
  self->n_rows = n_rows;
  g_clear_object (&self->texture);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
demo_preview_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? DEMO_MANDEL_WIDTH
                                                                  : DEMO_MANDEL_HEIGHT;
}

static void
demo_preview_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  DemoPreview *self = DEMO_PREVIEW (widget);
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, DEMO_MANDEL_WIDTH, DEMO_MANDEL_HEIGHT);
  GskRoundedRect clip;

  if (self->texture == NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (self->pixels, DEMO_MANDEL_WIDTH * DEMO_MANDEL_HEIGHT * sizeof (guint32));

      self->texture = gdk_memory_texture_new (DEMO_MANDEL_WIDTH, DEMO_MANDEL_HEIGHT, GDK_MEMORY_DEFAULT,
                                              bytes, DEMO_MANDEL_WIDTH * sizeof (guint32));
    }

  gsk_rounded_rect_init_from_rect (&clip, &bounds, RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &clip);
  gtk_snapshot_append_texture (snapshot, self->texture, &bounds);
  gtk_snapshot_pop (snapshot);
}

static void
demo_preview_finalize (GObject *object)
{
  DemoPreview *self = DEMO_PREVIEW (object);

  g_clear_object (&self->texture);
  g_free (self->pixels);

  G_OBJECT_CLASS (demo_preview_parent_class)->finalize (object);
}

static void
demo_preview_class_init (DemoPreviewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = demo_preview_finalize;
  widget_class->measure = demo_preview_measure;
  widget_class->snapshot = demo_preview_snapshot;
}

static void
demo_preview_init (DemoPreview *self)
{
  self->pixels = g_new (guint32, DEMO_MANDEL_WIDTH * DEMO_MANDEL_HEIGHT);
  demo_preview_reset (self);
}
