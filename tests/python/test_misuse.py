# test_misuse.py: Relay misused from Python: wrong-type arguments, settling
# twice, trigger after destroy, abandoned promises, jobs that return nothing,
# exceptions in handlers. Each gets a TypeError, a False, a rejection or a
# documented critical, and never a crash.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The suite runs with G_DEBUG=fatal-criticals, and PyGObject only redirects the
# GLib domains' criticals to Python warnings, not Relay's: a Relay critical
# aborts the process. The cases that end in a critical therefore run in a child
# Python with G_DEBUG removed, and the test asserts on its stdout and stderr.
import gc
import os
import subprocess
import sys
import textwrap
import weakref

from gi.module import get_introspection_module
from gi.repository import Gio

from relaytesting import STALL_SECONDS, GLib, Relay, TestCase, drain, main, settle

IO_ERROR = Gio.io_error_quark()
# The generated bindings, without the override (GI's own then and Pool.run).
RawRelay = get_introspection_module('Relay')


def resolved(result):
    promise = Relay.Promise()
    promise.resolve_result(result)
    return promise


def run_child(code):
    """Runs code in a child python3 without fatal criticals; returns it."""
    env = dict(os.environ)
    env.pop('G_DEBUG', None)
    here = os.path.dirname(os.path.abspath(__file__))
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [here, env.get('PYTHONPATH')]))
    prologue = 'from relaytesting import GLib, Relay, settle\n'
    return subprocess.run([sys.executable, '-c', prologue + textwrap.dedent(code)],
                          env=env, capture_output=True, text=True, timeout=STALL_SECONDS)


class WrongTypeTests(TestCase):
    def test_notifier_method_on_a_non_notifier(self):
        promise = Relay.Promise()
        with self.assertRaisesRegex(TypeError, 'Expected Relay.Notifier'):
            Relay.Notifier.trigger(promise)
        with self.assertRaisesRegex(TypeError, 'Expected Relay.Notifier'):
            Relay.Notifier.destroy(3)
        with self.assertRaises(TypeError):
            Relay.Notifier.trigger(None)
        with self.assertRaisesRegex(TypeError, 'Expected Relay.Pool'):
            Relay.Pool.run(promise, None, lambda job: None)
        self.assertTrue(promise.is_pending())     # nothing reached the promise

    def test_combinators_refuse_non_promises(self):
        notifier = Relay.Notifier(lambda notifier, n: None)
        for combinator in (Relay.Promise.all, Relay.Promise.all_settled,
                           Relay.Promise.any, Relay.Promise.race):
            with self.subTest(combinator=combinator.__name__):
                with self.assertRaisesRegex(TypeError, 'Item 1: .*Expected Relay.Promise'):
                    combinator([Relay.Promise(), 1])
                with self.assertRaisesRegex(TypeError, 'Item 1: .*Expected Relay.Promise'):
                    combinator([Relay.Promise(), notifier])
                with self.assertRaisesRegex(TypeError, 'iterable of Relay promises'):
                    combinator(5)
                with self.assertRaisesRegex(TypeError, 'Item 1: Expected Relay.Promise'):
                    combinator([Relay.Promise(), None])
        notifier.destroy()

    def test_settling_with_wrong_types_raises_and_leaves_the_promise_pending(self):
        promise = Relay.Promise()
        with self.assertRaisesRegex(TypeError, 'Expected GObject.Object'):
            promise.resolve_object('not an object')
        with self.assertRaisesRegex(TypeError, 'Must be number'):
            promise.resolve_int64('7')
        with self.assertRaises(OverflowError):
            promise.resolve_int64(1 << 64)
        with self.assertRaisesRegex(TypeError, 'takes a sequence of values, not int'):
            promise.resolve_values(5)
        with self.assertRaisesRegex(TypeError, 'Must be GLib.Error'):
            promise.reject('an error message is not an error')
        with self.assertRaises(TypeError):
            promise.reject(None)
        with self.assertRaises(TypeError):
            Relay.Promise.new_rejected(None)
        self.assertEqual(promise.get_state(), Relay.PromiseState.PENDING)
        self.assertTrue(promise.resolve_int64(1))    # still usable

    def test_arbitrary_python_objects_are_kept_as_pyobject(self):
        # Not refused: the override documents that an object without a GLib
        # type travels as GObject.TYPE_PYOBJECT and comes back as itself.
        marker = object()
        through_gi = Relay.Promise()
        self.assertTrue(through_gi.resolve(marker))
        self.assertIs(through_gi.get_value(0), marker)
        through_override = resolved({1, 2})
        self.assertEqual(through_override.result(), {1, 2})

    def test_non_callables_are_refused(self):
        promise = Relay.Promise()
        with self.assertRaisesRegex(TypeError, 'Callback needs to be a function'):
            promise.chain(5, None)
        with self.assertRaisesRegex(TypeError, 'notifier callback is not callable'):
            Relay.Notifier(5)
        with self.assertRaisesRegex(TypeError, 'cannot be called with 2 arguments'):
            Relay.Notifier(lambda notifier: None)
        with self.assertRaises(TypeError):
            Relay.Notifier.new(None)
        with self.assertRaisesRegex(TypeError, 'needs a coroutine'):
            Relay.spawn(5)
        with self.assertRaisesRegex(TypeError, 'needs a coroutine or a Relay.Promise'):
            Relay.run_until_complete(5)
        self.assertTrue(promise.is_pending())

    def test_non_callable_job_is_refused_at_the_call(self):
        # Before, run_in_thread(5) was accepted and failed later on a worker.
        with self.assertRaisesRegex(TypeError, 'job function is not callable: 5'):
            Relay.run_in_thread(5)
        with self.assertRaisesRegex(TypeError, 'job function .* cannot be called with 2'):
            Relay.run_in_thread(lambda job: None, 'extra')

    def test_value_index_out_of_range_is_none(self):
        promise = resolved(1)
        self.assertIsNone(promise.get_value(1))
        with self.assertRaises(Relay.PendingError):       # pending: no value yet
            Relay.Promise().get_value(0)


