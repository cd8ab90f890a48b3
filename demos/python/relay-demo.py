#!/usr/bin/env python3
# relay-demo.py: the Relay demo window in Python (PyGObject + GTK 4)
#
# The window of demos/relay-demo/relay-demo.c, written in Python: five jobs
# written as plain Python functions run on a Relay.Pool — counting primes,
# rendering a Mandelbrot set tile by tile, hashing a temporary file, estimating
# π, searching Collatz chains — while an animation driven by the frame clock
# keeps moving and a meter shows the worst frame gap and the worst main-loop
# stall of the last three seconds. Each job calls job.set_progress() as often as
# it likes; Relay coalesces the reports and the window follows notify::progress
# on the job's promise. Cancel a job and its promise is rejected at once; the
# function sees job.is_cancelled() at its next check. The bottom panel replays
# the two threading examples (a notifier triggered from a thread, and
# `work` with promises). --self-test runs everything unattended, saves
# relay-demo-python-self-test.png (with PyGObject 3.46 or later; older ones
# skip it and say so), prints one line of figures and exits non-zero
# if a job failed or the main loop stalled for 16 ms or more (--stall-limit=MS
# changes the bound, 0 only reports the stall; --threads=N the size of the pool).
#
# Python threads share one interpreter lock. A job running Python code holds it
# and hands it over every sys.getswitchinterval() seconds (1 ms here), so the
# main thread waits up to that long for its turn. Every call into a GI method
# also drops and retakes the lock, and a worker that does so every few
# microseconds keeps the waiting main thread from ever getting it (CPython's
# convoy effect): so the Python jobs report every millisecond or so, not every
# hundred numbers as the C jobs do. Relay coalesces either way. The same holds
# the other way round: while a job runs Python, each GI call the main thread
# makes may cost it a wait for the lock, so the animated widgets draw from a
# few recorded pieces (see recorded()) instead of a node per dot or bar.
#
# From a build directory (uninstalled):
#   GI_TYPELIB_PATH=$PWD/introspection LD_LIBRARY_PATH=$PWD/src \
#   PYTHONPATH=$SRC/introspection/python python3 $SRC/demos/python/relay-demo.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import math
import os
import random
import sys
import tempfile
import threading
import time

import gi

if '--self-test' in sys.argv[1:]:
    # See relay-demo.c: GL on Xvfb is Mesa's software rasteriser, which would
    # put 30 to 50 ms of rendering on the main thread of every frame.
    os.environ.setdefault('GSK_RENDERER', 'cairo')

gi.require_version('Gdk', '4.0')
gi.require_version('Graphene', '1.0')
gi.require_version('Gsk', '4.0')
gi.require_version('Gtk', '4.0')
gi.require_version('Pango', '1.0')
gi.require_version('Relay', '1.0')
from gi.repository import Gdk, Gio, GLib, Graphene, Gsk, Gtk, Pango, Relay  # noqa: E402

STALL_LIMIT_MS = 16.0
HEARTBEAT_MS = 1
RECENT_S = 3.0
GRAPH_SAMPLES = 180
SELF_TEST_TIMEOUT_S = 55
CANCELLED_IN_SELF_TEST = 'Estimate π'

# ---------------------------------------------------------------------------
# The jobs: plain Python functions, run on a worker thread as func(job).
# They return their one-line summary; an exception fails the job.
# ---------------------------------------------------------------------------

