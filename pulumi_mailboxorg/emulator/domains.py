"""Handlers of ``domain.*``: functions taking the :class:`~.state.EmulatorState` as ``self``, bound as
its methods there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import DNS_TXT_MISSING, Caller, Level, RpcError, _Domain
from .params import _domain_name

if TYPE_CHECKING:
    from .state import EmulatorState


def _domain_add(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    name = _domain_name(params["domain"])
    with self._lock:
        account = self._account(caller, params["account"])
        if name in self._domains:
            raise RpcError.guess("already_exists", f"domain '{name}' already exists")
        self._context_choice(account.name, params)
    check = self.ownership_check
    if check is not None:
        host, txt = self.challenge(account.name, name)
        if not check.is_published(host, txt):
            raise RpcError(*DNS_TXT_MISSING, data={"host": host, "txt": txt})
    with self._lock:  # the world may have changed during the DNS lookup: check again
        account = self._account(caller, params["account"])
        if name in self._domains:
            raise RpcError.guess("already_exists", f"domain '{name}' already exists")
        context_id = self._context_choice(account.name, params) or self._issue_context(account.name)
        domain = _Domain(name, account.name, params["password"], context_id, params.get("memo", ""))
        self._domains[name] = domain
        return True if self.minimal_answers else self._render_domain(domain)


def _domain_get(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        domain = self._domain(caller, _domain_name(params["domain"]))
        return {"memo": domain.memo} if self.minimal_answers else self._render_domain(domain)


def _domain_set(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        domain = self._domain(caller, _domain_name(params["domain"]))
        context_id = self._context_choice(domain.account, params)
        if context_id is not None:
            domain.context_id = context_id
        elif params.get("create_new_context_id"):
            domain.context_id = self._issue_context(domain.account)
        if "password" in params:
            domain.password = params["password"]
        if "memo" in params:
            domain.memo = params["memo"]
        return True if self.minimal_answers else self._render_domain(domain)


def _domain_del(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    name = _domain_name(params["domain"])
    with self._lock:
        account = self._account(caller, params["account"])
        domain = self._domains.get(name)
        if domain is None or domain.account != account.name:
            raise RpcError.guess("not_found", f"domain '{name}' does not exist in account '{account.name}'")
        if not self.recursive_domain_delete and any(mail.domain == name for mail in self._mails.values()):
            raise RpcError.guess("domain_not_empty", f"delete the mail addresses of '{name}' first")
        self._remove_sessions(self._delete_domain(domain))
        return True


def _delete_domain(self: EmulatorState, domain: _Domain) -> set[tuple[str, Level]]:
    """Delete ``domain``, its addresses and the aliases on it; return the logins that went away."""
    removed: set[tuple[str, Level]] = {(domain.name, "domain")}
    for address in [key for key, mail in self._mails.items() if mail.domain == domain.name]:
        del self._mails[address]
        removed.add((address, "mail"))
    for address in [key for key, mail in self._deleted.items() if mail.domain == domain.name]:
        del self._deleted[address]
    suffix = "@" + domain.name
    for mail in self._mails.values():
        aliases = mail.values.get("aliases")
        if aliases:
            mail.values["aliases"] = [alias for alias in aliases if not alias.endswith(suffix)]
    del self._domains[domain.name]
    return removed


def _domain_list(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    needle = params.get("filter", "").lower()
    with self._lock:
        account = self._account(caller, params["account"])
        listed = [
            self._render_domain(domain)
            for name, domain in sorted(self._domains.items())
            if domain.account == account.name and needle in name
        ]
        if self.minimal_answers:
            return [{"domain": item["domain"], "count_mails": item["count_mails"]} for item in listed]
        return listed
