"""The route table: every URL of the Mass IDE API, in one place."""

from jupyter_server.utils import url_path_join

from mass_ide.server.annotation_handlers import (
    AnnotationHandler,
    DecathlonExportHandler,
    LabelsCSVHandler,
    MaskHandler,
    MaskVolumesHandler,
    PrelabelHandler,
    SuggestionAcceptHandler,
    SuggestionHandler,
    SuggestionMaskHandler,
)
from mass_ide.server.base import API_PREFIX
from mass_ide.server.clinical_handlers import (
    BatchCancelHandler,
    BatchesHandler,
    BatchHandler,
    DicomResultHandler,
    DicomResultSendHandler,
    PacsPredictHandler,
)
from mass_ide.server.data_handlers import (
    DatasetHandler,
    DatasetsHandler,
    ItemHandler,
    ItemsHandler,
    QualityHandler,
    RecipeApplyHandler,
    RecipeHandler,
    RecipePreviewHandler,
    SampleDataHandler,
    SliceHandler,
    UploadFileHandler,
    UploadFolderHandler,
    UploadFoldersHandler,
    VersionsHandler,
)
from mass_ide.server.deploy_handlers import (
    DeployHandler,
    DeploymentHandler,
    DeploymentsHandler,
    EvaluateHandler,
    ExportHandler,
    PredictHandler,
    PredictionSliceHandler,
)
from mass_ide.server.dicom_node_handlers import DicomNodeHandler
from mass_ide.server.handlers import (
    MemberHandler,
    MembersHandler,
    OpenAPIHandler,
    ProjectHandler,
    ProjectsHandler,
    TemplatesHandler,
    UnknownRouteHandler,
)
from mass_ide.server.model_handlers import (
    ModelAliasHandler,
    ModelHandler,
    ModelsHandler,
    ModelVersionAliasHandler,
    ModelVersionDownloadHandler,
    ModelVersionHandler,
    ModelVersionRestoreHandler,
    ModelVersionsHandler,
    RunRegisterHandler,
)
from mass_ide.server.pacs_handlers import (
    PacsEchoHandler,
    PacsNodesHandler,
    PacsSeriesSearchHandler,
    PacsStudySearchHandler,
    RetrievalCancelHandler,
    RetrievalHandler,
    RetrievalsHandler,
)
from mass_ide.server.run_handlers import (
    ProjectConfigHandler,
    RunCancelHandler,
    RunEstimateHandler,
    RunHandler,
    RunMetricsHandler,
    RunOptionsHandler,
    RunReportImageHandler,
    RunResumeHandler,
    RunsHandler,
    RunStreamHandler,
    StudiesHandler,
    StudyHandler,
    StudyPromoteHandler,
    StudyStopHandler,
)
from mass_ide.server.trace_handlers import ItemTraceHandler, PredictionTraceHandler, VersionTraceHandler

PROJECT_ID = r"(?P<project_id>[^/]+)"
MEMBER = r"(?P<member>[^/]+)"  # a user's name as JupyterHub knows it
DATASET_ID = r"(?P<dataset_id>\d+)"
ITEM_ID = r"(?P<item_id>\d+)"
RUN_ID = r"(?P<run_id>\d+)"
STUDY_ID = r"(?P<study_id>\d+)"
UPLOAD_ID = r"(?P<upload_id>[0-9a-f]{32})"
MODEL_NAME = r"(?P<name>[^/]+)"
MODEL_VERSION = r"(?P<version>[^/]+)"  # a number, "latest" or "@alias"
ALIAS = r"(?P<alias>[^/]+)"
DEPLOYMENT_ID = r"(?P<deployment_id>\d+)"
PREDICTION_ID = r"(?P<prediction_id>[^/]+)"
PACS_NODE = r"(?P<node>[A-Za-z0-9][A-Za-z0-9_.-]*)"
RETRIEVAL_ID = r"(?P<retrieval_id>[0-9a-f]{12})"
BATCH_ID = r"(?P<batch_id>[0-9a-f]{12})"

