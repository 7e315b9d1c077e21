"""Handlers of ``account.*``: functions taking the :class:`~.state.EmulatorState` as ``self``, bound as
its methods there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .model import ACCOUNT_PLANS, Caller, Level, RpcError, _Account, _invalid
from .params import _account_name

if TYPE_CHECKING:
    from .state import EmulatorState


def _account_values(params: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in params.items():
        if key in ("account", "password", "telephone_password"):
            continue
        if key == "salutation":
            key = "address_main_salutation"
        if key == "tarifflimits":
            value = _tarifflimits(value)
        if key == "max_mailinglist" and value < 0:
            raise _invalid("parameter 'max_mailinglist' must not be negative")
        values[key] = value
    return values


def _tarifflimits(value: Mapping[str, Any]) -> dict[str, int]:
    limits: dict[str, int] = {}
    for plan, limit in value.items():
        if plan not in ACCOUNT_PLANS:
            raise _invalid(f"'tarifflimits' keys must be one of {', '.join(ACCOUNT_PLANS)}")
        if isinstance(limit, str) and limit.isdigit():
            limit = int(limit)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise _invalid("'tarifflimits' values must be non-negative integers")
        limits[plan] = limit
    return limits


def _account_add(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    assert caller is not None
    name = _account_name(params["account"])
    values = self._account_values(params)
    with self._lock:
        if name in self._accounts or name in self._operators:
            raise RpcError.guess("already_exists", f"account '{name}' already exists")
        account = _Account(name, params["password"], caller.login, values)
        self._accounts[name] = account
        return self._render_account(account)


def _account_get(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        return self._render_account(self._account(caller, params["account"]))


def _account_set(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    values = self._account_values(params)
    with self._lock:
        account = self._account(caller, params["account"])
        if "password" in params:
            account.password = params["password"]
        if "telephone_password" in params:
            account.telephone_password = params["telephone_password"]
        account.values.update(values)
        return self._render_account(account)


def _account_del(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        account = self._account(caller, params["account"])
        removed: set[tuple[str, Level]] = {(account.name, "account")}
        for domain in [dom for dom in self._domains.values() if dom.account == account.name]:
            removed |= self._delete_domain(domain)
        for context_id in [cid for cid, owner in self._contexts.items() if owner == account.name]:
            del self._contexts[context_id]
        del self._accounts[account.name]
        self._remove_sessions(removed)
        return True


def _account_list(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    assert caller is not None
    query = params.get("query", "").lower()
    extended = params.get("extended_results", False)
    with self._lock:
        result = []
        for name, account in sorted(self._accounts.items()):
            if not self._reaches_account(caller, account) or query not in name.lower():
                continue
            rendered = self._render_account(account)
            result.append(
                rendered if extended else {key: rendered[key] for key in ("account", "plan", "status")}
            )
        return result
