"""DICOM de-identification: the Basic Application Level Confidentiality Profile and two of its options.

The actions follow DICOM PS3.15 (Security and System Management Profiles),
Annex E "Attribute Confidentiality Profiles", Table E.1-1, column "Basic Prof.":
``X`` remove, ``Z`` replace with an empty value, ``D`` replace with a dummy
value, ``U`` replace the UID. :data:`ACTIONS` lists the attributes that matter in
practice; the rules in :func:`action_for` then cover what the table does by
family: every private tag goes, every non-standard UID is replaced, every
person name, date and time not listed is removed, and so are curves, overlays
and public tags this pydicom does not know.

Two options of the profile (PS3.15 E.3) can be chosen per import, see :class:`DeidOptions`:

- **Clean Descriptors Option** (``clean_descriptors``): the image descriptors in
  :data:`CLEANED_DESCRIPTORS` are kept after cleaning instead of removed. The
  cleaning is an allow-list, not a guess at what identifies someone: a
  descriptor keeps only its words found in :data:`VOCABULARY` (anatomy,
  modality, sequence, contrast phase, plane, reconstruction terms) and slice
  thicknesses such as ``2.5`` or ``5mm``; every other word (names, wards,
  notes, numbers, dates) is dropped, and a descriptor left empty is removed.
  The other free text the option would clean (patient and visit comments,
  histories, diagnoses) stays removed: it describes the person, not the images.
- **Retain Longitudinal Temporal Information with Modified Dates Option**
  (``dates="shift"``): instead of removed, dates are moved back by one number of
  days per patient (:func:`date_offset_days`: a keyed hash of the original
  patient identity with the workspace's salt, 365 to 3650 days), so two imports
  of the same patient shift alike and intervals between studies are kept; times
  of day are kept (a whole-day shift leaves them right). The patient's birth
  date and time stay removed (keeping them shifted would keep the age, which is
  the Retain Patient Characteristics Option), and so does the UTC offset.

UIDs are replaced by ``2.25.<int>`` from a keyed hash (HMAC-SHA256 with the
workspace's salt), so the same UID always maps to the same new UID within a
workspace and cannot be reversed without the salt.

This module imports pydicom only when a header is de-identified, so the server
can read :class:`DeidOptions` without loading it.
"""

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mass_ide.core.errors import InvalidInput

if TYPE_CHECKING:
    from pydicom.dataelem import DataElement
    from pydicom.dataset import Dataset

PROFILE = "DICOM PS3.15 Basic Application Level Confidentiality Profile"
METHOD = "Mass IDE: PS3.15 E Basic Profile, no private tags, hashed UIDs"  # LO: at most 64 characters
PROFILE_CODE = ("113100", "DCM", "Basic Application Confidentiality Profile")
CLEAN_DESCRIPTORS = "Clean Descriptors Option"
MODIFIED_DATES = "Retain Longitudinal Temporal Information with Modified Dates Option"
SHORT_NAMES = {CLEAN_DESCRIPTORS: CLEAN_DESCRIPTORS, MODIFIED_DATES: "Modified Dates Option"}  # LO: 64 at most
OPTION_CODES = {  # PS3.16 CID 7050 De-identification Method (as pydicom's codes.DCM spells them)
    CLEAN_DESCRIPTORS: ("113105", "DCM", "Clean Descriptors Option"),
    MODIFIED_DATES: ("113107", "DCM", "Retain Longitudinal Temporal Information Modified Dates Option"),
}
STANDARD_UID_ROOT = "1.2.840.10008."  # SOP classes, transfer syntaxes: not about anyone
DUMMY_PERSON = "ANONYMOUS"
DATES_REMOVE, DATES_SHIFT = "remove", "shift"
DATE_CHOICES = (DATES_REMOVE, DATES_SHIFT)
SHIFT_DAYS = (365, 3650)  # the range of the per-patient shift back in time, in days
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")

REMOVE, EMPTY, DUMMY, NEW_UID = "X", "Z", "D", "U"

