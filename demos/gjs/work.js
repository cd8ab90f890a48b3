// work.js: the second threading example, in JavaScript: a job on a worker, its value in a promise
//
// A C job from the example library (RelayExamples) sleeps and computes
// 4 + 5 on Relay's worker pool; a delay on the main loop prints "event loop
// still running..." meanwhile, and `await` gets the value on the main thread.
// With --fail, the job divides by zero instead and `await` throws a GLib.Error.
//
// From the source directory: meson devenv -C build -w . gjs -m demos/gjs/work.js
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';
import System from 'system';

const fail = System.programArgs.includes('--fail');
const loop = new GLib.MainLoop(null, false);

async function main() {
    Relay.Promise.new_delay(300).then(() => print('event loop still running...'), null);
    try {
        const val = fail
            ? await RelayExamples.floor_divide(null, 4, 0, 1000)
            : await RelayExamples.add_after_delay(null, 4, 5, 1000);
        print(`got val: ${val}`);
    } catch (e) {
        print(`err: ${e.message}`);
    }
}

main().finally(() => loop.quit());
loop.run();
