"""Engine-protocol test harness: drive dynamic providers exactly as the Pulumi engine does.

The Pulumi CLI is not available to the test suite, so the harness plays the engine's part against
the real provider host, ``python -m pulumi.dynamic`` (the process the engine starts for Python
dynamic providers), over its gRPC protocol. Nothing on the provider side is faked.

Layers (each module's docstring explains how it mirrors the engine and which SDK code it follows):

* :mod:`harness.wire` - property maps on the wire: ``rpc.serialize_properties``, the ``UNKNOWN``
  sentinel, :class:`Secret` values stripped for a provider that does not accept secrets.
* :mod:`harness.host` - :class:`ProviderHost` (one host process plus a gRPC client: Configure, Check,
  Diff, Create, Read, Update, Delete; stderr and ``pulumi.log`` capture) and :class:`HostPool`
  (pre-started fresh hosts).
* :mod:`harness.stack` - :class:`Stack`: deployments (``up``/``preview``/``refresh``/``destroy``/
  ``get``) of resources given as :class:`Res`, with engine-like state, replace ordering and secret
  marking, and the engine modes (each citing ``/work/shared/pulumi/engine-behaviour.md``): targeted
  replace (``up(replace=[...])``), ``delete_before_replace``/``ignore_changes``/``depends_on``/
  ``import_id`` options, :class:`Ref` property dependencies and dependent replacement,
  ``schedule="dependencies"|"concurrent"`` (+ ``seed``), ``state_config`` (refresh/destroy with the
  config recorded at the last ``up``; ``run_program=True`` for the current one), ``refresh_diff``,
  ``preview_pass``.
* :mod:`harness.program` - :class:`ProgramStack`: whole Pulumi programs under
  ``pulumi.runtime.set_mocks``, dynamic resources served by a provider host, other types by handlers.
* :mod:`harness.trivial_provider` - a trivial provider and resource class that prove the harness.
* :mod:`harness.fixtures` - pytest fixtures (``host_pool``).

Usage::

    from harness import HostPool, Res, Secret, Stack

    with HostPool() as pool:
        stack = Stack(pool, config={"mailboxorg:endpoint": emu.endpoint,
                                    "mailboxorg:password": Secret("acme-pass")})
        result = stack.up({"d": Res(DomainProvider(), {"domain": "example.com"})})
        assert result.operations == {"d": "create"}
        stack.destroy()
"""

from .host import (
    DYNAMIC_TYPE,
    CheckFailure,
    CheckResponse,
    ConfigureResponse,
    CreateResponse,
    DiffResponse,
    HostPool,
    HostStartError,
    LogMessage,
    ProviderError,
    ProviderHost,
    ReadResponse,
    make_urn,
    parse_log_messages,
    provider_blob,
)
from .program import DYNAMIC_PREFIX, ProgramRun, ProgramStack, RecordingMonitor, ResourceHandler
from .stack import (
    CheckFailedError,
    DeploymentResult,
    ImportMismatchError,
    Op,
    Ref,
    Res,
    ResourceState,
    Schedule,
    Stack,
    Step,
)
from .wire import PROVIDER_KEY, UNKNOWN, Secret, from_struct, reveal, to_struct

__all__ = [
    "DYNAMIC_PREFIX",
    "DYNAMIC_TYPE",
    "PROVIDER_KEY",
    "UNKNOWN",
    "CheckFailedError",
    "CheckFailure",
    "CheckResponse",
    "ConfigureResponse",
    "CreateResponse",
    "DeploymentResult",
    "DiffResponse",
    "HostPool",
    "HostStartError",
    "ImportMismatchError",
    "LogMessage",
    "Op",
    "ProgramRun",
    "ProgramStack",
    "ProviderError",
    "ProviderHost",
    "ReadResponse",
    "RecordingMonitor",
    "Ref",
    "Res",
    "ResourceHandler",
    "ResourceState",
    "Schedule",
    "Secret",
    "Stack",
    "Step",
    "from_struct",
    "make_urn",
    "parse_log_messages",
    "provider_blob",
    "reveal",
    "to_struct",
]
