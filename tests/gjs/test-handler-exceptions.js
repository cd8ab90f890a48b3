// test-handler-exceptions.js: JavaScript exceptions in handlers never crash
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A promise handler's exception rejects the promise it derives (the GJS
// override catches it). GJS reports an exception thrown by any other callback
// from C (a notifier's, a job's) as a critical ("JS ERROR") and returns null
// to C, so this file runs without G_DEBUG=fatal-criticals. In an async
// function, an exception simply rejects the JavaScript promise.
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';

import {assert, assertEqual, assertRejects, run, test, waitFor} from './harness.js';
import {resolvedInt} from './fixtures.js';

function outcome(promise) {
    return new Promise(resolve => promise.then(value => resolve({value}), error => resolve({error})));
}

test('a throwing chain handler rejects the chained promise with a GLib.Error', async () => {
    const derived = resolvedInt(1).chain(() => {
        throw new Error('thrown on purpose in a chain handler');
    }, null);
    const {error} = await outcome(derived);
    assert(error.matches(Relay.Error, Relay.Error.FAILED), `${error}`);
    assertEqual(error.message, 'Error: thrown on purpose in a chain handler');
    assertEqual(derived.state, Relay.PromiseState.REJECTED);
});

test('a throwing then handler rejects its own result; later handlers still run', async () => {
    const source = resolvedInt(2);
    const thrown = new Error('thrown on purpose in a then handler');
    const failed = source.then(() => {
        throw thrown;
    });
    assertEqual(await outcome(source), {value: 2});
    assert((await outcome(failed)).error === thrown, 'the same exception');
});

test('a throwing notifier callback is logged and the notifier is done, like a GLib source', async () => {
    let calls = 0;
    const notifier = Relay.Notifier.new(() => {
        calls++;
        throw new Error('thrown on purpose in a notifier callback (GJS logs it)');
    });
    await RelayExamples.trigger_after_work(null, notifier, 0, 1, 0);
    await waitFor(() => calls === 1, 'the first notifier call');
    assert(!notifier.trigger());
    assertEqual(calls, 1);
    notifier.destroy();
});

test('an exception after await rejects the async function', async () => {
    const error = await assertRejects(async () => {
        const sum = await RelayExamples.add_after_delay(null, 4, 5, 0);
        throw new Gio.IOErrorEnum({code: Gio.IOErrorEnum.FAILED, message: `sum ${sum}`});
    });
    assert(error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED));
    assertEqual(error.message, 'sum 9');
});

test('a JS function as a pool job is refused by GJS; the promise rejects', async () => {
    // GJS cannot run JavaScript on a worker thread: it blocks the call with a
    // critical, the job returns nothing, and Relay rejects the promise.
    const job = Relay.run_in_thread(null, () => 42);
    const error = await assertRejects(job);
    assert(error.matches(Relay.Error, Relay.Error.NO_RESULT), `${error}`);
});

Gio._promisify(Relay.Promise.prototype, 'wait_async', 'wait_finish');
run();
