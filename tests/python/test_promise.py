# test_promise.py: Relay.Promise from Python: settling, values, chains,
# combinators, errors as GLib.Error
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import gc
import threading

from gi.repository import Gio, GObject

from relaytesting import GLib, Relay, TestCase, drain, main, settle

IO_ERROR = Gio.io_error_quark()


def rejected(code=Gio.IOErrorEnum.FAILED, message='boom'):
    promise = Relay.Promise()
    promise.reject_literal(IO_ERROR, int(code), message)
    return promise


def resolved(result):
    promise = Relay.Promise()
    promise.resolve_result(result)
    return promise


class SettlingTests(TestCase):
    def test_first_settle_wins(self):
        promise = Relay.Promise()
        self.assertEqual(promise.props.state, Relay.PromiseState.PENDING)
        self.assertTrue(promise.resolve_int64(1))
        self.assertFalse(promise.resolve_int64(2))
        self.assertFalse(promise.reject_literal(IO_ERROR, 0, 'late'))
        self.assertEqual(promise.props.state, Relay.PromiseState.FULFILLED)
        self.assertEqual(promise.result(), 1)

    def test_state_notify_on_main_thread(self):
        promise = Relay.Promise()
        states = []
        promise.connect('notify::state',
                        lambda p, pspec: states.append((p.props.state, threading.current_thread())))
        worker = threading.Thread(target=promise.resolve_string, args=('from a thread',))
        worker.start()
        worker.join()
        settle(promise)
        drain()
        self.assertEqual(states, [(Relay.PromiseState.FULFILLED, threading.main_thread())])
        self.assertEqual(promise.get_string(), 'from a thread')

    def test_plain_notify_hears_state(self):
        # A 'notify' handler with no detail is told of the state too (it
        # was not before: GLib 2.74 matched only 'notify::state').
        promise = Relay.Promise()
        names = []
        promise.connect('notify', lambda p, pspec: names.append(pspec.name))
        worker = threading.Thread(target=promise.resolve_int64, args=(3,))
        worker.start()
        worker.join()
        settle(promise)
        drain()
        self.assertEqual(names, ['state'])

    def test_python_values_round_trip(self):
        marker = object()
        obj = Gio.SimpleAction.new('act', None)
        cases = [
            (None, ()),
            (7, (7,)),
            (-(1 << 40), (-(1 << 40),)),
            (1 << 62, (1 << 62,)),
            (2.5, (2.5,)),
            (True, (True,)),
            ('text', ('text',)),
            (marker, (marker,)),
            (obj, (obj,)),
            ((4, 'five', None), (4, 'five', None)),
        ]
        for result, values in cases:
            with self.subTest(result=result):
                promise = resolved(result)
                self.assertEqual(promise.values(), values)
                self.assertEqual(promise.get_n_values(), len(values))
                self.assertIs(promise.result(), result) if result in (None, marker, obj) \
                    else self.assertEqual(promise.result(), result)

    def test_int_and_string_are_readable_from_c_accessors(self):
        self.assertEqual(resolved(41).get_int64(), 41)
        self.assertEqual(resolved('abc').get_string(), 'abc')
        self.assertEqual(resolved(1 << 40).get_value(0), 1 << 40)

    def test_rejection_is_a_glib_error(self):
        promise = settle(rejected(Gio.IOErrorEnum.NOT_FOUND, 'no such thing'))
        error = promise.get_error()
        self.assertGError(error, 'g-io-error-quark', Gio.IOErrorEnum.NOT_FOUND, 'no such thing')
        with self.assertRaises(GLib.Error) as raised:
            promise.result()
        self.assertEqual(raised.exception.message, 'no such thing')
        drain()

    def test_new_rejected_and_reject_take_glib_errors(self):
        error = GLib.Error.new_literal(IO_ERROR, 'denied', Gio.IOErrorEnum.PERMISSION_DENIED)
        promise = Relay.Promise.new_rejected(error)
        self.assertGError(promise.get_error(), 'g-io-error-quark',
                          Gio.IOErrorEnum.PERMISSION_DENIED, 'denied')
        other = Relay.Promise()
        self.assertTrue(other.reject_exception(KeyError('k')))
        self.assertGError(other.get_error(), 'relay-error-quark', Relay.Error.FAILED, 'KeyError')
        promise.catch(lambda e: None)
        other.catch(lambda e: None)
        drain()

    def test_unhandled_rejection_is_reported(self):
        warnings = []

        def on_log(domain, level, message, *data):
            warnings.append(message)

        handler = GLib.log_set_handler('Relay', GLib.LogLevelFlags.LEVEL_WARNING, on_log, None)
        try:
            rejected(message='nobody listens')
            drain()
            handled = rejected(message='handled')
            handled.catch(lambda e: None)
            drain()
        finally:
            GLib.log_remove_handler('Relay', handler)
        self.assertEqual(len(warnings), 1)
        self.assertIn('nobody listens', warnings[0])

    def test_result_of_pending_promise_raises(self):
        with self.assertRaisesRegex(Relay.PendingError, 'still pending'):
            Relay.Promise().result()

    def test_cancel(self):
        promise = Relay.Promise()
        cancellable = promise.get_cancellable()
        self.assertTrue(promise.cancel())
        self.assertTrue(cancellable.is_cancelled())
        self.assertGError(promise.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.CANCELLED)
        self.assertFalse(promise.cancel())


