/* vala-work.vala: a Relay job and its handlers in Vala
 *
 * Vala binds the C API as it is: `then` and `catch` take a handler that
 * receives the settled promise and returns a promise to adopt, or null.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
    var loop = new MainLoop ();
    int64 result = 0;

    // [work]
    var work = Relay.run_in_thread (null, (job) => {
        Thread.usleep (100000);            // on a worker thread
        job.return_int64 (4 + 5);
    });

    var shown = work.then ((promise) => {  // on the main thread
        result = promise.get_int64 ();
        print ("got val: %s\n", result.to_string ());
        return null;                       // pass the value on
    });

    var done = shown.@catch ((promise) => {
        printerr ("err: %s\n", promise.get_error ().message);
        return null;                       // handled
    });

    done.then_values ((value) => loop.quit (), (error) => loop.quit ());
    // [/work]

    loop.run ();
    return result == 9 ? 0 : 1;
}
