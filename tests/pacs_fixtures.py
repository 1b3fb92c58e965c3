"""A real PACS for the tests: Debian's Orthanc with its DICOMweb plugin, on free loopback ports.

:func:`start_orthanc` writes a configuration into a fresh folder (storage, HTTP and
DICOM ports, one user, the DICOMweb plugin, Mass IDE registered as a modality),
starts ``Orthanc`` as a child process and waits until its REST API answers. Series
are loaded through that REST API, as a hospital's own tools would. The caller
stops it with :meth:`Orthanc.stop` (by its process id).
"""

import base64
import datetime
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ORTHANC = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
USER, PASSWORD = "pacs-reader", "orthanc-test-secret-7731"
AE_TITLE = "TESTPACS"


def free_port() -> int:
    """A TCP port nobody listens on now, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def orthanc_available() -> bool:
    """Whether Orthanc and its DICOMweb plugin are installed (``apt-get install orthanc orthanc-dicomweb``)."""
    return Path(ORTHANC).exists() and DICOMWEB_PLUGIN.exists()


@dataclass
class Orthanc:
    """A running Orthanc: where it answers, and how to load and read it through its REST API."""

    process: subprocess.Popen
    folder: Path
    http_port: int
    dicom_port: int
    ae_title: str = AE_TITLE

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    def rest(self, path: str, *, body: bytes | None = None, method: str | None = None):
        """One call of Orthanc's REST API, as the test user; the JSON answer."""
        request = urllib.request.Request(f"{self.url}{path}", data=body, method=method)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def node(self, name: str = "pacs", *, protocol: str = "dicomweb", **overrides) -> dict:
        """The settings of a Mass IDE PACS node talking to this Orthanc by ``protocol`` (dicomweb or dimse)."""
        if protocol == "dicomweb":
            config = {"name": name, "dicomweb_url": self.dicomweb_url, "username": USER, "password": PASSWORD}
        else:
            config = {"name": name, "ae_title": self.ae_title, "host": "127.0.0.1", "port": self.dicom_port}
        return {**config, "timeout": 10, **overrides}

    def upload(self, files) -> list[str]:
        """Store DICOM files in Orthanc (``POST /instances``); their Orthanc ids."""
        return [self.rest("/instances", body=Path(path).read_bytes())["ID"] for path in files]

    def stop(self) -> None:
        """Stop Orthanc by its process id and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def orthanc_config(folder: Path, *, http_port: int, dicom_port: int, modalities: dict | None = None) -> dict:
    """Orthanc's configuration: storage in ``folder``, both ports, one user, DICOMweb on, known modalities."""
    return {
        "Name": "Mass IDE test PACS",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "storage"),
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "DicomAet": AE_TITLE,
        "DicomCheckCalledAet": True,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {USER: PASSWORD},
        "Plugins": [str(DICOMWEB_PLUGIN)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": True},
        "DicomModalities": modalities or {},
        "DicomAlwaysAllowEcho": True,
        "DicomAlwaysAllowStore": True,
        "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowGet": True,
        "DicomScpTimeout": 10,
        "StableAge": 1,
        "HttpTimeout": 20,
        "LimitFindResults": 0,
        "LimitFindInstances": 0,
        "ConcurrentJobs": 1,
        "SaveJobs": False,
    }


def start_orthanc(folder: Path, *, modalities: dict | None = None, timeout: float = 60) -> Orthanc:
    """Start Orthanc with a generated configuration in ``folder``; return once its REST API answers.

    Started again on the same folder, it serves what it stored before (on new ports).
    """
    if not orthanc_available():
        raise RuntimeError("Orthanc is not installed: apt-get install -y orthanc orthanc-dicomweb "
                           "(scripts/test.sh does it)")
    folder.mkdir(parents=True, exist_ok=True)
    http_port, dicom_port = free_port(), free_port()
    config = folder / "orthanc.json"
    config.write_text(json.dumps(orthanc_config(folder, http_port=http_port, dicom_port=dicom_port,
                                                modalities=modalities), indent=2))
    log = (folder / "orthanc.log").open("w")
    process = subprocess.Popen([ORTHANC, str(config)], stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, cwd=folder)
    orthanc = Orthanc(process=process, folder=folder, http_port=http_port, dicom_port=dicom_port)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log_tail = (folder / "orthanc.log").read_text()[-2000:]
            raise RuntimeError(f"Orthanc exited with {process.returncode}: {log_tail}")
        try:
            orthanc.rest("/system")
            return orthanc
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                orthanc.stop()
                raise TimeoutError(f"Orthanc did not answer on port {http_port} in {timeout} s") from None
            time.sleep(0.2)


def write_report(path: Path, *, study_uid: str) -> str:
    """A Basic Text SR (a report, no pixel data) in ``study_uid``, as a PACS holds beside the images; its series UID."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import BasicTextSRStorage, ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = BasicTextSRStorage, generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = BasicTextSRStorage, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, generate_uid()
    ds.PatientName, ds.PatientID, ds.Modality, ds.SeriesNumber = "Quixotic^Zebulon^Marmaduke", "PID-99887766", "SR", 90
    ds.StudyDate = ds.ContentDate = datetime.date(2024, 2, 29).strftime("%Y%m%d")
    ds.ValueType, ds.CompletionFlag, ds.VerificationFlag = "CONTAINER", "COMPLETE", "UNVERIFIED"
    ds.save_as(path, enforce_file_format=True)
    return str(ds.SeriesInstanceUID)
