# test_notifier.py: Relay.Notifier triggered from Python threads
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading
import time

from relaytesting import STALL_SECONDS, GLib, Relay, TestCase, drain, iterate_until, main


class NotifierTests(TestCase):
    def test_seed_example_result_visible_on_main_thread(self):
        # The seed example: a thread stores its result without a lock and triggers;
        # the callback runs on the loop's thread and reads it.
        state = {'result': None}
        seen = []

        def finished(notifier, n_triggers):
            seen.append((state['result'], n_triggers, threading.current_thread()))
            return GLib.SOURCE_REMOVE

        notifier = Relay.Notifier(finished)

        def work():
            time.sleep(0.05)
            state['result'] = 42
            notifier.trigger()

        worker = threading.Thread(target=work)
        worker.start()
        iterate_until(lambda: seen)
        worker.join()
        self.assertEqual(seen, [(42, 1, threading.main_thread())])

    def test_removed_fires_once(self):
        # Like a GLib source callback, returning False (or None) is done.
        calls = []
        notifier = Relay.Notifier.new(lambda notifier, n: calls.append(n))
        self.assertTrue(notifier.trigger())
        iterate_until(lambda: calls)
        drain()
        self.assertEqual(calls, [1])
        self.assertFalse(notifier.trigger())
        drain()
        self.assertEqual(calls, [1])

    def test_user_data_is_passed(self):
        calls = []
        notifier = Relay.Notifier(lambda notifier, n, data: calls.append(data), 'payload')
        notifier.trigger()
        iterate_until(lambda: calls)
        self.assertEqual(calls, ['payload'])

    def test_continue_from_many_threads_counts_every_trigger(self):
        n_threads, per_thread = 4, 2000
        counts = []
        threads_seen = set()

        def on_trigger(notifier, n_triggers):
            counts.append(n_triggers)
            threads_seen.add(threading.get_ident())
            return GLib.SOURCE_CONTINUE

        notifier = Relay.Notifier(on_trigger)

        def hammer():
            for _ in range(per_thread):
                self.assertTrue(notifier.trigger())

        workers = [threading.Thread(target=hammer) for _ in range(n_threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        iterate_until(lambda: sum(counts) == n_threads * per_thread)
        drain()
        self.assertEqual(sum(counts), n_threads * per_thread)
        self.assertEqual(threads_seen, {threading.main_thread().ident})
        # Triggers coalesce: far fewer callbacks than triggers.
        self.assertLess(len(counts), n_threads * per_thread)
        # Still armed: one more trigger, one more callback.
        before = len(counts)
        self.assertTrue(notifier.trigger())
        iterate_until(lambda: len(counts) == before + 1)
        notifier.destroy()

    def test_trigger_after_destroy_does_nothing(self):
        calls = []
        notifier = Relay.Notifier(lambda notifier, n: calls.append(n))
        notifier.destroy()
        self.assertTrue(notifier.is_destroyed())
        self.assertFalse(notifier.trigger())
        drain()
        self.assertEqual(calls, [])

    def test_notifier_on_another_context_runs_on_its_thread(self):
        context = GLib.MainContext.new()
        loop = GLib.MainLoop.new(context, False)
        seen = []

        def on_trigger(notifier, n_triggers):
            seen.append(threading.current_thread().name)
            loop.quit()
            return GLib.SOURCE_REMOVE

        notifier = Relay.Notifier.new_for_context(context, on_trigger)
        self.assertEqual(notifier.get_context(), context)
        owner = threading.Thread(target=loop.run, name='owner')
        owner.start()
        try:
            threading.Thread(target=notifier.trigger).start()
            owner.join(STALL_SECONDS)
        finally:
            if owner.is_alive():
                loop.quit()
                owner.join()
        self.assertEqual(seen, ['owner'])
        notifier.destroy()


if __name__ == '__main__':
    main()
