# relaytesting.py: shared helpers for the Python suite
#
# SPDX-License-Identifier: LGPL-2.1-or-later
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


def iterate_until(predicate, timeout=5.0):
    """Iterates the default main context until predicate() is true.

    Fails the test (raises AssertionError) after timeout seconds, so a
    test can never hang.
    """
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %.1f s waiting for the main loop' % timeout)
        context.iteration(False) or time.sleep(0.001)


def settle(promise, timeout=5.0):
    """Iterates until promise is settled and its handlers ran; returns it.

    Observing the promise counts as handling it, so a rejection the test
    expects is not reported as unhandled.
    """
    dispatched = []
    _gi_then(promise,
             on_value=lambda *args: dispatched.append(True),
             on_error=lambda *args: dispatched.append(True))
    iterate_until(lambda: dispatched, timeout)
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


__all__ = ['Relay', 'GLib', 'iterate_until', 'settle', 'drain', 'TestCase', 'main']
