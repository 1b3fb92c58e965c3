"""DICOMweb (QIDO-RS, WADO-RS) with a PACS through dicomweb-client, and what to tell the user when it fails.

Every request has the node's timeout and its HTTP login, and is tried once; :func:`failure` turns the
``requests`` exceptions into a :class:`~mass_ide.core.errors.RemoteUnavailable`
that says refused, timed out, TLS, login refused or no DICOMweb service there.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from mass_ide.core.data.pacs.nodes import PacsNode
from mass_ide.core.errors import RemoteUnavailable


def _session(node: PacsNode):
    """A ``requests`` session with the node's login, and no proxy from the environment.

    QIDO-RS wildcards go out as a literal ``*``: RFC 3986 allows it in a query, and some
    PACS (Orthanc's DICOMweb plugin 1.7) match a percent-encoded ``%2A`` literally.
    """
    import requests
    from requests.adapters import HTTPAdapter

    class LiteralWildcards(HTTPAdapter):
        def send(self, request, **kwargs):
            request.url = request.url.replace("%2A", "*")
            return super().send(request, **kwargs)

    session = requests.Session()
    session.trust_env = False  # a proxy from the environment would carry the hospital's traffic elsewhere
    if node.username:
        session.auth = (node.username, node.password or "")
    for prefix in ("http://", "https://"):
        session.mount(prefix, LiteralWildcards())
    return session


def failure(node: PacsNode, error: Exception) -> RemoteUnavailable:
    """What a failed DICOMweb request means for the user (never quoting the login)."""
    import requests

    url = node.dicomweb_url
    if isinstance(error, requests.exceptions.SSLError):
        said = f"the TLS handshake with {url} failed (certificate not trusted, or not HTTPS there)"
    elif isinstance(error, requests.exceptions.Timeout):
        said = f"{url} did not answer in {node.timeout:g} s"
    elif isinstance(error, requests.exceptions.ConnectionError):
        said = f"{url} refused the connection or cannot be reached; is the PACS running there?"
    elif isinstance(error, requests.exceptions.HTTPError) and error.response is not None:
        status = error.response.status_code
        said = {401: "the PACS refused the login (HTTP 401); check username and password",
                403: "the PACS does not allow this login to search or fetch (HTTP 403)",
                404: f"there is no DICOMweb service at {url} (HTTP 404); check dicomweb_url"}.get(
            status, f"the PACS answered HTTP {status}")
    else:
        said = f"the request failed ({type(error).__name__})"
    return RemoteUnavailable(f"PACS node {node.name}: {said}")


@contextmanager
def client(node: PacsNode) -> Iterator:
    """A ``DICOMwebClient`` for the node; a failed request inside becomes :class:`RemoteUnavailable`."""
    import requests
    from dicomweb_client.api import DICOMwebClient

    if not node.has_dicomweb:
        raise RemoteUnavailable(f"PACS node {node.name} has no dicomweb_url")
    session = _session(node)
    try:
        web = DICOMwebClient(url=node.dicomweb_url, session=session, timeout=node.timeout)
        web.set_http_retry_params(retry=False)  # a PACS that is down is said at once, not after 30 s of retries
        yield web
    except requests.exceptions.RequestException as error:
        raise failure(node, error) from None
    finally:
        session.close()


def check(node: PacsNode) -> str:
    """A one-study QIDO-RS query; what happened, or :class:`RemoteUnavailable`."""
    with client(node) as web:
        web.search_for_studies(limit=1, fields=["StudyInstanceUID"])
    return f"QIDO-RS at {node.dicomweb_url} answered"
