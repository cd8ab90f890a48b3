# test_jobs.py: Python callables as pool jobs, and C jobs (RelayExamples) from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import hashlib
import os
import tempfile
import threading
import time

import gi

gi.require_version('RelayExamples', '1.0')

from gi.repository import Gio, RelayExamples  # noqa: E402

from relaytesting import STALL_SECONDS, GLib, Relay, TestCase, drain, iterate_until, main, settle  # noqa: E402


class PythonJobTests(TestCase):
    def test_job_runs_on_a_worker_thread_with_arguments(self):
        def job_func(job, a, b, scale=1):
            return (a + b) * scale, threading.get_ident()

        promise = settle(Relay.run_in_thread(job_func, 4, 5, scale=2))
        value, thread_id = promise.result()
        self.assertEqual(value, 18)
        self.assertNotEqual(thread_id, threading.main_thread().ident)

    def test_exception_in_job_rejects_with_glib_error(self):
        def job_func(job):
            raise ValueError('bad input')

        promise = settle(Relay.run_in_thread(job_func))
        self.assertGError(promise.get_error(), 'relay-error-quark', Relay.Error.FAILED,
                          'ValueError: bad input')

    def test_glib_error_in_job_keeps_domain_and_code(self):
        def job_func(job):
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'no space',
                                         Gio.IOErrorEnum.NO_SPACE)

        promise = settle(Relay.run_in_thread(job_func))
        self.assertGError(promise.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.NO_SPACE, 'no space')

    def test_explicit_return_wins(self):
        # A value returned after job.return_*() is reported (test_native.py).
        def job_func(job):
            job.return_string('explicit')

        self.assertEqual(settle(Relay.run_in_thread(job_func)).result(), 'explicit')

    def test_none_is_no_values(self):
        promise = settle(Relay.run_in_thread(lambda job: None))
        self.assertEqual(promise.get_state(), Relay.PromiseState.FULFILLED)
        self.assertEqual(promise.values(), ())

    def test_bounded_pool_uses_at_most_its_threads(self):
        pool = Relay.Pool.new(2)
        self.assertEqual(pool.get_max_threads(), 2)
        handler_threads = []

        def job_func(job, i):
            time.sleep(0.01)
            return i * i, threading.get_ident()

        promises = [pool.run(job_func, i) for i in range(12)]
        for promise in promises:
            promise.then(lambda result: handler_threads.append(threading.get_ident()))
        results = [settle(p).result() for p in promises]
        iterate_until(lambda: len(handler_threads) == 12)
        self.assertEqual([value for value, _ in results], [i * i for i in range(12)])
        self.assertLessEqual(len({thread for _, thread in results}), 2)
        self.assertEqual(set(handler_threads), {threading.main_thread().ident})
        pool.shutdown()

    def test_progress_is_coalesced_and_delivered_on_main_thread(self):
        seen = []
        texts = []

        def job_func(job):
            for i in range(1, 1001):
                job.report_progress(i / 1000, 'step %d' % i)
            return 'done'

        promise = Relay.run_in_thread(job_func)
        promise.connect('notify::progress',
                        lambda p, pspec: seen.append((p.props.progress, threading.get_ident())))
        promise.connect('notify::progress-text', lambda p, pspec: texts.append(p.props.progress_text))
        settle(promise)
        iterate_until(lambda: seen and seen[-1][0] == 1.0)
        values = [value for value, _ in seen]
        self.assertEqual(values, sorted(values))
        self.assertLess(len(values), 1000)        # coalesced, not one per report
        self.assertEqual({thread for _, thread in seen}, {threading.main_thread().ident})
        self.assertEqual(texts[-1], 'step 1000')
        self.assertEqual(promise.dup_progress_text(), 'step 1000')

    def test_cancel_running_job(self):
        started = threading.Event()
        stopped = threading.Event()
        outcome = []

        def job_func(job):
            started.set()
            # Until cancelled; it gives up only if nobody did for STALL_SECONDS.
            deadline = time.monotonic() + STALL_SECONDS
            while not job.is_cancelled():
                time.sleep(0.002)
                if time.monotonic() > deadline:
                    outcome.append('never cancelled')
                    break
            else:
                outcome.append('stopped early')
            stopped.set()

        promise = Relay.run_in_thread(job_func)
        self.assertTrue(started.wait(STALL_SECONDS))
        self.assertTrue(job_cancellable_cancelled_after(promise))
        settle(promise)
        self.assertGError(promise.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.CANCELLED)
        self.assertTrue(stopped.wait(STALL_SECONDS))
        self.assertEqual(outcome, ['stopped early'])

    def test_cancel_before_start_never_runs(self):
        pool = Relay.Pool.new(1)
        release = threading.Event()
        ran = []
        blocker = pool.run(lambda job: release.wait(STALL_SECONDS))
        queued = pool.run(lambda job: ran.append('ran'))
        self.assertTrue(queued.cancel())
        release.set()
        settle(blocker)
        settle(queued)
        pool.shutdown()
        drain()
        self.assertEqual(ran, [])
        self.assertGError(queued.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.CANCELLED)


