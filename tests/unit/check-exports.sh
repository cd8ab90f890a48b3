#!/bin/sh
# The shared library exports relay_* symbols and nothing else.
set -eu
lib=$1
nm -D --defined-only "$lib" > exports.txt.$$
total=$(wc -l < exports.txt.$$)
others=$(awk '$3 !~ /^relay_/ { print $3 }' exports.txt.$$)
rm -f exports.txt.$$
echo "1..2"
if [ "$total" -gt 50 ]; then echo "ok 1 - $total exported symbols"; else echo "not ok 1 - only $total exported symbols"; fi
if [ -z "$others" ]; then echo "ok 2 - every exported symbol starts with relay_"; else echo "not ok 2 - exported: $others"; fi
