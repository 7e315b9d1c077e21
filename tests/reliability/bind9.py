"""BIND 9 (``named`` from Debian's ``bind9`` package) as a child process on 127.0.0.1, for tests.

:class:`Bind9` writes its own ``named.conf`` and zone files into a fresh temporary directory (journal
files land there too), starts ``named -g -c named.conf -p PORT`` in the foreground on a random high
port, waits until it answers, and stops it again. Each zone is a primary zone with an SOA, one NS
(``ns1.<zone>`` at 127.0.0.1) and ``allow-update { 127.0.0.1; }``, so RFC 2136 updates (``nsupdate``,
``dns.update``) from loopback change it. When ``named`` is not installed, :func:`find_named` says so
and the tests skip with that reason.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.update

__all__ = ["Bind9", "Bind9Unavailable", "find_named", "find_nsupdate", "publish_txt"]

INSTALL_HINT = "install it with `apt-get install -y bind9 bind9-dnsutils` (.ci/run does this in CI)"


class Bind9Unavailable(RuntimeError):
    """BIND 9 cannot run here (not installed, or the system forbids it); the message says why."""


def _which(name: str) -> str | None:
    # /usr/sbin is not on a normal user's PATH, but that is where Debian installs named.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")


def find_named() -> str:
    """The ``named`` executable, or raise :class:`Bind9Unavailable` with an installation hint."""
    named = _which("named")
    if named is None:
        raise Bind9Unavailable(f"BIND 9 (`named`) is not installed; {INSTALL_HINT}")
    return named


def find_nsupdate() -> str | None:
    """The ``nsupdate`` executable (package bind9-dnsutils), if installed."""
    return _which("nsupdate")


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port for named")


class Bind9:
    """``named`` serving ``zones`` on 127.0.0.1:``port``; a context manager."""

    def __init__(
        self,
        zones: list[str],
        *,
        negative_ttl: int = 1,
        startup_timeout: float = 15.0,
        tsig: tuple[str, str, str] | None = None,
    ) -> None:
        """``tsig``: (algorithm, key name, base64 secret): updates must then be signed with that key
        instead of coming from 127.0.0.1."""
        self.zones = [zone.rstrip(".").lower() for zone in zones]
        self.tsig = tsig
        self.negative_ttl = negative_ttl
        self.startup_timeout = startup_timeout
        self.host = "127.0.0.1"
        self.port = 0
        self.directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # -- files -------------------------------------------------------------------------------------
    def _write_files(self, directory: Path) -> Path:
        allow = "127.0.0.1;"
        key = ""
        if self.tsig is not None:
            algorithm, name, secret = self.tsig
            key = f'key "{name}" {{ algorithm {algorithm}; secret "{secret}"; }};\n'
            allow = f'key "{name}";'
        zones = key + "".join(
            f'zone "{zone}" {{ type primary; file "{directory / (zone + ".zone")}"; '
            f"allow-update {{ {allow} }}; }};\n"
            for zone in self.zones
        )
        conf = directory / "named.conf"
        conf.write_text(
            "options {\n"
            f'    directory "{directory}";\n'
            f'    pid-file "{directory / "named.pid"}";\n'
            f'    session-keyfile "{directory / "session.key"}";\n'
            f'    managed-keys-directory "{directory}";\n'
            f"    listen-on port {self.port} {{ 127.0.0.1; }};\n"
            "    listen-on-v6 { none; };\n"
            "    recursion no;\n"
            "    dnssec-validation no;\n"
            "    notify no;\n"
            "};\n"
            "controls { };\n" + zones,
            encoding="utf-8",
        )
        for zone in self.zones:
            (directory / f"{zone}.zone").write_text(
                "$TTL 60\n"
                f"@ IN SOA ns1.{zone}. hostmaster.{zone}. 1 60 60 600 {self.negative_ttl}\n"
                f"@ IN NS ns1.{zone}.\n"
                "ns1 IN A 127.0.0.1\n",
                encoding="utf-8",
            )
        return conf

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Bind9:
        named = find_named()
        last_log = ""
        for _attempt in range(3):  # another process may take the port between probe and bind
            self.port = _free_port()
            self.directory = Path(tempfile.mkdtemp(prefix="bind9-test-"))
            conf = self._write_files(self.directory)
            command = [named, "-g", "-c", str(conf), "-p", str(self.port)]
            with open(self.directory / "named.log", "wb") as log:
                self._process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
                )
            if self._wait_ready():
                return self
            last_log = self.log()
            self.stop()
            if "permission denied" in last_log.lower():
                raise Bind9Unavailable(
                    "named cannot read its files in a temporary directory (permission denied; an "
                    f"AppArmor profile for named may forbid it). Its log:\n{last_log[-1500:]}"
                )
        raise RuntimeError(f"named did not start; its log:\n{last_log[-3000:]}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        query = dns.message.make_query(self.zones[0], "SOA")
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                answer = dns.query.udp(query, self.host, port=self.port, timeout=0.5)
            except (OSError, dns.exception.Timeout):
                time.sleep(0.05)
                continue
            if answer.rcode() == dns.rcode.NOERROR and answer.answer:
                return True
            time.sleep(0.05)
        return False

    def log(self) -> str:
        """What named wrote (``-g``: the log goes to stderr, kept in a file)."""
        if self.directory is None:
            return ""
        try:
            return (self.directory / "named.log").read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        """Stop named (SIGTERM, then SIGKILL) and remove its directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> Bind9:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``, as ``mailboxorg:dnsNameservers`` takes it."""
        return f"{self.host}:{self.port}"


def publish_txt(server: Bind9, zone: str, name: str, value: str) -> str:
    """Add ``name TXT value`` to ``zone`` by RFC 2136: with ``nsupdate`` when installed, else with
    dnspython's ``dns.update``. Returns the tool used."""
    nsupdate = find_nsupdate()
    if nsupdate is not None:
        script = (
            f'server {server.host} {server.port}\nzone {zone}\nupdate add {name}. 60 TXT "{value}"\nsend\n'
        )
        subprocess.run([nsupdate], input=script.encode(), check=True, timeout=30, capture_output=True)
        return "nsupdate"
    update = dns.update.UpdateMessage(zone)
    update.add(name + ".", 60, "TXT", f'"{value}"')
    response = dns.query.tcp(update, server.host, port=server.port, timeout=5)
    if response.rcode() != dns.rcode.NOERROR:
        raise RuntimeError(f"dns.update refused: {dns.rcode.to_text(response.rcode())}")
    return "dns.update"


def publish_records(server: Bind9, zone: str, lines: Sequence[str]) -> str:
    """Add zone-file ``lines`` (``name. ttl IN TYPE data``) to ``zone`` in one RFC 2136 update: with
    ``nsupdate`` when installed, else with dnspython's ``dns.update``. Returns the tool used."""
    nsupdate = find_nsupdate()
    if nsupdate is not None:
        adds = "".join(f"update add {line}\n" for line in lines)
        script = f"server {server.host} {server.port}\nzone {zone}\n{adds}send\n"
        subprocess.run([nsupdate], input=script.encode(), check=True, timeout=30, capture_output=True)
        return "nsupdate"
    update = dns.update.UpdateMessage(zone)
    for line in lines:
        name, ttl, _class, rdtype, data = line.split(None, 4)
        update.add(name, int(ttl), rdtype, data)
    response = dns.query.tcp(update, server.host, port=server.port, timeout=5)
    if response.rcode() != dns.rcode.NOERROR:
        raise RuntimeError(f"dns.update refused: {dns.rcode.to_text(response.rcode())}")
    return "dns.update"
