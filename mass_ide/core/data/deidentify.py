"""DICOM de-identification: the Basic Application Level Confidentiality Profile.

The actions follow DICOM PS3.15 (Security and System Management Profiles),
Annex E "Attribute Confidentiality Profiles", Table E.1-1, column "Basic Prof.":
``X`` remove, ``Z`` replace with an empty value, ``D`` replace with a dummy
value, ``U`` replace the UID. :data:`ACTIONS` lists the attributes that matter in
practice; the rules in :func:`action_for` then cover what the table does by
family: every private tag goes, every non-standard UID is replaced, every
person name, date and time not listed is removed, and so are curves, overlays
and public tags this pydicom does not know. No option of the profile (retain
dates, retain device identity, …) is applied.

UIDs are replaced by ``2.25.<int>`` from a keyed hash (HMAC-SHA256 with the
workspace's salt), so the same UID always maps to the same new UID within a
workspace and cannot be reversed without the salt.
"""

import hashlib
import hmac
import re

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

PROFILE = "DICOM PS3.15 Basic Application Level Confidentiality Profile"
METHOD = "Mass IDE: PS3.15 E Basic Profile, no private tags, hashed UIDs"  # LO: at most 64 characters
PROFILE_CODE = ("113100", "DCM", "Basic Application Confidentiality Profile")
STANDARD_UID_ROOT = "1.2.840.10008."  # SOP classes, transfer syntaxes: not about anyone
DUMMY_PERSON = "ANONYMOUS"

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
DESCRIPTIONS = {"StudyDescription", "SeriesDescription", "ProtocolName"}  # candidates to keep, not evidence
TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UT"}


def new_uid(uid: str, *, salt: str) -> str:
    """The replacement for ``uid``: ``2.25.`` and 128 bits of HMAC-SHA256(salt, uid) as an integer."""
    digest = hmac.new(salt.encode("utf-8"), uid.strip().strip("\x00").encode("ascii", "replace"), hashlib.sha256)
    return f"2.25.{int.from_bytes(digest.digest()[:16], 'big')}"


def action_for(element: DataElement) -> str | None:
    """What the profile does to ``element``: one of X, Z, D, U, or None to keep it."""
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


def _replace(element: DataElement, action: str, *, salt: str) -> None:
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


def _name(element: DataElement) -> str:
    """The element's keyword, or its tag for private and unknown ones."""
    return element.keyword or str(element.tag)


def identifying_values(ds: Dataset) -> set[str]:
    """The text the profile would remove from ``ds`` (names split in parts, IDs, dates), lower-cased.

    Used to decide whether a description may be kept (see :func:`is_safe_text`), so
    descriptions themselves are left out.
    """
    found: set[str] = set()

    def collect(_dataset: Dataset, element: DataElement) -> None:
        if element.VR not in TEXT_VRS or element.keyword in DESCRIPTIONS or action_for(element) in (None, NEW_UID):
            return
        values = element.value if element.VM > 1 else [element.value]
        for value in values:
            for part in re.split(r"[\^=,\s]+", str(value or "")):
                if len(part) >= 3:
                    found.add(part.lower())

    ds.walk(collect)
    return found


def is_safe_text(text: str | None, *, identifying: set[str]) -> bool:
    """Whether a free-text value (a series description) shows none of ``identifying``.

    Also refused: runs of six or more digits (dates, IDs) and anything longer than 64 characters.
    """
    if not text or len(text) > 64 or re.search(r"\d{6,}", text):
        return False
    lowered = text.lower()
    return not any(value in lowered for value in identifying)


def deidentify_dataset(ds: Dataset, *, salt: str) -> dict:
    """Apply the Basic Profile to ``ds`` in place (its file meta too); return what was done.

    The report lists the keywords removed and replaced (``(gggg,eeee)`` for unknown
    tags), the number of UIDs replaced and of private tags removed, and warnings.
    """
    removed: set[str] = set()
    replaced: set[str] = set()
    counts = {"uids_replaced": 0, "private_tags_removed": 0}
    burned_in = str(ds.get("BurnedInAnnotation", "")).upper() == "YES"

    def apply(dataset: Dataset, element: DataElement) -> None:
        action = action_for(element)
        if action is None:
            return
        if element.tag.is_private:
            counts["private_tags_removed"] += 1
            del dataset[element.tag]
        elif action == REMOVE:
            removed.add(_name(element))
            del dataset[element.tag]
        else:
            counts["uids_replaced"] += element.VM if action == NEW_UID else 0
            replaced.add(_name(element))
            _replace(element, action, salt=salt)

    ds.walk(apply)
    file_meta = getattr(ds, "file_meta", None)
    if file_meta is not None:
        file_meta.walk(apply)
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = PROFILE_CODE
    ds.DeidentificationMethodCodeSequence = [code]
    ds.LongitudinalTemporalInformationModified = "REMOVED"
    warnings = ["BurnedInAnnotation is YES: the pixels themselves may show patient data"] if burned_in else []
    return {"removed": sorted(removed), "replaced": sorted(replaced), **counts, "warnings": warnings}