# PS3.15 Table E.1-1, Basic Profile column (where the table allows a choice such as
# X/Z or Z/D, the stricter action that keeps a valid header is used).
ACTIONS: dict[str, str] = {
    # patient
    "PatientName": EMPTY, "PatientID": EMPTY, "PatientBirthDate": EMPTY, "PatientSex": EMPTY,
    "PatientBirthTime": REMOVE, "PatientAge": REMOVE, "PatientSize": REMOVE, "PatientWeight": REMOVE,
    "PatientAddress": REMOVE, "PatientTelephoneNumbers": REMOVE, "PatientTelecomInformation": REMOVE,
    "OtherPatientIDs": REMOVE, "OtherPatientNames": REMOVE, "OtherPatientIDsSequence": REMOVE,
    "PatientBirthName": REMOVE, "PatientMotherBirthName": REMOVE, "IssuerOfPatientID": REMOVE,
    "MedicalRecordLocator": REMOVE, "MilitaryRank": REMOVE, "BranchOfService": REMOVE,
    "EthnicGroup": REMOVE, "Occupation": REMOVE, "AdditionalPatientHistory": REMOVE,
    "PatientComments": REMOVE, "PatientReligiousPreference": REMOVE, "SmokingStatus": REMOVE,
    "MedicalAlerts": REMOVE, "Allergies": REMOVE, "PregnancyStatus": REMOVE, "LastMenstrualDate": REMOVE,
    "CountryOfResidence": REMOVE, "RegionOfResidence": REMOVE, "PatientState": REMOVE,
    "PatientInsurancePlanCodeSequence": REMOVE, "PatientTransportArrangements": REMOVE,
    "SpecialNeeds": REMOVE, "ResponsiblePerson": REMOVE, "ResponsibleOrganization": REMOVE,
    "ReferencedPatientSequence": REMOVE, "ReferencedPatientAliasSequence": REMOVE,
    # visit and request
    "AccessionNumber": EMPTY, "StudyID": EMPTY, "AdmissionID": REMOVE, "IssuerOfAdmissionIDSequence": REMOVE,
    "ServiceEpisodeID": REMOVE, "CurrentPatientLocation": REMOVE, "PatientInstitutionResidence": REMOVE,
    "VisitComments": REMOVE, "AdmittingDiagnosesDescription": REMOVE, "ReasonForStudy": REMOVE,
    "RequestAttributesSequence": REMOVE, "RequestedProcedureID": REMOVE,
    "RequestedProcedureDescription": REMOVE, "RequestedProcedureComments": REMOVE,
    "ImagingServiceRequestComments": REMOVE, "ScheduledProcedureStepID": REMOVE,
    "PerformedProcedureStepID": REMOVE, "PerformedProcedureStepDescription": REMOVE,
    "ReferencedStudySequence": REMOVE, "ReferencedPerformedProcedureStepSequence": REMOVE,
    # people and places
    "InstitutionName": REMOVE, "InstitutionAddress": REMOVE, "InstitutionalDepartmentName": REMOVE,
    "InstitutionCodeSequence": REMOVE, "ReferringPhysicianName": EMPTY, "ReferringPhysicianAddress": REMOVE,
    "ReferringPhysicianTelephoneNumbers": REMOVE, "ReferringPhysicianIdentificationSequence": REMOVE,
    "PhysiciansOfRecord": REMOVE, "PhysiciansOfRecordIdentificationSequence": REMOVE,
    "PerformingPhysicianName": REMOVE, "PerformingPhysicianIdentificationSequence": REMOVE,
    "NameOfPhysiciansReadingStudy": REMOVE, "PhysiciansReadingStudyIdentificationSequence": REMOVE,
    "OperatorsName": REMOVE, "OperatorIdentificationSequence": REMOVE, "RequestingPhysician": REMOVE,
    "ScheduledPerformingPhysicianName": REMOVE, "VerifyingObserverName": DUMMY, "PersonName": DUMMY,
    "ContentCreatorName": EMPTY, "AuthorObserverSequence": REMOVE, "ParticipantSequence": REMOVE,
    "ClinicalTrialSponsorName": DUMMY,
    # device identity
    "DeviceSerialNumber": REMOVE, "StationName": REMOVE, "PlateID": REMOVE, "DetectorID": REMOVE,
    "GantryID": REMOVE, "CassetteID": REMOVE, "GeneratorID": REMOVE, "DeviceUID": NEW_UID,
    # free text and descriptions
    "StudyDescription": REMOVE, "SeriesDescription": REMOVE, "ProtocolName": REMOVE,
    "ImageComments": REMOVE, "DerivationDescription": REMOVE, "AcquisitionComments": REMOVE,
    "FrameComments": REMOVE, "TextComments": REMOVE, "TextString": REMOVE, "ContributionDescription": REMOVE,
    "AcquisitionDeviceProcessingDescription": REMOVE, "ContentSequence": REMOVE,
    # dates and times (without the Retain Longitudinal Temporal Information option)
    "StudyDate": EMPTY, "StudyTime": EMPTY, "ContentDate": EMPTY, "ContentTime": EMPTY,
    "SeriesDate": REMOVE, "SeriesTime": REMOVE, "AcquisitionDate": REMOVE, "AcquisitionTime": REMOVE,
    "AcquisitionDateTime": REMOVE, "InstanceCreationDate": REMOVE, "InstanceCreationTime": REMOVE,
    "PerformedProcedureStepStartDate": REMOVE, "PerformedProcedureStepStartTime": REMOVE,
    "PerformedProcedureStepEndDate": REMOVE, "PerformedProcedureStepEndTime": REMOVE,
    "TimezoneOffsetFromUTC": REMOVE,
    # records of the original values, signatures, thumbnails that may show the patient
    "OriginalAttributesSequence": REMOVE, "ModifiedAttributesSequence": REMOVE,
    "DigitalSignaturesSequence": REMOVE, "HL7StructuredDocumentReferenceSequence": REMOVE,
    "IconImageSequence": REMOVE, "DataSetTrailingPadding": REMOVE,
    # UIDs (every other non-standard UI value is replaced too, see action_for)
    "StudyInstanceUID": NEW_UID, "SeriesInstanceUID": NEW_UID, "SOPInstanceUID": NEW_UID,
    "FrameOfReferenceUID": NEW_UID, "MediaStorageSOPInstanceUID": NEW_UID, "InstanceCreatorUID": NEW_UID,
    "ReferencedSOPInstanceUID": NEW_UID, "SynchronizationFrameOfReferenceUID": NEW_UID,
    "IrradiationEventUID": NEW_UID, "ConcatenationUID": NEW_UID, "DimensionOrganizationUID": NEW_UID,
}
OVERLAY_AND_CURVE_GROUPS = (0x5000, 0x6000)  # repeating groups 50xx and 60xx
# PS3.15 Table E.1-1, "Clean Desc. Opt." column: the descriptors of the images that the option keeps cleaned.
CLEANED_DESCRIPTORS = (
    "StudyDescription", "SeriesDescription", "ProtocolName", "ImageComments", "AcquisitionComments",
    "DerivationDescription", "PerformedProcedureStepDescription", "RequestedProcedureDescription",
    "AcquisitionDeviceProcessingDescription",
)
NOT_SHIFTED = {"PatientBirthDate", "PatientBirthTime", "TimezoneOffsetFromUTC"}  # removed under either choice
# The words a cleaned descriptor may keep: imaging terms that say nothing about a person.
VOCABULARY = frozenset("""
    HEAD BRAIN SKULL FACE FACIAL ORBIT ORBITS SINUS SINUSES TEMPORAL PITUITARY NECK THROAT LARYNX THYROID
    SPINE CSPINE TSPINE LSPINE CERVICAL THORACIC LUMBAR SACRUM SACRAL CHEST THORAX THORACIC LUNG LUNGS
    PULMONARY HEART CARDIAC CORONARY AORTA AORTIC BREAST ABDOMEN ABD ABDO ABDOMINAL PELVIS PELVIC LIVER
    HEPATIC BILIARY GALLBLADDER PANCREAS PANCREATIC SPLEEN KIDNEY KIDNEYS RENAL ADRENAL BLADDER URINARY
    PROSTATE UTERUS OVARY OVARIES BOWEL COLON RECTUM RECTAL STOMACH GASTRIC ESOPHAGUS OESOPHAGUS SHOULDER
    ARM ELBOW WRIST HAND HIP KNEE ANKLE FOOT LEG FEMUR EXTREMITY EXTREMITIES BONE BONES JOINT VASCULAR
    VESSELS CAROTID VENOGRAM WHOLE BODY WB UPPER LOWER LEFT RIGHT LT RT BILATERAL BILAT
    CT CTA CTP MR MRI MRA MRCP PET SPECT NM US XR CR DX MG RF FLUORO ANGIO ANGIOGRAPHY PERFUSION DYNAMIC
    DIFFUSION DWI DTI ADC SWI FLAIR STIR T1 T2 T1W T2W T2STAR PD PDW GRE SE TSE FSE EPI MPRAGE VIBE DIXON FS
    FATSAT FAT WATER INPHASE OPPOSED OPP PHASE 2D 3D 4D MPR MIP MINIP VR VRT AXIAL AX AXI TRA TRANSVERSE
    CORONAL COR SAGITTAL SAG OBLIQUE OBL LOCALIZER LOCALISER LOC SCOUT SURVIEW TOPOGRAM TOPO SURVEY
    HELICAL SPIRAL SEQUENTIAL CONTRAST NONCONTRAST NONCON NATIVE PLAIN UNENHANCED ENHANCED PRE POST C C+
    IV ORAL ARTERIAL ART EARLY LATE PORTAL PORTOVENOUS PV VENOUS VEN DELAYED DELAY EQUILIBRIUM
    NEPHROGRAPHIC EXCRETORY WASHOUT STANDARD STD ROUTINE SOFT TISSUE SHARP SMOOTH DETAIL MEDIASTINUM
    MEDIASTINAL WINDOW KERNEL RECON RECONSTRUCTION ITERATIVE THIN THICK SLICE SLICES SECTION LOW HIGH DOSE
    LD HR HRCT FULL IMAGE IMAGES SERIES STUDY EXAM SCAN SCREENING STAGING BASELINE PROTOCOL MM WITH
    WITHOUT W WO AND OF ON FOR NO
""".split())
SLICE_THICKNESS = re.compile(r"\d(\.\d{1,3})?|\d{1,2}(\.\d{1,3})?MM")
WORD = re.compile(r"[A-Za-z0-9]+(?:\.[0-9]+)?(?:mm|MM)?\+?")
DESCRIPTOR_LENGTH = 64  # LO


