#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What the programs and modules weigh on flash: stripped file size and `size` (text, data, bss) of each (the
# daemon's modules in src/daemon/modules, the transports in src/card/transports), then `size` of every object of
# the library the programs link and of each daemon module, largest first, so growth shows in docs/benchmarks.md. The linker keeps only what a program calls (-ffunction-sections, --gc-sections), so an
# object's share of a program can be below its own size. Run by `make bench`, or: top_builddir=... sh size-report.sh
set -eu

builddir=${top_builddir:-$(pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "## size of what is installed (stripped)"
echo "| file | stripped bytes | text | data | bss |"
echo "|---|---|---|---|---|"
cd "$builddir"
for file in src/daemon/euiccd src/cli/euiccctl src/daemon/modules/*.so src/card/transports/*.so; do
  [ -f "$file" ] || continue
  strip -o "$tmp/stripped" "$file"
  set -- $(size "$tmp/stripped" | sed -n 2p)
  printf '| %s | %s | %s | %s | %s |\n' "$file" "$(wc -c <"$tmp/stripped" | tr -d ' ')" "$1" "$2" "$3"
done
echo
echo "## objects of src/libeuiccd.a, largest first (\`size\`, bytes)"
echo "| object | text | data | bss |"
echo "|---|---|---|---|"
size src/libeuiccd.a | sed 1d | awk '{ printf "%d %d %d %s\n", $1, $2, $3, $6 }' | sort -rn |
  sed 's/ (ex [^)]*)$//' | awk '{ printf "| %s | %d | %d | %d |\n", $4, $1, $2, $3; t += $1; d += $2; b += $3 }
    END { printf "| total | %d | %d | %d |\n", t, d, b }'
for module in src/daemon/modules/*.so; do
  [ -f "$module" ] || continue
  # automake names a module's objects src/<layer>/daemon_modules_<name>_so-<source>.o
  prefix=daemon_modules_$(basename "$module" .so | tr -- '-' '_')_so-
  echo
  echo "## objects of $module, largest first (\`size\`, bytes)"
  echo "| object | text | data | bss |"
  echo "|---|---|---|---|"
  # shellcheck disable=SC2046 # one word per object
  size $(find src -name "$prefix*.o" | sort) | sed 1d | awk '{ printf "%d %d %d %s\n", $1, $2, $3, $6 }' | sort -rn |
    awk '{ n = split($4, path, "/"); printf "| %s | %d | %d | %d |\n", path[n], $1, $2, $3; t += $1; d += $2; b += $3 }
      END { printf "| total | %d | %d | %d |\n", t, d, b }'
done
