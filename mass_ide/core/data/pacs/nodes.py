"""PACS nodes as configured: a DICOMweb base URL and/or a DIMSE address, and how they are shown.

A node comes from the server's settings (``MassIDEApp.pacs_nodes``), never from the
workspace. Its credentials stay in the :class:`PacsNode` object: :meth:`PacsNode.to_json`,
``repr`` and every message leave them out.
"""

import hashlib
import re
from dataclasses import dataclass, field

from mass_ide.core.errors import InvalidInput, NotFound

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_CALLING_AE = "MASSIDE"
AE_TITLE = re.compile(r"^[ -~]{1,16}$")  # PS3.5: up to 16 characters of the default repertoire, no backslash
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
KEYS = {"name", "dicomweb_url", "username", "password", "ae_title", "host", "port", "calling_ae_title", "timeout"}


@dataclass(frozen=True)
class PacsNode:
    """One PACS: DICOMweb (QIDO-RS, WADO-RS, STOW-RS) and/or DIMSE (C-ECHO, C-FIND, C-GET)."""

    name: str
    dicomweb_url: str | None = None
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    ae_title: str | None = None
    host: str | None = None
    port: int | None = None
    calling_ae_title: str = DEFAULT_CALLING_AE
    timeout: float = DEFAULT_TIMEOUT_S

    @property
    def has_dicomweb(self) -> bool:
        return bool(self.dicomweb_url)

    @property
    def has_dimse(self) -> bool:
        return bool(self.ae_title and self.host and self.port)

    @property
    def protocol(self) -> str:
        """How studies are searched and fetched: DICOMweb when the node has it, else DIMSE."""
        return "dicomweb" if self.has_dicomweb else "dimse"

    def to_json(self) -> dict:
        """What the API and the UI may show: the addresses, whether a login is set, never the login itself."""
        return {"name": self.name, "protocol": self.protocol, "dicomweb_url": self.dicomweb_url,
                "ae_title": self.ae_title, "host": self.host, "port": self.port,
                "calling_ae_title": self.calling_ae_title, "timeout": self.timeout,
                "authenticated": bool(self.username)}


def _ae_title(value, *, node: str, key: str) -> str:
    """A valid AE title, stripped; :class:`InvalidInput` naming the setting otherwise."""
    title = str(value).strip()
    if not AE_TITLE.match(title) or "\\" in title:
        raise InvalidInput(f"PACS node {node}: {key} must be 1 to 16 printable ASCII characters, not {value!r}")
    return title


def parse_node(config: dict) -> PacsNode:
    """One node from its settings dictionary; :class:`InvalidInput` saying which setting is wrong."""
    name = str(config.get("name", ""))
    if not NAME.match(name):
        raise InvalidInput(f"a PACS node needs a name of letters, digits, '.', '_' or '-', not {name!r}")
    unknown = sorted(set(config) - KEYS)
    if unknown:
        raise InvalidInput(f"PACS node {name}: unknown setting(s) {', '.join(unknown)}; "
                           f"known: {', '.join(sorted(KEYS))}")
    url = (config.get("dicomweb_url") or "").rstrip("/") or None
    if url and not url.startswith(("http://", "https://")):
        raise InvalidInput(f"PACS node {name}: dicomweb_url must start with http:// or https://")
    dimse = {key: config.get(key) for key in ("ae_title", "host", "port")}
    if any(dimse.values()) and not all(dimse.values()):
        raise InvalidInput(f"PACS node {name}: DIMSE needs ae_title, host and port together")
    if not url and not all(dimse.values()):
        raise InvalidInput(f"PACS node {name}: give a dicomweb_url, or ae_title, host and port (DIMSE), or both")
    port = dimse["port"]
    if port is not None and not (isinstance(port, int) and 0 < port < 65536):
        raise InvalidInput(f"PACS node {name}: port must be a number from 1 to 65535")
    timeout = float(config.get("timeout") or DEFAULT_TIMEOUT_S)
    if not 0 < timeout <= 600:
        raise InvalidInput(f"PACS node {name}: timeout must be between 0 and 600 seconds")
    return PacsNode(
        name=name, dicomweb_url=url, username=config.get("username") or None, password=config.get("password") or None,
        ae_title=_ae_title(dimse["ae_title"], node=name, key="ae_title") if dimse["ae_title"] else None,
        host=dimse["host"] or None, port=port,
        calling_ae_title=_ae_title(config.get("calling_ae_title") or DEFAULT_CALLING_AE, node=name,
                                   key="calling_ae_title"),
        timeout=timeout)


def parse_nodes(configs: list[dict]) -> dict[str, PacsNode]:
    """Every configured node by name (names must be unique)."""
    nodes: dict[str, PacsNode] = {}
    for config in configs:
        node = parse_node(config)
        if node.name in nodes:
            raise InvalidInput(f"two PACS nodes are named {node.name}; give each its own name")
        nodes[node.name] = node
    return nodes


def find_node(nodes: dict[str, PacsNode], name: str) -> PacsNode:
    """The node called ``name``, or :class:`NotFound` listing the configured ones."""
    if name not in nodes:
        known = ", ".join(sorted(nodes)) or "none is configured (MassIDEApp.pacs_nodes)"
        raise NotFound(f"no PACS node is called {name!r}; the nodes are: {known}")
    return nodes[name]


def hashed_uid(uid: str) -> str:
    """What the audit log keeps of a study or series UID: a short hash that identifies nobody."""
    return hashlib.sha256(str(uid).encode()).hexdigest()[:16]
