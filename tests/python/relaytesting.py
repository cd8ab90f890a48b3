# relaytesting.py: shared helpers for the Python suite
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import asyncio
import os
import time
import unittest

import gi

gi.require_version('Relay', '1.0')
gi.require_version('Gio', '2.0')

from gi.repository import GLib, Relay  # noqa: E402
from gi.module import get_introspection_module  # noqa: E402

# GI's own `then` (relay_promise_then_values), which the override replaces.
_gi_then = get_introspection_module('Relay').Promise.then

# Never test a stale installed copy of the override: meson points
# RELAY_PYTHON_OVERRIDE at the one in the source tree.
_expected = os.environ.get('RELAY_PYTHON_OVERRIDE')
if _expected is not None:
    import gi.overrides.Relay as _override
    assert os.path.samefile(_override.__file__, _expected), _override.__file__


def _slowdown():
    try:
        factor = float(os.environ.get('RELAY_TEST_SLOWDOWN', '1'))
    except ValueError:
        factor = 1.0
    return max(factor, 1.0)


# How long a wait may see no progress at all before it fails the test, as in
# tests/test-watchdog.h: no test passes or fails on how long something took,
# a slow machine only makes it slower. RELAY_TEST_SLOWDOWN stretches it.
STALL_SECONDS = 60 * _slowdown()


def iterate_until(predicate, what='the main loop'):
    """Iterates the default main context until predicate() is true.

    Fails the test (raises AssertionError) only when nothing was dispatched
    for STALL_SECONDS, so a test can never hang, and a slow machine never
    fails it.
    """
    context = GLib.MainContext.default()
    last_progress = time.monotonic()
    while not predicate():
        if context.iteration(False):
            last_progress = time.monotonic()
        elif time.monotonic() - last_progress > STALL_SECONDS:
            raise AssertionError('no progress for %.0f s waiting for %s' % (STALL_SECONDS, what))
        else:
            time.sleep(0.001)


def in_asyncio(coroutine):
    """asyncio.run() with a stall backstop: the test fails instead of hanging.

    A plain asyncio loop (the default event loop, no GLib integration): the
    Relay override has it iterate a promise's main context while it awaits.
    """
    async def guarded():
        return await asyncio.wait_for(coroutine, STALL_SECONDS)
    return asyncio.run(guarded())


def settle(promise):
    """Iterates until promise is settled and its handlers ran; returns it.

    Observing the promise counts as handling it, so a rejection the test
    expects is not reported as unhandled.
    """
    dispatched = []
    _gi_then(promise,
             on_value=lambda *args: dispatched.append(True),
             on_error=lambda *args: dispatched.append(True))
    iterate_until(lambda: dispatched, 'a promise to settle')
    return promise


def drain():
    """Runs everything already pending on the default main context."""
    context = GLib.MainContext.default()
    while context.iteration(False):
        pass


class TestCase(unittest.TestCase):
    def assertGError(self, error, domain, code, message_part=None):
        self.assertIsInstance(error, GLib.Error)
        self.assertEqual(error.domain, GLib.quark_to_string(domain)
                         if isinstance(domain, int) else domain)
        self.assertEqual(error.code, int(code))
        if message_part is not None:
            self.assertIn(message_part, error.message)


def main():
    unittest.main(verbosity=2)


__all__ = ['Relay', 'GLib', 'STALL_SECONDS', 'iterate_until', 'in_asyncio', 'settle', 'drain', 'TestCase',
           'main']
