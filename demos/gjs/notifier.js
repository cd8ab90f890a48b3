// notifier.js: the first threading example, in JavaScript: a notifier triggered from a thread
//
// JavaScript has no threads of its own, so the background work is a C job
// from the example library (RelayExamples): a worker sleeps, stores 42 and
// triggers the notifier. The callback runs on the main loop's thread and reads
// the stored result without a lock: the trigger comes after the store.
//
// From the source directory: meson devenv -C build -w . gjs -m demos/gjs/notifier.js
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Relay from 'gi://Relay?version=1.0';
import RelayExamples from 'gi://RelayExamples?version=1.0';

const loop = new GLib.MainLoop(null, false);

const notifier = Relay.Notifier.new(() => {
    print(`Job finished! ${work.get_int64()}`);     // on the main loop's thread
    loop.quit();
});
// Sleeps a second, stores 42, triggers the notifier.
const work = RelayExamples.trigger_after_work(null, notifier, 42, 1, 1000);

loop.run();
