# test_streams.py: `async for` over a Relay.Channel, fed by a worker or the
# main thread, and the typed sends
#
# Every scenario runs twice: in a coroutine driven by GLib's main loop
# (Relay.run_until_complete, the path of a GTK application) and under plain
# asyncio (asyncio.run with the default event loop, no GLib integration),
# where the override has asyncio iterate the receive's main context while it
# awaits.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import asyncio
import threading

from gi.repository import Gio

from relaytesting import STALL_SECONDS, GLib, Relay, TestCase, in_asyncio, main

import gi.overrides.Relay as override  # noqa: E402 (after relaytesting loaded Relay)


def broken_pipe(message):
    return GLib.Error.new_literal(Gio.io_error_quark(), message, int(Gio.IOErrorEnum.BROKEN_PIPE))


def run_with_glib(make_coroutine):
    return Relay.run_until_complete(make_coroutine(), timeout=STALL_SECONDS)


def run_with_asyncio(make_coroutine):
    result = in_asyncio(make_coroutine())
    assert override._pumps == {}, 'the asyncio loop still iterates a GLib context'
    return result


def start(coroutine):
    """Runs a second coroutine beside the test's, on whichever loop runs it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return Relay.spawn(coroutine)
    return asyncio.ensure_future(coroutine)


class StreamTests(TestCase):
    def both(self, make_coroutine):
        """The coroutine's result under the GLib-driven runner and under plain asyncio."""
        results = {}
        for name, runner in (('glib', run_with_glib), ('asyncio', run_with_asyncio)):
            with self.subTest(loop=name):
                results[name] = runner(make_coroutine)
        return results

    def test_async_for_over_a_streaming_job(self):
        threads = set()

        def produce(job, channel):
            threads.add(threading.current_thread())
            for i in range(2000):
                if not channel.push_int64(i, job.get_cancellable()):
                    return

        async def body():
            received = []
            inside_glib_dispatch = set()
            async for value in Relay.stream_in_thread(16, None, produce):
                received.append(value)
                # Where the loop body runs: in a GLib dispatch (the GLib
                # runner), or in asyncio's own callbacks (plain asyncio).
                inside_glib_dispatch.add(GLib.main_depth() > 0)
            return received, inside_glib_dispatch, threading.current_thread()

        results = self.both(body)
        self.assertEqual(results['glib'], (list(range(2000)), {True}, threading.main_thread()))
        self.assertEqual(results['asyncio'], (list(range(2000)), {False}, threading.main_thread()))
        self.assertNotIn(threading.main_thread(), threads)

    def test_async_for_ends_with_the_close_error(self):
        async def body():
            channel = Relay.Channel(4)
            for value in ('a', 2, 2.5):
                channel.push_value(value)
            channel.close(broken_pipe('broken'))
            received = []
            try:
                async for value in channel:
                    received.append(value)
            except GLib.Error as error:
                return received, error.code, error.message
            return received, None, None

        for result in self.both(body).values():
            self.assertEqual(result, (['a', 2, 2.5], int(Gio.IOErrorEnum.BROKEN_PIPE), 'broken'))

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

        self.assertEqual(run_with_glib(body), [0, 1, 2, 3, 4])
        self.assertTrue(all(s.get_state() == Relay.PromiseState.FULFILLED for s in sent))

    def test_typed_sends_give_their_values(self):
        channel = Relay.Channel(8)
        cancellable = Gio.Cancellable()
        sent = [channel.send_boolean(True), channel.send_int64(2 ** 40), channel.send_double(0.5),
                channel.send_string('text'), channel.send_string(None),
                channel.send_object(cancellable)]
        # Room for all: each promise fulfilled by the call, with no values.
        for promise in sent:
            self.assertEqual(promise.get_state(), Relay.PromiseState.FULFILLED)
            self.assertIsNone(promise.result())
        channel.close()

        async def body():
            return [value async for value in channel]

        received = run_with_asyncio(body)
        self.assertEqual(received[:5], [True, 2 ** 40, 0.5, 'text', None])
        self.assertIs(received[5], cancellable)
        self.assertEqual(len(received), 6)

    def test_typed_sends_await_room_while_a_consumer_reads(self):
        # Producer and consumer are coroutines of the same thread: each
        # `await send_int64()` waits for room, which only the consumer makes,
        # so the producer is never more than the capacity (plus the value the
        # consumer is being handed) ahead of it.
        async def body():
            channel = Relay.Channel(2)
            received = []
            ahead = []

            async def produce():
                for i in range(100):
                    await channel.send_int64(i)
                    ahead.append(i + 1 - len(received))
                channel.close()
                return 'produced'

            producer = start(produce())
            async for value in channel:
                received.append(value)
            return received, await producer, max(ahead) <= 3

        for result in self.both(body).values():
            self.assertEqual(result, (list(range(100)), 'produced', True))

    def test_typed_send_to_a_closed_channel_raises_the_close_error(self):
        async def body():
            plain = Relay.Channel(2)
            plain.close()
            failed = Relay.Channel(2)
            failed.close(broken_pipe('gone'))
            codes = []
            for channel in (plain, failed):
                try:
                    await channel.send_string('lost')
                except GLib.Error as error:
                    codes.append((error.domain, error.code))
            return codes, plain.get_n_queued(), failed.get_n_queued()

        for result in self.both(body).values():
            self.assertEqual(result, ([('relay-error-quark', int(Relay.Error.CLOSED)),
                                       ('g-io-error-quark', int(Gio.IOErrorEnum.BROKEN_PIPE))], 0, 0))

    def test_break_leaves_the_rest_queued(self):
        async def body():
            channel = Relay.Channel(8)
            for i in range(6):
                channel.send_int64(i)
            first = []
            async for value in channel:
                first.append(value)
                if value == 2:
                    break
            queued = channel.get_n_queued()
            channel.close()
            rest = [value async for value in channel]
            return first, queued, rest

        for result in self.both(body).values():
            self.assertEqual(result, ([0, 1, 2], 3, [3, 4, 5]))

    def test_cancelling_a_waiting_loop_leaves_the_next_value_queued(self):
        # The loop waits on an empty channel; cancelling it (the asyncio
        # task, or the promise of Relay.spawn) cancels its receive, so the
        # value sent next stays in the channel for the next receiver.
        async def body():
            channel = Relay.Channel(4)
            entered = []

            async def consume():
                entered.append(True)
                async for value in channel:
                    return 'got %r' % value

            consumer = start(consume())
            if isinstance(consumer, Relay.Promise):
                consumer.cancel()
            else:
                await asyncio.sleep(0)      # let the task start its receive
                consumer.cancel()
                try:
                    await consumer
                except asyncio.CancelledError:
                    pass
            await channel.send_int64(5)
            return entered, channel.get_n_queued(), await channel.receive()

        for result in self.both(body).values():
            self.assertEqual(result, ([True], 1, 5))


if __name__ == '__main__':
    main()
