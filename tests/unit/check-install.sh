#!/bin/sh
# Installs into a scratch prefix and builds a consumer with pkg-config, the way
# users do: `#include <relay/relay.h>` and `pkg-config --cflags --libs relay-1.0`.
# Including any other Relay header directly must fail.
set -eu
builddir=$1
srcdir=$2
sanitize=${3:-none}
# A sanitized librelay needs a consumer built with the same sanitizer.
san_flags=""
[ "$sanitize" = none ] || san_flags="-fsanitize=$sanitize"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

echo "1..4"
meson install -C "$builddir" --no-rebuild --destdir "$dest" --quiet >/dev/null 2>&1 \
  && echo "ok 1 - meson install" || { echo "not ok 1 - meson install"; exit 0; }

pc=$(find "$dest" -name relay-1.0.pc | head -n1)
prefix=$(sed -n 's/^prefix=//p' "$pc")
# Point pkg-config at the scratch tree (a copy of the .pc with the prefix moved).
mkdir -p "$dest/pc"
sed "s|^prefix=.*|prefix=$dest$prefix|" "$pc" > "$dest/pc/relay-1.0.pc"
export PKG_CONFIG_PATH="$dest/pc"
hdrdir="$dest$prefix/include/relay-1.0/relay"
if [ -f "$hdrdir/relay.h" ] && [ -f "$hdrdir/relay-enums.h" ] && [ -f "$hdrdir/relay-version.h" ]; then
  echo "ok 2 - headers installed under include/relay-1.0/relay"
else
  echo "not ok 2 - headers missing under $hdrdir"
fi

cat > "$dest/consumer.c" <<'C'
#include <relay/relay.h>
#if !RELAY_CHECK_VERSION (1, 0, 0)
#error "version check"
#endif
static gboolean fired (RelayNotifier *notifier, guint n, gpointer loop) { g_main_loop_quit (loop); return G_SOURCE_REMOVE; }
int main (void)
{
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);
  RelayNotifier *notifier = relay_notifier_new (fired, loop, NULL);
  relay_notifier_trigger (notifier);
  g_main_loop_run (loop);
  g_object_unref (notifier);
  g_main_loop_unref (loop);
  return 0;
}
C
libdir=$(dirname "$(find "$dest" -name 'librelay-1.0.so' | head -n1)")
if cc $san_flags -Werror=incompatible-pointer-types -o "$dest/consumer" "$dest/consumer.c" $(pkg-config --cflags --libs relay-1.0) \
     -Wl,-rpath,"$libdir" && "$dest/consumer"; then
  echo "ok 3 - consumer builds with pkg-config and runs"
else
  echo "not ok 3 - consumer"
fi

printf '#include <relay/relay-promise.h>\nint main (void) { return 0; }\n' > "$dest/direct.c"
if cc -c -o "$dest/direct.o" "$dest/direct.c" $(pkg-config --cflags relay-1.0) 2>"$dest/direct.err" ; then
  echo "not ok 4 - including relay-promise.h directly compiled"
elif grep -q "Only <relay/relay.h> can be included directly" "$dest/direct.err"; then
  echo "ok 4 - including relay-promise.h directly is an #error"
else
  echo "not ok 4 - unexpected error: $(head -n3 "$dest/direct.err")"
fi
