# SPDX-License-Identifier: Apache-2.0
"""ES10 dispatch: one handler per request tag, registered by the area modules
(es10_info, es10_profiles, es10_notifications, es10_eim, ...)."""

import sys
import traceback

import pyder

HANDLERS = {}
# Commands that are not one complete TLV: the BPP segments of LoadBoundProfilePackage
# (SGP.22 2.5.5), handed over as raw bytes.
RAW_HANDLERS = {}


class Es10Status(Exception):
    """Answer the ES10 command with a bare status word instead of data."""

    def __init__(self, sw, why=""):
        super().__init__("%04X %s" % (sw, why))
        self.sw = sw


SW_SECURITY_STATUS = 0x6982
SW_WRONG_DATA = 0x6A80
SW_NOT_FOUND = 0x6A88
SW_NO_DIAGNOSIS = 0x6F00


def handles(tag):
    """Decorator: register fn(card, request_tlv) -> response DER for tag."""
    def register(fn):
        if tag in HANDLERS:
            raise RuntimeError("ES10 tag %X registered twice" % tag)
        HANDLERS[tag] = fn
        return fn
    return register


def handles_raw(*tags):
    """Decorator: register fn(card, raw_request) -> response bytes for commands starting
    with one of tags, whether or not they are a complete TLV."""
    def register(fn):
        for tag in tags:
            if tag in HANDLERS or tag in RAW_HANDLERS:
                raise RuntimeError("ES10 tag %X registered twice" % tag)
            RAW_HANDLERS[tag] = fn
        return fn
    return register


def dispatch(card, request):
    """Run one assembled ES10 request; return (response bytes, status word)."""
    raw_fn = RAW_HANDLERS.get(request_tag(request))
    if raw_fn is not None:
        return _run(raw_fn, card, request)
    try:
        req = pyder.decode(request)
    except pyder.DerError:
        return b"", SW_WRONG_DATA
    fn = HANDLERS.get(req.tag)
    if fn is None:
        # A real eUICC answers an unknown ES10 tag with "referenced data not found".
        return b"", SW_NOT_FOUND
    return _run(fn, card, req)


def _run(fn, card, req):
    try:
        return fn(card, req), 0x9000
    except Es10Status as st:
        return b"", st.sw
    except pyder.DerError:
        return b"", SW_WRONG_DATA
    except Exception:                       # noqa: BLE001 - a card never dies on input
        # A real card answers "no precise diagnosis"; the traceback helps the test author.
        traceback.print_exc(file=sys.stderr)
        return b"", SW_NO_DIAGNOSIS


def request_tag(request):
    """Tag of an ES10 request, or None when it does not even start with a tag."""
    try:
        tag, _ = pyder.read_tag(request, 0)
        return tag
    except pyder.DerError:
        return None
