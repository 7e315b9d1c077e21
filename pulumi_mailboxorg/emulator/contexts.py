"""Handlers of ``context.list`` and the context choice of ``domain.add``/``domain.set``: functions
taking the :class:`~.state.EmulatorState` as ``self``, bound as its methods there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .model import Caller, RpcError, _invalid

if TYPE_CHECKING:
    from .state import EmulatorState


def _context_list(self: EmulatorState, caller: Caller | None, params: dict[str, Any]) -> Any:
    with self._lock:
        account = self._account(caller, params["account"])
        return self._context_map(account.name)


def _issue_context(self: EmulatorState, account: str) -> str:
    context_id = str(self._next_context)
    self._next_context += 1
    self._contexts[context_id] = account
    return context_id


def _context_choice(self: EmulatorState, account: str, params: Mapping[str, Any]) -> str | None:
    """The existing context ``params`` name (validated), or None when a new one is wanted."""
    context_id = params.get("context_id")
    if context_id is not None and params.get("create_new_context_id"):
        raise _invalid("give either 'context_id' or 'create_new_context_id', not both")
    if context_id is None:
        return None
    if self._contexts.get(context_id) != account:
        raise RpcError.guess("not_found", f"context '{context_id}' is not a context of account '{account}'")
    return str(context_id)
