# test_gio.py: GIO calls as promises from Python — the wrappers such as
# Relay.file_load_bytes(), and Relay.Promise.from_async() for any
# _async/_finish pair, awaited in coroutines run by the override
#
# Everything is local: files in a temporary directory, pipes, /bin/sh, a
# socket service on 127.0.0.1, "localhost", and a peer-to-peer D-Bus
# connection over a socket pair.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import shutil
import socket
import tempfile
import threading

from gi.repository import Gio, GObject

from relaytesting import GLib, Relay, TestCase, drain, iterate_until, main, settle

NOT_FOUND = Gio.IOErrorEnum.NOT_FOUND
CANCELLED = Gio.IOErrorEnum.CANCELLED


def run(coroutine):
    return Relay.run_until_complete(coroutine, timeout=30)


class GioTestCase(TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='relay-test-gio-')
        self.addCleanup(shutil.rmtree, self.dir)

    def file(self, name, contents=None):
        path = os.path.join(self.dir, name)
        if contents is not None:
            with open(path, 'wb') as f:
                f.write(contents)
        return Gio.File.new_for_path(path)

    def pipe(self):
        read_fd, write_fd = os.pipe()
        return (Gio.UnixInputStream.new(read_fd, True),
                Gio.UnixOutputStream.new(write_fd, True))


class WrapperTests(GioTestCase):
    def test_await_file_load_bytes(self):
        hello = self.file('hello.txt', b'hello, world')

        async def body():
            contents = await Relay.file_load_bytes(hello, None)
            again = await Relay.file_load_bytes(hello)    # the cancellable may be left out
            return threading.current_thread(), contents, again

        thread, contents, again = run(body())
        self.assertIsInstance(contents, GLib.Bytes)
        self.assertEqual(contents.get_data(), b'hello, world')
        self.assertEqual(again.get_data(), b'hello, world')
        self.assertIs(thread, threading.main_thread())

    def test_missing_file_raises_glib_error(self):
        missing = self.file('missing.txt')

        async def body():
            try:
                await Relay.file_load_bytes(missing, None)
            except GLib.Error as error:
                return error
            return 'not raised'

        error = run(body())
        self.assertGError(error, Gio.io_error_quark(), NOT_FOUND, 'missing.txt')
        self.assertEqual(error.domain, 'g-io-error-quark')

    def test_replace_contents_then_query_info(self):
        target = self.file('target.txt', b'old')

        async def body():
            etag = await Relay.file_replace_contents(target, GLib.Bytes.new(b'new contents'), None,
                                                     False, Gio.FileCreateFlags.NONE, None)
            info = await Relay.file_query_info(target, 'standard::size,etag::value',
                                               Gio.FileQueryInfoFlags.NONE,
                                               GLib.PRIORITY_DEFAULT, None)
            return etag, info

        etag, info = run(body())
        self.assertIsInstance(info, Gio.FileInfo)
        self.assertEqual(info.get_size(), len(b'new contents'))
        self.assertEqual(etag, info.get_etag())
        with open(target.get_path(), 'rb') as f:
            self.assertEqual(f.read(), b'new contents')

    def test_enumerate_children_gives_a_list_model(self):
        names = {'file-%02d' % i for i in range(70)}
        for name in names:
            self.file(name, b'x')
        directory = Gio.File.new_for_path(self.dir)

        async def body():
            return await Relay.file_enumerate_children(directory, 'standard::name',
                                                       Gio.FileQueryInfoFlags.NONE,
                                                       GLib.PRIORITY_DEFAULT, None)

        model = run(body())
        self.assertIsInstance(model, Gio.ListModel)
        self.assertEqual(model.get_item_type(), Gio.FileInfo.__gtype__)
        self.assertEqual({info.get_name() for info in model}, names)

    def test_streams(self):
        source, sink = self.pipe()

        async def body():
            written = await Relay.output_stream_write_all_bytes(sink, GLib.Bytes.new(b'ping'),
                                                                GLib.PRIORITY_DEFAULT, None)
            partial = await Relay.output_stream_write_bytes(sink, GLib.Bytes.new(b'!'),
                                                            GLib.PRIORITY_DEFAULT, None)
            sink.close(None)
            first = await Relay.input_stream_read_bytes(source, 4, GLib.PRIORITY_DEFAULT, None)
            rest = await Relay.input_stream_read_bytes(source, 64, GLib.PRIORITY_DEFAULT, None)
            end = await Relay.input_stream_read_bytes(source, 64, GLib.PRIORITY_DEFAULT, None)
            return written, partial, first.get_data(), rest.get_data(), end.get_size()

        self.assertEqual(run(body()), (4, 1, b'ping', b'!', 0))

    def test_subprocess(self):
        flags = (Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE |
                 Gio.SubprocessFlags.STDERR_PIPE)
        talker = Gio.Subprocess.new(['/bin/sh', '-c', 'read x; echo "got $x"; echo oops >&2'],
                                    flags)
        failing = Gio.Subprocess.new(['/bin/sh', '-c', 'exit 3'], Gio.SubprocessFlags.NONE)

        async def body():
            out, err = await Relay.subprocess_communicate(talker, GLib.Bytes.new(b'ping\n'), None)
            checked = await Relay.subprocess_wait_check(talker, None)
            try:
                await Relay.subprocess_wait_check(failing, None)
            except GLib.Error as error:
                return out.get_data(), err.get_data(), checked, error
            return 'not raised'

        out, err, checked, error = run(body())
        self.assertEqual((out, err, checked), (b'got ping\n', b'oops\n', True))
        self.assertGError(error, GLib.spawn_exit_error_quark(), 3)

    def test_socket_client(self):
        service = Gio.SocketService.new()
        any_port = Gio.InetSocketAddress.new(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), 0)
        ok, bound = service.add_address(any_port, Gio.SocketType.STREAM,
                                        Gio.SocketProtocol.TCP, None)
        self.assertTrue(ok)
        service.start()
        self.addCleanup(service.close)
        self.addCleanup(service.stop)
        client = Gio.SocketClient.new()

        async def body():
            direct = await Relay.socket_client_connect(client, bound, None)
            by_name = await Relay.socket_client_connect_to_host(
                client, '127.0.0.1:%d' % bound.get_port(), 1, None)
            return direct, by_name

        for connection in run(body()):
            self.assertIsInstance(connection, Gio.SocketConnection)
            self.assertTrue(connection.is_connected())
            connection.close(None)

    def test_resolver_localhost(self):
        async def body():
            return await Relay.resolver_lookup_by_name(None, 'localhost', None)

        addresses = list(run(body()))
        self.assertGreaterEqual(len(addresses), 1)
        self.assertTrue(all(address.get_is_loopback() for address in addresses))


