"""Errors the core raises for things a user can fix.

The server maps each class to an HTTP status (400, 403, 404, 409, 502); the command line
prints the message. Anything else escaping the core is a bug.
"""


class MassError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class InvalidInput(MassError):
    """The request itself is wrong (bad name, unknown template, malformed value)."""


class NotFound(MassError):
    """The thing asked for does not exist."""


class Forbidden(MassError):
    """The user's role in the project does not allow this; the message names the role needed."""


class Conflict(MassError):
    """The request clashes with the current state (a name already taken)."""


class RemoteUnavailable(MassError):
    """A PACS or other node the request needs refused, failed or did not answer in time; the message says which."""


class WorkerUnavailable(MassError):
    """A worker process the request needs failed on it; the message says where its log is."""
