// test-await.js: `await promise` in GJS, natively (through the override's
// then) and through Gio._promisify on wait_async/wait_finish
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';

import {assert, assertEqual, assertGError, assertRejects, run, test} from './harness.js';
import {IO_ERROR, rejected} from './fixtures.js';

Gio._promisify(Relay.Promise.prototype, 'wait_async', 'wait_finish');

test('await gives the value of settled and pending promises, several as an array', async () => {
    const done = new Relay.Promise();
    done.resolve_string('ready');
    assertEqual(await done, 'ready');
    assertEqual(await RelayExamples.add_after_delay(null, 4, 5, 50), 9);
    assertEqual(await RelayExamples.floor_divide(null, 7, -2, 10), [-4, -1]);
    const empty = new Relay.Promise();
    empty.resolve(null);
    assertEqual(await empty, null);
});

test('await of a rejected promise throws its GLib.Error', async () => {
    const error = await assertRejects(rejected('nope', Gio.IOErrorEnum.NOT_FOUND));
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND, 'nope');
    const byZero = await assertRejects(RelayExamples.floor_divide(null, 1, 0, 0));
    assertGError(byZero, IO_ERROR, Gio.IOErrorEnum.INVALID_ARGUMENT, 'zero');
});

test('await promise.wait_async(null) returns the value or throws', async () => {
    assertEqual(await RelayExamples.add_after_delay(null, 40, 2, 20).wait_async(null), 42);
    const error = await assertRejects(() => rejected('waited').wait_async(null));
    assertGError(error, IO_ERROR, Gio.IOErrorEnum.FAILED, 'waited');
});

test('wait_async can be cancelled without cancelling the promise', async () => {
    const slow = RelayExamples.add_after_delay(null, 1, 1, 300);
    const cancellable = new Gio.Cancellable();
    const waiting = slow.wait_async(cancellable);
    cancellable.cancel();
    assertGError(await assertRejects(waiting), IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    assertEqual(await slow, 2);
});

test('the loop keeps running while awaiting a job', async () => {
    // The job would sleep for an hour: only the loop, ticking while the test
    // awaits the job, ends it, after five ticks.
    const job = RelayExamples.add_after_delay(null, 2, 3, 3600000);
    let ticks = 0;
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
        ticks++;
        if (ticks < 5)
            return GLib.SOURCE_CONTINUE;
        job.cancel();
        return GLib.SOURCE_REMOVE;
    });
    assertGError(await assertRejects(job), IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    assertEqual(ticks, 5);
});

test('JS Promise.all and Promise.race take Relay promises', async () => {
    const jobs = [1, 2, 3].map(i => RelayExamples.add_after_delay(null, i, i, 10 * i));
    assertEqual(await Promise.all(jobs), [2, 4, 6]);
    const never = new Relay.Promise();
    assertEqual(await Promise.race([never, RelayExamples.add_after_delay(null, 0, 1, 0)]), 1);
    assert(never.is_pending());
});

test('a promise fulfilled with a promise is adopted once, never looped', async () => {
    // A value that is a thenable is adopted, as JavaScript does; a promise
    // fulfilled with itself rejects instead of looping.
    const inner = new Relay.Promise();
    const outer = new Relay.Promise();
    outer.resolve_object(inner);
    inner.resolve_int64(11);
    assertEqual(await outer, 11);
    assert(outer.get_object() === inner);
    const self = new Relay.Promise();
    self.resolve_object(self);
    const error = await assertRejects(self);
    assert(error instanceof TypeError && error.message.includes('itself'), `${error}`);
});

test('cancelling a job awaited in an async function', async () => {
    const job = RelayExamples.count_primes(null, 4000000000);
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 50, () => {
        job.cancel();
        return GLib.SOURCE_REMOVE;
    });
    assertGError(await assertRejects(job), IO_ERROR, Gio.IOErrorEnum.CANCELLED);
});

run();
