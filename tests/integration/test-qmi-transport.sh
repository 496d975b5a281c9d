#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The QMI card transport (src/card/card-qmi.c) against the fake QMI modem holding the software eUICC:
# GetEID on the ISD-R through the raw UIM messages, directly and through qmi-proxy; a wrong slot, an Open
# Logical Channel the modem refuses, and a modem that dies mid-exchange must give errors that say so.
SCHEME=qmi
MODEM=QMI
WRONG_SLOT_ERROR="slot 2.*Open Logical Channel.*QMI error InvalidArgument"
UNKNOWN_AID_ERROR="SimFileNotFound.*6A82"
OPEN_REFUSED_FAULT=qmi-open-denied
OPEN_REFUSED_ERROR="Open Logical Channel.*QMI error AccessDenied (82)"
. "${top_srcdir:-.}/tests/integration/transport-modem-lib.sh"
