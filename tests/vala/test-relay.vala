/* test-relay.vala: Relay from Vala, through relay-1.0.vapi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Checks that the generated bindings compile and behave: a notifier triggered
 * from a GLib.Thread, a job on the pool whose closure runs on a worker, chains
 * with owned delegates, `yield promise.wait_async ()`, errors as
 * GLib.Error (Relay.Error and IOError), combinators and progress, a job
 * streaming into a channel and the typed sends of the main loop.
 */

int failures = 0;
int checks = 0;
MainLoop? main_loop = null;
uint watchdog = 0;

/* No check passes or fails on how long it took: as in tests/test-watchdog.h,
 * the run fails only when no check was made for a minute times
 * RELAY_TEST_SLOWDOWN. Every check re-arms the watchdog. */
uint stall_seconds () {
    double factor = double.parse (Environment.get_variable ("RELAY_TEST_SLOWDOWN") ?? "1");
    return (uint) (60 * (factor >= 1 ? factor : 1));
}

void arm_watchdog () {
    if (watchdog != 0)
        Source.remove (watchdog);
    watchdog = Timeout.add_seconds (stall_seconds (), () => {
        watchdog = 0;
        check (false, "progress within %u s of the last check".printf (stall_seconds ()));
        main_loop.quit ();
        return Source.REMOVE;
    });
}

/* TAP, with the plan at the end. */
void check (bool condition, string what) {
    checks++;
    if (condition) {
        print ("ok %d - %s\n", checks, what);
    } else {
        print ("not ok %d - %s\n", checks, what);
        failures++;
    }
    if (main_loop != null && watchdog != 0)
        arm_watchdog ();
}

async void test_notifier () {
    unowned Thread<void*> main_thread = Thread.self<void*> ();
    int result = 0;
    uint covered = 0;
    bool on_main = false;

    var notifier = new Relay.Notifier ((notifier, n_triggers) => {
        covered = n_triggers;
        on_main = Thread.self<void*> () == main_thread;
        Idle.add (test_notifier.callback);   /* resume once the callback returned */
        return Source.REMOVE;
    });
    var worker = new Thread<void*> ("worker", () => {
        Thread.usleep (20000);
        result = 42;          /* no lock: the trigger comes after the store */
        notifier.trigger ();
        return null;
    });
    yield;
    worker.join ();
    check (result == 42 && covered == 1 && on_main, "notifier from a thread sees 42 on the main thread");
    check (!notifier.trigger (), "a notifier whose callback returned Source.REMOVE refuses a trigger");
}

async void test_jobs () throws Error {
    unowned Thread<void*> main_thread = Thread.self<void*> ();
    bool job_on_worker = false;

    var promise = Relay.run_in_thread (null, (job) => {
        job_on_worker = Thread.self<void*> () != main_thread;
        for (int i = 1; i <= 100; i++)
            job.set_progress (i / 100.0, "adding");
        job.return_int64 (4 + 5);
    });
    Value? value = yield promise.wait_async (null);
    check (value != null && value.get_int64 () == 9 && job_on_worker, "a Vala job runs on a worker and returns 9");
    check (promise.state == Relay.PromiseState.FULFILLED, "the job's promise is fulfilled");

    var failing = Relay.run_in_thread (null, (job) => {
        job.return_error (new IOError.NOT_FOUND ("no %s here", "file"));
    });
    try {
        yield failing.wait_async (null);
        check (false, "a failing job throws");
    } catch (IOError.NOT_FOUND e) {
        check (e.message == "no file here", "a failing job throws its IOError");
    }
}

async void test_chains () throws Error {
    var source = new Relay.Promise ();
    int64 seen = 0;
    var derived = source.then ((p) => {
        seen = p.get_int64 ();
        var next = new Relay.Promise ();
        next.resolve_string ("adopted %s".printf (seen.to_string ()));
        return next;
    });
    var caught = new Relay.Promise.rejected (new Relay.Error.FAILED ("broken")).@catch ((p) => {
        var next = new Relay.Promise ();
        next.resolve_string (p.get_error ().message);
        return next;
    });
    source.resolve_int64 (3);

    Value? adopted = yield derived.wait_async (null);
    check (seen == 3 && adopted.get_string () == "adopted 3", "then adopts the promise its handler returns");
    Value? message = yield caught.wait_async (null);
    check (message.get_string () == "broken", "catch handles a Relay.Error");

    string? from_values = null;
    var done = new Relay.Promise ();
    done.resolve_string ("then_values");
    done.then_values ((v) => { from_values = v.get_string (); }, null);
    /* Handlers run in the order they were added: once this wait is over,
     * the then_values callback has run. */
    yield done.wait_async (null);
    check (from_values == "then_values", "then_values hands over the first value");
}