class CriticalTests(TestCase):
    """Misuse that GI marshalling lets through reaches a g_return_if_fail()."""

    def test_none_in_combinator_inputs_is_a_critical_and_returns_none(self):
        # Through the generated bindings; the override raises TypeError first.
        child = run_child('''
            from gi.module import get_introspection_module
            RawRelay = get_introspection_module('Relay')
            print(RawRelay.Promise.all([Relay.Promise(), None]))
            print(RawRelay.Promise.race([None]))
            print('alive')
        ''')
        self.assertEqual(child.returncode, 0, child.stderr)
        self.assertEqual(child.stdout.split(), ['None', 'None', 'alive'])
        self.assertIn("Relay-CRITICAL **", child.stderr)
        self.assertIn("relay_promise_all: assertion 'check_inputs (promises, n_promises)' failed",
                      child.stderr)
        self.assertIn("relay_promise_race: assertion 'check_inputs (promises, n_promises)' failed",
                      child.stderr)

    def test_out_of_range_pool_size_is_a_critical_then_a_type_error(self):
        child = run_child('''
            try:
                Relay.Pool.new(5000)
            except TypeError as error:
                print('TypeError:', error)
        ''')
        self.assertEqual(child.returncode, 0, child.stderr)
        self.assertEqual(child.stdout.strip(), 'TypeError: constructor returned NULL')
        self.assertIn("relay_pool_new: assertion 'max_threads <= 1024' failed", child.stderr)

    def test_job_returning_twice_is_a_critical_and_the_first_result_wins(self):
        child = run_child('''
            from gi.module import get_introspection_module
            def twice(job):
                job.return_int64(1)
                job.return_int64(2)
            raw_run = get_introspection_module('Relay').Pool.run
            print(settle(raw_run(Relay.Pool.get_default(), None, twice)).result())
        ''')
        self.assertEqual(child.returncode, 0, child.stderr)
        self.assertEqual(child.stdout.strip(), '1')
        self.assertIn('relay_job_return_int64: the job already returned a result', child.stderr)

    def test_reading_a_string_as_int_is_a_critical_and_gives_zero(self):
        child = run_child('''
            promise = Relay.Promise()
            promise.resolve_string('text')
            print(promise.get_int64())
        ''')
        self.assertEqual(child.returncode, 0, child.stderr)
        self.assertEqual(child.stdout.strip(), '0')
        self.assertIn("relay_promise_get_int64: the promise's value is a gchararray, not a gint64", child.stderr)


