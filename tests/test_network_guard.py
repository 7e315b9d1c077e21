"""The test process cannot reach the network (tests/conftest.py installs the guard)."""

from __future__ import annotations

import socket

import pytest
from conftest import _is_loopback


def test_every_socket_of_the_test_process_goes_through_the_loopback_guard():
    for method in (socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto):
        assert method.__module__ == "conftest", method


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        (("127.0.0.1", 80), True),
        (("127.1.2.3", 53), True),
        (("::1", 443, 0, 0), True),
        (("localhost", 8080), True),
        ("/run/user/some.sock", True),
        (("192.0.2.1", 443), False),
        (("10.0.0.1", 53), False),
        (("api.mailbox.org", 443), False),
        (("::ffff:8.8.8.8", 53), False),
    ],
)
def test_only_loopback_addresses_pass_the_guard(address, allowed):
    assert _is_loopback(address) is allowed