def _flag(value: object, *, name: str) -> bool:
    """``1``/``true``/``yes`` (or a bool) as True, ``0``/``false``/``no``/nothing as False; else InvalidInput."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in TRUE_WORDS or text in FALSE_WORDS:
        return text in TRUE_WORDS
    raise InvalidInput(f"{name} must be true or false (1 or 0), not {value!r}")


@dataclass(frozen=True)
class DeidOptions:
    """The de-identification options chosen for one import (default: the Basic Profile alone).

    ``clean_descriptors``: the Clean Descriptors Option; ``dates``: ``remove`` (the
    Basic Profile) or ``shift`` (the Modified Dates Option).
    """

    clean_descriptors: bool = False
    dates: str = DATES_REMOVE

    def __post_init__(self) -> None:
        if self.dates not in DATE_CHOICES:
            raise InvalidInput(f"dates must be one of {', '.join(DATE_CHOICES)}, not {self.dates!r}")
        object.__setattr__(self, "clean_descriptors", _flag(self.clean_descriptors, name="clean_descriptors"))

    @classmethod
    def parse(cls, *, clean_descriptors: object = None, dates: object = None) -> "DeidOptions":
        """Options from a request (JSON values or query strings; missing means the default)."""
        return cls(clean_descriptors=_flag(clean_descriptors, name="clean_descriptors"),
                   dates=DATES_REMOVE if dates in (None, "") else str(dates))

    @property
    def profile_options(self) -> list[str]:
        """The PS3.15 option names these options apply."""
        return [name for name, chosen in ((CLEAN_DESCRIPTORS, self.clean_descriptors),
                                          (MODIFIED_DATES, self.dates == DATES_SHIFT)) if chosen]

    def to_json(self) -> dict:
        """The options as the import report and the REST body spell them."""
        return {"clean_descriptors": self.clean_descriptors, "dates": self.dates}


def new_uid(uid: str, *, salt: str) -> str:
    """The replacement for ``uid``: ``2.25.`` and 128 bits of HMAC-SHA256(salt, uid) as an integer."""
    digest = hmac.new(salt.encode("utf-8"), uid.strip().strip("\x00").encode("ascii", "replace"), hashlib.sha256)
    return f"2.25.{int.from_bytes(digest.digest()[:16], 'big')}"


def patient_identity(ds: "Dataset") -> tuple[str, bool]:
    """The original header's patient identity as one string, and whether there was one.

    Patient ID with its issuer; else name and birth date; else (nobody named) the
    study, so that at least one study's dates shift alike.
    """
    def text(keyword: str) -> str:
        return str(ds.get(keyword) or "").strip().strip("\x00").upper()

    if text("PatientID"):
        return f"id\x00{text('PatientID')}\x00{text('IssuerOfPatientID')}", True
    if text("PatientName"):
        return f"name\x00{text('PatientName')}\x00{text('PatientBirthDate')}", True
    return f"study\x00{text('StudyInstanceUID')}", False


def date_offset_days(identity: str, *, salt: str) -> int:
    """How many days one patient's dates move back: from HMAC-SHA256(salt, identity), within :data:`SHIFT_DAYS`."""
    digest = hmac.new(salt.encode("utf-8"), f"date-shift\x00{identity}".encode("utf-8", "replace"), hashlib.sha256)
    low, high = SHIFT_DAYS
    return low + int.from_bytes(digest.digest()[:8], "big") % (high - low + 1)


