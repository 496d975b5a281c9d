# SPDX-License-Identifier: Apache-2.0
"""Shared pieces of the fake modems: the pty device, the card loader, QMUX and MBIM framing."""
