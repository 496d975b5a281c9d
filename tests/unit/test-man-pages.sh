#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The manual pages render without a single groff warning, and they keep up with the code: every key of the
# shipped data/euiccd.conf is documented in euiccd.conf(5) in its own group with the same default, every
# option `euiccd --help-all` prints is in euiccd(8), and every command `euiccctl --help` lists, with every option
# `euiccctl COMMAND --help` prints, is in euiccctl(1). The programs' real --help output is the reference, so a new
# option without documentation fails here.
set -eu

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$(pwd)}
PY=${PYTHON3:-/usr/bin/python3}
euiccd=$builddir/src/daemon/euiccd
euiccctl=$builddir/src/cli/euiccctl
pages="euiccd.8 euiccd.conf.5 euiccctl.1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

command -v groff >/dev/null 2>&1 || { echo "SKIP: groff is not installed (Debian: groff-base)"; exit 77; }
[ -x "$euiccd" ] || fail "$euiccd is not built"
[ -x "$euiccctl" ] || fail "$euiccctl is not built"

LC_ALL=C.UTF-8
export LC_ALL

# 1. Rendering: groff with every warning enabled must say nothing; man -l must render the page too.
for page in $pages; do
  file=$srcdir/data/$page
  [ -f "$file" ] || fail "data/$page is missing"
  head -n 1 "$file" | grep -q 'SPDX-License-Identifier: Apache-2.0' || fail "data/$page: no SPDX line first"
  groff -man -Tutf8 -ww -z "$file" >"$work/groff.err" 2>&1 || fail "data/$page: groff exited $?"
  if [ -s "$work/groff.err" ]; then
    cat "$work/groff.err" >&2
    fail "data/$page: groff warnings"
  fi
  if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man --warnings=w -l "$file" >"$work/man.out" 2>"$work/man.err" || fail "data/$page: man -l exited $?"
    if [ -s "$work/man.err" ]; then
      cat "$work/man.err" >&2
      fail "data/$page: man -l warnings"
    fi
    grep -q '^NAME' "$work/man.out" || fail "data/$page: man -l rendered no NAME section"
  fi
  # Plain text for the checks below: wide lines so that no term is broken, no overstriking.
  groff -man -Tascii -P-cbou -rLL=250n "$file" >"$work/$page.txt" 2>/dev/null
done

# 2. The programs' own word on their options and commands.
"$euiccd" --help-all >"$work/euiccd.help" 2>&1 || fail "euiccd --help-all exited $?"
"$euiccctl" --help >"$work/euiccctl.help" 2>&1 || fail "euiccctl --help exited $?"
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' "$work/euiccctl.help")
[ -n "$commands" ] || { cat "$work/euiccctl.help" >&2; fail "euiccctl --help lists no command"; }
for command in $commands; do
  "$euiccctl" "$command" --help >"$work/command-$command.help" 2>&1 \
    || fail "euiccctl $command --help exited $?"
done

# 3. The cross-checks.
"$PY" - "$work" "$srcdir/data/euiccd.conf" $commands <<'PYEOF'
import re
import sys

work, conf_path, commands = sys.argv[1], sys.argv[2], sys.argv[3:]
problems = []


def read(name):
    with open(f"{work}/{name}", encoding="utf-8", errors="replace") as f:
        # groff may use Unicode hyphens or minus signs even in -Tascii fallbacks; compare on ASCII.
        return f.read().replace("\u2010", "-").replace("\u2212", "-")


def sections(text):
    """Top-level sections of a rendered page: heading (a line at column 0) -> its lines."""
    result, current = {}, None
    for line in text.splitlines():
        if line and not line[0].isspace():
            current = line.strip()
            result.setdefault(current, [])
        elif current is not None:
            result[current].append(line)
    return result


def indent(line):
    return len(line) - len(line.lstrip(" "))


def help_options(text):
    """(short or None, long) for every option line of a GOption --help output."""
    found = []
    for line in text.splitlines():
        m = re.match(r"^\s+(?:(-[A-Za-z0-9]),\s+)?(--[A-Za-z0-9][A-Za-z0-9-]*)", line)
        if m:
            found.append((m.group(1), m.group(2)))
    return found


def word_in(option, line):
    return re.search(r"(?<![A-Za-z0-9-])" + re.escape(option) + r"(?![A-Za-z0-9-])", line) is not None


def tag_lines(lines, option):
    """Lines that start (after indentation) with a term naming the option: the .TP tags."""
    return [l for l in lines if l.strip().startswith("-") and word_in(option, l.strip().split("  ")[0])]