def shift_date(value: str, *, days: int) -> str | None:
    """A DA (``YYYYMMDD``) or DT (``YYYYMMDD…``) value ``days`` earlier, or None when it cannot be read."""
    text = str(value).strip().strip("\x00")
    digits, rest = text[:8], text[8:]
    if len(digits) < 8 or not digits.isdigit() or (rest and not re.fullmatch(r"[0-9.+\-]*", rest)):
        return None
    try:
        shifted = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:])) - datetime.timedelta(days=days)
    except (ValueError, OverflowError):
        return None
    return f"{shifted.year:04d}{shifted.month:02d}{shifted.day:02d}{rest}"


def clean_descriptor(text: str) -> str | None:
    """The words of a descriptor found in :data:`VOCABULARY` (and slice thicknesses), or None when none are."""
    kept: list[str] = []
    for word in WORD.findall(text):
        if word.upper() in VOCABULARY or SLICE_THICKNESS.fullmatch(word.upper()):
            if len(" ".join([*kept, word])) > DESCRIPTOR_LENGTH:
                break
            kept.append(word)
    return " ".join(kept) or None


def action_for(element: "DataElement") -> str | None:
    """What the Basic Profile does to ``element``: one of X, Z, D, U, or None to keep it."""
    if element.tag.is_private:
        return REMOVE
    if element.keyword in ACTIONS:
        return ACTIONS[element.keyword]
    if element.VR == "UI":
        values = element.value if element.VM > 1 else [element.value]
        return NEW_UID if any(v and not str(v).startswith(STANDARD_UID_ROOT) for v in values) else None
    if element.VR in ("PN", "DA", "DT", "TM") or element.tag.group & 0xFF00 in OVERLAY_AND_CURVE_GROUPS:
        return REMOVE
    if not element.keyword and element.tag.element != 0:  # a public tag unknown to the dictionary
        return REMOVE
    return None


