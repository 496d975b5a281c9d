#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small fake ModemManager on a (private) system bus.

Serves what euiccd reads and calls of org.freedesktop.ModemManager1 (ModemManager 1.20's API):
  - /org/freedesktop/ModemManager1: org.freedesktop.DBus.ObjectManager GetManagedObjects with the
    InterfacesAdded / InterfacesRemoved signals; each modem has the Modem interface properties Device (the
    uid), Drivers, PrimaryPort, Ports a(su) (MMModemPortType: 6 QMI, 7 MBIM), Sim, SimSlots, PrimarySimSlot.
  - org.freedesktop.ModemManager1.InhibitDevice(uid, inhibit): as ModemManager does it, an inhibited modem is
    dropped (InterfacesRemoved) and probed again when the inhibition is lifted (InterfacesAdded, a new object
    path); an inhibition ends by itself when its caller leaves the bus.
And a test interface, org.euiccd.Test.FakeModemManager, on the same path:
  AddModem(port, protocol "qmi"|"mbim", uid, slot) -> object path; RemoveModem(uid); Events() -> as.
Events (also appended to --events FILE, one per line): "inhibit UID ICCID", "uninhibit UID ICCID",
"released UID" (the inhibitor left the bus), "reprobe UID" (the modem, SIM included, is probed again).
ICCID is the enabled profile in the software eUICC's --card-state file at that moment ("-" if none), so a
test sees which profile was enabled when euiccd inhibited and when it let go.

--odd error makes GetManagedObjects fail, as a ModemManager in a bad state may; --odd types gives the Modem
properties other types than ModemManager's (Ports as a list of strings, PrimaryPort and PrimarySimSlot swapped).
"""

import argparse
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

MM_NAME = "org.freedesktop.ModemManager1"
MM_PATH = "/org/freedesktop/ModemManager1"
MODEM_IFACE = "org.freedesktop.ModemManager1.Modem"
OM_IFACE = "org.freedesktop.DBus.ObjectManager"
TEST_IFACE = "org.euiccd.Test.FakeModemManager"
PORT_TYPE = {"qmi": 6, "mbim": 7}
DRIVER = {"qmi": "qmi_wwan", "mbim": "cdc_mbim"}


class FakeModemManager(dbus.service.Object):
    def __init__(self, bus, args):
        super().__init__(bus, MM_PATH)
        self.bus = bus
        self.args = args
        self.modems = {}        # uid -> dict(path, port, protocol, slot)
        self.inhibited = {}     # uid -> (modem, caller)
        self.next_index = 0
        self.events = []
        bus.add_signal_receiver(self._owner_changed, "NameOwnerChanged", "org.freedesktop.DBus",
                                "org.freedesktop.DBus", "/org/freedesktop/DBus")

    def _event(self, text):
        self.events.append(text)
        if self.args.events:
            with open(self.args.events, "a") as f:
                f.write(text + "\n")

    def _enabled_iccid(self):
        if not self.args.card_state:
            return "-"
        try:
            with open(self.args.card_state) as f:
                state = json.load(f)
        except (OSError, ValueError):
            return "?"
        for profile in state.get("profiles", []):
            if profile.get("state") == "enabled":
                return profile.get("iccid", "?")
        return "-"

    def _properties(self, modem):
        port = modem["port"]
        if self.args.odd == "types":
            return dbus.Dictionary({
                "Device": dbus.String(modem["uid"]),
                "Ports": dbus.Array([port], signature="s"),
                "PrimaryPort": dbus.UInt32(modem["slot"]),
                "PrimarySimSlot": dbus.String(port),
                "Drivers": dbus.String(DRIVER[modem["protocol"]]),
            }, signature="sv")
        return dbus.Dictionary({
            "Device": dbus.String(modem["uid"]),
            "Drivers": dbus.Array([DRIVER[modem["protocol"]], "option"], signature="s"),
            "Plugin": dbus.String("generic"),
            "PrimaryPort": dbus.String(port),
            "Ports": dbus.Array([dbus.Struct((port, dbus.UInt32(PORT_TYPE[modem["protocol"]])), signature="su"),
                                 dbus.Struct(("wwan0", dbus.UInt32(2)), signature="su")], signature="(su)"),
            "Sim": dbus.ObjectPath(MM_PATH + "/SIM/%d" % modem["index"]),
            "SimSlots": dbus.Array([dbus.ObjectPath(MM_PATH + "/SIM/%d" % modem["index"])], signature="o"),
            "PrimarySimSlot": dbus.UInt32(modem["slot"]),
        }, signature="sv")

    def _add(self, modem):
        modem["index"] = self.next_index
        modem["path"] = MM_PATH + "/Modem/%d" % self.next_index
        self.next_index += 1
        self.modems[modem["uid"]] = modem
        self.InterfacesAdded(dbus.ObjectPath(modem["path"]),
                             dbus.Dictionary({MODEM_IFACE: self._properties(modem)}, signature="sa{sv}"))
        return modem["path"]

    def _remove(self, uid):
        modem = self.modems.pop(uid)
        self.InterfacesRemoved(dbus.ObjectPath(modem["path"]), dbus.Array([MODEM_IFACE], signature="s"))
        return modem

    def _uninhibit(self, uid):
        modem, _ = self.inhibited.pop(uid)
        self._event("reprobe %s" % uid)
        self._add(modem)

    def _owner_changed(self, name, old, new):
        if new != "" or not name.startswith(":"):
            return
        for uid, (_, caller) in list(self.inhibited.items()):
            if caller == name:
                self._event("released %s" % uid)
                self._uninhibit(uid)

    # ---- org.freedesktop.DBus.ObjectManager

    @dbus.service.method(OM_IFACE, in_signature="", out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        if self.args.odd == "error":
            raise dbus.exceptions.DBusException("the fake is told to answer oddly",
                                                name="org.freedesktop.ModemManager1.Error.Core.Failed")
        return dbus.Dictionary({dbus.ObjectPath(m["path"]): {MODEM_IFACE: self._properties(m)}
                                for m in self.modems.values()}, signature="oa{sa{sv}}")

    @dbus.service.signal(OM_IFACE, signature="oa{sa{sv}}")
    def InterfacesAdded(self, path, interfaces):
        pass

    @dbus.service.signal(OM_IFACE, signature="oas")
    def InterfacesRemoved(self, path, interfaces):
        pass

    # ---- org.freedesktop.ModemManager1

    @dbus.service.method(MM_NAME, in_signature="sb", out_signature="", sender_keyword="sender")
    def InhibitDevice(self, uid, inhibit, sender=None):
        uid = str(uid)
        if inhibit:
            if uid in self.inhibited:
                raise dbus.exceptions.DBusException("Device already inhibited",
                                                    name="org.freedesktop.ModemManager1.Error.Core.InProgress")
            if uid not in self.modems:
                raise dbus.exceptions.DBusException("No device with uid '%s'" % uid,
                                                    name="org.freedesktop.ModemManager1.Error.Core.NotFound")
            self._event("inhibit %s %s" % (uid, self._enabled_iccid()))
            self.inhibited[uid] = (self._remove(uid), str(sender))
        else:
            if uid not in self.inhibited:
                raise dbus.exceptions.DBusException("Device not inhibited",
                                                    name="org.freedesktop.ModemManager1.Error.Core.NotFound")
            self._event("uninhibit %s %s" % (uid, self._enabled_iccid()))
            self._uninhibit(uid)

    @dbus.service.method("org.freedesktop.DBus.Properties", in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        if interface == MM_NAME and name == "Version":
            return dbus.String("1.20.4")
        raise dbus.exceptions.DBusException("no such property", name="org.freedesktop.DBus.Error.InvalidArgs")

    # ---- the test's controls

    @dbus.service.method(TEST_IFACE, in_signature="sssu", out_signature="o")
    def AddModem(self, port, protocol, uid, slot):
        if protocol not in PORT_TYPE:
            raise dbus.exceptions.DBusException("protocol must be qmi or mbim")
        if uid in self.modems:
            self._remove(uid)
        return dbus.ObjectPath(self._add({"port": str(port), "protocol": str(protocol), "uid": str(uid),
                                          "slot": int(slot)}))

    @dbus.service.method(TEST_IFACE, in_signature="s", out_signature="")
    def RemoveModem(self, uid):
        self._remove(str(uid))

    @dbus.service.method(TEST_IFACE, in_signature="", out_signature="as")
    def Events(self):
        return dbus.Array(self.events, signature="s")


def main():
    parser = argparse.ArgumentParser(description="Fake ModemManager on the system bus")
    parser.add_argument("--modem", action="append", default=[],
                        help="PORT,PROTOCOL,UID[,SLOT], a modem there from the start")
    parser.add_argument("--card-state", help="software eUICC state file, for the ICCIDs in the events")
    parser.add_argument("--events", help="append the events to this file")
    parser.add_argument("--odd", choices=("error", "types"), help="answer GetManagedObjects oddly")
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    manager = FakeModemManager(bus, args)
    for spec in args.modem:
        parts = spec.split(",")
        manager._add({"port": parts[0], "protocol": parts[1], "uid": parts[2],
                      "slot": int(parts[3]) if len(parts) > 3 else 0})
    # The name last: whoever sees it finds the modems there.
    _name = dbus.service.BusName(MM_NAME, bus, do_not_queue=True)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    sys.exit(main())
