// test-streams.js: `for await` over a Relay.Channel, from the override alone
// (introspection/gjs/overrides/Relay.js), fed by the main loop's typed sends
// or by a C job streaming on a worker (RelayExamples.stream_numbers)
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';

import {assert, assertEqual, assertGError, assertRejects, run, test} from './harness.js';
import {IO_ERROR} from './fixtures.js';

function brokenPipe(message) {
    return new GLib.Error(IO_ERROR, Gio.IOErrorEnum.BROKEN_PIPE, message);
}

// Sends every value, waiting for room each time (backpressure without
// blocking the main loop), then closes the channel with error (or none).
async function produce(channel, values, error = null) {
    for (const value of values)
        await channel.send_int64(value);
    channel.close(error);
}

test('a channel is an async iterable without any setup', () => {
    const channel = Relay.Channel.new(1);
    assertEqual(typeof channel[Symbol.asyncIterator], 'function');
    const iterator = channel[Symbol.asyncIterator]();
    assertEqual(typeof iterator.next, 'function');
    assertEqual(typeof iterator.return, 'function');
    assert(iterator[Symbol.asyncIterator]() === iterator, 'the iterator is iterable itself');
    // Iterating does not hide the methods the introspected class has.
    assertEqual(typeof channel.receive, 'function');
});

test('for await gives the values in order, then ends when the channel is closed', async () => {
    const channel = Relay.Channel.new(16);
    for (let i = 1; i <= 10; i++)
        assertEqual(await channel.send_int64(i), undefined);    // room: fulfilled, no value
    channel.close(null);

    const received = [];
    for await (const value of channel)
        received.push(value);
    assertEqual(received, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // Closed and empty: a new loop ends at once, and so does next().
    for await (const value of channel)
        throw new Error(`unexpected ${value}`);
    assertEqual(await channel[Symbol.asyncIterator]().next(), {done: true});
});

test('the typed sends arrive with their JavaScript types', async () => {
    const channel = Relay.Channel.new(8);
    const cancellable = new Gio.Cancellable();
    const sent = [
        channel.send_boolean(true),
        channel.send_int64(-42),
        channel.send_double(2.5),
        channel.send_string('text'),
        channel.send_object(cancellable),
    ];
    for (const promise of sent)
        assertEqual(promise.get_state(), Relay.PromiseState.FULFILLED);
    channel.close(null);

    const received = [];
    for await (const value of channel)
        received.push(value);
    assertEqual(received.slice(0, 4), [true, -42, 2.5, 'text']);
    assert(received[4] === cancellable, 'the same object');
    assertEqual(received.length, 5);
});

test('a loop waiting on an empty channel gets values as they are sent, and ends at the close', async () => {
    const channel = Relay.Channel.new(2);
    const received = [];
    const consumer = (async () => {
        for await (const value of channel)
            received.push(value);
        return 'ended';
    })();
    // The consumer waits now; the producer's sends wait for room in turn.
    assertEqual(received, []);
    await produce(channel, Array.from({length: 50}, (_, i) => i));
    assertEqual(await consumer, 'ended');
    assertEqual(received, Array.from({length: 50}, (_, i) => i));
});

test('a channel closed with an error of its own: the queued values, then the loop throws it', async () => {
    const channel = Relay.Channel.new(4);
    channel.push_string('first', null);
    channel.push_string('last words', null);
    channel.close(brokenPipe('producer died'));

    const received = [];
    const iterator = channel[Symbol.asyncIterator]();
    const error = await assertRejects(async () => {
        for await (const value of {[Symbol.asyncIterator]: () => iterator})
            received.push(value);
    });
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.BROKEN_PIPE, 'producer died');
    assertEqual(received, ['first', 'last words']);
    // The error ended the iterator, as it ends an async generator.
    assertEqual(await iterator.next(), {done: true});
});