def _values(element: "DataElement") -> list:
    """The element's values as a list (one for VM 1)."""
    return list(element.value) if element.VM > 1 else [element.value]


def _replace(element: "DataElement", action: str, *, salt: str) -> None:
    """Empty ``element``, give it a dummy value, or replace its UIDs."""
    if action == NEW_UID:
        if element.VM > 1:
            element.value = [new_uid(str(v), salt=salt) for v in element.value]
        else:
            element.value = new_uid(str(element.value), salt=salt)
    elif action == DUMMY and element.VR in ("PN", "LO", "SH"):
        element.value = DUMMY_PERSON
    else:
        element.value = [] if element.VR == "SQ" else None


def _name(element: "DataElement") -> str:
    """The element's keyword, or its tag for private and unknown ones."""
    return element.keyword or str(element.tag)


class _Profile:
    """One header's de-identification: the Basic Profile's action per element, or the chosen option's."""

    def __init__(self, ds: "Dataset", *, salt: str, options: DeidOptions):
        self.salt, self.options = salt, options
        self.removed: set[str] = set()
        self.replaced: set[str] = set()
        self.cleaned: set[str] = set()
        self.shifted: set[str] = set()
        self.counts = {"uids_replaced": 0, "private_tags_removed": 0, "dates_shifted": 0, "dates_unreadable": 0}
        self.identified = True
        self.days = 0
        if options.dates == DATES_SHIFT:
            identity, self.identified = patient_identity(ds)
            self.days = date_offset_days(identity, salt=salt)

    def apply(self, dataset: "Dataset", element: "DataElement") -> None:
        """De-identify one element of ``dataset`` (the callback of ``Dataset.walk``)."""
        action = action_for(element)
        if action is None or self._option(element, action):
            return
        if element.tag.is_private:
            self.counts["private_tags_removed"] += 1
            del dataset[element.tag]
        elif action == REMOVE:
            self.removed.add(_name(element))
            del dataset[element.tag]
        else:
            self.counts["uids_replaced"] += element.VM if action == NEW_UID else 0
            self.replaced.add(_name(element))
            _replace(element, action, salt=self.salt)

    def _option(self, element: "DataElement", action: str) -> bool:
        """Apply a chosen option instead of the profile's ``action``; whether it did."""
        if element.tag.is_private or action == NEW_UID or element.keyword in NOT_SHIFTED:
            return False
        if self.options.clean_descriptors and element.keyword in CLEANED_DESCRIPTORS:
            cleaned = clean_descriptor(" ".join(str(value) for value in _values(element) if value))
            if cleaned is None:
                return False
            element.value = cleaned
            self.cleaned.add(element.keyword)
            return True
        if self.options.dates != DATES_SHIFT or element.VR not in ("DA", "DT", "TM") or element.VM == 0:
            return False
        if element.VR == "TM":  # a whole-day shift leaves the time of day as it was
            self.shifted.add(_name(element))
            return True
        shifted = [shift_date(value, days=self.days) for value in _values(element)]
        if None in shifted:
            self.counts["dates_unreadable"] += 1
            return False
        element.value = shifted if element.VM > 1 else shifted[0]
        self.counts["dates_shifted"] += len(shifted)
        self.shifted.add(_name(element))
        return True

    def report(self, *, burned_in: bool) -> dict:
        """What was done, as JSON (names of attributes and counts, never a value)."""
        warnings = ["BurnedInAnnotation is YES: the pixels themselves may show patient data"] if burned_in else []
        return {"removed": sorted(self.removed), "replaced": sorted(self.replaced), "cleaned": sorted(self.cleaned),
                "shifted": sorted(self.shifted), **self.counts, "patient_identified": self.identified,
                "warnings": warnings}


