# test_native.py: Relay promises behave like Python's own (issue 18): await in
# asyncio, exceptions that keep their class and traceback, bad input refused at
# the call, int64 round trips, Pythonic combinators, progress and cancellation.
#
# Every test here failed before the override learnt the behaviour it checks,
# but three guards that keep what already worked: Relay's own runner, and the
# unhandled-rejection report for rejections nobody reads.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import asyncio
import gc
import sys
import threading
import traceback

from gi.repository import Gio, GObject

from relaytesting import STALL_SECONDS, GLib, Relay, TestCase, drain, in_asyncio, main, settle

import gi.overrides.Relay as override  # noqa: E402 (after relaytesting loaded Relay)


def resolved(result):
    promise = Relay.Promise()
    promise.resolve_result(result)
    return promise


def rejected(message='boom'):
    promise = Relay.Promise()
    promise.reject_literal(Gio.io_error_quark(), int(Gio.IOErrorEnum.FAILED), message)
    return promise


class Unhandled:
    """Collects the Relay unhandled-rejection warnings while active."""

    def __enter__(self):
        self.warnings = []
        self.handler = GLib.log_set_handler(
            'Relay', GLib.LogLevelFlags.LEVEL_WARNING,
            lambda domain, level, message, *data: self.warnings.append(message), None)
        return self

    def __exit__(self, *exc):
        GLib.log_remove_handler('Relay', self.handler)