class ChainTests(TestCase):
    def test_then_runs_later_on_main_thread_in_order(self):
        promise = Relay.Promise()
        order = []
        promise.then(lambda v: order.append(('a', v, threading.current_thread())))
        promise.then(lambda v: order.append(('b', v, threading.current_thread())))
        promise.resolve_int64(5)
        self.assertEqual(order, [])          # never synchronously
        drain()
        main_thread = threading.main_thread()
        self.assertEqual(order, [('a', 5, main_thread), ('b', 5, main_thread)])

    def test_then_chain_with_plain_values_and_promises(self):
        chained = (resolved(3)
                   .then(lambda x: x * 2)
                   .then(lambda x: resolved((x, x + 1)))     # a promise is adopted
                   .then(lambda pair: '%d-%d' % pair))
        self.assertEqual(settle(chained).result(), '6-7')

    def test_handler_exception_becomes_rejection(self):
        chained = resolved(1).then(lambda x: x / 0)
        settle(chained)
        self.assertGError(chained.get_error(), 'relay-error-quark', Relay.Error.FAILED,
                          'ZeroDivisionError: division by zero')
        # on_rejected receives the exception itself; C sees the GLib.Error above.
        recovered = chained.catch(lambda error: 'recovered: %s %s' % (type(error).__name__, error))
        self.assertEqual(settle(recovered).result(), 'recovered: ZeroDivisionError division by zero')

    def test_rejection_skips_on_fulfilled_and_reaches_catch(self):
        calls = []
        chained = rejected(message='first').then(lambda v: calls.append(v)).then(lambda v: calls.append(v))
        caught = chained.catch(lambda error: error.message)   # a GLib.Error from C
        self.assertEqual(settle(caught).result(), 'first')
        self.assertEqual(calls, [])

    def test_on_rejected_may_rethrow(self):
        def rethrow(error):
            raise error
        chained = rejected(Gio.IOErrorEnum.BUSY, 'busy').catch(rethrow)
        settle(chained)
        self.assertGError(chained.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.BUSY, 'busy')
        chained.catch(lambda e: None)
        drain()

    def test_finally_keeps_outcome_and_can_replace_error(self):
        ran = []
        kept = resolved('value').finally_(lambda: ran.append('ok'))
        self.assertEqual(settle(kept).result(), 'value')

        def fail():
            raise RuntimeError('cleanup failed')
        replaced = resolved('value').finally_(fail)
        settle(replaced)
        self.assertGError(replaced.get_error(), 'relay-error-quark', Relay.Error.FAILED,
                          'RuntimeError: cleanup failed')
        self.assertEqual(ran, ['ok'])
        replaced.catch(lambda e: None)
        drain()

    def test_chain_is_the_c_then(self):
        # GI's chain(): handlers get the settled promise; returning it passes
        # it through, None fulfils with no values.
        seen = []
        source = resolved(10)
        passed = source.chain(lambda p: seen.append(p.get_int64()) or p, None)
        emptied = source.chain(lambda p: None, None)
        adopted = source.chain(lambda p: resolved(p.get_int64() + 1), None)
        self.assertEqual(settle(passed).result(), 10)
        self.assertIsNone(settle(emptied).result())
        self.assertEqual(settle(adopted).result(), 11)
        self.assertEqual(seen, [10])

    def test_gi_then_hands_over_value_or_error(self):
        got = []
        Relay.Promise.then.__get__(resolved(8))  # the GI method exists
        from gi.module import get_introspection_module
        raw = get_introspection_module('Relay').Promise.then
        raw(resolved(8), on_value=lambda value, *data: got.append(value))
        raw(rejected(message='bad'), on_error=lambda error, *data: got.append(error.message))
        drain()
        self.assertEqual(sorted(map(str, got)), ['8', 'bad'])

    def test_catch_error_filters_by_domain(self):
        io = rejected(Gio.IOErrorEnum.TIMED_OUT, 'slow')
        handled = io.catch_error(IO_ERROR, -1, lambda p: resolved('handled'))
        other = Relay.Promise()
        other.reject_literal(Relay.error_quark(), int(Relay.Error.FAILED), 'not io')
        passed = other.catch_error(IO_ERROR, -1, lambda p: resolved('wrong'))
        settle(passed)    # observe it before the loop runs: its error is expected
        self.assertGError(passed.get_error(), 'relay-error-quark', Relay.Error.FAILED, 'not io')
        self.assertEqual(settle(handled).result(), 'handled')

    def test_tap_observes_without_changing(self):
        seen = []
        tapped = resolved(3).tap(lambda p: seen.append(p.get_int64()))
        self.assertEqual(settle(tapped).result(), 3)
        self.assertEqual(seen, [3])

    def test_wait_async_returns_value_or_raises(self):
        results = []

        def done(promise, result):
            try:
                results.append(promise.wait_finish(result))
            except GLib.Error as error:
                results.append(error.message)

        resolved(12).wait_async(None, done)
        rejected(message='nope').wait_async(None, done)
        from relaytesting import iterate_until
        iterate_until(lambda: len(results) == 2)
        self.assertEqual(sorted(map(str, results)), ['12', 'nope'])


