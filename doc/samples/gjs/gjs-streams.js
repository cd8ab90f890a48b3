// gjs-streams.js: `for await` over a Relay.Channel in GJS
//
// The GJS override makes every Relay.Channel an async iterable: nothing to
// set up. JavaScript runs on the main thread only, so here the main loop is
// the producer too: send_int64() returns a promise that waits for room, so
// awaiting it keeps the producer at most the channel's capacity ahead of the
// consumer without blocking anything.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Relay from 'gi://Relay';

// [produce]
async function produce(channel, n) {
    for (let i = 1; i <= n; i++)
        await channel.send_int64(i);    // waits while the channel is full
    channel.close(null);                // the end of the stream
}
// [/produce]

// [use]
async function main() {
    // [loop]
    const channel = Relay.Channel.new(4);
    const producing = produce(channel, 100);
    let sum = 0;
    for await (const value of channel)  // ends when the channel is closed and empty
        sum += value;
    await producing;
    // [/loop]
    print('sum:', sum);

    // Leaving the loop early leaves the channel open and the rest queued.
    const numbers = Relay.Channel.new(8);
    for (let i = 1; i <= 5; i++)
        numbers.send_int64(i);          // room for all: queued at once
    for await (const value of numbers) {
        if (value === 2)
            break;
    }
    const rest = numbers.get_n_queued();    // 3, 4 and 5

    // A channel closed with an error of its own: the loop throws it, after
    // the values that were queued.
    const broken = Relay.Channel.new(4);
    broken.send_string('last words');
    broken.close(new GLib.Error(Gio.io_error_quark(), Gio.IOErrorEnum.BROKEN_PIPE, 'producer died'));
    const seen = [];
    try {
        for await (const value of broken)
            seen.push(value);
    } catch (e) {
        print('stream failed:', e.message, 'after', seen.join(','));
        return sum === 5050 && rest === 3 && seen.length === 1 &&
            e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.BROKEN_PIPE);
    }
    return false;
}
// [/use]

const loop = new GLib.MainLoop(null, false);
let ok = false;
main().then(result => {
    ok = result;
}).catch(e => logError(e)).finally(() => loop.quit());
loop.run();
if (!ok)
    throw new Error('sample failed');