class AsyncioTests(TestCase):
    def test_await_in_asyncio_run(self):
        # Before: "Task got bad yield".
        async def body():
            job = await Relay.run_in_thread(lambda job, a, b: a * b, 6, 7)
            delayed = await Relay.Promise.new_delay(5)
            already = await resolved(('a', 1))
            return job, delayed, already

        self.assertEqual(in_asyncio(body()), (42, None, ('a', 1)))

    def test_handlers_run_on_the_asyncio_thread_while_awaiting(self):
        # The promise's main context is iterated by the asyncio loop: a then()
        # handler runs, on the thread that runs asyncio, before the await ends.
        threads = []

        def handler(value):
            threads.append((threading.get_ident(), len(override._pumps)))
            return value + 1

        async def body():
            return await Relay.run_in_thread(lambda job: 20).then(handler)

        self.assertEqual(in_asyncio(body()), 21)
        # Run by the pump that asyncio ran for the default context.
        self.assertEqual(threads, [(threading.main_thread().ident, 1)])
        self.assertEqual(override._pumps, {})      # gone with the last await

    def test_asyncio_and_relay_interleave(self):
        # asyncio's own work keeps running while a Relay job is awaited: the
        # job finishes only after an asyncio task set the event.
        async def body():
            go = threading.Event()

            async def other():
                await asyncio.sleep(0)
                go.set()
                return 'other'

            task = asyncio.ensure_future(other())
            value = await Relay.run_in_thread(lambda job: go.wait(STALL_SECONDS) and 'job')
            return value, await task

        self.assertEqual(in_asyncio(body()), ('job', 'other'))

    def test_a_busy_glib_source_does_not_starve_asyncio(self):
        # An idle source that is always ready: the asyncio loop still runs its
        # own callbacks and every await ends.
        spins = []
        source = GLib.idle_add(lambda: spins.append(1) or GLib.SOURCE_CONTINUE)
        try:
            async def body():
                values = []
                for i in range(20):
                    values.append(await Relay.run_in_thread(lambda job, i: i, i))
                    await asyncio.sleep(0)
                return values
            self.assertEqual(in_asyncio(body()), list(range(20)))
        finally:
            GLib.source_remove(source)
        self.assertTrue(spins)      # GLib's source ran too, on this thread

    def test_await_in_a_thread_running_its_own_asyncio_loop(self):
        # A promise of the global default context awaited from asyncio in a
        # thread: that thread's loop iterates the context.
        out = []

        def thread():
            async def body():
                return await Relay.run_in_thread(lambda job: 'from worker')
            out.append(in_asyncio(body()))

        worker = threading.Thread(target=thread)
        worker.start()
        worker.join(STALL_SECONDS)
        self.assertEqual(out, ['from worker'])

    def test_await_in_a_thread_with_its_own_context(self):
        # The thread pushed a thread-default context (which acquires it):
        # its promises belong to it, and its asyncio loop iterates it.
        out = []

        def thread():
            context = GLib.MainContext.new()
            context.push_thread_default()
            try:
                async def body():
                    promise = Relay.run_in_thread(lambda job: 'own context')
                    same = promise.get_context() == context or \
                        hash(promise.get_context()) == hash(context)
                    value = await promise.then(lambda v: (v, threading.get_ident()))
                    return same, value
                out.append(in_asyncio(body()))
            finally:
                context.pop_thread_default()

        worker = threading.Thread(target=thread)
        worker.start()
        worker.join(STALL_SECONDS)
        self.assertEqual(out, [(True, ('own context', worker.ident))])

    def test_cancelling_the_asyncio_task_cancels_the_job(self):
        started = threading.Event()
        finished = threading.Event()
        saw = []

        def long_job(job):
            cancelled = threading.Event()
            GObject.Object.connect(job.get_cancellable(), 'cancelled', lambda c: cancelled.set())
            if job.is_cancelled():
                cancelled.set()
            started.set()
            # Until cancelled; it gives up only if nobody did for STALL_SECONDS.
            cancelled.wait(STALL_SECONDS)
            saw.append(job.is_cancelled())
            finished.set()

        async def awaiter(promise):
            return await promise

        async def body():
            loop = asyncio.get_running_loop()
            promise = Relay.run_in_thread(long_job)
            task = asyncio.ensure_future(awaiter(promise))
            await loop.run_in_executor(None, started.wait, STALL_SECONDS)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                await loop.run_in_executor(None, finished.wait, STALL_SECONDS)
                return promise
            return 'not cancelled'

        promise = in_asyncio(body())
        self.assertIsInstance(promise, Relay.Promise)
        self.assertEqual(saw, [True])
        self.assertGError(promise.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.CANCELLED)
        drain()

    def test_many_awaits_from_several_tasks(self):
        # Stress: 4 asyncio tasks each await 200 jobs (settled on workers)
        # and 200 chained handlers, interleaved; every handler runs on the
        # asyncio thread, every value arrives, in order per task.
        threads = set()
        pool = Relay.Pool.new(3)

        async def task(k):
            got = []
            for i in range(200):
                job = pool.run(lambda job, i: i * 10 + k, i)
                got.append(await job.then(lambda v: threads.add(threading.get_ident()) or v))
                if i % 50 == 0:
                    await asyncio.sleep(0)
            return got

        async def body():
            return await asyncio.gather(*(task(k) for k in range(4)))

        results = in_asyncio(body())
        self.assertEqual(results, [[i * 10 + k for i in range(200)] for k in range(4)])
        self.assertEqual(threads, {threading.main_thread().ident})
        pool.shutdown()

    def test_two_asyncio_threads_share_the_default_context(self):
        # Stress: two threads run asyncio loops at once and await jobs whose
        # promises both belong to GLib's global default context (neither
        # thread pushed one). One loop owns the context at a time and runs
        # the handlers; the other takes over whenever it is let go. Every
        # await ends with its value, whichever thread dispatched it.
        results = {}
        pool = Relay.Pool.new(2)

        def thread(k):
            async def body():
                got = []
                for i in range(150):
                    got.append(await pool.run(lambda job, i: (k, i), i).then(lambda v: v))
                return got
            results[k] = in_asyncio(body())

        workers = [threading.Thread(target=thread, args=(k,)) for k in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(STALL_SECONDS)
        self.assertEqual(results, {k: [(k, i) for i in range(150)] for k in range(2)})
        self.assertEqual(override._pumps, {})
        pool.shutdown()

    def test_await_under_gbulb(self):
        # asyncio on the GLib loop (gbulb, as in a GTK application): the
        # loop iterates the default main context already; awaiting works
        # and the handlers run on the main thread.
        import gbulb     # python3-gbulb; a missing one fails the test

        threads = []

        def handler(value):
            threads.append((threading.get_ident(), len(override._pumps)))
            return value + 1

        async def body():
            chained = Relay.run_in_thread(lambda job: 1).then(handler)
            await asyncio.sleep(0)
            return await chained, await Relay.all([resolved('a'), Relay.Promise.new_delay(1)])

        # The loop gbulb's policy gives the main thread: GLib's default context.
        loop = gbulb.GLibEventLoop(context=GLib.MainContext.default())
        try:
            result = loop.run_until_complete(asyncio.wait_for(body(), STALL_SECONDS))
        finally:
            loop.close()
        self.assertEqual(result, (2, ['a', None]))
        # No pump: gbulb's loop dispatched the handler itself.
        self.assertEqual(threads, [(threading.main_thread().ident, 0)])

    def test_rejection_in_asyncio_raises_the_glib_error(self):
        async def body():
            try:
                await rejected('in asyncio')
            except GLib.Error as error:
                return error.domain, error.message

        self.assertEqual(in_asyncio(body()), ('g-io-error-quark', 'in asyncio'))

    def test_relay_runner_still_works(self):
        async def body():
            return await Relay.run_in_thread(lambda job: 5) + await resolved(1)

        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS), 6)

    def test_await_outside_any_runner_says_what_to_do(self):
        async def body():
            return await resolved(1)

        coroutine = body()
        with self.assertRaisesRegex(RuntimeError, 'asyncio.*Relay.spawn'):
            coroutine.send(None)


