# SPDX-License-Identifier: Apache-2.0
"""ES10b profile switching outside eUICC packages (SGP.32 v1.2 5.9.15-5.9.24):
ProfileRollback (BF58), ConfigureImmediateProfileEnabling (BF59), ImmediateEnable
(BF5A), EnableEmergencyProfile / DisableEmergencyProfile (BF5B / BF5C: the profile
marked "emergency": true in the state, if any), ExecuteFallbackMechanism (BF5D),
ReturnFromFallback (BF5E),
GetConnectivityParameters (BF5F) and SetDefaultDpAddress (BF65).

State kept for them:
  rollback          set by an enable PSMO with rollbackFlag (psmo.py), cleared by the
                    next package that verifies or by the rollback itself
  fallback          {"from": ICCID or null} while the fallback profile is in use
  emergency         {"from": ICCID or null} while the emergency profile is in use
  immediate_enable  {"flag", "smdp_oid"?, "smdp_address"?}
  last_installed    ICCID of a freshly installed profile ImmediateEnable may enable
  connectivity_params (per profile, hex) what GetConnectivityParameters returns
"""

import pyder
from pyder import tlv, enc_integer

from . import profile_ops as ops
from .es10 import handles
from .es10_notifications import make_package_result

OK = 0
UNDEFINED_ERROR = 127

# ProfileRollbackResponse.cmdResult
ROLLBACK_NOT_ALLOWED = 1
# ImmediateEnableResponse
IMMEDIATE_ENABLE_NOT_AVAILABLE = 1
NO_SESSION_CONTEXT = 4
# ConfigureImmediateProfileEnablingResponse
ASSOCIATED_EIM_ALREADY_EXISTS = 2
# Execute/ReturnFromFallback, emergency profile
PROFILE_NOT_IN_DISABLED_STATE = 2
PROFILE_NOT_IN_ENABLED_STATE = 2
FALLBACK_NOT_AVAILABLE = 6
COMMAND_ERROR = 7
ECALL_NOT_AVAILABLE = 8
# GetConnectivityParametersResponse.connectivityParametersError
PARAMETERS_NOT_AVAILABLE = 1


def refresh_flag(req):
    """The refreshFlag BOOLEAN [0] (automatic tag 80) every switching request carries."""
    return pyder.dec_bool(req.req(0x80).value, "refreshFlag")


def answer(tag, code):
    return tlv(tag, enc_integer(code, tag=0x80))


@handles(0xBF58)
def profile_rollback(card, req):
    refresh = refresh_flag(req)
    st = card.state
    rb = st.get("rollback")
    if rb is None:
        return tlv(0xBF58, enc_integer(ROLLBACK_NOT_ALLOWED))
    previous = ops.find_by_iccid(st, rb.get("previous"))
    current = ops.find_by_iccid(st, rb.get("enabled"))
    if previous is None or current is None or current.get("state") != "enabled":
        # The switch was undone some other way since: nothing to roll back.
        st.pop("rollback", None)
        st.save()
        return tlv(0xBF58, enc_integer(ROLLBACK_NOT_ALLOWED))
    ops.enable(card, previous, refresh=refresh)
    st.pop("rollback", None)
    # The eIM never saw the result of the package that switched: report the PSMOs run
    # before the enable, then the rollback, as a new signed package result.
    results = [bytes.fromhex(r) for r in rb.get("results", [])]
    results.append(enc_integer(OK, tag=0x8C))                   # rollbackResult
    txid = bytes.fromhex(rb["eimTransactionId"]) if rb.get("eimTransactionId") else None
    _, der = make_package_result(st, rb["eimId"], rb["counterValue"], results, txid)
    st.save()
    return tlv(0xBF58, [enc_integer(OK), der])


@handles(0xBF59)
def configure_immediate_profile_enabling(card, req):
    st = card.state
    # With an eIM associated only its configureImmediateEnable PSMO may change this.
    if st["eims"]:
        return answer(0xBF59, ASSOCIATED_EIM_ALREADY_EXISTS)
    conf = {"flag": req.find(0x80) is not None}
    oid = req.find(0x81)
    if oid is not None:
        conf["smdp_oid"] = pyder.dec_oid(oid.value, "defaultSmdpOid")
    addr = req.find(0x82)
    if addr is not None:
        conf["smdp_address"] = addr.str()
    st["immediate_enable"] = conf
    st.save()
    return answer(0xBF59, OK)


