"""The prediction server: a small Tornado app around one :class:`ModelService`, behind an API key.

The same app runs as a deployment's worker process (``python -m mass_ide.serve``, on
127.0.0.1 with a per-deployment key the IDE server forwards requests with) and as
``mass-ide serve MODEL --port P --api-key-file F`` outside the IDE. Routes:

- ``GET /health`` — liveness, no key needed;
- ``GET /openapi.json`` — this server's OpenAPI document, no key needed;
- ``GET /`` — the model, version, runtime and input signature;
- ``POST /predict`` — JSON records for table models, a multipart upload (field ``file``)
  or the raw file with ``?filename=`` for images and volumes.

The key goes in ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``. It is checked on the
headers, before a byte of the body is read (401), and so is the announced size: a body
over ``--max-body-bytes`` gets 413, and a chunked one is cut off there.
"""

import argparse
import asyncio
import hmac
import json
import os
import signal
import sys
from http import HTTPStatus
from pathlib import Path

from tornado import httpserver, httputil, web

from mass_ide import __version__
from mass_ide.core.errors import MassError
from mass_ide.core.serving.inputs import REQUEST_MAX_BYTES

KEY_ENV = "MASS_IDE_SERVE_KEY"
MASK_DESCRIPTION = (
    "Segmentation results carry `mask`: {shape, dtype: uint8, encoding: base64-gzip, data} — the mask's "
    "C-order bytes (one class value per voxel, on the input's own grid: [H, W] for pictures, the NIfTI's "
    "array order [x, y, z] for volumes), gzip-compressed, then base64 — plus `slices` (the last axis' "
    "length), `classes`, `voxels` per class, `affine` (volumes) and `uncertainty` (0 sure … 1 unsure).")


def openapi_document(info: dict) -> dict:
    """The OpenAPI 3.1 document of a prediction server for the model in ``info``."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    answer = {"application/json": {"schema": {"$ref": "#/components/schemas/Prediction"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"Mass IDE prediction server: {info['model']} v{info['version']}",
                 "version": __version__,
                 "description": "Predictions of one model. Every route but /health and /openapi.json needs "
                                "the API key in `X-API-Key` or `Authorization: Bearer`. " + MASK_DESCRIPTION},
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
            "schemas": {
                "Error": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
                "Prediction": {"type": "object", "required": ["model", "version", "predictions"],
                               "properties": {"model": {"type": "string"}, "version": {"type": ["integer", "null"]},
                                              "predictions": {"type": "array", "items": {"type": "object"}}}},
                "Records": {"type": "object", "required": ["records"],
                            "properties": {"records": {"type": "array", "items": {"type": "object"}},
                                           "units": {"type": "object", "additionalProperties": {"type": "string"}}}},
            },
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/health": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "OK"}}}},
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OK"}}}},
            "/": {"get": {"summary": "The model, its version, runtime and input signature",
                          "responses": {"200": {"description": "OK"}, "401": {"description": "No or wrong key"}}}},
            "/predict": {"post": {
                "summary": "Predict",
                "description": f"Input signature: {json.dumps(info['signature'])}. " + MASK_DESCRIPTION,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Records"}},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "file": {"type": "string", "format": "binary"}}}}}},
                "responses": {"200": {"description": "OK", "content": answer},
                              "400": {"description": "Bad input", "content": error},
                              "401": {"description": "No or wrong key", "content": error},
                              "413": {"description": "Body over the server's limit", "content": error}}}},
        },
    }


def failure(error: BaseException) -> str:
    """An unexpected error in a line: its type and the first line of its message."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:200]}" if lines else type(error).__name__