def _mark(ds: "Dataset", options: DeidOptions) -> None:
    """Record in ``ds`` that it was de-identified, how, and with which options."""
    from pydicom.dataset import Dataset

    ds.PatientIdentityRemoved = "YES"
    names = [SHORT_NAMES[name] for name in options.profile_options]
    ds.DeidentificationMethod = [METHOD, *names] if names else METHOD
    items = []
    for value, scheme, meaning in [PROFILE_CODE, *(OPTION_CODES[name] for name in options.profile_options)]:
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = value, scheme, meaning
        items.append(code)
    ds.DeidentificationMethodCodeSequence = items
    ds.LongitudinalTemporalInformationModified = "MODIFIED" if options.dates == DATES_SHIFT else "REMOVED"


def deidentify_dataset(ds: "Dataset", *, salt: str, options: DeidOptions | None = None) -> dict:
    """Apply the Basic Profile (with the chosen options) to ``ds`` in place, its file meta too; say what was done.

    The report lists the keywords removed, replaced, cleaned and shifted (``(gggg,eeee)``
    for unknown tags), the numbers of UIDs replaced, private tags removed and dates
    shifted, and warnings. It never holds a value of the header.
    """
    options = options or DeidOptions()
    burned_in = str(ds.get("BurnedInAnnotation", "")).upper() == "YES"
    profile = _Profile(ds, salt=salt, options=options)
    ds.walk(profile.apply)
    file_meta = getattr(ds, "file_meta", None)
    if file_meta is not None:
        file_meta.walk(profile.apply)
    _mark(ds, options)
    return profile.report(burned_in=burned_in)
