"""DIMSE associations with a PACS through pynetdicom, and what to tell the user when one fails.

:func:`associate` opens an association (C-ECHO, C-FIND, C-GET contexts as asked) and
closes it afterwards; a refused connection, a timeout or a rejected association is
a :class:`~mass_ide.core.errors.RemoteUnavailable` saying which, in words a
hospital's IT can act on.
"""

import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from mass_ide.core.data.pacs.nodes import PacsNode
from mass_ide.core.errors import RemoteUnavailable


def _reachable(node: PacsNode) -> None:
    """:class:`RemoteUnavailable` unless a TCP connection to the node's DICOM port opens within its timeout."""
    where = f"{node.host}:{node.port}"
    try:
        with socket.create_connection((node.host, node.port), timeout=node.timeout):
            return
    except ConnectionRefusedError:
        raise RemoteUnavailable(f"PACS node {node.name}: {where} refused the connection; is the PACS running, "
                                "and is that its DICOM port?") from None
    except TimeoutError:
        raise RemoteUnavailable(f"PACS node {node.name}: {where} did not answer in {node.timeout:g} s; check the "
                                "address and the firewall") from None
    except socket.gaierror:
        raise RemoteUnavailable(f"PACS node {node.name}: the host name {node.host} is not known") from None
    except OSError as error:
        raise RemoteUnavailable(f"PACS node {node.name}: cannot reach {where} ({error.strerror or error})") from None


def _refusal(node: PacsNode, association) -> str:
    """Why the node rejected or aborted the association, from its A-ASSOCIATE-RJ when it sent one."""
    if association.is_rejected:
        reason = getattr(association.acceptor.primitive, "reason_str", "no reason given")
        hint = {"Called AE title not recognised": f"the PACS is not called {node.ae_title}; check ae_title",
                "Calling AE title not recognised": f"the PACS does not know our AE title {node.calling_ae_title}; "
                                                   "ask its administrator to add it"}.get(reason, reason)
        return f"PACS node {node.name} rejected the association: {hint}"
    if association.is_aborted and association.acceptor.primitive is not None:
        return f"PACS node {node.name} aborted the association (it accepts none of the services asked for)"
    return f"PACS node {node.name} did not accept an association within {node.timeout:g} s (is that port a DICOM one?)"


def new_ae(node: PacsNode, *, requested: Sequence[str] = (), storage: Sequence[str] = ()):
    """A pynetdicom AE for ``node`` with our AE title, its timeouts and the contexts asked for.

    ``storage``: SOP classes we accept back as C-STORE sub-operations of a C-GET (SCP role).
    """
    from pynetdicom import AE, build_role

    ae = AE(ae_title=node.calling_ae_title)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = ae.connection_timeout = node.timeout
    for abstract in requested:
        ae.add_requested_context(abstract)
    roles = []
    for abstract in storage:
        ae.add_requested_context(abstract)
        roles.append(build_role(abstract, scp_role=True))
    return ae, roles


@contextmanager
def associate(node: PacsNode, *, requested: Sequence[str] = (), storage: Sequence[str] = (),
              handlers: list | None = None) -> Iterator:
    """An established association with ``node``, released afterwards; :class:`RemoteUnavailable` if none."""
    if not node.has_dimse:
        raise RemoteUnavailable(f"PACS node {node.name} has no DIMSE address (ae_title, host, port)")
    _reachable(node)
    ae, roles = new_ae(node, requested=requested, storage=storage)
    association = ae.associate(node.host, node.port, ae_title=node.ae_title, ext_neg=roles or None,
                               evt_handlers=handlers or None)
    if not association.is_established:
        raise RemoteUnavailable(_refusal(node, association))
    try:
        yield association
    finally:
        if association.is_established:
            association.release()
        ae.shutdown()


def echo(node: PacsNode) -> str:
    """C-ECHO the node; what happened, or :class:`RemoteUnavailable`."""
    from pynetdicom.sop_class import Verification

    with associate(node, requested=[Verification]) as association:
        status = association.send_c_echo()
    if not status or status.Status != 0:
        raise RemoteUnavailable(f"PACS node {node.name} answered C-ECHO with status "
                                f"{getattr(status, 'Status', 'none')}")
    return f"C-ECHO to {node.ae_title} at {node.host}:{node.port} succeeded"