@web.stream_request_body
class ServeHandler(web.RequestHandler):
    """Base: the key and the body's size checked on the headers, the body streamed in, JSON errors."""

    needs_key = True

    def initialize(self, service, api_key: str | None, audit_log: str | None = None,
                   max_body_bytes: int = REQUEST_MAX_BYTES) -> None:
        self.service, self.api_key, self.audit_log = service, api_key, audit_log
        self.max_body_bytes = max_body_bytes

    def prepare(self) -> None:
        """Before the body: 401 without the key, 413 when the announced body is over the limit."""
        self.chunks: list[bytes] = []
        if self.needs_key:
            self.check_key()
        self.limit_body()

    def check_key(self) -> None:
        """401 unless the request carries the server's key."""
        given = self.request.headers.get("X-API-Key") or ""
        bearer = self.request.headers.get("Authorization", "")
        if bearer.lower().startswith("bearer "):
            given = bearer[7:].strip()
        if self.api_key is not None and not hmac.compare_digest(given.encode(), self.api_key.encode()):
            raise web.HTTPError(HTTPStatus.UNAUTHORIZED, "missing or wrong API key (X-API-Key header)")

    def limit_body(self) -> None:
        """413 for an announced body over the limit; a chunked body is cut off at the limit."""
        announced = self.request.headers.get("Content-Length", "0").strip()
        if not announced.isdigit():
            raise web.HTTPError(HTTPStatus.BAD_REQUEST, "Content-Length must be a number of bytes")
        if int(announced) > self.max_body_bytes:
            raise web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                f"the request's body of {int(announced):,} bytes is over this server's limit of "
                                f"{self.max_body_bytes:,} bytes (--max-body-bytes)")
        self.request.connection.set_max_body_size(self.max_body_bytes)

    def data_received(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    @property
    def body(self) -> bytes:
        """The request's whole body, once it has arrived."""
        return b"".join(self.chunks)

    def write_error(self, status_code: int, **kwargs) -> None:
        """Errors as ``{"message": ...}``; an unexpected failure says what it was (the worker's log has more)."""
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, web.HTTPError) and error.log_message:
            message = error.log_message
        elif isinstance(error, MassError):
            message = str(error)
        elif error is not None and status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            message = f"the prediction server failed: {failure(error)}"
        else:
            message = self._reason
        self.set_header("Content-Type", "application/json")
        self.finish({"message": message})

    def _handle_request_exception(self, error: BaseException) -> None:
        """A user error in the input is a 400 and nothing more."""
        if isinstance(error, MassError):
            self.send_error(HTTPStatus.BAD_REQUEST, exc_info=(type(error), error, None))
            return
        super()._handle_request_exception(error)


class HealthHandler(ServeHandler):
    needs_key = False

    def get(self) -> None:
        self.finish({"status": "ok"})


class OpenAPIHandler(ServeHandler):
    needs_key = False

    def get(self) -> None:
        self.finish(openapi_document(self.service.info()))


class InfoHandler(ServeHandler):
    def get(self) -> None:
        self.finish(self.service.info())


def uploaded_file(content_type: str, body: bytes) -> httputil.HTTPFile:
    """The multipart field ``file`` of a request body (400 when there is none)."""
    arguments: dict = {}
    files: dict[str, list[httputil.HTTPFile]] = {}
    httputil.parse_body_arguments(content_type, body, arguments, files)
    if not files.get("file"):
        raise web.HTTPError(HTTPStatus.BAD_REQUEST, "upload the input as multipart field 'file'")
    return files["file"][0]


class PredictHandler(ServeHandler):
    async def post(self) -> None:
        content_type, body = self.request.headers.get("Content-Type", ""), self.body
        if content_type.startswith("multipart/form-data"):
            upload = uploaded_file(content_type, body)
            answer = await self.service.predict_upload(upload.body, name=upload.filename or "upload")
        elif content_type.startswith("application/json") or self.service.signature["inputs"]["kind"] == "table":
            answer = await self.service.predict_json(body)
        else:
            answer = await self.service.predict_upload(body, name=self.get_query_argument("filename", "upload"))
        if self.audit_log:
            self.log_prediction(answer, body)
        self.finish(answer)

    def log_prediction(self, answer: dict, body: bytes) -> None:
        """Append the prediction to the audit log: time, model version, the input's SHA-256, the output."""
        from mass_ide.core.audit import now_iso
        from mass_ide.core.serving.inputs import input_sha256
        from mass_ide.core.serving.service import output_summary

        line = {"at": now_iso(), "user": "api-key", "model": answer["model"], "version": answer["version"],
                "input_sha256": input_sha256(body),
                "output": [output_summary(p) for p in answer["predictions"]]}
        with open(self.audit_log, "a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")


def make_app(service, *, api_key: str | None, audit_log: str | None = None,
             max_body_bytes: int = REQUEST_MAX_BYTES) -> web.Application:
    """The Tornado application of a prediction server (``audit_log``: a JSON-lines file of predictions;
    ``max_body_bytes``: the largest request body it reads)."""
    options = {"service": service, "api_key": api_key, "audit_log": audit_log, "max_body_bytes": max_body_bytes}
    return web.Application([(r"/health", HealthHandler, options), (r"/openapi.json", OpenAPIHandler, options),
                            (r"/", InfoHandler, options), (r"/predict", PredictHandler, options)])