class SettleTwiceTests(TestCase):
    def test_second_settle_raises_or_returns_false_and_keeps_the_first_value(self):
        # The Python methods raise; the C ones return False (a race lost).
        promise = Relay.Promise()
        self.assertTrue(promise.resolve_result('first'))
        with self.assertRaisesRegex(Relay.AlreadySettledError, 'already fulfilled'):
            promise.resolve_result('second')
        self.assertFalse(promise.resolve_int64(2))
        with self.assertRaisesRegex(Relay.AlreadySettledError, 'already fulfilled'):
            promise.reject_exception(ValueError('late'))
        self.assertFalse(promise.cancel())
        self.assertFalse(promise.get_cancellable().is_cancelled())
        self.assertEqual(settle(promise).result(), 'first')

    def test_second_reject_returns_false_and_keeps_the_first_error(self):
        promise = Relay.Promise()
        self.assertTrue(promise.reject_literal(IO_ERROR, int(Gio.IOErrorEnum.BUSY), 'first'))
        self.assertFalse(promise.reject_literal(IO_ERROR, int(Gio.IOErrorEnum.FAILED), 'second'))
        with self.assertRaisesRegex(Relay.AlreadySettledError, 'already rejected'):
            promise.resolve_result(1)
        self.assertFalse(promise.cancel())
        self.assertGError(settle(promise).get_error(), 'g-io-error-quark',
                          Gio.IOErrorEnum.BUSY, 'first')

    def test_cancel_then_settle_returns_false(self):
        promise = Relay.Promise()
        self.assertTrue(promise.cancel())
        with self.assertRaisesRegex(Relay.AlreadySettledError, r'cancel\(\) settles it too'):
            promise.resolve_result(1)
        self.assertFalse(promise.resolve_int64(1))
        self.assertFalse(promise.cancel())
        self.assertGError(settle(promise).get_error(), 'g-io-error-quark',
                          Gio.IOErrorEnum.CANCELLED)


class NotifierMisuseTests(TestCase):
    def test_trigger_after_destroy_returns_false_and_never_calls(self):
        calls = []
        notifier = Relay.Notifier(lambda notifier, n: calls.append(n) or GLib.SOURCE_CONTINUE)
        self.assertTrue(notifier.trigger())
        notifier.destroy()                  # drops the undelivered trigger
        self.assertTrue(notifier.is_destroyed())
        self.assertFalse(notifier.trigger())
        notifier.destroy()                  # idempotent
        self.assertFalse(notifier.trigger())
        drain()
        self.assertEqual(calls, [])

    def test_exception_in_notifier_callback_is_reported_and_ends_it(self):
        # As with a GLib source callback that raises: reported, and done.
        calls = []
        hooked = []

        def callback(notifier, n_triggers):
            calls.append(n_triggers)
            raise RuntimeError('notifier callback failed on purpose')

        notifier = Relay.Notifier(callback)
        old_hook, sys.excepthook = sys.excepthook, lambda *info: hooked.append(info[1])
        try:
            self.assertTrue(notifier.trigger())
            drain()
            self.assertFalse(notifier.trigger())
            drain()
        finally:
            sys.excepthook = old_hook
            notifier.destroy()
        self.assertEqual(calls, [1])
        self.assertEqual([str(e) for e in hooked], ['notifier callback failed on purpose'])


class AbandonedTests(TestCase):
    def test_dropping_a_pending_promise_rejects_what_waits_on_it(self):
        source = Relay.Promise()
        alive = weakref.ref(source)
        ran = []
        derived = source.then(lambda value: ran.append(value))
        chained = source.chain(lambda p: ran.append(p), None)
        errors = []
        RawRelay.Promise.then(source, on_value=lambda *args: ran.append(args),
                              on_error=lambda error, *data: errors.append(error))
        # Observed before anything dispatches, so no unhandled-rejection warning.
        observed = [settle_later(p) for p in (derived, chained)]
        del source
        gc.collect()
        self.assertIsNone(alive())          # really finalized
        for promise, done in zip((derived, chained), observed):
            settle(promise)
            self.assertGError(promise.get_error(), 'relay-error-quark', Relay.Error.ABANDONED,
                              'finalized before it settled')
            self.assertEqual(done, [1])
        drain()
        self.assertEqual(ran, [])           # the handlers themselves never run
        self.assertEqual(len(errors), 1)    # GI then gets the ABANDONED error
        self.assertGError(errors[0], 'relay-error-quark', Relay.Error.ABANDONED)

    def test_await_of_a_derived_promise_raises_abandoned(self):
        source = Relay.Promise()
        derived = source.then(lambda value: value)

        async def body():
            return await derived

        spawned = Relay.spawn(body())
        del source
        gc.collect()
        with self.assertRaises(GLib.Error) as raised:
            Relay.run_until_complete(spawned, timeout=STALL_SECONDS)
        self.assertGError(raised.exception, 'relay-error-quark', Relay.Error.ABANDONED)


def settle_later(promise):
    """Marks promise as handled now; returns a list filled once it settles."""
    done = []
    RawRelay.Promise.then(promise, on_value=lambda *a: done.append(1),
                          on_error=lambda *a: done.append(1))
    return done


