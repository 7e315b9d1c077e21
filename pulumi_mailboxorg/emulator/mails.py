"""Handlers of ``mail.*`` and the delete lists (``domain.deletelist.*``): functions taking the
:class:`~.state.EmulatorState` as ``self``, bound as its methods there."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .model import Caller, RpcError, _invalid, _Mail, _now_utc
from .params import _MAIL_ADD_FLAGS, _domain_name, _mail_address, meets_mail_password_policy

if TYPE_CHECKING:
    from .state import EmulatorState


def _address_taken(self: EmulatorState, address: str, owner: str | None = None) -> bool:
    """True when ``address`` is a mail address or an alias of a mail address other than ``owner``."""
    if address in self._mails:
        return True
    return any(address in mail.values.get("aliases", ()) for key, mail in self._mails.items() if key != owner)


def _owner_of(self: EmulatorState, address: str) -> str | None:
    """The account owning the domain of ``address``, or None."""
    domain = self._domains.get(address.rpartition("@")[2])
    return None if domain is None else domain.account


def _mail_values(self: EmulatorState, mail: str, account: str, params: Mapping[str, Any]) -> dict[str, Any]:
    values = {
        key: value
        for key, value in params.items()
        if key not in ("mail", "password", "password_hash", *_MAIL_ADD_FLAGS)
    }
    if "forwards" in values:
        values["forwards"] = [_mail_address(item, "forwards") for item in values["forwards"]]
    if "aliases" in values:
        aliases = [_mail_address(item, "aliases") for item in values["aliases"]]
        for alias in aliases:
            owner = self._domains.get(alias.rpartition("@")[2])
            if owner is None or owner.account != account:
                raise _invalid("every alias must be on a domain of the same account")
            if alias == mail or self._address_taken(alias, owner=mail):
                raise RpcError.guess("already_exists", f"address '{alias}' is already in use")
        values["aliases"] = list(dict.fromkeys(aliases))
    return values


def _password_pair(self: EmulatorState, params: Mapping[str, Any], *, required: bool) -> None:
    given = [key for key in ("password", "password_hash") if key in params]
    if len(given) > 1:
        raise _invalid("give either 'password' or 'password_hash', not both")
    if required and not given:
        raise _invalid("missing required parameter 'password'")
    password = params.get("password")
    if self.mail_password_policy and password is not None and not meets_mail_password_policy(password):
        raise RpcError.guess("weak_password")


def _mail_add(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    address = _mail_address(params["mail"])
    self._password_pair(params, required=True)
    with self._lock:
        domain = self._domain(caller, address.rpartition("@")[2])
        if self._address_taken(address):
            raise RpcError.guess("already_exists", f"mail address '{address}' already exists")
        deleted = self._deleted.get(address)
        recover = deleted is not None and params.get("recover") is True
        if deleted is not None and not recover and self.readd_deleted == "refuse":
            raise RpcError.guess(
                "address_deleted",
                f"'{address}': recover it (recover=true) or purge it (domain.deletelist.delete)",
            )
        values = self._mail_values(address, domain.account, params)
        if deleted is not None and recover:
            kept = [
                alias
                for alias in deleted.values.get("aliases", ())
                if not self._address_taken(alias, owner=address)
                and getattr(self._domains.get(alias.rpartition("@")[2]), "account", None) == domain.account
            ]
            values = {**deleted.values, "aliases": kept, **values}
        mail = _Mail(
            address,
            domain.name,
            params.get("password"),
            params.get("password_hash"),
            deleted.creation_date if deleted is not None and recover else _now_utc(),
            values,
        )
        self._deleted.pop(address, None)
        self._mails[address] = mail
        return self._render_mail(mail)


def _mail_get(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        return self._render_mail(self._mail(caller, _mail_address(params["mail"])))


def _mail_set(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    self._password_pair(params, required=False)
    if ("additional_mail_quota" in params or "additional_cloud_quota" in params) and "plan" not in params:
        raise _invalid("a quota must be sent together with 'plan'")
    with self._lock:
        mail = self._mail(caller, _mail_address(params["mail"]))
        values = self._mail_values(mail.address, self._domains[mail.domain].account, params)
        if "password" in params:
            mail.password, mail.password_hash = params["password"], None
        if "password_hash" in params:
            mail.password, mail.password_hash = None, params["password_hash"]
        if values.get("active") is True:
            mail.values.pop("deletion_date", None)
        mail.values.update(values)
        if not mail.values.get("active", True):
            self._remove_sessions({(mail.address, "mail")})
        return self._render_mail(mail)


def _mail_del(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        mail = self._mail(caller, _mail_address(params["mail"]))
        del self._mails[mail.address]
        self._deleted[mail.address] = mail
        self._remove_sessions({(mail.address, "mail")})
        return True


def _deleted_of(self: EmulatorState, domain: str) -> list[str]:
    return sorted(address for address, mail in self._deleted.items() if mail.domain == domain)


def _deletelist_search(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        return self._deleted_of(self._domain(caller, _domain_name(params["domain"])).name)


def _deletelist_delete(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    address = _mail_address(params["mail"])
    with self._lock:
        deleted = self._deleted.get(address)
        if deleted is None:
            raise RpcError.guess("not_found", f"'{address}' is not on a delete list")
        self._domain(caller, deleted.domain)
        del self._deleted[address]
        return True


def _mail_list(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    page, page_size = params.get("page"), params.get("page_size")
    if page is not None and page_size is None:
        raise _invalid("'page' needs 'page_size'")
    if page_size is not None and page is None:
        raise _invalid("'page_size' needs 'page'")
    if (page is not None and page < 1) or (page_size is not None and page_size < 1):
        raise _invalid("'page' and 'page_size' must be at least 1")
    sort_field = params.get("sort_field", "mail")
    field_key = "active" if sort_field == "status" else sort_field
    with self._lock:
        domain = self._domain(caller, _domain_name(params["domain"]))
        rendered = [self._render_mail(mail) for mail in self._mails.values() if mail.domain == domain.name]
    rendered.sort(
        key=lambda item: (str(item[field_key]), item["mail"]), reverse=params.get("sort_order") == "desc"
    )
    if page is None or page_size is None:
        return rendered[: self.unpaged_limit]
    start = (page - 1) * page_size
    return {
        "totalHits": len(rendered),
        "totalPages": math.ceil(len(rendered) / page_size),
        "results": rendered[start : start + page_size],
    }
