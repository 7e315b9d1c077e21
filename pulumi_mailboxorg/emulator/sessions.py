"""Handlers of ``auth``, ``deauth``, ``hello.*``, ``search`` and ``test.*allowed``: functions taking
the :class:`~.state.EmulatorState` as ``self``, bound as its methods there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import ACCESS_DENIED, Caller, RpcError, _Session

if TYPE_CHECKING:
    from .state import EmulatorState


def _auth(self: EmulatorState, _caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        caller = self._authenticate(params["user"], params["pass"])
        if caller is None:
            raise RpcError(*ACCESS_DENIED)
        self._purge_sessions()
        auth_id = self._new_auth_id()
        self._sessions[auth_id] = _Session(caller, self._clock())
        self._logins += 1
        return {"session": auth_id, "level": caller.level}


def _deauth(self: EmulatorState, caller: Caller | None, _params: dict[str, Any]) -> Any:
    if caller is not None:
        self.expire_session(caller.auth_id)
    return True


def _hello_world(self: EmulatorState, _caller: Caller | None, _params: dict[str, Any]) -> Any:
    return "Hello World!"


def _hello_innerworld(self: EmulatorState, _caller: Caller | None, _params: dict[str, Any]) -> Any:
    return "Hello Inner-World!"


def _search(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    assert caller is not None
    needle = params["query"].lower()
    summary = params.get("get_account_summary", False)
    extended = params.get("get_extended_mail_result", False)
    with self._lock:
        accounts = []
        for name, account in sorted(self._accounts.items()):
            if needle in name.lower() and self._reaches_account(caller, account):
                rendered = self._render_account(account)
                accounts.append(
                    rendered if summary else {key: rendered[key] for key in ("account", "plan", "status")}
                )
        domains = [
            {"domain": name, "account": domain.account}
            for name, domain in sorted(self._domains.items())
            if needle in name and self._reaches_domain(caller, domain)
        ]
        emails = []
        for address, mail in sorted(self._mails.items()):
            if needle in address and self._reaches_mail(caller, mail):
                rendered = self._render_mail(mail)
                emails.append(
                    rendered if extended else {key: rendered[key] for key in ("mail", "domain", "parent_uid")}
                )
        return {"accounts": accounts, "domains": domains, "emails": emails}


def _test_accountallowed(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    assert caller is not None
    with self._lock:
        account = self._accounts.get(params["account"])
        return account is not None and self._reaches_account(caller, account)


def _test_domainallowed(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    assert caller is not None
    with self._lock:
        domain = self._domains.get(params["domain"].lower().rstrip("."))
        return domain is not None and self._reaches_domain(caller, domain)
