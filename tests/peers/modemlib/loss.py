# SPDX-License-Identifier: Apache-2.0
"""What a module does to its host after a profile switch: the switches every fake modem shares.

  reset-on-refresh[:<ms>]  after an answer ending in 91xx (the card queued REFRESH after enable, disable,
                           rollback or fallback) the module runs the REFRESH itself: the card is reset, every
                           logical channel is gone (the modem forgets them too, so the next command on an old
                           channel fails as on a real module), and for <ms> (default 0) channel opens are
                           refused while the UIM re-initialises.
  vanish-on-refresh:<ms>   after such an answer the module leaves the bus: the pty is closed and the symlink
                           removed; <ms> later it comes back on a new pty (the symlink, if any, points to it),
                           with the card reset, as after a firmware reboot.
  vanish-on:<TAG>:<ms>     the first STORE DATA carrying ES10 request TAG (hex, e.g. BF51) is executed by the
                           card, then the module leaves the bus without answering, for <ms> (as above).
  silent-reset-after:<TAG> once the card has answered the first ES10 request TAG in full (its last piece, not
                           a 61xx), the module resets its UIM on its own, with no 91xx and no REFRESH the host
                           could see: the card is reset and every logical channel forgotten, so the next
                           command on the open channel gets the modem's answer for a channel it does not know.

The new pty path is printed on stdout, one line per reappearance, after the first.
"""

import time

LOSS_FAULTS = ("reset-on-refresh", "vanish-on-refresh", "vanish-on", "silent-reset-after")


def _ms(text, name):
    if text is None or text is True or not text.isdigit():
        raise ValueError("%s needs a delay in milliseconds" % name)
    return int(text)


class ModemLoss:
    def __init__(self, modem_faults):
        self.reset_on_refresh = False
        self.busy_ms = 0
        self.vanish_on_refresh_ms = None
        self.vanish_tag = None
        self.vanish_tag_ms = 0
        self.busy_until = 0.0
        self.vanish_pending = None  # (ms, answer_first) once decided
        self.silent_reset_tag = None
        self.silent_reset_armed = False  # the request arrived: reset once its answer is complete
        for fault in modem_faults:
            name, _, arg = fault.partition(":")
            if name == "reset-on-refresh":
                self.reset_on_refresh = True
                self.busy_ms = _ms(arg, name) if arg else 0
            elif name == "vanish-on-refresh":
                self.vanish_on_refresh_ms = _ms(arg, name)
            elif name == "silent-reset-after":
                if len(arg) < 2 or any(c not in "0123456789abcdefABCDEF" for c in arg):
                    raise ValueError("silent-reset-after needs an ES10 tag, e.g. silent-reset-after:BF51")
                self.silent_reset_tag = arg.upper()
            elif name == "vanish-on":
                tag, _, ms = arg.partition(":")
                if len(tag) < 2 or any(c not in "0123456789abcdefABCDEF" for c in tag):
                    raise ValueError("vanish-on needs an ES10 tag and a delay, e.g. vanish-on:BF51:500")
                self.vanish_tag = tag.upper()
                self.vanish_tag_ms = _ms(ms, name)

    def before_command(self, apdu):
        """The card is about to get this command APDU; decides a vanish-on that fires with it."""
        if len(apdu) < 6 or apdu[1] != 0xE2 or apdu[3] != 0:
            return
        if self.silent_reset_tag is not None and bytes(apdu[5:]).hex().upper().startswith(self.silent_reset_tag):
            self.silent_reset_armed = True
            self.silent_reset_tag = None  # once
        if self.vanish_tag is None:
            return
        if bytes(apdu[5:]).hex().upper().startswith(self.vanish_tag):
            self.vanish_pending = (self.vanish_tag_ms, False)
            self.vanish_tag = None  # once

    def after_response(self, response, card, forget_channels):
        """The card answered; a 91xx end runs the REFRESH switches. Returns True when the module goes."""
        if self.silent_reset_armed and len(response) >= 2 and response[-2] != 0x61:
            self.silent_reset_armed = False
            card.reset()
            forget_channels()
            return self.vanish_pending is not None
        if len(response) < 2 or response[-2] != 0x91:
            return self.vanish_pending is not None
        if self.vanish_on_refresh_ms is not None:
            self.vanish_pending = (self.vanish_on_refresh_ms, True)
            return True
        if self.reset_on_refresh:
            card.reset()
            forget_channels()
            self.busy_until = time.monotonic() + self.busy_ms / 1000.0
        return self.vanish_pending is not None

    def opens_refused(self):
        return time.monotonic() < self.busy_until

    def take_vanish(self):
        """(ms, answer_first) of a pending vanish, or None."""
        pending, self.vanish_pending = self.vanish_pending, None
        return pending