class CombinatorTests(TestCase):
    def test_all_gives_the_inputs_in_order(self):
        inputs = [Relay.Promise.new_delay(30).then(lambda _: 'slow'), resolved('fast'), resolved((1, 2))]
        combined = settle(Relay.Promise.all(inputs))
        # A list: each input's result, as await gives it (a tuple for several values).
        self.assertEqual(combined.result(), ['slow', 'fast', (1, 2)])
        self.assertIs(Relay.all, Relay.Promise.all)

    def test_all_rejects_with_first_error(self):
        combined = settle(Relay.Promise.all([resolved(1), rejected(message='bad'), Relay.Promise.new_delay(20)]))
        self.assertEqual(combined.get_error().message, 'bad')
        drain()

    def test_all_settled(self):
        combined = settle(Relay.Promise.all_settled([resolved(1), rejected(message='bad')]))
        (state0, value), (state1, error) = combined.result()
        self.assertEqual((state0, value), (Relay.PromiseState.FULFILLED, 1))
        self.assertEqual(state1, Relay.PromiseState.REJECTED)
        self.assertGError(error, 'g-io-error-quark', Gio.IOErrorEnum.FAILED, 'bad')

    def test_any_and_its_aggregate_error(self):
        first_good = settle(Relay.Promise.any([rejected(message='x'), resolved('good')]))
        self.assertEqual(first_good.result(), 'good')
        none_good = settle(Relay.Promise.any([rejected(message='x'), rejected(message='y')]))
        self.assertGError(none_good.get_error(), 'relay-error-quark', Relay.Error.AGGREGATE)
        self.assertEqual([e.message for e in none_good.dup_errors()], ['x', 'y'])
        none_good.catch(lambda e: None)
        drain()

    def test_race(self):
        slow = Relay.Promise()      # never settles; kept, so never abandoned either
        winner = settle(Relay.Promise.race([slow, resolved('quick')]))
        self.assertEqual(winner.result(), 'quick')
        self.assertTrue(slow.is_pending())

    def test_empty_inputs(self):
        self.assertEqual(settle(Relay.Promise.all([])).result(), [])
        self.assertEqual(settle(Relay.Promise.all_settled([])).result(), [])
        empty_any = settle(Relay.Promise.any([]))
        self.assertGError(empty_any.get_error(), 'relay-error-quark', Relay.Error.AGGREGATE)
        empty_any.catch(lambda e: None)
        race = Relay.Promise.race([])
        drain()
        self.assertTrue(race.is_pending())

    def test_delay_and_timeout(self):
        slow = Relay.Promise()      # settles only if cancelled: the timeout wins
        timed = settle(slow.timeout(20))
        self.assertGError(timed.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.TIMED_OUT)
        # Nothing else consumed the slow promise, so the timeout cancelled it.
        self.assertGError(slow.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.CANCELLED)
        # An hour: the delay wins on any machine (the timer goes with it).
        in_time = settle(Relay.Promise.new_delay(5).timeout(60 * 60 * 1000))
        self.assertEqual(in_time.values(), ())

    def test_values_of_gvalue_types(self):
        promise = Relay.Promise.new_resolved_values([GObject.Value(GObject.TYPE_UINT, 7),
                                                     GObject.Value(GObject.TYPE_DOUBLE, 0.5)])
        self.assertEqual(promise.result(), (7, 0.5))

    def test_boxed_values_outlive_the_promise(self):
        # PyGObject 3.42 does not reference a boxed value it reads from a
        # const GValue *; the override copies it, so the bytes stay valid
        # once the promise is gone.
        promise = Relay.Promise.new_resolved_values(
            [GObject.Value(GLib.Bytes.__gtype__, GLib.Bytes.new(b'kept'))])
        direct, through_result = promise.get_value(0), promise.result()
        del promise
        gc.collect()
        churn = [GLib.Bytes.new(b'x' * 48) for _ in range(64)]
        self.assertEqual(direct.get_data(), b'kept')
        self.assertEqual(through_result.get_data(), b'kept')
        del churn


if __name__ == '__main__':
    main()
