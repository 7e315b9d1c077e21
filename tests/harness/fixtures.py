"""pytest fixtures for the harness. Import them into a test module (or a conftest) to use them::

    from harness.fixtures import host_pool  # noqa: F401  (pytest finds fixtures by name)

``host_pool`` is module-scoped: one pool per test module (and pytest-xdist worker) keeps a fresh
host pre-started, so tests do not wait for its start-up (~20 ms forked, ~0.3 s exec'd), while every
deployment still gets its own never-used process (no provider state can leak from one test to the
next).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .host import HostPool

__all__ = ["host_pool"]


@pytest.fixture(scope="module")
def host_pool(request: pytest.FixtureRequest) -> Iterator[HostPool]:
    """A :class:`HostPool` for the test module (hosts inherit the environment minus ``MAILBOXORG_*``).

    Hosts are forked from :mod:`harness.forkserver` unless ``HARNESS_LAUNCH=exec`` is set or the module
    carries ``pytestmark = pytest.mark.exec_hosts`` (the end-to-end examples): then each is started
    by its command, exactly as the engine starts it.
    """
    options = {"launch": "exec"} if request.node.get_closest_marker("exec_hosts") else {}
    with HostPool(spares=1, host_options=options) as pool:
        yield pool