XML = """<node><interface name='org.relay.Test'>
  <method name='Echo'><arg type='s' direction='in'/><arg type='s' direction='out'/></method>
  <method name='Fail'/>
</interface></node>"""


class DBusTests(GioTestCase):
    def test_call_over_a_peer_to_peer_connection(self):
        # No bus: two ends of a socket pair, made into D-Bus connections with
        # from_async() (Gio.DBusConnection.new_finish takes no source object).
        streams = [Gio.Socket.new_from_fd(end.detach()).connection_factory_create_connection()
                   for end in socket.socketpair()]
        flags = Gio.DBusConnectionFlags
        info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]

        def method_call(connection, sender, path, interface, method, parameters, invocation):
            if method == 'Echo':
                invocation.return_value(GLib.Variant('(s)', (parameters[0],)))
            else:
                invocation.return_error_literal(Gio.io_error_quark(),
                                                Gio.IOErrorEnum.PERMISSION_DENIED, 'not allowed')

        async def body():
            server = Relay.Promise.from_async(
                Gio.DBusConnection.new, Gio.DBusConnection.new_finish, streams[0],
                Gio.dbus_generate_guid(),
                flags.AUTHENTICATION_SERVER | flags.AUTHENTICATION_ALLOW_ANONYMOUS, None)
            client = Relay.Promise.from_async(
                Gio.DBusConnection.new, Gio.DBusConnection.new_finish, streams[1], None,
                flags.AUTHENTICATION_CLIENT, None)
            server, client = await server, await client
            registration = server.register_object('/org/relay/Test', info, method_call, None, None)
            try:
                reply = await Relay.dbus_connection_call(
                    client, None, '/org/relay/Test', 'org.relay.Test', 'Echo',
                    GLib.Variant('(s)', ('over D-Bus',)), GLib.VariantType('(s)'),
                    Gio.DBusCallFlags.NONE, -1, None)
                try:
                    await Relay.dbus_connection_call(
                        client, None, '/org/relay/Test', 'org.relay.Test', 'Fail', None, None,
                        Gio.DBusCallFlags.NONE, -1, None)
                except GLib.Error as error:
                    return reply, error
                return reply, 'not raised'
            finally:
                server.unregister_object(registration)
                client.close_sync(None)

        reply, error = run(body())
        self.assertIsInstance(reply, GLib.Variant)
        self.assertEqual(reply.unpack(), ('over D-Bus',))
        self.assertGError(error, Gio.io_error_quark(), Gio.IOErrorEnum.PERMISSION_DENIED,
                          'not allowed')


