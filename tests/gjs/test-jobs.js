// test-jobs.js: C background jobs (RelayExamples) from GJS: pools, several
// values, progress, cancellation, errors
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';

import {assert, assertEqual, assertGError, assertRejects, run, test, waitFor} from './harness.js';
import {IO_ERROR} from './fixtures.js';

test('a job with two values', async () => {
    const division = RelayExamples.floor_divide(null, -7, 2, 0);
    assertEqual(await division, [-4, 1]);
    assertEqual(division.get_n_values(), 2);
    assertEqual(division.get_values(), [-4, 1]);
});

test('a bounded pool runs at most max_threads jobs at once', async () => {
    const pool = Relay.Pool.new(2);
    assertEqual(pool.get_max_threads(), 2);
    const start = GLib.get_monotonic_time();
    const jobs = [0, 1, 2, 3, 4, 5].map(i => RelayExamples.add_after_delay(pool, i, 1, 100));
    const peak = [];
    const id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 5, () => {
        peak.push(pool.get_n_running());
        return GLib.SOURCE_CONTINUE;
    });
    assertEqual(await Promise.all(jobs), [1, 2, 3, 4, 5, 6]);
    GLib.source_remove(id);
    const elapsedMs = (GLib.get_monotonic_time() - start) / 1000;
    assert(elapsedMs >= 290, `6 jobs of 100 ms on 2 threads took only ${elapsedMs} ms`);
    assert(Math.max(...peak) <= 2, `up to ${Math.max(...peak)} jobs ran at once`);
    pool.shutdown();
    assert(pool.is_shut_down());
    const late = RelayExamples.add_after_delay(pool, 1, 1, 0);
    assertGError(await assertRejects(late), IO_ERROR, Gio.IOErrorEnum.CLOSED);
});

test('progress arrives coalesced, monotonic, ending at 1', async () => {
    const job = RelayExamples.count_primes(null, 300000);
    const progress = [];
    job.connect('notify::progress', p => progress.push(p.progress));
    assertEqual(await job, 25997);
    await waitFor(() => progress.length > 0 && progress[progress.length - 1] === 1);
    assertEqual(progress, [...progress].sort((a, b) => a - b));
    assert(progress.length < 300000 / 1024 + 2, `${progress.length} notifications`);
    assertEqual(job.progress_text, 'Done');
});

test('hashing a file matches GLib, with the name as progress text', async () => {
    const [file, stream] = Gio.File.new_tmp('relay-gjs-XXXXXX');
    const bytes = new Uint8Array(200 * 1024).map((_, i) => (i * 7) & 0xff);
    stream.output_stream.write_all(bytes, null);
    stream.close(null);
    try {
        const digest = await RelayExamples.hash_file(null, file, GLib.ChecksumType.SHA256);
        assertEqual(digest, GLib.compute_checksum_for_data(GLib.ChecksumType.SHA256, bytes));
    } finally {
        file.delete(null);
    }
    const missing = RelayExamples.hash_file(null, Gio.File.new_for_path('/nonexistent/relay'),
        GLib.ChecksumType.MD5);
    assertGError(await assertRejects(missing), IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
});

test('cancelling a running job stops it', async () => {
    const job = RelayExamples.count_primes(null, 4000000000);
    await waitFor(() => job.progress > 0, 'the job to start');
    const cancellable = job.get_cancellable();
    assert(job.cancel());
    assert(cancellable.is_cancelled());
    assertGError(await assertRejects(job), IO_ERROR, Gio.IOErrorEnum.CANCELLED);
    // The worker noticed: the default pool is free again.
    const pool = Relay.Pool.get_default();
    await waitFor(() => pool.get_n_running() === 0, 'the worker to stop');
});

test('a queued job cancelled before it starts never runs', async () => {
    const pool = Relay.Pool.new(1);
    // Busy until cancelled below (an hour otherwise), so that the next job
    // stays queued however slowly this test runs.
    const busy = RelayExamples.add_after_delay(pool, 1, 1, 3600000);
    try {
        await waitFor(() => pool.get_n_running() === 1, 'the first job to start');
        const queued = RelayExamples.add_after_delay(pool, 2, 2, 0);
        assertEqual(pool.get_n_queued(), 1);
        assert(queued.cancel());
        assertGError(await assertRejects(queued), IO_ERROR, Gio.IOErrorEnum.CANCELLED);
        assert(busy.cancel());
        assertGError(await assertRejects(busy), IO_ERROR, Gio.IOErrorEnum.CANCELLED);
        // The worker drops the cancelled job without running it.
        await waitFor(() => pool.get_n_queued() === 0, 'the worker to drop the cancelled job');
    } finally {
        busy.cancel();
        pool.shutdown();
    }
});

run();