# ---- euiccd.conf(5) against the shipped data/euiccd.conf: every key in its group, with the same default ----
conf_page = sections(read("euiccd.conf.5.txt"))
shipped = []  # (group, key, default)
group = None
with open(conf_path, encoding="utf-8") as f:
    for number, line in enumerate(f, 1):
        line = line.rstrip("\n")
        m = re.match(r"^\[([A-Za-z][A-Za-z0-9]*)\]$", line)
        if m:
            group = m.group(1)
            continue
        m = re.match(r"^#([A-Z][A-Za-z0-9]*)=(.*)$", line)
        if m:
            if group is None:
                problems.append(f"data/euiccd.conf:{number}: key {m.group(1)} before any group")
                continue
            shipped.append((group, m.group(1), m.group(2)))
if len(shipped) < 10:
    problems.append(f"data/euiccd.conf: only {len(shipped)} keys found; the parser above is wrong")

documented = {}  # (group, key) -> default as the page's tag shows it
for heading, lines in conf_page.items():
    m = re.match(r"^\[([A-Za-z][A-Za-z0-9]*)\]$", heading)
    if not m:
        continue
    for line in lines:
        if indent(line) != 7:
            continue
        # A short tag shares its line with the start of the description: "Slot=1 The SIM slot ...".
        t = re.match(r"^([A-Z][A-Za-z0-9]*)=(\S*)(?:\s|$)", line.strip())
        if t:
            documented[(m.group(1), t.group(1))] = t.group(2)

for group, key, default in shipped:
    if (group, key) not in documented:
        problems.append(f"euiccd.conf(5): [{group}] {key} is in data/euiccd.conf but not documented in "
                        f"the page's [{group}] section")
    elif documented[(group, key)] != default:
        problems.append(f"euiccd.conf(5): [{group}] {key}: the page says the default is "
                        f"'{documented[(group, key)]}', data/euiccd.conf ships '{default}'")
for group, key in documented:
    if (group, key) not in {(g, k) for g, k, _ in shipped}:
        problems.append(f"euiccd.conf(5): documents [{group}] {key}, which data/euiccd.conf does not ship")

# ---- euiccd(8) against euiccd --help-all: every option in OPTIONS, short and long form together ----
daemon_page = sections(read("euiccd.8.txt"))
daemon_options = help_options(read("euiccd.help"))
if not any(long == "--check-config" for _, long in daemon_options):
    problems.append("euiccd --help-all: no --check-config in its output; the option parser above is wrong")
for short, long in daemon_options:
    tags = tag_lines(daemon_page.get("OPTIONS", []), long)
    if not tags:
        problems.append(f"euiccd(8): option {long} (from euiccd --help-all) is not described under OPTIONS")
    elif short is not None and not any(word_in(short, t) for t in tags):
        problems.append(f"euiccd(8): option {long} is described without its short form {short}")

# ---- euiccctl(1) against euiccctl --help and euiccctl COMMAND --help ----
ctl_page = sections(read("euiccctl.1.txt"))
command_lines = ctl_page.get("COMMANDS", [])
general = ctl_page.get("OPTIONS", [])
for command in commands:
    start = None
    for i, line in enumerate(command_lines):
        if indent(line) == 7 and re.match(re.escape(command) + r"(\s|$)", line.strip()):
            start = i
            break
    if start is None:
        problems.append(f"euiccctl(1): command '{command}' (from euiccctl --help) is not described under COMMANDS")
        continue
    block = [command_lines[start]]
    for line in command_lines[start + 1:]:
        if line.strip() and indent(line) <= 7:
            break
        block.append(line)
    for short, long in help_options(read(f"command-{command}.help")):
        tags = tag_lines(block[1:], long) or tag_lines(general, long)
        if not tags:
            problems.append(f"euiccctl(1): option {long} of '{command}' (from euiccctl {command} --help) is "
                            f"described neither under the command nor under OPTIONS")
        elif short is not None and not any(word_in(short, t) for t in tags):
            problems.append(f"euiccctl(1): option {long} of '{command}' is described without its short form {short}")

for problem in problems:
    print("FAIL:", problem, file=sys.stderr)
print(f"checked {len(shipped)} configuration keys, {len(daemon_options)} euiccd options, "
      f"{len(commands)} euiccctl commands")
sys.exit(1 if problems else 0)
PYEOF
echo "PASS: man pages render cleanly and document every key, option and command"