class FromAsyncTests(GioTestCase):
    def test_returns_what_finish_returns(self):
        hello = self.file('hello.txt', b'hello')

        async def body():
            loaded = await Relay.Promise.from_async(hello.load_contents_async,
                                                    hello.load_contents_finish)
            info = await Relay.Promise.from_async(hello.query_info_async, hello.query_info_finish,
                                                  'standard::size', Gio.FileQueryInfoFlags.NONE,
                                                  GLib.PRIORITY_DEFAULT)
            return loaded, info

        (ok, contents, etag), info = run(body())
        self.assertEqual((ok, contents), (True, b'hello'))
        self.assertIsInstance(etag, str)
        self.assertEqual(info.get_size(), 5)

    def test_typed_values_for_c(self):
        # A GObject, boxed or variant result is held with its own GLib type,
        # so that C and JavaScript can read the promise too.
        stream = Gio.MemoryInputStream.new_from_bytes(GLib.Bytes.new(b'abc'))
        promise = Relay.Promise.from_async(stream.read_bytes_async, stream.read_bytes_finish,
                                           8, GLib.PRIORITY_DEFAULT)
        self.assertEqual(settle(promise).result().get_data(), b'abc')
        self.assertEqual(promise.get_n_values(), 1)

    def test_error_keeps_domain_and_code(self):
        missing = self.file('missing.txt')

        async def body():
            try:
                await Relay.Promise.from_async(missing.load_contents_async,
                                               missing.load_contents_finish)
            except GLib.Error as error:
                return error
            return 'not raised'

        self.assertGError(run(body()), Gio.io_error_quark(), NOT_FOUND, 'missing.txt')

    def recording_read(self, stream, cancellable=None):
        """from_async on a pipe read, recording what the finish function saw."""
        seen = []

        def finish(result):
            try:
                data = stream.read_bytes_finish(result)
            except GLib.Error as error:
                seen.append(error)
                raise
            seen.append(data)
            return data

        promise = Relay.Promise.from_async(stream.read_bytes_async, finish, 16,
                                           GLib.PRIORITY_DEFAULT, cancellable=cancellable)
        return promise, seen

    def test_cancelling_the_promise_cancels_the_call(self):
        source, sink = self.pipe()
        promise, seen = self.recording_read(source)
        drain()
        self.assertTrue(source.has_pending())      # waiting for data that never comes
        self.assertTrue(promise.cancel())
        iterate_until(lambda: seen)
        self.assertGError(seen[0], Gio.io_error_quark(), CANCELLED)
        self.assertFalse(source.has_pending())
        with self.assertRaises(GLib.Error) as raised:
            settle(promise).result()
        self.assertGError(raised.exception, Gio.io_error_quark(), CANCELLED)

    def test_cancellable_cancels_the_promise_and_the_call(self):
        source, sink = self.pipe()
        cancellable = Gio.Cancellable()
        promise, seen = self.recording_read(source, cancellable)
        drain()
        cancellable.cancel()
        self.assertEqual(promise.get_state(), Relay.PromiseState.REJECTED)
        iterate_until(lambda: seen)
        self.assertGError(seen[0], Gio.io_error_quark(), CANCELLED)
        settle(promise)

    def test_cancellable_is_let_go_once_the_call_is_done(self):
        source, sink = self.pipe()
        cancellable = Gio.Cancellable()
        promise, seen = self.recording_read(source, cancellable)
        sink.write_bytes(GLib.Bytes.new(b'data'), None)
        self.assertEqual(settle(promise).result().get_data(), b'data')
        cancellable.cancel()
        self.assertEqual(promise.get_state(), Relay.PromiseState.FULFILLED)

    def test_call_that_does_not_start_raises(self):
        stream = Gio.MemoryInputStream.new_from_bytes(GLib.Bytes.new(b'abc'))
        cancellable = Gio.Cancellable()
        with self.assertRaises(TypeError):
            Relay.Promise.from_async(stream.read_bytes_async, stream.read_bytes_finish,
                                     'not a count', GLib.PRIORITY_DEFAULT,
                                     cancellable=cancellable)
        signal = GObject.signal_lookup('cancelled', Gio.Cancellable)
        self.assertFalse(GObject.signal_has_handler_pending(cancellable, signal, 0, False))

    def test_wrapper_with_cancellable(self):
        source, sink = self.pipe()
        cancellable = Gio.Cancellable()
        promise = Relay.input_stream_read_bytes(source, 16, GLib.PRIORITY_DEFAULT, cancellable)
        drain()
        self.assertTrue(source.has_pending())
        cancellable.cancel()
        iterate_until(lambda: not source.has_pending())
        with self.assertRaises(GLib.Error) as raised:
            settle(promise).result()
        self.assertGError(raised.exception, Gio.io_error_quark(), CANCELLED)


if __name__ == '__main__':
    main()