ROUTES = [
    ("templates", TemplatesHandler),
    ("projects", ProjectsHandler),
    (f"projects/{PROJECT_ID}", ProjectHandler),
    (f"projects/{PROJECT_ID}/members", MembersHandler),
    (f"projects/{PROJECT_ID}/members/{MEMBER}", MemberHandler),
    (f"projects/{PROJECT_ID}/datasets", DatasetsHandler),
    (f"projects/{PROJECT_ID}/sample-data", SampleDataHandler),
    (f"projects/{PROJECT_ID}/uploads", UploadFoldersHandler),
    (f"projects/{PROJECT_ID}/uploads/{UPLOAD_ID}", UploadFolderHandler),
    (f"projects/{PROJECT_ID}/uploads/{UPLOAD_ID}/files", UploadFileHandler),
    (f"datasets/{DATASET_ID}", DatasetHandler),
    (f"datasets/{DATASET_ID}/items", ItemsHandler),
    (f"datasets/{DATASET_ID}/versions", VersionsHandler),
    (f"datasets/{DATASET_ID}/quality", QualityHandler),
    (f"datasets/{DATASET_ID}/recipe", RecipeHandler),
    (f"datasets/{DATASET_ID}/recipe/preview", RecipePreviewHandler),
    (f"datasets/{DATASET_ID}/recipe/apply", RecipeApplyHandler),
    (f"datasets/{DATASET_ID}/labels.csv", LabelsCSVHandler),
    (f"datasets/{DATASET_ID}/exports/msd", DecathlonExportHandler),
    (f"items/{ITEM_ID}", ItemHandler),
    (f"items/{ITEM_ID}/slice", SliceHandler),
    (f"items/{ITEM_ID}/annotation", AnnotationHandler),
    (f"items/{ITEM_ID}/mask", MaskHandler),
    (f"items/{ITEM_ID}/mask/volumes", MaskVolumesHandler),
    (f"datasets/{DATASET_ID}/prelabel", PrelabelHandler),
    (f"items/{ITEM_ID}/suggestion", SuggestionHandler),
    (f"items/{ITEM_ID}/suggestion/mask", SuggestionMaskHandler),
    (f"items/{ITEM_ID}/suggestion/accept", SuggestionAcceptHandler),
    (f"projects/{PROJECT_ID}/config", ProjectConfigHandler),
    (f"projects/{PROJECT_ID}/runs", RunsHandler),
    (f"projects/{PROJECT_ID}/runs/options", RunOptionsHandler),
    (f"projects/{PROJECT_ID}/runs/estimate", RunEstimateHandler),
    (f"runs/{RUN_ID}", RunHandler),
    (f"runs/{RUN_ID}/cancel", RunCancelHandler),
    (f"runs/{RUN_ID}/resume", RunResumeHandler),
    (f"runs/{RUN_ID}/metrics", RunMetricsHandler),
    (f"runs/{RUN_ID}/stream", RunStreamHandler),
    (f"runs/{RUN_ID}/report/images/(?P<name>[^/]+)", RunReportImageHandler),
    (f"projects/{PROJECT_ID}/studies", StudiesHandler),
    (f"studies/{STUDY_ID}", StudyHandler),
    (f"studies/{STUDY_ID}/promote", StudyPromoteHandler),
    (f"studies/{STUDY_ID}/stop", StudyStopHandler),
    ("models", ModelsHandler),
    (f"models/{MODEL_NAME}", ModelHandler),
    (f"models/{MODEL_NAME}/versions", ModelVersionsHandler),
    (f"runs/{RUN_ID}/register", RunRegisterHandler),
    (f"models/{MODEL_NAME}/versions/{MODEL_VERSION}", ModelVersionHandler),
    (f"models/{MODEL_NAME}/versions/{MODEL_VERSION}/alias", ModelVersionAliasHandler),
    (f"models/{MODEL_NAME}/versions/{MODEL_VERSION}/restore", ModelVersionRestoreHandler),
    (f"models/{MODEL_NAME}/versions/{MODEL_VERSION}/download", ModelVersionDownloadHandler),
    (f"models/{MODEL_NAME}/aliases/{ALIAS}", ModelAliasHandler),
    (f"models/{MODEL_NAME}/versions/{MODEL_VERSION}/deploy", DeployHandler),
    (f"models/{MODEL_NAME}/versions/{MODEL_VERSION}/export", ExportHandler),
    ("deployments", DeploymentsHandler),
    (f"deployments/{DEPLOYMENT_ID}", DeploymentHandler),
    (f"deployments/{DEPLOYMENT_ID}/predict", PredictHandler),
    (f"deployments/{DEPLOYMENT_ID}/evaluate", EvaluateHandler),
    (f"deployments/{DEPLOYMENT_ID}/predictions/{PREDICTION_ID}/slice", PredictionSliceHandler),
    (f"deployments/{DEPLOYMENT_ID}/pacs/predict", PacsPredictHandler),
    (f"deployments/{DEPLOYMENT_ID}/batches", BatchesHandler),
    (f"batches/{BATCH_ID}", BatchHandler),
    (f"batches/{BATCH_ID}/cancel", BatchCancelHandler),
    (f"deployments/{DEPLOYMENT_ID}/predictions/{PREDICTION_ID}/dicom", DicomResultHandler),
    (f"deployments/{DEPLOYMENT_ID}/predictions/{PREDICTION_ID}/send", DicomResultSendHandler),
    (f"deployments/{DEPLOYMENT_ID}/predictions/{PREDICTION_ID}/trace", PredictionTraceHandler),
    (f"models/{MODEL_NAME}/versions/{MODEL_VERSION}/trace", VersionTraceHandler),
    (f"items/{ITEM_ID}/trace", ItemTraceHandler),
    ("pacs/nodes", PacsNodesHandler),
    (f"pacs/nodes/{PACS_NODE}/echo", PacsEchoHandler),
    (f"pacs/nodes/{PACS_NODE}/studies/search", PacsStudySearchHandler),
    (f"pacs/nodes/{PACS_NODE}/series/search", PacsSeriesSearchHandler),
    (f"projects/{PROJECT_ID}/retrievals", RetrievalsHandler),
    (f"retrievals/{RETRIEVAL_ID}", RetrievalHandler),
    (f"retrievals/{RETRIEVAL_ID}/cancel", RetrievalCancelHandler),
    ("pacs/node", DicomNodeHandler),
    ("openapi.json", OpenAPIHandler),
]


def url_handlers() -> list[tuple[str, type]]:
    """The routes as tornado URL specs (the extension app prefixes the base URL), then a JSON 404 for the rest."""
    routes = [(url_path_join(API_PREFIX, pattern), handler) for pattern, handler in ROUTES]
    return [*routes, (url_path_join(API_PREFIX, ".*"), UnknownRouteHandler)]