MANDEL_WIDTH, MANDEL_HEIGHT, MANDEL_TILE = 256, 160, 16
MANDEL_TILES_X = MANDEL_WIDTH // MANDEL_TILE
MANDEL_TILES = MANDEL_TILES_X * (MANDEL_HEIGHT // MANDEL_TILE)


def describe(error):
    """A rejection as text: a job's own exception, or a GLib.Error from C."""
    if isinstance(error, GLib.Error):
        return error.message
    return '{}: {}'.format(type(error).__name__, error)


def count_primes(job, limit=1_500_000):
    found = 0
    for n in range(2, limit):
        d = 2
        while d * d <= n and n % d:
            d += 1
        if d * d > n:
            found += 1
        if n % 2000 == 0:
            if job.is_cancelled():
                return None
            job.set_progress(n / limit, '{:,} primes so far'.format(found))
    return '{:,} primes below {:,}'.format(found, limit)


def mandelbrot_colour(cr, ci, max_iter=1000):
    zr = zi = 0.0
    for i in range(max_iter):
        zr, zi = zr * zr - zi * zi + cr, 2 * zr * zi + ci
        if zr * zr + zi * zi > 256:
            t = math.sqrt(i + 1 - math.log2(math.log2(zr * zr + zi * zi) / 2)) / 6
            return tuple(int(255 * (0.5 + 0.5 * math.cos(2 * math.pi * (t + phase))))
                         for phase in (0.0, 0.15, 0.35))
    return (16, 16, 32)


def render_mandelbrot(job, pixels):
    # Row-major tiles: a report of k tiles means every tile row above tile k is
    # complete; the preview copies only those rows.
    x0, y0, scale = -2.35, -1.2, 2.4 / MANDEL_HEIGHT
    for tile in range(MANDEL_TILES):
        if job.is_cancelled():
            return None
        tx = tile % MANDEL_TILES_X * MANDEL_TILE
        ty = tile // MANDEL_TILES_X * MANDEL_TILE
        for y in range(ty, ty + MANDEL_TILE):
            for x in range(tx, tx + MANDEL_TILE):
                r, g, b = mandelbrot_colour(x0 + x * scale, y0 + y * scale)
                offset = 4 * (y * MANDEL_WIDTH + x)
                pixels[offset:offset + 4] = bytes((b, g, r, 255))   # B8G8R8A8
        job.set_progress((tile + 1) / MANDEL_TILES, 'tile {} of {}'.format(tile + 1, MANDEL_TILES))
    return '{} × {} px in {} tiles'.format(MANDEL_WIDTH, MANDEL_HEIGHT, MANDEL_TILES)


def hash_temp_file(job, size=256 << 20, chunk=64 << 10):
    # hashlib and file I/O release the interpreter lock on large buffers.
    fd, path = tempfile.mkstemp(prefix='relay-demo-', suffix='.bin')
    try:
        block = os.urandom(chunk)
        with os.fdopen(fd, 'wb') as f:
            for written in range(chunk, size + 1, chunk):
                if job.is_cancelled():
                    return None
                f.write(block)
                job.set_progress(0.5 * written / size,
                                 'writing: {} of {} MiB'.format(written >> 20, size >> 20))
        digest = hashlib.sha256()
        start = time.monotonic()
        with open(path, 'rb') as f:
            total = 0
            while data := f.read(chunk):
                if job.is_cancelled():
                    return None
                digest.update(data)
                total += len(data)
                job.set_progress(0.5 + 0.5 * total / size,
                                 'hashing: {} of {} MiB'.format(total >> 20, size >> 20))
        rate = (total >> 20) / max(time.monotonic() - start, 1e-6)
        return 'SHA-256 {}…, {} MiB at {:.0f} MiB/s'.format(digest.hexdigest()[:12], total >> 20, rate)
    finally:
        os.unlink(path)


def estimate_pi(job, samples=15_000_000):
    rng = random.Random(42)
    inside = 0
    for n in range(1, samples + 1):
        x, y = rng.random(), rng.random()
        if x * x + y * y <= 1.0:
            inside += 1
        if n % 20_000 == 0:
            if job.is_cancelled():
                return None
            job.set_progress(n / samples, 'π ≈ {:.5f}'.format(4 * inside / n))
    return 'π ≈ {:.6f} from {:,} samples'.format(4 * inside / samples, samples)


def longest_collatz_chain(job, limit=500_000):
    best_start, best_steps = 1, 0
    for start in range(1, limit):
        x, steps = start, 0
        while x != 1:
            x = 3 * x + 1 if x & 1 else x >> 1
            steps += 1
        if steps > best_steps:
            best_start, best_steps = start, steps
        if start % 1000 == 0:
            if job.is_cancelled():
                return None
            job.set_progress(start / limit, 'best so far: {:,}, {} steps'.format(best_start, best_steps))
    return '{:,} takes {} steps, the most below {:,}'.format(best_start, best_steps, limit)


JOBS = [
    ('Count primes', 'Trial division below 1,500,000, in Python', 'CPU', count_primes),
    ('Mandelbrot set', '256 × 160 px in 160 tiles, in Python', 'CPU', render_mandelbrot),
    ('Hash a file', 'Write 256 MiB to a temporary file, then SHA-256 it', 'I/O', hash_temp_file),
    ('Estimate π', '15 million random points in a square', 'CPU', estimate_pi),
    ('Collatz chains', 'Longest chain below 500,000', 'CPU', longest_collatz_chain),
]

CSS = b'''
.jobs row { padding: 10px 14px; }
.tag { font-size: 0.8em; font-weight: bold; padding: 2px 8px; border-radius: 999px;
       min-width: 28px; background: alpha(#3584e4, 0.15); color: #1c71d8; }
.tag.io { background: alpha(#9141ac, 0.15); color: #813d9c; }
.status { font-weight: bold; min-width: 80px; }
.status.queued, .status.idle { color: alpha(currentColor, 0.55); }
.status.running { color: #1c71d8; }
.status.done { color: #26a269; }
.status.failed { color: #c01c28; }
.status.cancelled { color: #c64600; }
.panel-title { font-weight: bold; font-size: 1.1em; margin-bottom: 2px; }
.meter { font-weight: bold; font-size: 1.25em; font-feature-settings: 'tnum'; }
.meter.bad { color: #c01c28; }
.card { background: @theme_base_color; border: 1px solid @borders; border-radius: 10px; }
.log { font-size: 0.9em; padding: 8px; }
.jobs progressbar > text { font-size: 0.85em; color: alpha(currentColor, 0.75); }
'''


def rgba(r, g, b, a=1.0):
    colour = Gdk.RGBA()
    colour.red, colour.green, colour.blue, colour.alpha = r, g, b, a
    return colour


def rect(x, y, width, height):
    return Graphene.Rect().init(x, y, width, height)


def fill_rounded(snapshot, bounds, radius, colour):
    # Keep the Gsk.RoundedRect in a variable. It is a plain C struct with no
    # GType, so PyGObject (3.42 at least) cannot copy what init_from_rect()
    # returns: `Gsk.RoundedRect().init_from_rect(...)` yields a wrapper around
    # the temporary's memory, which is freed before push_rounded_clip() reads
    # it. The clip then gets garbage bounds, and cairo fails on them ("Invalid
    # rectangle passed", "drawing failure ... out of memory", then a critical
    # from gsk_render_node_draw), depending on what reused the freed memory.
    # (Graphene.Rect is a boxed type: its init() result is a safe copy.)
    clip = Gsk.RoundedRect()
    clip.init_from_rect(bounds, radius)
    snapshot.push_rounded_clip(clip)
    snapshot.append_color(colour, bounds)
    snapshot.pop()


class RecentWorst:
    """The worst value seen in each 250 ms of the last three seconds."""

    def __init__(self):
        self.buckets = {}

    def add(self, now, value):
        bucket = int(now * 4)
        self.buckets[bucket] = max(self.buckets.get(bucket, 0.0), value)
        for old in [b for b in self.buckets if b <= bucket - RECENT_S * 4]:
            del self.buckets[old]

    def get(self, now):
        oldest = int(now * 4) - RECENT_S * 4
        return max([v for b, v in self.buckets.items() if b > oldest], default=0.0)


def point(x, y):
    return Graphene.Point().init(x, y)


def recorded(width, height, draw):
    """What draw(snapshot) appends, kept as a Gdk.Paintable of width × height.

    Replaying it is one GI call, however many nodes it holds. That matters on
    the main thread: every GI call releases the interpreter lock, a job thread
    that runs Python takes it, and the main thread waits up to the switch
    interval to get it back. A frame that makes hundreds of calls (a dot, a bar
    at a time) could wait tens of milliseconds for the lock on a busy 2-core
    machine; so the widgets below draw from a few recorded pieces.
    """
    snapshot = Gtk.Snapshot()
    draw(snapshot)
    return snapshot.to_paintable(Graphene.Size().init(width, height))


class Pulse(Gtk.Widget):
    """A spinner and a ball, placed from the frame time: they jump if the main thread blocks."""

    PHASES = 5   # spinner images per twelfth of a turn: 60 a second

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.track = self.track_size = None
        self.spinner = self.spinner_height = None
        self.ball = None

    def build_spinner(self, height):
        # The twelve dots at each of 12 × PHASES moments of a second: dot i is
        # (t * 12 - i) mod 12 twelfths behind the bright one.
        cx = cy = height / 2
        radius = height / 2 - 12

        def draw(snapshot, step):
            for i in range(12):
                angle = i * math.pi / 6 - math.pi / 2
                behind = (step / self.PHASES - i) % 12
                x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
                fill_rounded(snapshot, rect(x - 4.5, y - 4.5, 9, 9), 4.5,
                             rgba(0.38, 0.63, 0.98, 1 - behind / 13))

        self.spinner = [recorded(height, height, lambda snapshot: draw(snapshot, step))
                        for step in range(12 * self.PHASES)]
        self.spinner_height = height
        self.ball = recorded(20, 20, lambda snapshot: fill_rounded(snapshot, rect(0, 0, 20, 20), 10,
                                                                   rgba(0.96, 0.62, 0.26)))

    def build_track(self, width, height):
        def draw(snapshot):
            fill_rounded(snapshot, rect(0, 0, width, height), 10, rgba(0.12, 0.13, 0.17))
            left, right = height + 8, width - 16
            snapshot.append_color(rgba(1, 1, 1, 0.15), rect(left, height / 2 - 1, right - left, 2))

        self.track = recorded(width, height, draw)
        self.track_size = width, height

    def do_snapshot(self, snapshot):
        width, height = self.get_width(), self.get_height()
        if width < height + 40:
            return   # not allocated yet
        clock = self.get_frame_clock()
        t = clock.get_frame_time() / 1e6 if clock else 0
        if self.spinner_height != height:
            self.build_spinner(height)   # once, before any job runs
        if self.track_size != (width, height):
            self.build_track(width, height)
        self.track.snapshot(snapshot, width, height)
        self.spinner[int(t * 12 * self.PHASES) % len(self.spinner)].snapshot(snapshot, height, height)
        left, right = height + 8, width - 16
        x = left + (right - left) * (0.5 - 0.5 * math.cos(t * math.pi))
        snapshot.save()
        snapshot.translate(point(x - 10, height / 2 - 10))
        self.ball.snapshot(snapshot, 20, 20)
        snapshot.restore()


GRAPH_GREEN, GRAPH_YELLOW, GRAPH_RED = (bytes((round(255 * b), round(255 * g), round(255 * r), 255))
                                        for r, g, b in ((0.20, 0.82, 0.48), (0.96, 0.76, 0.07),
                                                        (0.93, 0.20, 0.23)))   # B8G8R8A8


class Graph(Gtk.Widget):
    """The last GRAPH_SAMPLES frame gaps against the 16.7 ms budget."""

    def __init__(self, gaps):
        super().__init__()
        self.gaps = gaps

    def bars_texture(self, width, height):
        # The bars as one texture, built in Python (no GI calls, so no waiting
        # for the interpreter lock) rather than as 180 colour nodes: a column
        # of pixels per bar, then transposed into rows with slice copies.
        columns = []
        for gap in self.gaps:
            h = round(min(gap / 50.0, 1.0) * height)
            colour = GRAPH_GREEN if gap < 20 else GRAPH_YELLOW if gap < 34 else GRAPH_RED
            columns.append(bytes(4 * (height - h)) + colour * h)
        bar = width / GRAPH_SAMPLES
        blank = bytes(4 * height)
        by_column = b''.join(
            blank if bar >= 3 and x + 1 > (int(x / bar) + 1) * bar - 0.5   # the gap between bars
            else columns[int(x / bar)] for x in range(width))
        pixels = bytearray(4 * width * height)
        for y in range(height):
            row = 4 * width * y
            for channel in range(4):
                pixels[row + channel:row + 4 * width:4] = by_column[4 * y + channel::4 * height]
        return Gdk.MemoryTexture.new(width, height, Gdk.MemoryFormat.B8G8R8A8_PREMULTIPLIED,
                                     GLib.Bytes.new(bytes(pixels)), 4 * width)

    def do_snapshot(self, snapshot):
        width, height = self.get_width(), self.get_height()
        if width < GRAPH_SAMPLES or height < 1:
            return   # not allocated yet
        bounds = rect(0, 0, width, height)
        clip = Gsk.RoundedRect()   # see fill_rounded
        clip.init_from_rect(bounds, 10)
        snapshot.push_rounded_clip(clip)
        snapshot.append_color(rgba(0.12, 0.13, 0.17), bounds)
        snapshot.append_texture(self.bars_texture(width, height), bounds)
        budget_y = height - height * (1000 / 60) / 50.0
        snapshot.append_color(rgba(1, 1, 1, 0.5), rect(0, budget_y, width, 1))
        snapshot.pop()


class JobRow:
    """A row of the job list; its current run's promise feeds it. Main thread only."""

    LABELS = {'idle': 'Idle', 'queued': 'Queued', 'running': 'Running',
              'done': 'Done', 'failed': 'Failed', 'cancelled': 'Cancelled'}

    def __init__(self, demo, title, detail, kind, func):
        self.demo, self.title, self.func = demo, title, func
        self.promise = None
        self.status = 'idle'
        self.started = 0.0
        self.cancel_requested = False
        self.pixels = None

        self.widget = grid = Gtk.Grid(column_spacing=12, row_spacing=2)
        tag = Gtk.Label(label=kind, valign=Gtk.Align.START)
        tag.add_css_class('tag')
        if kind == 'I/O':
            tag.add_css_class('io')
        grid.attach(tag, 0, 0, 1, 1)
        heading = Gtk.Label(label=title, xalign=0, hexpand=True)
        heading.add_css_class('heading')
        grid.attach(heading, 1, 0, 1, 1)
        self.status_label = Gtk.Label(xalign=1)
        self.status_label.add_css_class('status')
        grid.attach(self.status_label, 2, 0, 1, 1)
        # Ellipsized like the C demo's: a label or bar text that may grow would
        # otherwise change its minimum width, and every new progress text would
        # then re-measure the whole window.
        caption = Gtk.Label(label=detail, xalign=0, ellipsize=Pango.EllipsizeMode.END)
        caption.add_css_class('dim-label')
        caption.add_css_class('caption')
        grid.attach(caption, 1, 1, 2, 1)
        self.bar = Gtk.ProgressBar(show_text=True, margin_top=4, ellipsize=Pango.EllipsizeMode.END)
        grid.attach(self.bar, 1, 2, 2, 1)
        buttons = Gtk.Box(spacing=6, valign=Gtk.Align.CENTER, margin_start=6)
        self.run_button = Gtk.Button(label='Run')
        self.run_button.connect('clicked', lambda _: self.start())
        self.cancel_button = Gtk.Button(label='Cancel')
        self.cancel_button.connect('clicked', lambda _: self.cancel())
        buttons.append(self.run_button)
        buttons.append(self.cancel_button)
        grid.attach(buttons, 3, 0, 1, 3)
        self.set_status('idle', 'not started')

    @property
    def active(self):
        return self.status in ('queued', 'running')

    def set_status(self, status, text=None):
        self.status_label.remove_css_class(self.status)
        self.status = status
        self.status_label.set_text(self.LABELS[status])
        self.status_label.add_css_class(status)
        if text is not None:
            self.bar.set_text(text)
        self.run_button.set_sensitive(not self.active)
        self.cancel_button.set_sensitive(self.active)

    def start(self):
        if self.active:
            return
        self.bar.set_fraction(0)
        self.set_status('queued', 'waiting for a thread')
        self.cancel_requested = False
        self.started = 0.0
        args = ()
        if self.func is render_mandelbrot:
            self.pixels = bytearray(4 * MANDEL_WIDTH * MANDEL_HEIGHT)
            self.demo.preview_reset()
            args = (self.pixels,)
        promise = self.promise = self.demo.pool.run(self.func, *args)
        promise.connect('notify::progress', self.on_progress)   # the text comes along
        promise.then(lambda result: self.finish(promise, 'done', result),
                     lambda error: self.finish(promise, 'failed', error))

    def cancel(self):
        if self.active:
            self.cancel_requested = True
            self.promise.cancel()   # rejects now; the job stops at its next check

    def on_progress(self, promise, pspec):
        if promise is not self.promise or not self.active:
            return   # a report trailing behind a cancelled or replaced run
        fraction = promise.get_progress()
        self.demo.n_updates += 1
        if self.status == 'queued':
            self.started = time.monotonic()
            self.set_status('running')
        self.bar.set_fraction(fraction)
        self.bar.set_text(promise.dup_progress_text())
        if self.pixels is not None:
            self.demo.preview_take_rows(self.pixels, fraction)
        if (self.demo.self_test and self.title == CANCELLED_IN_SELF_TEST and
                fraction >= 0.3 and not self.cancel_requested):
            self.cancel()

    def finish(self, promise, status, outcome):
        if promise is not self.promise or not self.active:
            return
        if status == 'failed' and isinstance(outcome, GLib.Error) and \
                outcome.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
            self.set_status('cancelled', 'stopped at {:.0f} %'.format(100 * self.bar.get_fraction()))
        elif status == 'failed':
            self.set_status('failed', describe(outcome))
        else:
            self.bar.set_fraction(1)
            if self.pixels is not None:
                self.demo.preview_take_rows(self.pixels, 1.0)   # the job returned: all written
            self.set_status('done', outcome)
            if self.started:
                self.status_label.set_text('Done in {:.1f} s'.format(time.monotonic() - self.started))
        self.demo.check_self_test_done()


class Demo:
    def __init__(self, self_test, threads, stall_limit):
        self.self_test = self_test
        self.stall_limit = stall_limit
        self.quit = False
        self.exit_status = 0
        self.pool = Relay.Pool.new(threads)
        self.n_updates = 0
        self.frame_gaps = [0.0] * GRAPH_SAMPLES
        self.recent_gaps, self.recent_stalls = RecentWorst(), RecentWorst()
        self.last_tick = self.last_beat = self.last_meter = 0.0
        self.measuring = not self_test
        self.measure_start = self.measure_end = 0.0
        self.n_frames = self.n_beats = 0
        self.worst_gap = self.worst_stall = 0.0
        self.examples = set()
        self.started = self.finishing = False
        self.keep = []   # promises and notifiers of the replayed examples
        self.preview_pixels = bytearray(4 * MANDEL_WIDTH * MANDEL_HEIGHT)
        self.preview_rows = 0
        self.preview_dirty = True

        provider = Gtk.CssProvider()
        provider.load_from_data(CSS)
        Gtk.StyleContext.add_provider_for_display(Gdk.Display.get_default(), provider,
                                                  Gtk.STYLE_PROVIDER_PRIORITY_APPLICATION)
        self.rows = [JobRow(self, *job) for job in JOBS]
        self.window = self.build_window(threads)
        GLib.timeout_add(HEARTBEAT_MS, self.heartbeat, priority=GLib.PRIORITY_HIGH)

    # -- the window --------------------------------------------------------

    @staticmethod
    def panel_title(text):
        label = Gtk.Label(label=text, xalign=0)
        label.add_css_class('panel-title')
        return label

    def build_window(self, threads):
        window = Gtk.Window(title='Relay demo (Python)', default_width=1040, default_height=760)
        window.connect('close-request', self.on_close_request)

        header = Gtk.HeaderBar()
        titles = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, valign=Gtk.Align.CENTER)
        title = Gtk.Label(label='Relay demo')
        title.add_css_class('title')
        subtitle = Gtk.Label(label='Python jobs, responsive window')
        subtitle.add_css_class('subtitle')
        titles.append(title)
        titles.append(subtitle)
        header.set_title_widget(titles)
        run_all = Gtk.Button(label='Run all')
        run_all.add_css_class('suggested-action')
        run_all.connect('clicked', lambda _: self.run_all())
        cancel_all = Gtk.Button(label='Cancel all')
        cancel_all.connect('clicked', lambda _: [row.cancel() for row in self.rows])
        header.pack_start(run_all)
        header.pack_start(cancel_all)
        window.set_titlebar(header)

        left = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=18, hexpand=True)
        jobs = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8)
        jobs.append(self.panel_title('Background jobs'))
        note = Gtk.Label(label='Python functions on a Relay.Pool of {} thread{}; progress coalesced '
                               'on the way to the main loop'.format(threads, '' if threads == 1 else 's'),
                         xalign=0, wrap=True)
        note.add_css_class('dim-label')
        jobs.append(note)
        listbox = Gtk.ListBox(selection_mode=Gtk.SelectionMode.NONE, overflow=Gtk.Overflow.HIDDEN)
        listbox.add_css_class('jobs')
        listbox.add_css_class('card')
        for row in self.rows:
            listbox.append(row.widget)
        jobs.append(listbox)
        left.append(jobs)
        left.append(self.build_examples_panel())

        columns = Gtk.Box(spacing=18, vexpand=True, margin_top=18, margin_bottom=18,
                          margin_start=18, margin_end=18)
        columns.append(left)
        columns.append(self.build_meter_panel())
        window.set_child(columns)
        return window

    def build_meter_panel(self):
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8)
        box.set_size_request(320, -1)
        box.append(self.panel_title('Responsiveness'))
        self.pulse = Pulse(height_request=76)
        self.pulse.add_tick_callback(self.on_tick)
        box.append(self.pulse)
        self.graph = Graph(self.frame_gaps)
        self.graph.set_size_request(-1, 72)
        box.append(self.graph)
        grid = Gtk.Grid(row_spacing=2, column_spacing=12)
        self.meters = {}
        for line, (key, name) in enumerate([('gap', 'Worst frame gap, last 3 s'),
                                            ('stall', 'Worst main-loop stall, last 3 s'),
                                            ('frames', 'Frames measured'),
                                            ('updates', 'Progress updates shown')]):
            label = Gtk.Label(label=name, xalign=0, hexpand=True)
            label.add_css_class('dim-label')
            value = Gtk.Label(label='–', xalign=1)
            value.add_css_class('meter')
            grid.attach(label, 0, line, 1, 1)
            grid.attach(value, 1, line, 1, 1)
            self.meters[key] = value
        box.append(grid)
        box.append(self.panel_title('Mandelbrot, tile by tile'))
        self.preview = Gtk.Picture(can_shrink=False, halign=Gtk.Align.START, valign=Gtk.Align.START)
        box.append(self.preview)
        self.preview_reset()
        self.preview_refresh()
        return box

    def build_examples_panel(self):
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8, vexpand=True)
        box.append(self.panel_title('The threading examples'))
        buttons = Gtk.Box(spacing=6)
        for label, callback in [('Notifier', self.replay_notifier),
                                ('Work with promises', lambda: self.replay_work(False)),
                                ('Work, failing', lambda: self.replay_work(True))]:
            button = Gtk.Button(label=label)
            button.connect('clicked', lambda _, callback=callback: callback())
            buttons.append(button)
        box.append(buttons)
        view = Gtk.TextView(editable=False, cursor_visible=False, monospace=True)
        view.add_css_class('log')
        self.log_buffer = view.get_buffer()
        scrolled = Gtk.ScrolledWindow(child=view, min_content_height=120, vexpand=True,
                                      overflow=Gtk.Overflow.HIDDEN)
        scrolled.add_css_class('card')
        box.append(scrolled)
        return box

    def on_close_request(self, window):
        self.quit = True
        return False

    def run_all(self):
        for row in self.rows:
            row.start()

    # -- the Mandelbrot preview --------------------------------------------

    def preview_reset(self):
        self.preview_pixels[:] = bytes((0x40, 0x30, 0x30, 0xff)) * (MANDEL_WIDTH * MANDEL_HEIGHT)
        self.preview_rows = 0
        self.preview_dirty = True

    def preview_take_rows(self, pixels, fraction):
        rows = round(fraction * MANDEL_TILES) // MANDEL_TILES_X * MANDEL_TILE
        if rows > self.preview_rows:
            start, end = 4 * MANDEL_WIDTH * self.preview_rows, 4 * MANDEL_WIDTH * rows
            self.preview_pixels[start:end] = pixels[start:end]
            self.preview_rows = rows
            self.preview_dirty = True

    def preview_refresh(self):
        if self.preview_dirty:
            texture = Gdk.MemoryTexture.new(MANDEL_WIDTH, MANDEL_HEIGHT, Gdk.MemoryFormat.B8G8R8A8_PREMULTIPLIED,
                                            GLib.Bytes.new(bytes(self.preview_pixels)), 4 * MANDEL_WIDTH)
            self.preview.set_paintable(texture)
            self.preview_dirty = False

    # -- responsiveness ----------------------------------------------------

    def heartbeat(self):
        # A G_PRIORITY_HIGH timeout every millisecond: its lateness is how long
        # the main loop (or the interpreter lock) kept it waiting.
        now = time.monotonic()
        if self.last_beat:
            stall = max((now - self.last_beat) * 1000 - HEARTBEAT_MS, 0)
            self.recent_stalls.add(now, stall)
            if self.measuring:
                self.worst_stall = max(self.worst_stall, stall)
                self.n_beats += 1
        self.last_beat = now
        return GLib.SOURCE_CONTINUE

    def on_tick(self, widget, clock):
        now = time.monotonic()
        if self.last_tick:
            gap = (now - self.last_tick) * 1000
            self.recent_gaps.add(now, gap)
            self.frame_gaps.pop(0)
            self.frame_gaps.append(gap)
            if self.measuring:
                self.worst_gap = max(self.worst_gap, gap)
                self.n_frames += 1
        self.last_tick = now
        self.preview_refresh()
        if now - self.last_meter >= 0.25:
            self.update_meters(now)
            self.last_meter = now
        if self.self_test and not self.started and len([g for g in self.frame_gaps if g]) >= 10:
            self.started = True
            GLib.idle_add(self.start_self_test)
        widget.queue_draw()
        return GLib.SOURCE_CONTINUE

    def update_meters(self, now):
        # The graph follows at this pace too: every GI call lets a job take the
        # interpreter lock, and a graph of 180 bars is a few hundred calls.
        self.graph.queue_draw()
        stall = self.recent_stalls.get(now)
        self.meters['gap'].set_text('{:.1f} ms'.format(self.recent_gaps.get(now)))
        self.meters['stall'].set_text('{:.1f} ms'.format(stall))
        self.meters['frames'].set_text(str(self.n_frames))
        self.meters['updates'].set_text('{:,}'.format(self.n_updates))
        if stall >= STALL_LIMIT_MS:
            self.meters['stall'].add_css_class('bad')
        else:
            self.meters['stall'].remove_css_class('bad')

    # -- the threading examples -------------------------------------------

    def log(self, example, start, message):
        line = '{:<9} +{:.2f} s  {}\n'.format(example, time.monotonic() - start, message)
        self.log_buffer.insert(self.log_buffer.get_end_iter(), line)

    def replay_notifier(self):
        # A notifier waits in the main loop; a thread works, stores the result
        # and triggers it; the callback runs on the main thread.
        start = time.monotonic()
        state = {}

        def job_finished(notifier_, n_triggers, *user_data):
            self.log('notifier', start, 'Job finished! {}'.format(state['result']))
            if state['result'] == 42:
                self.examples.add('notifier')
            self.keep.remove(notifier)
            self.check_self_test_done()

        def worker():
            time.sleep(1)   # such work
            state['result'] = 42
            notifier.trigger()

        notifier = Relay.Notifier(job_finished)
        self.keep.append(notifier)   # keep it until it fired: the last unref destroys it
        self.log('notifier', start, 'notifier made; a thread sleeps, sets result, triggers it')
        threading.Thread(target=worker, daemon=True).start()

    def replay_work(self, fail):
        # `work`: the pool runs the function and hands back a promise.
        start = time.monotonic()

        def add(job, a, b):
            time.sleep(2)   # such work
            if fail:
                raise ArithmeticError('could not add {} and {}'.format(a, b))
            return a + b

        def got_val(val):
            self.log('work', start, 'got val: {}'.format(val))
            if val == 9:
                self.examples.add('got val')
            self.check_self_test_done()

        def still_running(_):
            self.log('work', start, 'event loop still running...')
            self.examples.add('loop ran')

        self.log('work', start, 'run_in_thread: sleep 2 s, then 4 + 5{}'.format(
            ', failing on purpose' if fail else ''))
        self.keep.append(Relay.Promise.new_delay(1000).then(still_running))
        self.keep.append(Relay.run_in_thread(add, 4, 5).then(
            got_val, lambda error: self.log('work', start, 'err: {}'.format(describe(error)))))

    # -- self-test ---------------------------------------------------------

    def start_self_test(self):
        self.measuring = True
        self.measure_start = time.monotonic()
        self.replay_notifier()
        self.replay_work(False)
        self.run_all()
        GLib.timeout_add_seconds(SELF_TEST_TIMEOUT_S, self.self_test_timeout)
        return GLib.SOURCE_REMOVE

    def check_self_test_done(self):
        if not self.self_test or not self.started or self.finishing:
            return
        if any(row.active or row.promise is None for row in self.rows):
            return
        if not {'notifier', 'got val'} <= self.examples:
            return
        self.measuring = False
        self.measure_end = time.monotonic()
        self.finishing = True
        GLib.timeout_add(300, self.finish_self_test)

    def save_screenshot(self, path):
        # GskRenderNode is a fundamental type that PyGObject before 3.46 cannot
        # marshal, so there is no node to hand to Gsk.Renderer.render_texture()
        # (as relay-demo.c does): skip the screenshot there, and say so.
        if gi.version_info < (3, 46):
            return None
        width, height = self.window.get_width(), self.window.get_height()
        snapshot = Gtk.Snapshot()
        Gtk.WidgetPaintable.new(self.window).snapshot(snapshot, width, height)
        try:
            node = snapshot.to_node()
        except TypeError:
            return None   # PyGObject before 3.46 cannot pass GskRenderNodes around
        if node is None:
            return False
        texture = self.window.get_renderer().render_texture(node, rect(0, 0, width, height))
        return texture is not None and texture.save_to_png(path)

    def finish_self_test(self):
        path = 'relay-demo-python-self-test.png'
        counts = {status: sum(row.status == status for row in self.rows)
                  for status in ('done', 'cancelled', 'failed')}
        saved = self.save_screenshot(path)
        examples_ok = {'notifier', 'loop ran', 'got val'} <= self.examples
        passed = (counts['failed'] == 0 and counts['cancelled'] == 1 and
                  (self.stall_limit <= 0 or self.worst_stall < self.stall_limit) and
                  examples_ok and saved is not False)
        shot = (path if saved else 'NOT SAVED' if saved is False else
                'skipped (PyGObject {}.{}.{} cannot pass GskRenderNodes; needs 3.46)'.format(*gi.version_info))
        print('relay-demo.py self-test (Relay, Python jobs): {done} done, {cancelled} cancelled, '
              '{failed} failed; worst main-loop stall {stall:.1f} ms ({beats} probes); '
              '{frames} frames, worst frame gap {gap:.1f} ms; {updates} window updates; '
              'threading examples {examples}; {seconds:.1f} s; screenshot {path}; {verdict}'.format(
                  stall=self.worst_stall, beats=self.n_beats, frames=self.n_frames,
                  gap=self.worst_gap, updates=self.n_updates,
                  examples='ok' if examples_ok else 'MISSING',
                  seconds=self.measure_end - self.measure_start,
                  path=shot, verdict='PASS' if passed else 'FAIL',
                  **counts), flush=True)
        self.exit_status = 0 if passed else 1
        self.quit = True
        return GLib.SOURCE_REMOVE

    def self_test_timeout(self):
        waiting = [row.title for row in self.rows if row.active]
        print('relay-demo.py self-test: FAIL: not finished after {} s; still waiting for {}'.format(
            SELF_TEST_TIMEOUT_S, ', '.join(waiting) or 'the threading examples'), flush=True)
        self.exit_status = 1
        self.quit = True
        return GLib.SOURCE_REMOVE

    def run(self):
        self.window.present()
        context = GLib.MainContext.default()
        while not self.quit:
            context.iteration(True)
        for row in self.rows:
            row.cancel()
        self.pool.shutdown()
        self.window.destroy()
        return self.exit_status


def main():
    self_test = '--self-test' in sys.argv[1:]
    threads = max((os.cpu_count() or 2) - 1, 1)
    stall_limit = STALL_LIMIT_MS
    for arg in sys.argv[1:]:
        if arg.startswith('--threads='):
            threads = int(arg.split('=', 1)[1])
        elif arg.startswith('--stall-limit='):   # in ms; the interpreter lock adds its own
            stall_limit = float(arg.split('=', 1)[1])

    sys.setswitchinterval(0.001)

    if not Gtk.init_check() or Gdk.Display.get_default() is None:
        print('relay-demo.py: cannot open a display; set DISPLAY or WAYLAND_DISPLAY, '
              'or run it under `xvfb-run -a`', file=sys.stderr)
        return 1

    return Demo(self_test, threads, stall_limit).run()


if __name__ == '__main__':
    sys.exit(main())