class ExceptionTests(TestCase):
    def test_job_exception_keeps_class_message_and_traceback(self):
        def failing_job(job):
            raise KeyError('missing key')

        async def body():
            try:
                await Relay.run_in_thread(failing_job)
            except KeyError as error:
                return error
            return None

        for run in (in_asyncio, lambda c: Relay.run_until_complete(c, timeout=STALL_SECONDS)):
            error = run(body())
            self.assertIsInstance(error, KeyError)
            self.assertEqual(error.args, ('missing key',))
            frames = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
            self.assertIn('failing_job', frames)
            self.assertEqual(frames.count('failing_job'), 1)

    def test_relay_runner_raises_the_coroutines_exception(self):
        async def body():
            await Relay.Promise.new_delay(1)
            raise LookupError('from the coroutine')

        for timeout in (None, STALL_SECONDS):
            with self.assertRaisesRegex(LookupError, 'from the coroutine'):
                Relay.run_until_complete(body(), timeout=timeout)

    def test_spawned_rejection_nobody_reads_is_reported(self):
        async def body():
            await Relay.Promise.new_delay(1)
            raise LookupError('nobody reads me')

        with Unhandled() as unhandled:
            spawned = Relay.spawn(body())
            while Relay.Promise.is_pending(spawned):
                GLib.MainContext.default().iteration(True)
            drain()
        self.assertEqual(len(unhandled.warnings), 1)
        self.assertIn('LookupError: nobody reads me', unhandled.warnings[0])

    def test_handler_exception_reaches_await_and_passes_through_then(self):
        def handler(value):
            raise ValueError('bad %d' % value)

        async def body():
            try:
                await resolved(3).then(handler).then(lambda v: 'skipped').finally_(lambda: None)
            except ValueError as error:
                return error

        error = in_asyncio(body())
        self.assertEqual(str(error), 'bad 3')
        self.assertIn('handler', [f.name for f in traceback.extract_tb(error.__traceback__)])

    def test_c_side_still_sees_a_glib_error(self):
        def failing_job(job):
            raise KeyError('missing key')

        promise = settle(Relay.run_in_thread(failing_job))
        self.assertGError(promise.get_error(), 'relay-error-quark', Relay.Error.FAILED,
                          "KeyError: 'missing key'")
        with self.assertRaises(KeyError):
            promise.result()

    def test_c_errors_arrive_as_glib_error(self):
        async def body():
            try:
                await rejected('from C')
            except GLib.Error as error:
                return error.domain, error.code

        self.assertEqual(in_asyncio(body()),
                         ('g-io-error-quark', int(Gio.IOErrorEnum.FAILED)))


