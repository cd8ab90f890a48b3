// gjs-gtk-app.js: a GTK 4 application in JavaScript that runs a cancellable
// background job with a progress bar and combines two promises, with
// async/await and exceptions
//
// The jobs are C functions from the example job library (RelayExamples, in
// demos/jobs): JavaScript runs on the main thread only. Relay's GJS override
// makes their promises JavaScript thenables, so the window's code is ordinary
// async JavaScript.
//
// With --self-test, the window drives itself (one run to the end, one run
// cancelled with its Cancel button, one closed while running) and the
// program exits with status 0 only if every run did what it should: that is
// how the test suite (suite 'docs') runs it, under Xvfb.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Gtk from 'gi://Gtk?version=4.0';
import Relay from 'gi://Relay';
import RelayExamples from 'gi://RelayExamples';
import System from 'system';

const LIMIT = 2000000;      // count the primes below this

// [window]
const PrimesWindow = GObject.registerClass(
class PrimesWindow extends Gtk.ApplicationWindow {
    constructor(application) {
        super({application, title: 'Primes', default_width: 360});
        this._cancellable = null;

        this._bar = new Gtk.ProgressBar({show_text: true});
        this._label = new Gtk.Label({label: 'Ready', wrap: true});
        this._start = new Gtk.Button({label: 'Count'});
        this._cancel = new Gtk.Button({label: 'Cancel', sensitive: false});
        this._start.connect('clicked', () => this.count(LIMIT).catch(logError));
        this._cancel.connect('clicked', () => this._cancellable?.cancel());
        // Closing the window cancels what runs for it.
        this.connect('close-request', () => {
            this._cancellable?.cancel();
            return false;
        });

        const buttons = new Gtk.Box({spacing: 6, halign: Gtk.Align.END});
        buttons.append(this._cancel);
        buttons.append(this._start);
        const box = new Gtk.Box({
            orientation: Gtk.Orientation.VERTICAL, spacing: 12,
            margin_top: 12, margin_bottom: 12, margin_start: 12, margin_end: 12,
        });
        box.append(this._label);
        box.append(this._bar);
        box.append(buttons);
        this.set_child(box);
    }

    // Runs the two jobs; resolves to what the label shows.
    async count(limit) {
        const cancellable = new Gio.Cancellable();
        this._cancellable = cancellable;
        this._start.sensitive = false;
        this._cancel.sensitive = true;
        this._bar.fraction = 0;
        this._label.label = 'Counting…';

        // A job on Relay's default pool, cancelled with the cancellable; its
        // progress arrives on the main thread, coalesced.
        const primes = RelayExamples.count_primes(null, limit).cancelWith(cancellable);
        const id = primes.connect('notify::progress', job => {
            this._bar.fraction = job.progress;
            this._bar.text = job.progress_text ?? '';
        });
        // A second job, combined with the first: all() waits for both, and
        // its array holds each job's value.
        const sum = RelayExamples.add_after_delay(null, 40, 2, 100).cancelWith(cancellable);
        try {
            const [count, answer] = await Relay.Promise.all([primes, sum]);
            this._label.label = `${count} primes below ${limit}; the answer is ${answer}`;
        } catch (e) {
            if (e instanceof GLib.Error && e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                this._label.label = 'Cancelled';
            else
                this._label.label = `Failed: ${e.message}`;
        } finally {
            primes.disconnect(id);
            this._cancellable = null;
            this._start.sensitive = true;
            this._cancel.sensitive = false;
        }
        return this._label.label;
    }
});
// [/window]

// [self-test]
// Waits, on the main loop, for predicate() to hold.
function until(predicate) {
    return new Promise(resolve => {
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 10, () => {
            if (!predicate())
                return GLib.SOURCE_CONTINUE;
            resolve();
            return GLib.SOURCE_REMOVE;
        });
    });
}

async function selfTest(window) {
    const expect = (actual, expected) => {
        if (actual !== expected)
            throw new Error(`expected "${expected}", got "${actual}"`);
        print(actual);
    };
    // 1. To the end: both values, the bar full.
    expect(await window.count(LIMIT), `148933 primes below ${LIMIT}; the answer is 42`);
    await until(() => window._bar.fraction === 1);
    // 2. Cancelled with the button once the job reported progress. Counting
    //    to four billion would take hours: only the button ends it.
    const cancelled = window.count(4000000000);
    await until(() => window._bar.fraction > 0);
    window._cancel.emit('clicked');
    expect(await cancelled, 'Cancelled');
    // 3. The window closed while a job runs: the job is cancelled.
    const closed = window.count(4000000000);
    window.close();
    expect(await closed, 'Cancelled');
}
// [/self-test]

const application = new Gtk.Application({
    application_id: 'org.example.RelayPrimes',
    flags: Gio.ApplicationFlags.NON_UNIQUE,
});
const selfTesting = System.programArgs.includes('--self-test');
let status = 0;
application.connect('activate', app => {
    const window = new PrimesWindow(app);
    window.present();
    if (selfTesting) {
        app.hold();
        selfTest(window).catch(e => {
            logError(e);
            status = 1;
        }).finally(() => app.release());
    }
});
const appStatus = application.run([System.programInvocationName]);
System.exit(appStatus || status);
