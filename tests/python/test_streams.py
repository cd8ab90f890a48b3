# test_streams.py: `async for` over a Relay.Channel, fed by a worker or the
# main thread
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import threading

from gi.repository import Gio

from relaytesting import STALL_SECONDS, GLib, Relay, TestCase, main


class StreamTests(TestCase):
    def test_async_for_over_a_streaming_job(self):
        threads = set()

        def produce(job, channel):
            threads.add(threading.current_thread())
            for i in range(2000):
                if not channel.push_int64(i, job.get_cancellable()):
                    return

        channel = Relay.stream_in_thread(16, None, produce)

        async def body():
            received = []
            async for value in channel:
                received.append(value)
            return received

        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS),
                         list(range(2000)))
        self.assertNotIn(threading.main_thread(), threads)

    def test_async_for_ends_with_the_close_error(self):
        channel = Relay.Channel(4)
        for value in ('a', 2, 2.5):
            channel.push_value(value)
        channel.close(GLib.Error.new_literal(Gio.io_error_quark(), 'broken',
                                             int(Gio.IOErrorEnum.BROKEN_PIPE)))

        async def body():
            received = []
            try:
                async for value in channel:
                    received.append(value)
            except GLib.Error as error:
                return received, error.code, error.message
            return received, None, None

        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS),
                         (['a', 2, 2.5], int(Gio.IOErrorEnum.BROKEN_PIPE), 'broken'))

    def test_send_value_from_the_main_thread(self):
        channel = Relay.Channel(1)
        sent = [channel.send_value(i) for i in range(5)]
        # Room for one: the first is queued, the others wait for room.
        self.assertEqual(sent[0].get_state(), Relay.PromiseState.FULFILLED)
        self.assertEqual(sent[1].get_state(), Relay.PromiseState.PENDING)

        async def body():
            received = []
            async for value in channel:
                received.append(value)
                if len(received) == 5:
                    channel.close(None)
            return received

        self.assertEqual(Relay.run_until_complete(body(), timeout=STALL_SECONDS),
                         [0, 1, 2, 3, 4])
        self.assertTrue(all(s.get_state() == Relay.PromiseState.FULFILLED for s in sent))


if __name__ == '__main__':
    main()