@handles(0xBF5A)
def immediate_enable(card, req):
    refresh = refresh_flag(req)
    st = card.state
    if not (st.get("immediate_enable") or {}).get("flag"):
        return answer(0xBF5A, IMMEDIATE_ENABLE_NOT_AVAILABLE)
    p = ops.find_by_iccid(st, st.get("last_installed"))
    if p is None or p.get("state") == "enabled":
        return answer(0xBF5A, NO_SESSION_CONTEXT)
    ops.enable(card, p, refresh=refresh)
    st.pop("last_installed", None)
    st.pop("fallback", None)
    st.save()
    return answer(0xBF5A, OK)


def _emergency_profile(st):
    return next((p for p in st["profiles"] if p.get("emergency", False)), None)


@handles(0xBF5B)
def enable_emergency_profile(card, req):
    refresh = refresh_flag(req)
    st = card.state
    em = _emergency_profile(st)
    if em is None:
        return answer(0xBF5B, ECALL_NOT_AVAILABLE)
    if em.get("state") == "enabled":
        return answer(0xBF5B, PROFILE_NOT_IN_DISABLED_STATE)
    previous = ops.enable(card, em, refresh=refresh)
    st["emergency"] = {"from": previous["iccid"] if previous is not None else None}
    st.save()
    return answer(0xBF5B, OK)


@handles(0xBF5C)
def disable_emergency_profile(card, req):
    refresh = refresh_flag(req)
    st = card.state
    em = _emergency_profile(st)
    if em is None or em.get("state") != "enabled":
        return answer(0xBF5C, PROFILE_NOT_IN_ENABLED_STATE)
    back = ops.find_by_iccid(st, (st.get("emergency") or {}).get("from"))
    if back is not None:
        ops.enable(card, back, refresh=refresh)
    else:
        ops.disable(card, em, refresh=refresh)
    st.pop("emergency", None)
    st.save()
    return answer(0xBF5C, OK)


@handles(0xBF5D)
def execute_fallback_mechanism(card, req):
    refresh = refresh_flag(req)
    st = card.state
    fb = ops.fallback_profile(st)
    if fb is None:
        return answer(0xBF5D, FALLBACK_NOT_AVAILABLE)
    if fb.get("state") == "enabled":
        return answer(0xBF5D, PROFILE_NOT_IN_DISABLED_STATE)
    previous = ops.enable(card, fb, refresh=refresh)
    st["fallback"] = {"from": previous["iccid"] if previous is not None else None}
    st.save()
    return answer(0xBF5D, OK)


@handles(0xBF5E)
def return_from_fallback(card, req):
    refresh = refresh_flag(req)
    st = card.state
    fb = ops.fallback_profile(st)
    if fb is None:
        return answer(0xBF5E, FALLBACK_NOT_AVAILABLE)
    rec = st.get("fallback")
    if rec is None or fb.get("state") != "enabled":
        return answer(0xBF5E, COMMAND_ERROR)              # no fallback in progress
    back = ops.find_by_iccid(st, rec.get("from"))
    if back is not None:
        ops.enable(card, back, refresh=refresh)
    else:
        ops.disable(card, fb, refresh=refresh)
    st.pop("fallback", None)
    st.save()
    return answer(0xBF5E, OK)


@handles(0xBF5F)
def get_connectivity_parameters(card, req):
    p = ops.enabled_profile(card.state)
    params = p.get("connectivity_params") if p is not None else None
    if not params:
        return tlv(0xBF5F, enc_integer(PARAMETERS_NOT_AVAILABLE, tag=0x81))
    return tlv(0xBF5F, tlv(0xA0, tlv(0x81, bytes.fromhex(params))))


@handles(0xBF65)
def set_default_dp_address(card, req):
    card.state["default_smdp"] = req.req(0x80).str()
    card.state.save()
    return answer(0xBF65, OK)