class BadInputTests(TestCase):
    def test_non_callable_job_fails_at_the_call(self):
        with self.assertRaisesRegex(TypeError, 'not callable'):
            Relay.run_in_thread(42)
        with self.assertRaisesRegex(TypeError, 'not callable'):
            Relay.Pool.get_default().run('job')

    def test_wrong_argument_count_fails_at_the_call(self):
        with self.assertRaisesRegex(TypeError, 'job function'):
            Relay.run_in_thread(lambda job: None, 1, 2)
        with self.assertRaisesRegex(TypeError, 'job function'):
            Relay.run_in_thread(lambda: None)
        with self.assertRaisesRegex(TypeError, 'handler'):
            resolved(1).then(lambda: None)
        with self.assertRaisesRegex(TypeError, 'not callable'):
            resolved(1).then(5)
        with self.assertRaisesRegex(TypeError, 'handler'):
            resolved(1).finally_(lambda value: None)
        drain()

    def test_from_async_refuses_non_callables(self):
        with self.assertRaisesRegex(TypeError, '_async function is not callable'):
            Relay.Promise.from_async(5, lambda result: result)
        with self.assertRaisesRegex(TypeError, '_finish function is not callable'):
            Relay.Promise.from_async(lambda *args: None, None)
        with self.assertRaisesRegex(TypeError, r'call the coroutine function: spawn\(body'):
            async def body():
                pass
            Relay.spawn(body)

    def test_coroutine_function_as_job_is_refused(self):
        async def job_func(job):
            return 1

        with self.assertRaisesRegex(TypeError, 'coroutine function'):
            Relay.run_in_thread(job_func)

    def test_settling_twice_raises(self):
        promise = Relay.Promise()
        promise.resolve_result('first')
        with self.assertRaisesRegex(Relay.AlreadySettledError, 'already fulfilled'):
            promise.resolve_result('second')
        with self.assertRaisesRegex(Relay.AlreadySettledError, 'already fulfilled'):
            promise.reject_exception(ValueError('late'))
        self.assertEqual(promise.result(), 'first')

    def test_job_return_then_value_is_reported(self):
        hooked = []
        reported = threading.Event()

        def job_func(job):
            job.return_int64(1)
            return 2

        def hook(*info):
            hooked.append(info[1])
            reported.set()

        # The promise settles at return_int64(); the report comes after, on
        # the worker, so wait for the report itself.
        old_hook, sys.excepthook = sys.excepthook, hook
        try:
            promise = settle(Relay.run_in_thread(job_func))
            self.assertTrue(reported.wait(STALL_SECONDS))
        finally:
            sys.excepthook = old_hook
        self.assertEqual(promise.result(), 1)
        self.assertEqual(len(hooked), 1)
        self.assertIsInstance(hooked[0], Relay.AlreadySettledError)
        self.assertIn('return', str(hooked[0]))

    def test_getters_on_pending_promise_raise(self):
        pending = Relay.Promise()
        for getter in (pending.get_int64, pending.get_string, pending.get_boolean,
                       pending.get_double, pending.get_object, pending.result,
                       lambda: pending.get_value(0)):
            with self.subTest(getter=getter):
                with self.assertRaisesRegex(Relay.PendingError, 'await'):
                    getter()

    def test_getters_on_rejected_promise_raise_its_error(self):
        failed = rejected('read me')
        with self.assertRaises(GLib.Error) as raised:
            failed.get_int64()
        self.assertEqual(raised.exception.message, 'read me')


