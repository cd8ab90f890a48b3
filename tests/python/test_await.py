# test_await.py: `await promise` in coroutines driven by the GLib main loop
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading
import time

from gi.repository import Gio

from relaytesting import STALL_SECONDS, GLib, Relay, TestCase, drain, iterate_until, main, settle


def resolved(result):
    promise = Relay.Promise()
    promise.resolve_result(result)
    return promise


def later(result, milliseconds=20):
    return Relay.Promise.new_delay(milliseconds).then(lambda _: result)


class AwaitTests(TestCase):
    def test_await_values(self):
        async def body():
            return (await later(5), await resolved(None), await later(('a', 2)),
                    await resolved('settled already'))

        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS),
                         (5, None, ('a', 2), 'settled already'))

    def test_await_rejection_raises_glib_error(self):
        async def body():
            failing = Relay.Promise()
            failing.reject_literal(Gio.io_error_quark(), int(Gio.IOErrorEnum.NOT_FOUND), 'gone')
            try:
                await failing
            except GLib.Error as error:
                return error.domain, error.code, error.message
            return 'not raised'

        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS),
                         ('g-io-error-quark', int(Gio.IOErrorEnum.NOT_FOUND), 'gone'))

    def test_spawn_runs_until_first_await_and_then_on_main_thread(self):
        steps = []

        async def body():
            steps.append(('start', threading.current_thread()))
            value = await later(1)
            steps.append(('resumed', threading.current_thread()))
            return value + 1

        promise = Relay.spawn(body())
        self.assertEqual(steps, [('start', threading.main_thread())])   # synchronously
        self.assertEqual(settle(promise).result(), 2)
        self.assertEqual(steps[1], ('resumed', threading.main_thread()))

    def test_loop_keeps_running_while_awaiting(self):
        ticks = []
        ticked = threading.Event()

        def tick():
            ticks.append(1)
            if len(ticks) == 6:
                ticked.set()
            return not ticked.is_set()

        GLib.timeout_add(10, tick)

        # The job works until the loop ticked six times, which it only can
        # while the coroutine awaits the job without blocking it.
        async def body():
            return await Relay.run_in_thread(lambda job: ticked.wait(STALL_SECONDS) and 'done')

        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS), 'done')
        self.assertGreater(len(ticks), 5)

    def test_exception_in_coroutine_rejects_spawned_promise(self):
        async def body():
            await later(0)
            return {}['missing']

        promise = settle(Relay.spawn(body()))
        self.assertGError(promise.get_error(), 'relay-error-quark', Relay.Error.FAILED, 'KeyError')
        with self.assertRaises(KeyError):      # Python code gets the exception itself
            Relay.run_until_complete(body(), timeout=STALL_SECONDS)

    def test_nested_coroutines(self):
        async def inner(x):
            return await later(x * 10)

        async def outer():
            return [await inner(i) for i in range(3)]

        self.assertEqual(Relay.run_until_complete(outer(), timeout=STALL_SECONDS), [0, 10, 20])

    def test_await_foreign_awaitable_is_a_type_error(self):
        class Foreign:
            def __await__(self):
                yield 'not a promise'

        async def body():
            try:
                await Foreign()
            except TypeError as error:
                return str(error)

        self.assertIn('only await Relay promises', Relay.run_until_complete(body(), timeout=STALL_SECONDS))

    def test_cancelling_spawned_promise_cancels_awaited_job(self):
        started = threading.Event()
        stopped = threading.Event()

        saw_cancel = []

        def long_job(job):
            started.set()
            # Until cancelled; it gives up only if nobody did for STALL_SECONDS.
            deadline = time.monotonic() + STALL_SECONDS
            while not job.is_cancelled() and time.monotonic() < deadline:
                time.sleep(0.005)
            saw_cancel.append(job.is_cancelled())
            stopped.set()

        seen = []

        async def body():
            try:
                await Relay.run_in_thread(long_job)
            except GLib.Error as error:
                seen.append(error.code)
                raise

        promise = Relay.spawn(body())
        self.assertTrue(started.wait(STALL_SECONDS))
        self.assertTrue(promise.cancel())
        self.assertTrue(stopped.wait(STALL_SECONDS))
        self.assertEqual(saw_cancel, [True])
        iterate_until(lambda: seen)
        self.assertEqual(seen, [int(Gio.IOErrorEnum.CANCELLED)])
        self.assertGError(promise.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.CANCELLED)
        drain()

    def test_run_until_complete_timeout(self):
        never = Relay.Promise()     # nothing settles it: the timeout must win
        with self.assertRaises(GLib.Error) as raised:
            Relay.run_until_complete(never, timeout=0.05)
        self.assertEqual(raised.exception.code, int(Gio.IOErrorEnum.TIMED_OUT))

    def test_run_until_complete_accepts_promises_only(self):
        with self.assertRaises(TypeError):
            Relay.run_until_complete(42)
        with self.assertRaises(TypeError):
            Relay.spawn(lambda: None)


if __name__ == '__main__':
    main()
