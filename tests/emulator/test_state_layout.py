"""The emulator's state is split by seam (model, params, ownership, handlers by object); the names
that tests, tools and the other emulator modules import from ``pulumi_mailboxorg.emulator.state``
stay importable from there, and every handler is a bound method of ``EmulatorState``."""

from __future__ import annotations

import importlib

from pulumi_mailboxorg.emulator import state


def test_every_public_name_of_state_is_importable_from_it() -> None:
    for name in state.__all__:
        assert getattr(state, name) is not None, name
    from pulumi_mailboxorg.emulator.state import (  # noqa: F401 - the import is the test
        EmulatorState,
        Login,
        LoginSpec,
        ReaddDeleted,
        RpcError,
        TxtOwnershipCheck,
        parse_login,
    )


def test_each_method_is_handled_by_a_function_of_its_objects_module() -> None:
    modules = {
        "account": "accounts",
        "context": "contexts",
        "domain": "domains",
        "mail": "mails",
    }
    for method, spec in state.METHODS.items():
        module = modules.get(method.split(".")[0], "sessions")
        if method.startswith("domain.deletelist."):
            module = "mails"
        handler_module = importlib.import_module(f"pulumi_mailboxorg.emulator.{module}")
        assert spec.handler is getattr(handler_module, spec.handler.__name__), method
        assert getattr(state.EmulatorState, spec.handler.__name__) is spec.handler, method
