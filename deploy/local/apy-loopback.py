#!/usr/bin/python3
"""Starts Apertium APY on 127.0.0.1 only. APY 0.11.7 has no bind option and listens on every
interface; this patches tornado's TCPServer.bind to loopback before calling APY's own main()."""
import sys

import tornado.tcpserver

_bind = tornado.tcpserver.TCPServer.bind


def _loopback_bind(self, port, address=None, *args, **kwargs):
    return _bind(self, port, "127.0.0.1", *args, **kwargs)


tornado.tcpserver.TCPServer.bind = _loopback_bind

from apertium_apy import apy  # noqa: E402

sys.argv[0] = "apertium-apy"
apy.main()