async void test_combinators () throws Error {
    Relay.Promise[] inputs = { new Relay.Promise.delay (20), new Relay.Promise () };
    inputs[1].resolve_int64 (2);
    var all = Relay.Promise.all (inputs);
    yield all.wait_async (null);
    check (all.get_n_values () == 2, "all has one value per input");
    check (all.get_value (1).get_int64 () == 2, "all's values are the inputs' values");

    Relay.Promise[] bad = { new Relay.Promise.rejected (new IOError.FAILED ("a")),
                            new Relay.Promise.rejected (new IOError.FAILED ("b")) };
    try {
        yield Relay.Promise.any (bad).wait_async (null);
        check (false, "any of rejected promises throws");
    } catch (Relay.Error.AGGREGATE e) {
        check (true, "any of rejected promises throws Relay.Error.AGGREGATE");
    }

    try {
        /* Only a cancel settles this one: the timeout wins on any machine. */
        yield new Relay.Promise ().timeout (10).wait_async (null);
        check (false, "timeout throws");
    } catch (IOError.TIMED_OUT e) {
        check (true, "timeout throws IOError.TIMED_OUT");
    }
}

async void test_streams () throws Error {
    unowned Thread<void*> main_thread = Thread.self<void*> ();
    bool on_worker = false;

    var channel = Relay.stream_in_thread (8, null, (job, stream) => {
        on_worker = Thread.self<void*> () != main_thread;
        try {
            for (int64 i = 0; i < 500; i++)
                stream.push_int64 (i, job.get_cancellable ());
        } catch (Error e) {
            job.return_error ((owned) e);
        }
    });

    int64 next = 0;
    bool in_order = true;
    bool closed = false;
    while (!closed) {
        var batch = channel.receive_many (64);
        try {
            yield batch.wait_async (null);
            for (uint i = 0; i < batch.get_n_values (); i++)
                in_order = in_order && batch.get_value (i).get_int64 () == next++;
        } catch (Relay.Error.CLOSED e) {
            closed = true;
        }
    }
    check (next == 500 && in_order && on_worker, "a Vala job streams 500 values in order into a channel");

    /* The typed sends, from the main loop: a full channel's send waits for
     * room, a closed channel's rejects with Relay.Error.CLOSED. */
    var typed = new Relay.Channel (1);
    yield typed.send_string ("first").wait_async (null);
    var waiting = typed.send_int64 (-7);
    check (waiting.is_pending (), "send_int64 on a full channel waits for room");
    var first = typed.receive ();
    yield first.wait_async (null);
    yield waiting.wait_async (null);
    var second = typed.receive ();
    yield second.wait_async (null);
    check (first.get_string () == "first" && second.get_int64 () == -7,
           "send_string and send_int64 values arrive in order, read with the typed getters");
    typed.close (null);
    try {
        yield typed.send_double (0.5).wait_async (null);
        check (false, "send_double on a closed channel throws");
    } catch (Relay.Error.CLOSED e) {
        check (true, "send_double on a closed channel throws Relay.Error.CLOSED");
    }
}

async void run_all (MainLoop loop) {
    try {
        yield test_notifier ();
        yield test_jobs ();
        yield test_chains ();
        yield test_combinators ();
        yield test_streams ();
    } catch (Error e) {
        check (false, "unexpected error: " + e.message);
    }
    loop.quit ();
}

int main () {
    var loop = new MainLoop ();
    main_loop = loop;
    arm_watchdog ();
    run_all.begin (loop);
    loop.run ();
    print ("1..%d\n", checks);
    return failures == 0 ? 0 : 1;
}