test('break leaves the channel open and the rest of the values queued', async () => {
    const channel = Relay.Channel.new(8);
    for (let i = 1; i <= 6; i++)
        channel.push_int64(i, null);

    const first = [];
    for await (const value of channel) {
        first.push(value);
        if (value === 3)
            break;
    }
    assertEqual(first, [1, 2, 3]);
    assert(!channel.is_closed(), 'break does not close the channel');
    assertEqual(channel.get_n_queued(), 3);

    // Another receiver gets the rest, none lost, none twice.
    assertEqual(await channel.receive(), 4);
    channel.close(null);
    const rest = [];
    for await (const value of channel)
        rest.push(value);
    assertEqual(rest, [5, 6]);
});

test('return() while a next() waits cancels its receive: the value goes to the next receiver', async () => {
    const channel = Relay.Channel.new(4);
    const iterator = channel[Symbol.asyncIterator]();
    const waiting = iterator.next();
    assertEqual(await iterator.return(), {done: true});
    assertEqual(await waiting, {done: true});
    assertEqual(await iterator.next(), {done: true});

    await channel.send_int64(5);
    assertEqual(channel.get_n_queued(), 1);
    assertEqual(await channel.receive(), 5);
});

test('return() after the value of a next() arrived: that next() still gives it', async () => {
    const channel = Relay.Channel.new(4);
    channel.push_int64(7, null);
    channel.push_int64(8, null);
    const iterator = channel[Symbol.asyncIterator]();
    const arrived = iterator.next();       // receives at once: the value is queued
    assertEqual(channel.get_n_queued(), 1);
    await iterator.return();
    assertEqual(await arrived, {value: 7, done: false});
    assertEqual(await iterator.next(), {done: true});
    assertEqual(await channel.receive(), 8);
});

test('next() calls made at once are served in order, one receive each', async () => {
    const channel = Relay.Channel.new(4);
    const iterator = channel[Symbol.asyncIterator]();
    const steps = [iterator.next(), iterator.next(), iterator.next(), iterator.next()];
    await channel.send_int64(1);
    await channel.send_int64(2);
    await channel.send_int64(3);
    channel.close(null);
    assertEqual(await Promise.all(steps),
        [{value: 1, done: false}, {value: 2, done: false}, {value: 3, done: false}, {done: true}]);
});

test('many values from a job streaming on a worker, in order', async () => {
    const n = 20000;
    const channel = RelayExamples.stream_numbers(null, null, 64, 1, n, false);
    let expected = 1;
    let inOrder = true;
    for await (const value of channel) {
        if (value !== expected)
            inOrder = false;
        expected++;
    }
    assert(inOrder, 'the values came in the order the worker pushed them');
    assertEqual(expected - 1, n);
});

test('a worker\'s stream that fails: every value, then its error', async () => {
    const channel = RelayExamples.stream_numbers(null, null, 4, 0, 100, true);
    const received = [];
    const error = await assertRejects(async () => {
        for await (const value of channel)
            received.push(value);
    });
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.BROKEN_PIPE, 'after 100 numbers');
    assertEqual(received, Array.from({length: 100}, (_, i) => i));
});

test('break, then close: the worker stops and the loop over the rest ends', async () => {
    // An endless stream for this test's purposes: only the close stops it.
    const channel = RelayExamples.stream_numbers(null, null, 8, 0, 0xffffffff, false);
    const first = [];
    for await (const value of channel) {
        first.push(value);
        if (first.length === 100)
            break;
    }
    assertEqual(first, Array.from({length: 100}, (_, i) => i));
    channel.close(null);
    // What the worker had queued before the close is still there, in order.
    let next = 100;
    for await (const value of channel)
        assertEqual(value, next++);
    assert(next - 100 <= 8, `${next - 100} values after the close, the capacity is 8`);
});

test('cancelling the stream job ends the loop with G_IO_ERROR_CANCELLED', async () => {
    const cancellable = new Gio.Cancellable();
    const channel = RelayExamples.stream_numbers(null, cancellable, 4, 0, 0xffffffff, false);
    let count = 0;
    const error = await assertRejects(async () => {
        for await (const value of channel) {
            assertEqual(value, count++);
            if (count === 10)
                cancellable.cancel();
        }
    });
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    assert(count >= 10, `${count} values before the cancellation`);
});

run();
