# SPDX-License-Identifier: Apache-2.0
"""Profile state changes shared by the PSMOs and the ES10b switching functions
(rollback, immediate enable, fallback): find a profile, enable one (disabling the
profile enabled before), disable, delete.  Every change queues the signed
PendingNotification a real eUICC would create and, for a profile switch, asks the
card to signal a REFRESH (SW 91xx) at the end of the command."""

from . import ids
from .es10_notifications import add_notification

# PprIds (SGP.22): ppr1 = disabling not allowed, ppr2 = deletion not allowed.
PPR1_NO_DISABLE = 1
PPR2_NO_DELETE = 2


def find_by_ef(state, ef_iccid):
    """The state profile whose EF-ICCID coding equals ef_iccid (bytes), or None."""
    for p in state["profiles"]:
        if ids.iccid_to_ef(p["iccid"]) == bytes(ef_iccid):
            return p
    return None


def find_by_iccid(state, iccid):
    for p in state["profiles"]:
        if p["iccid"] == iccid:
            return p
    return None


def enabled_profile(state):
    for p in state["profiles"]:
        if p.get("state") == "enabled":
            return p
    return None


def fallback_profile(state):
    for p in state["profiles"]:
        if p.get("fallback_attribute", False):
            return p
    return None


def _notify(card, op, p):
    # The profile's own notification address when it has one, else the card's (init.py
    # --notification-address), else the default SM-DP+ (the test profiles carry no
    # NotificationConfigurationInfo of their own).
    address = (p.get("notification_address") or card.state.get("notification_address")
               or card.state.get("default_smdp") or "")
    add_notification(card.state, op, address, p["iccid"])


def disable(card, p, refresh=True):
    p["state"] = "disabled"
    _notify(card, "disable", p)
    if refresh:
        card.request_refresh()


def enable(card, target, refresh=True):
    """Enable target, disabling the profile enabled before; return that profile or None."""
    previous = enabled_profile(card.state)
    if previous is not None and previous is not target:
        previous["state"] = "disabled"
        _notify(card, "disable", previous)
    target["state"] = "enabled"
    _notify(card, "enable", target)
    if refresh:
        card.request_refresh()
    return previous


def delete(card, p):
    card.state["profiles"] = [x for x in card.state["profiles"] if x is not p]
    _notify(card, "delete", p)