class JobMisuseTests(TestCase):
    def test_python_job_returning_nothing_is_fulfilled_with_none(self):
        # The override documents: None is no values; result() gives None.
        promise = settle(Relay.run_in_thread(lambda job: None))
        self.assertEqual(promise.get_state(), Relay.PromiseState.FULFILLED)
        self.assertEqual(promise.get_n_values(), 0)
        self.assertIsNone(promise.result())

    def test_python_job_raising_is_rejected_with_a_glib_error(self):
        def job_func(job):
            raise KeyError('missing')

        promise = settle(Relay.run_in_thread(job_func))
        # C sees a GLib.Error; Python code that reads the promise, the KeyError.
        self.assertGError(promise.get_error(), 'relay-error-quark', Relay.Error.FAILED,
                          "KeyError: 'missing'")
        with self.assertRaises(KeyError):
            promise.result()

    def test_raw_gi_job_that_never_returns_is_rejected_with_no_result(self):
        # Through the generated Pool.run (no override), a function that never
        # calls job.return_*() rejects with Relay.Error.NO_RESULT...
        pool = Relay.Pool.get_default()
        promise = settle(RawRelay.Pool.run(pool, None, lambda job: None))
        self.assertGError(promise.get_error(), 'relay-error-quark', Relay.Error.NO_RESULT)

        # ...and so does one that raises: PyGObject reports the exception
        # (sys.excepthook) and returns to C, where no result was returned.
        hooked = []

        def job_func(job):
            raise ValueError('raw job failed on purpose')

        old_hook, sys.excepthook = sys.excepthook, lambda *info: hooked.append(info[1])
        try:
            raised = settle(RawRelay.Pool.run(pool, None, job_func))
        finally:
            sys.excepthook = old_hook
        self.assertGError(raised.get_error(), 'relay-error-quark', Relay.Error.NO_RESULT)
        self.assertEqual([str(e) for e in hooked], ['raw job failed on purpose'])


class HandlerExceptionTests(TestCase):
    def test_exceptions_in_override_handlers_become_rejections(self):
        failed = Relay.Promise.new_rejected(
            GLib.Error.new_literal(IO_ERROR, 'original', Gio.IOErrorEnum.FAILED))
        cases = [
            (resolved(1).then(lambda v: v / 0), 'ZeroDivisionError: division by zero'),
            (resolved({}).then(lambda v: v['key']), "KeyError: 'key'"),
            (failed.catch(lambda e: [][1]), 'IndexError: list index out of range'),
            (resolved(1).then(None, lambda e: None).finally_(lambda: 1 / 0),
             'ZeroDivisionError: division by zero'),
        ]
        for promise, _ in cases:            # handled before any dispatch
            settle_later(promise)
        for promise, message in cases:
            with self.subTest(message=message):
                settle(promise)
                self.assertGError(promise.get_error(), 'relay-error-quark', Relay.Error.FAILED,
                                  message)

    def test_glib_error_raised_in_handler_keeps_domain_and_code(self):
        def handler(value):
            raise GLib.Error.new_literal(IO_ERROR, 'not here', Gio.IOErrorEnum.NOT_FOUND)

        promise = settle(resolved(1).then(handler))
        self.assertGError(promise.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.NOT_FOUND,
                          'not here')

    def test_exceptions_in_raw_gi_handlers_are_reported_and_return_null(self):
        # GI's chain() and then() bypass the override: PyGObject reports the
        # exception with sys.excepthook and returns NULL to C, whose documented
        # meaning is "fulfilled with no values".
        hooked = []
        old_hook, sys.excepthook = sys.excepthook, lambda *info: hooked.append(type(info[1]))
        try:
            source = resolved(5)
            passed = settle(source.chain(lambda p: 1 / 0, None))
            wrong_return = settle(source.chain(lambda p: 'not a promise', None))
            failed = Relay.Promise.new_rejected(
                GLib.Error.new_literal(IO_ERROR, 'original', Gio.IOErrorEnum.FAILED))
            swallowed = settle(failed.chain(None, lambda p: 1 / 0))
            later = []
            RawRelay.Promise.then(source, on_value=lambda *args: 1 / 0, on_error=None)
            RawRelay.Promise.then(source, on_value=lambda value, *data: later.append(value),
                                  on_error=None)
            drain()
        finally:
            sys.excepthook = old_hook
        self.assertIsNone(passed.result())
        self.assertIsNone(wrong_return.result())
        self.assertEqual(swallowed.get_state(), Relay.PromiseState.FULFILLED)
        self.assertEqual(swallowed.get_n_values(), 0)
        self.assertEqual(later, [5])
        self.assertEqual(hooked, [ZeroDivisionError, TypeError, ZeroDivisionError,
                                  ZeroDivisionError])


if __name__ == '__main__':
    main()