def check_parity(model_file: str, *, override: bool) -> None:
    """Exit (one sentence on stderr) when the ONNX export beside ``model_file`` failed its parity check and
    ``override`` is not given; with it, say in the log that the failed export is served anyway."""
    from mass_ide.core.registry.bundle import read_report
    from mass_ide.core.serving.export import OVERRIDE_ADVICE, parity_failure
    from mass_ide.core.serving.runtime import bundle_folder

    failure = parity_failure(read_report(bundle_folder(model_file)), "onnx")
    if failure and not override:
        raise SystemExit(f"{failure}; {OVERRIDE_ADVICE} (mass-ide serve: --override-parity)")
    if failure:
        print(f"serving anyway, as overridden: {failure}", file=sys.stderr, flush=True)


def build_service(args: argparse.Namespace):
    """The model service the command line describes; exits instead for an ONNX export that failed parity,
    unless ``--override-parity``."""
    from mass_ide.core.serving.runtime import load_predictor
    from mass_ide.core.serving.service import ModelService

    predictor = load_predictor(args.model_file, runtime=args.runtime, onnx_file=args.onnx_file)
    if args.runtime == "onnx":
        check_parity(args.model_file, override=args.override_parity)
    return ModelService(predictor, model=args.name, version=args.version, runtime=args.runtime,
                        max_batch=args.max_batch, max_wait_ms=args.max_wait_ms, scratch=args.scratch)


async def serve(service, *, host: str, port: int, api_key: str | None, ready_file: str | None = None,
                audit_log: str | None = None, max_body_bytes: int = REQUEST_MAX_BYTES) -> None:
    """Listen until SIGTERM or SIGINT; write ``ready_file`` (pid and port) once listening."""
    server = httpserver.HTTPServer(make_app(service, api_key=api_key, audit_log=audit_log,
                                            max_body_bytes=max_body_bytes))
    server.listen(port, address=host)
    if ready_file:
        Path(ready_file).write_text(json.dumps({"pid": os.getpid(), "port": port}), encoding="utf-8")
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    server.stop()
    service.close()


def parser() -> argparse.ArgumentParser:
    """Arguments of the prediction server process."""
    found = argparse.ArgumentParser(prog="python -m mass_ide.serve", description=__doc__.splitlines()[0])
    found.add_argument("--model-file", required=True, help="a Mass IDE model file (models/model.pt)")
    found.add_argument("--onnx-file", help="the exported ONNX graph, for --runtime onnx")
    found.add_argument("--runtime", default="torch", choices=["torch", "onnx"])
    found.add_argument("--override-parity", action="store_true",
                       help="serve the ONNX graph even when its export failed the parity check against PyTorch")
    found.add_argument("--name", default="model", help="the model's name in answers")
    found.add_argument("--version", type=int, default=None, help="the model version in answers")
    found.add_argument("--host", default="127.0.0.1")
    found.add_argument("--port", type=int, default=8080)
    found.add_argument("--api-key-file", help="a file holding the API key (else the key is in $" + KEY_ENV + ")")
    found.add_argument("--ready-file", help="written with pid and port once the server listens")
    found.add_argument("--scratch", help="folder for uploaded volumes while they are predicted")
    found.add_argument("--max-batch", type=int, default=32, help="inputs per forward pass (1: no batching)")
    found.add_argument("--max-wait-ms", type=float, default=2.0, help="how long a batch waits for more requests")
    found.add_argument("--audit-log", help="append every prediction (time, version, input SHA-256, output) "
                                           "to this JSON-lines file")
    found.add_argument("--max-body-bytes", type=int, default=REQUEST_MAX_BYTES,
                       help="the largest request body read; larger ones get 413 before they are read")
    return found


def read_api_key(path: str | None) -> str:
    """The API key from a file (stripped) or the environment; a server never runs without one."""
    key = Path(path).read_text(encoding="utf-8").strip() if path else os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise SystemExit(f"no API key: give --api-key-file FILE or set ${KEY_ENV}")
    return key


def main(argv: list[str] | None = None) -> int:
    """Run one prediction server in the foreground."""
    args = parser().parse_args(argv)
    api_key = read_api_key(args.api_key_file)
    asyncio.run(serve(build_service(args), host=args.host, port=args.port, api_key=api_key,
                      ready_file=args.ready_file, audit_log=args.audit_log, max_body_bytes=args.max_body_bytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
