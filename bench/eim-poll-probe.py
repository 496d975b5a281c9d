#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Measurement side of bench-eim-poll.sh: snapshots of cumulative counters, and the table of what each poll
cost, computed as the difference between consecutive snapshots.

    eim-poll-probe.py snapshot --out SAMPLES --label LABEL [--pid PID] [--meter METER_JSON]
                               [--admin URL] [--log DAEMON_LOG]
    eim-poll-probe.py wait-quiet --meter METER_JSON [--timeout S]
    eim-poll-probe.py report SAMPLES [--json FILE]
    eim-poll-probe.py maps --pid PID

A snapshot appends one JSON line to SAMPLES: the daemon's CPU time (utime + stime of /proc/PID/stat, which
includes threads that have ended), VmRSS and VmHWM, Pss and private clean/dirty (smaps_rollup), its context switches summed over its threads (wake-ups),
the relay's raw TCP byte and connection counts (tests/peers/tcp-meter.py), the test eIM's connection, TLS
handshake and request counts (/admin/stats), and the last `poll cost:` line of the daemon's log. A label of
"-" marks a baseline that is not reported. `report` prints, per label, the median of each figure over every
sample with that label (the mean for CPU time, which the kernel counts in clock ticks), and the number of
samples."""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
ROLLUP = {"Pss": "pss_kb", "Private_Clean": "private_clean_kb", "Private_Dirty": "private_dirty_kb"}
COST_RE = re.compile(r"poll cost: (.*)$")
POLL_END_RE = re.compile(r"Poll (finished|failed)")


def proc_figures(pid):
    """CPU ms, RSS and peak RSS in kB, threads and context switches of a live process; zeros without one."""
    out = {"pid": pid, "cpu_ms": 0.0, "rss_kb": 0, "hwm_kb": 0, "threads": 0, "ctxsw": 0, "pss_kb": 0,
           "private_clean_kb": 0, "private_dirty_kb": 0}
    if not pid:
        return out
    with open("/proc/%d/stat" % pid) as f:
        # The command name may hold spaces: fields are counted after its closing parenthesis.
        fields = f.read().rsplit(")", 1)[1].split()
    out["cpu_ms"] = (int(fields[11]) + int(fields[12])) * 1000.0 / CLK_TCK
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == "VmRSS":
                out["rss_kb"] = int(value.split()[0])
            elif key == "VmHWM":
                out["hwm_kb"] = int(value.split()[0])
            elif key == "Threads":
                out["threads"] = int(value)
    # How integrators judge memory: Pss shares a library's pages among the processes mapping it; private
    # pages are the process's own (dirty ones cannot be dropped under pressure).
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ROLLUP and value.strip().endswith("kB"):
                out[ROLLUP[key]] = int(value.split()[0])
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, task)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        out["ctxsw"] += int(line.split(":")[1])
        except FileNotFoundError:
            pass  # a thread that ended between listdir and open
    return out


def meter_figures(path):
    if not path:
        return {}
    with open(path) as f:
        m = json.load(f)
    out = {"wire_up": m["bytes_up"], "wire_down": m["bytes_down"], "tcp_connections": m["connections"],
           "tcp_active": m["active"], "tcp_failed": m["failed"]}
    frames = m.get("frames")
    if frames is not None:
        out.update({"frames_up": frames["up"], "frames_down": frames["down"],
                    "frame_bytes_up": frames["frame_bytes_up"], "frame_bytes_down": frames["frame_bytes_down"],
                    "frame_payload_up": frames["payload_up"], "frame_payload_down": frames["payload_down"],
                    "frame_drops": frames["drops"], "frames_last": frames["last"]})
    return out


def eim_figures(admin):
    if not admin:
        return {}
    with urllib.request.urlopen(admin.rstrip("/") + "/admin/stats", timeout=30) as r:
        s = json.loads(r.read().decode())
    return {"eim_connections": s["connections"], "tls_full": s["handshakes_full"],
            "tls_resumed": s["handshakes_resumed"], "tls_failed": s["handshake_failures"],
            "eim_requests": s["requests"]}


def log_figures(path):
    """The last `poll cost:` line (key=value integers) and how many polls have ended."""
    if not path:
        return {}
    cost = {}
    ends = 0
    with open(path, errors="replace") as f:
        for line in f:
            m = COST_RE.search(line)
            if m:
                cost = {k: int(v) for k, v in (kv.split("=", 1) for kv in m.group(1).split())}
            if POLL_END_RE.search(line):
                ends += 1
    return {"cost": cost, "polls_ended": ends}


def cmd_snapshot(a):
    sample = {"label": a.label, "time": time.time()}
    sample.update(proc_figures(a.pid))
    sample.update(meter_figures(a.meter))
    sample.update(eim_figures(a.admin))
    sample.update(log_figures(a.log))
    with open(a.out, "a") as f:
        f.write(json.dumps(sample, sort_keys=True) + "\n")
    return 0


def cmd_wait_quiet(a):
    """Waits until the relay has no open connection: the daemon closed it and every byte was counted."""
    deadline = time.monotonic() + a.timeout
    while True:
        m = meter_figures(a.meter)
        # With frame capture, also until the last segment (the ACK of the relay's FIN) is 0.3 s old.
        if m["tcp_active"] == 0 and time.time() - m.get("frames_last", 0.0) > 0.3:
            return 0
        if time.monotonic() > deadline:
            print("eim-poll-probe: %d connection(s) still open at the meter after %.0f s"
                  % (m["tcp_active"], a.timeout), file=sys.stderr)
            return 1
        time.sleep(0.02)


COUNTERS = ("wire_up", "wire_down", "tcp_connections", "eim_connections", "tls_full", "tls_resumed",
            "eim_requests", "ctxsw", "frames_up", "frames_down", "frame_bytes_up", "frame_bytes_down",
            "frame_payload_up", "frame_payload_down", "frame_drops")


def deltas(samples):
    """Per labelled sample: counter differences to the sample before it (CPU and wake-ups start again at a
    new process)."""
    rows = []
    for prev, cur in zip(samples, samples[1:]):
        if cur["label"] == "-":
            continue
        same = prev.get("pid") == cur.get("pid") and cur.get("pid")
        row = {"label": cur["label"]}
        for k in COUNTERS:
            if k == "ctxsw" and not same:
                row[k] = cur.get(k, 0)
            else:
                row[k] = cur.get(k, 0) - prev.get(k, 0)
        row["cpu_ms"] = cur["cpu_ms"] - (prev["cpu_ms"] if same else 0.0)
        # Frames count only when captured with nothing dropped. The segments' payload is what the relay relayed
        # plus what TCP sent again (retransmissions, e.g. tail loss probes on a loaded machine): real bytes too.
        row["frames_captured"] = ("frames_up" in cur and "frames_up" in prev and row["frame_drops"] == 0
                                  and row["frame_payload_up"] >= row["wire_up"]
                                  and row["frame_payload_down"] >= row["wire_down"])
        row["retransmitted_up"] = row["frame_payload_up"] - row["wire_up"]
        row["retransmitted_down"] = row["frame_payload_down"] - row["wire_down"]
        row["rss_kb"] = cur["rss_kb"]
        row["hwm_kb"] = cur["hwm_kb"]
        for k in ROLLUP.values():
            row[k] = cur.get(k, 0)
        row["threads"] = cur["threads"]
        row["polls"] = cur.get("polls_ended", 0) - (prev.get("polls_ended", 0) if same else 0)
        cost = cur.get("cost", {}) if row["polls"] > 0 else {}
        row["apdus"] = cost.get("apdus")
        row["channel_opens"] = cost.get("channel_opens")
        row["http_requests"] = cost.get("http_requests")
        row["http_sent"] = cost.get("bytes_sent")
        row["http_received"] = cost.get("bytes_received")
        rows.append(row)
    return rows


def median(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    m = statistics.median(values)
    return int(m) if float(m).is_integer() else round(m, 1)


COLUMNS = [
    ("n", "samples"),
    ("apdus", "APDUs"),
    ("http_requests", "HTTP requests"),
    ("tcp_connections", "TCP connections"),
    ("tls", "TLS full/resumed"),
    ("wire_up", "TCP payload up B"),
    ("wire_down", "TCP payload down B"),
    ("wire_total", "TCP payload total B"),
    ("frames", "frames up/down"),
    ("frame_bytes", "frame B up/down"),
    ("retransmitted", "resent B up/down"),
    ("http", "HTTP up/down B"),
    ("cpu_ms", "CPU ms (mean)"),
    ("ctxsw", "wake-ups"),
]

MEMORY_COLUMNS = [
    ("n", "samples"),
    ("rss_kb", "RSS kB"),
    ("hwm_kb", "peak RSS (VmHWM) kB"),
    ("pss_kb", "PSS kB"),
    ("private_clean_kb", "private clean kB"),
    ("private_dirty_kb", "private dirty kB"),
]


def summarise(rows):
    order = []
    groups = {}
    for row in rows:
        if row["label"] not in groups:
            order.append(row["label"])
            groups[row["label"]] = []
        groups[row["label"]].append(row)
    table = []
    for label in order:
        g = groups[label]
        med = {k: median([r[k] for r in g]) for k in g[0] if k != "label"}
        med["wire_total"] = median([r["wire_up"] + r["wire_down"] for r in g])
        # CPU time counts in clock ticks (10 ms at 100 Hz): the mean over many polls resolves finer.
        med["cpu_ms"] = round(statistics.mean(r["cpu_ms"] for r in g), 1)
        cell = dict(med)
        cell["n"] = len(g)
        cell["tls"] = "%s/%s" % (med["tls_full"], med["tls_resumed"])
        cell["http"] = "-" if med["http_sent"] is None else "%s/%s" % (med["http_sent"], med["http_received"])
        captured = all(r.get("frames_captured") for r in g)
        cell["frames"] = "%s/%s" % (med["frames_up"], med["frames_down"]) if captured else "-"
        cell["frame_bytes"] = "%s/%s" % (med["frame_bytes_up"], med["frame_bytes_down"]) if captured else "-"
        cell["retransmitted"] = ("%s/%s" % (med["retransmitted_up"], med["retransmitted_down"]) if captured
                                 else "-")
        for k in ("apdus", "http_requests"):
            if cell[k] is None:
                cell[k] = "-"
        table.append((label, cell))
    return table


def cmd_report(a):
    with open(a.samples) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    rows = deltas(samples)
    if not rows:
        print("eim-poll-probe: no samples in %s" % a.samples, file=sys.stderr)
        return 1
    table = summarise(rows)
    for title, columns in ((None, COLUMNS), ("## memory after each step (median; /proc/PID/status, "
                                             "/proc/PID/smaps_rollup)", MEMORY_COLUMNS)):
        if title is not None:
            print()
            print(title)
        head = ["what (median)"] + [name for _, name in columns]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for label, cell in table:
            print("| " + " | ".join([label] + [str(cell[k]) for k, _ in columns]) + " |")
    peak = max(rows, key=lambda r: r["hwm_kb"])
    print()
    print("peak RSS %d kB; at the end: PSS %d kB, private clean %d kB, private dirty %d kB" % (
        peak["hwm_kb"], rows[-1]["pss_kb"], rows[-1]["private_clean_kb"], rows[-1]["private_dirty_kb"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "table": table}, f, indent=1, sort_keys=True)
    return 0


def ldd_closure(path):
    """Paths of the shared libraries a binary or library loads, by ldd."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True, check=False).stdout
    libs = set()
    for line in out.splitlines():
        m = re.search(r"=> (/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.add(os.path.realpath(m.group(1)))
    return libs


def cmd_maps(a):
    """Resident memory of a live process by what brought each page in: anonymous memory, the program, and per
    library the program names (DT_NEEDED) or loads as a module (dlopen: the transport modules) the libraries
    only it pulls in; what several share stays apart. Rss, Pss and private dirty kB per group."""
    exe = os.path.realpath("/proc/%d/exe" % a.pid)
    fields = ("Rss", "Pss", "Private_Dirty")
    usage = {}
    current = None
    with open("/proc/%d/smaps" % a.pid) as f:
        for line in f:
            first = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                current = first[5] if len(first) > 5 and first[5].startswith("/") else "[anon]"
                if current.startswith("/"):
                    current = os.path.realpath(current)
            elif first and first[0].rstrip(":") in fields:
                u = usage.setdefault(current, dict.fromkeys(fields, 0))
                u[first[0].rstrip(":")] += int(first[1])
    whole = {}
    for line in subprocess.run(["ldd", exe], capture_output=True, text=True, check=False).stdout.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if m:
            whole[m.group(1)] = os.path.realpath(m.group(2))
    elf = subprocess.run(["readelf", "-d", exe], capture_output=True, text=True, check=False).stdout
    roots = {n: whole[n] for n in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", elf) if n in whole}
    linked = set(whole.values())
    # Shared objects the program does not link: loaded with dlopen, each the root of what it pulls in.
    loaded = {path for path in usage if path.startswith("/") and ".so" in os.path.basename(path)
              and path not in linked}
    pulled = set().union(*(ldd_closure(path) for path in loaded)) if loaded else set()
    for path in sorted(loaded - pulled):
        roots[os.path.basename(path) + " (module)"] = path
    closures = {n: ldd_closure(p) | {p} for n, p in roots.items()}
    owner = {}
    for lib in set().union(*closures.values()) if closures else set():
        holders = [n for n, c in closures.items() if lib in c]
        owner[lib] = holders[0] if len(holders) == 1 else "shared by several"
    groups = {}
    for path, u in usage.items():
        if path == exe:
            group = "the euiccd program"
        elif path.startswith("/") and path in owner:
            group = owner[path]
        elif path.startswith("/") and os.path.basename(path).startswith(("libc.so", "ld-linux", "libm.so")):
            group = "shared by several"
        elif path.startswith("/"):
            group = "other files (locale, caches)"
        else:
            group = "anonymous (heap, stacks)"
        g = groups.setdefault(group, {"files": {}, **dict.fromkeys(fields, 0)})
        for k in fields:
            g[k] += u[k]
        if path.startswith("/"):
            g["files"][os.path.basename(path)] = u["Rss"]
    total = {k: sum(u[k] for u in usage.values()) for k in fields}
    print("| resident pages brought in by | RSS kB | share | PSS kB | private dirty kB | largest (RSS kB) |")
    print("|---|---|---|---|---|---|")
    for group, g in sorted(groups.items(), key=lambda x: -x[1]["Rss"]):
        top = sorted(g["files"].items(), key=lambda x: -x[1])[:5]
        extra = len(g["files"])
        print("| %s%s | %d | %.0f %% | %d | %d | %s |" % (
            group, " (%d files)" % extra if extra > 1 else "", g["Rss"], 100.0 * g["Rss"] / max(total["Rss"], 1),
            g["Pss"], g["Private_Dirty"], ", ".join("%s %d" % kv for kv in top if kv[1] > 0)))
    print("| total | %d | | %d | %d | |" % (total["Rss"], total["Pss"], total["Private_Dirty"]))
    rollup = {}
    with open("/proc/%d/smaps_rollup" % a.pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                rollup[key] = int(value.split()[0])
    # Clean file pages are shared with every other process mapping the same library; PSS divides them.
    print()
    print("Rss %d kB = shared clean %d + private clean %d + shared dirty %d + private dirty %d kB; Pss %d kB "
          "(shared pages divided among the processes mapping them on this machine)" % (
              rollup.get("Rss", 0), rollup.get("Shared_Clean", 0), rollup.get("Private_Clean", 0),
              rollup.get("Shared_Dirty", 0), rollup.get("Private_Dirty", 0), rollup.get("Pss", 0)))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("snapshot")
    p.add_argument("--out", required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--pid", type=int, default=0)
    p.add_argument("--meter")
    p.add_argument("--admin")
    p.add_argument("--log")
    p = sub.add_parser("wait-quiet")
    p.add_argument("--meter", required=True)
    p.add_argument("--timeout", type=float, default=10.0)
    p = sub.add_parser("maps")
    p.add_argument("--pid", type=int, required=True)
    p = sub.add_parser("report")
    p.add_argument("samples")
    p.add_argument("--json", help="also write every row and the table as JSON")
    a = ap.parse_args(argv)
    return {"snapshot": cmd_snapshot, "wait-quiet": cmd_wait_quiet, "report": cmd_report,
            "maps": cmd_maps}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
