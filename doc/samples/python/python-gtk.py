#!/usr/bin/env python3
# python-gtk.py: a GTK 4 window that counts primes on a worker thread, with a
# progress bar and a Cancel button, written with async/await and exceptions.
#
# asyncio runs on GTK's GLib main loop (gbulb, Debian's python3-gbulb), so a
# coroutine can await Relay promises and asyncio's own futures alike, and
# everything it does runs on the GTK thread. With --self-test, the window
# runs one count to the end, cancels a second one, and quits by itself (the
# test suite runs it so, under Xvfb).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import sys

import gi
gi.require_version('Gtk', '4.0')
gi.require_version('Relay', '1.0')
import gbulb  # noqa: E402
from gi.repository import Gio, Gtk, Relay  # noqa: E402

SELF_TEST = '--self-test' in sys.argv


# [jobs]
def count_primes(job, limit):
    """On a worker thread: how many primes are below limit."""
    found = 0
    for n in range(2, limit):
        if n % 4096 == 0:
            if job.is_cancelled():
                return None            # the promise is already rejected
            job.report_progress(n / limit, f'{n:,} of {limit:,}')
        found += all(n % d for d in range(2, int(n ** 0.5) + 1))
    job.report_progress(1.0, 'done')
    return found


def sum_of_squares(job, limit):
    """On another worker thread, at the same time."""
    if limit <= 0:
        raise ValueError(f'nothing below {limit}')
    total = 0
    for start in range(0, limit, 4096):
        if job.is_cancelled():
            return None
        total += sum(n * n for n in range(start, min(start + 4096, limit)))
    return total
# [/jobs]


# [window]
class Window(Gtk.ApplicationWindow):
    def __init__(self, app):
        super().__init__(application=app, title='Primes')
        self.bar = Gtk.ProgressBar(show_text=True)
        self.label = Gtk.Label(label='Press Start')
        self.start = Gtk.Button(label='Start')
        self.stop = Gtk.Button(label='Cancel', sensitive=False)
        self.start.connect('clicked', lambda button: self.run(200_000))
        self.stop.connect('clicked', lambda button: self.task.cancel())
        self.task = None
        self.jobs = ()

        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6)
        for widget in (self.bar, self.label, self.start, self.stop):
            box.append(widget)
        self.set_child(box)

    def run(self, limit):
        self.task = asyncio.ensure_future(self.count(limit))
        return self.task

    async def count(self, limit):
        self.start.set_sensitive(False)
        self.stop.set_sensitive(True)
        primes = Relay.run_in_thread(count_primes, limit)
        primes.connect('notify::progress', self.show_progress)
        squares = Relay.run_in_thread(sum_of_squares, limit)
        self.jobs = (primes, squares)
        try:
            # Two promises, both awaited at once; a list of their results.
            n_primes, total = await Relay.all([primes, squares])
            self.label.set_text(f'{n_primes:,} primes below {limit:,}; squares add up to {total:,}')
            return n_primes
        except asyncio.CancelledError:      # Cancel pressed: the jobs are cancelled too
            self.label.set_text('Cancelled')
            raise
        except ValueError as error:         # raised in a job, caught here as itself
            self.label.set_text(f'Failed: {error}')
        finally:
            self.start.set_sensitive(True)
            self.stop.set_sensitive(False)

    def show_progress(self, promise, pspec):
        self.bar.set_fraction(promise.props.progress)
        self.bar.set_text(promise.props.progress_text)
# [/window]


failures = []


async def self_test(window):
    try:
        await run_checks(window)
    except BaseException as error:
        failures.append(error)
        raise
    finally:
        window.destroy()                # the last window: the application quits


async def run_checks(window):
    # One count to the end: the bar is full when the result is there.
    assert await window.run(30_000) == 3245, window.label.get_text()
    assert window.bar.get_fraction() == 1.0
    print(window.label.get_text())

    # A count that only stops when cancelled: press Cancel once it made progress.
    progressed = asyncio.get_running_loop().create_future()
    window.bar.connect('notify::fraction',
                       lambda bar, pspec: progressed.done() or progressed.set_result(None))
    task = window.run(10 ** 12)
    await progressed
    window.stop.emit('clicked')
    try:
        await task
    except asyncio.CancelledError:
        print(window.label.get_text())
    cancelled = Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED
    assert all(job.get_error().matches(*cancelled) for job in window.jobs)

    # An exception raised in a job.
    await window.run(0)
    print(window.label.get_text())


# [main]
def activate(app):
    window = Window(app)
    window.present()
    if SELF_TEST:
        asyncio.ensure_future(self_test(window))


gbulb.install()                     # asyncio on the GLib main loop GTK uses
app = Gtk.Application(application_id='org.example.RelayPrimes')
app.connect('activate', activate)
asyncio.get_event_loop().run_forever(application=app, argv=sys.argv[:1])
# Before Python exits, wait for the jobs still running (a cancelled job
# returns at its next check): Python code must not run on a worker thread
# while the interpreter shuts down.
Relay.Pool.get_default().shutdown()
# [/main]

if failures:
    sys.exit(f'self-test failed: {failures[0]!r}')