class IntegerTests(TestCase):
    def test_int64_round_trips(self):
        for number in (2 ** 40, -(2 ** 63), 2 ** 63 - 1, 7):
            with self.subTest(number=number):
                promise = Relay.Promise()
                promise.resolve(number)
                self.assertEqual(promise.get_int64(), number)
                self.assertEqual(resolved(number).get_int64(), number)
                self.assertEqual(settle(Relay.run_in_thread(lambda job: number)).result(), number)

    def test_int64_through_every_setter(self):
        big = 2 ** 40
        self.assertEqual(Relay.Promise.new_resolved(big).result(), big)
        self.assertEqual(Relay.Promise.new_resolved_values([big, 'x']).result(), (big, 'x'))
        promise = Relay.Promise()
        promise.resolve_values([big, -big])
        self.assertEqual(promise.result(), (big, -big))

        def explicit(job):
            job.return_value(big)

        def several(job):
            job.return_values([big, 1])

        self.assertEqual(settle(Relay.run_in_thread(explicit)).result(), big)
        self.assertEqual(settle(Relay.run_in_thread(several)).result(), (big, 1))

    def test_job_returning_a_too_large_int_raises_in_the_awaiting_code(self):
        async def body():
            try:
                await Relay.run_in_thread(lambda job: 2 ** 64)
            except OverflowError as error:
                return str(error)

        self.assertIn('int64', in_asyncio(body()))

    def test_larger_integers_raise(self):
        for number in (2 ** 63, -(2 ** 63) - 1, 2 ** 80):
            with self.subTest(number=number):
                with self.assertRaisesRegex(OverflowError, 'int64'):
                    Relay.Promise().resolve(number)
                with self.assertRaisesRegex(OverflowError, 'int64'):
                    Relay.Promise().resolve_result(number)


class CombinatorTests(TestCase):
    def test_all_gives_a_list_of_values(self):
        async def body():
            return await Relay.all([Relay.run_in_thread(lambda job: 'a'), resolved(2),
                                    Relay.Promise.new_delay(1).then(lambda _: 3)])

        self.assertEqual(in_asyncio(body()), ['a', 2, 3])
        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS), ['a', 2, 3])

    def test_all_settled_gives_states_and_values_or_errors(self):
        def failing(job):
            raise ValueError('no')

        async def body():
            return await Relay.all_settled([resolved('yes'), Relay.run_in_thread(failing)])

        (state0, value0), (state1, error1) = in_asyncio(body())
        self.assertEqual((state0, value0), (Relay.PromiseState.FULFILLED, 'yes'))
        self.assertEqual(state1, Relay.PromiseState.REJECTED)
        self.assertIsInstance(error1, ValueError)

    def test_all_rejects_with_the_first_exception(self):
        def failing(job):
            raise LookupError('first')

        async def body():
            try:
                await Relay.all([Relay.run_in_thread(failing), Relay.Promise.new_delay(1)])
            except LookupError as error:
                return str(error)

        self.assertEqual(in_asyncio(body()), 'first')


class ProgressAndStateTests(TestCase):
    def test_report_progress_from_a_python_job(self):
        seen = []

        def job_func(job):
            for i in range(1, 11):
                job.report_progress(i / 10, 'step %d' % i)
            return job.is_cancelled()

        promise = Relay.run_in_thread(job_func)
        promise.connect('notify::progress', lambda p, _: seen.append(p.props.progress))
        self.assertIs(settle(promise).result(), False)
        drain()
        self.assertEqual(seen[-1], 1.0)
        self.assertEqual(promise.dup_progress_text(), 'step 10')

    def test_polling_a_rejected_state_counts_as_handling_it(self):
        with Unhandled() as unhandled:
            failed = Relay.run_in_thread(lambda job: 1 / 0)
            # Poll until settled, as a script without callbacks does.
            while failed.get_state() == Relay.PromiseState.PENDING:
                GLib.MainContext.default().iteration(False)
            self.assertEqual(failed.get_state(), Relay.PromiseState.REJECTED)
            with self.assertRaises(ZeroDivisionError):
                failed.result()
            drain()
            del failed
            gc.collect()
            drain()
        self.assertEqual(unhandled.warnings, [])

    def test_unread_rejection_is_still_reported(self):
        with Unhandled() as unhandled:
            rejected('nobody reads me')
            drain()
        self.assertEqual(len(unhandled.warnings), 1)
        self.assertIn('nobody reads me', unhandled.warnings[0])


if __name__ == '__main__':
    main()
