#!/bin/sh
# check-installed.sh: an installed GJS application gets Relay's JavaScript
# semantics from its one `import Relay from 'gi://Relay'` line: `meson install`
# into a scratch directory, then run a script that imports nothing else, with
# the environment an installed prefix gives (its share/ in XDG_DATA_DIRS, as
# /usr/local/share and /usr/share are by default; its typelib and library
# found), and without the build tree's GJS_PATH.
set -eu
builddir=$1
gjs=${2:-gjs}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

echo "1..3"
meson install -C "$builddir" --no-rebuild --destdir "$dest" --quiet >/dev/null 2>&1 \
  && echo "ok 1 - meson install" || { echo "not ok 1 - meson install"; exit 0; }

override=$(find "$dest" -path '*/share/gjs-1.0/overrides/Relay.js' | head -n1)
if [ -n "$override" ]; then
  echo "ok 2 - the override is installed as ${override#"$dest"}"
else
  echo "not ok 2 - no share/gjs-1.0/overrides/Relay.js under the install"
  exit 0
fi
datadir=$(dirname "$(dirname "$(dirname "$override")")")
typelib=$(find "$dest" -name 'Relay-1.0.typelib' | head -n1)
library=$(find "$dest" -name 'librelay-1.0.so*' | head -n1)

cat > "$dest/app.js" <<'JS'
import Relay from 'gi://Relay';

const loop = new imports.gi.GLib.MainLoop(null, false);
const failed = new Relay.Promise();
failed.reject_literal(Relay.error_quark(), Relay.Error.FAILED, 'expected');
const checks = [
    Relay.Promise.new_resolved_values([20]).then(v => `${v + 1}`),
    failed.catch(e => e.message),
    Relay.Promise.all([Relay.Promise.new_resolved_values([1, 2]), Promise.resolve(3), 4]),
    (async () => {
        const channel = Relay.Channel.new(4);
        channel.push_int64(5, null);
        channel.push_int64(6, null);
        channel.close(null);
        const received = [];
        for await (const value of channel)
            received.push(value);
        return received;
    })(),
];
Promise.all(checks).then(values => {
    print(JSON.stringify(values));
}).catch(e => print(`failed: ${e}`)).finally(() => loop.quit());
loop.run();
JS

unset GJS_PATH
out=$(env XDG_DATA_DIRS="$datadir:/usr/local/share:/usr/share" \
          GI_TYPELIB_PATH="$(dirname "$typelib")" \
          LD_LIBRARY_PATH="$(dirname "$library")" \
          G_DEBUG=fatal-warnings \
          "$gjs" -m "$dest/app.js" 2>&1) || true
expected='["21","expected",[[1,2],3,4],[5,6]]'
if [ "$out" = "$expected" ]; then
  echo "ok 3 - an installed app with one import line: $out"
else
  echo "not ok 3 - expected $expected, got:"
  echo "$out" | sed 's/^/# /'
fi
