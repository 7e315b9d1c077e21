"""Manage mailbox.org business mail (accounts, contexts, domains, mailboxes) with Pulumi."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
