#!/bin/sh
# valgrind-wrap.sh: the exe_wrapper of the 'valgrind' test setup.
#
# Runs a compiled test program under memcheck with the arguments given after
# "--" on our own command line; shells and scripts (the install and export
# checks) run as they are, since memcheck would only report the shell's own
# allocations.
#
#   valgrind-wrap.sh VALGRIND [VALGRIND-OPTIONS...] -- PROGRAM [ARGS...]

valgrind=$1; shift
opts=
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  opts="$opts $1"; shift
done
shift    # --

program=$1
case "$(basename "$program")" in
  sh|dash|bash|python3*|gjs*) exec "$@" ;;
esac
if [ "$(head -c 4 "$program" 2>/dev/null | od -An -c | tr -d ' \n')" != '177ELF' ]; then
  exec "$@"
fi

# shellcheck disable=SC2086 # the options are words
exec "$valgrind" $opts "$@"