def job_cancellable_cancelled_after(promise):
    cancellable = promise.get_cancellable()
    return promise.cancel() and cancellable.is_cancelled()


class CJobTests(TestCase):
    def test_add_after_delay(self):
        self.assertEqual(settle(RelayExamples.add_after_delay(None, 4, 5, 50)).result(), 9)

    def test_floor_divide_gives_two_values_or_an_error(self):
        self.assertEqual(settle(RelayExamples.floor_divide(None, 7, -2, 0)).result(), (-4, -1))
        by_zero = settle(RelayExamples.floor_divide(None, 1, 0, 0))
        self.assertGError(by_zero.get_error(), 'g-io-error-quark',
                          Gio.IOErrorEnum.INVALID_ARGUMENT, 'by zero')

    def test_count_primes_with_progress(self):
        progress = []
        promise = RelayExamples.count_primes(None, 200000)
        promise.connect('notify::progress', lambda p, pspec: progress.append(p.props.progress))
        self.assertEqual(settle(promise).result(), 17984)
        iterate_until(lambda: progress and progress[-1] == 1.0)
        self.assertEqual(progress, sorted(progress))

    def test_count_primes_cancelled(self):
        promise = RelayExamples.count_primes(None, 4000000000)
        iterate_until(lambda: promise.props.progress > 0, 'the job to report progress')
        self.assertTrue(promise.cancel())
        settle(promise)
        self.assertGError(promise.get_error(), 'g-io-error-quark', Gio.IOErrorEnum.CANCELLED)

    def test_hash_file(self):
        with tempfile.NamedTemporaryFile(delete=False) as handle:
            handle.write(os.urandom(300 * 1024))
            path = handle.name
        try:
            promise = RelayExamples.hash_file(None, Gio.File.new_for_path(path), GLib.ChecksumType.SHA256)
            with open(path, 'rb') as handle:
                expected = hashlib.sha256(handle.read()).hexdigest()
            self.assertEqual(settle(promise).result(), expected)
            self.assertEqual(promise.props.progress, 1.0)
            self.assertEqual(promise.props.progress_text, os.path.basename(path))
        finally:
            os.unlink(path)

    def test_hash_missing_file_fails(self):
        promise = RelayExamples.hash_file(None, Gio.File.new_for_path('/nonexistent/relay'),
                                          GLib.ChecksumType.MD5)
        self.assertGError(settle(promise).get_error(), 'g-io-error-quark', Gio.IOErrorEnum.NOT_FOUND)

    def test_await_c_job(self):
        async def body():
            quotient, remainder = await RelayExamples.floor_divide(None, 9, 4, 10)
            return await RelayExamples.add_after_delay(None, quotient, remainder, 10)

        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS), 3)


if __name__ == '__main__':
    main()
