# SPDX-License-Identifier: Apache-2.0
"""Persistent card state: one JSON file, rewritten atomically (tmp + rename)
whenever the card changes it, and re-read when someone else rewrote it (so a
test can change a running card, for example its "faults" list)."""

import json
import os
import sys


class StateError(Exception):
    """The state file is missing, unreadable or lacks a required field."""


REQUIRED = ("eid", "profiles", "notifications", "eims", "pki")


class State:
    def __init__(self, path):
        self.path = path
        self.data = {}
        self._stamp = None
        self.reload()

    def _file_stamp(self):
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise StateError("state file %s: %s" % (self.path, exc.strerror))
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def reload(self):
        stamp = self._file_stamp()
        try:
            with open(self.path, "r", encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as exc:
            raise StateError("state file %s: cannot load: %s" % (self.path, exc))
        if not isinstance(data, dict):
            raise StateError("state file %s: top level is not an object" % self.path)
        for key in REQUIRED:
            if key not in data:
                raise StateError("state file %s: field %r missing" % (self.path, key))
        self.data = data
        self._stamp = stamp

    def refresh(self):
        """Re-read the file if it changed on disk since we last read or wrote it."""
        try:
            stamp = self._file_stamp()
        except StateError as exc:
            # Keep serving from memory; a test may be in the middle of replacing the file.
            print("softeuicc: %s" % exc, file=sys.stderr)
            return
        if stamp != self._stamp:
            try:
                self.reload()
            except StateError as exc:
                print("softeuicc: keeping the previous state: %s" % exc, file=sys.stderr)
                self._stamp = stamp

    def save(self):
        write_atomic(self.path, self.data)
        self._stamp = self._file_stamp()

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def get(self, key, default=None):
        return self.data.get(key, default)

    def setdefault(self, key, default):
        return self.data.setdefault(key, default)

    def pop(self, key, default=None):
        return self.data.pop(key, default)

    def next_seq(self):
        """Allocate the next notification / package-result sequence number."""
        seq = int(self.data.get("next_seq", 1))
        self.data["next_seq"] = seq + 1
        return seq


def write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
