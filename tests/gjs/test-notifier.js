// test-notifier.js: Relay.Notifier from GJS, triggered by C worker threads
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';

import {assert, assertEqual, run, sleep, test, waitFor} from './harness.js';

test('seed example: the worker stores 42, the callback reads it', async () => {
    let work = null;
    const seen = [];
    const notifier = Relay.Notifier.new((self, nTriggers) => {
        seen.push([work.get_int64(), nTriggers]);
        return GLib.SOURCE_REMOVE;
    });
    work = RelayExamples.trigger_after_work(null, notifier, 42, 1, 50);
    await waitFor(() => seen.length > 0, 'the notifier callback');
    assertEqual(seen, [[42, 1]]);
});

test('a notifier whose callback returns SOURCE_REMOVE fires once, then trigger returns false', async () => {
    const calls = [];
    const notifier = Relay.Notifier.new((self, n) => {
        calls.push(n);
        return GLib.SOURCE_REMOVE;
    });
    assert(notifier.trigger());
    await waitFor(() => calls.length > 0);
    await sleep(20);
    assertEqual(calls, [1]);
    assert(!notifier.trigger(), 'trigger after firing must return false');
});

test('a notifier that returns SOURCE_CONTINUE counts every trigger from 4 workers', async () => {
    const counts = [];
    const notifier = Relay.Notifier.new((self, n) => {
        counts.push(n);
        return GLib.SOURCE_CONTINUE;
    });
    const pool = Relay.Pool.new(4);
    const jobs = [0, 1, 2, 3].map(i => RelayExamples.trigger_after_work(pool, notifier, i, 5000, 0));
    const total = () => counts.reduce((a, b) => a + b, 0);
    await waitFor(() => total() === 20000, 'all triggers');
    await sleep(20);
    assertEqual(total(), 20000);
    assert(counts.length < 20000, `triggers should coalesce, got ${counts.length} callbacks`);
    assertEqual(await Promise.all(jobs), [0, 1, 2, 3]);
    notifier.destroy();
    assert(notifier.is_destroyed());
    assert(!notifier.trigger());
    pool.shutdown();
});

test('destroyed notifier never calls back', async () => {
    const calls = [];
    const notifier = Relay.Notifier.new((self, n) => calls.push(n) && false);
    notifier.destroy();
    const work = RelayExamples.trigger_after_work(null, notifier, 1, 3, 0);
    assertEqual(await work, 1);
    await sleep(20);
    assertEqual(calls, []);
});

run();
