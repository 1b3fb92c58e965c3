"""A notebook annotator: assign classes to records and images, browse volumes with their masks.

Saving uses the same versions as the annotation view, so a label saved over a
newer one from another tab or person is refused with the same message.
"""

import html

import ipywidgets as widgets
import numpy as np

from mass_ide.core import audit
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets, orientation, render
from mass_ide.core.data.classes import class_colour
from mass_ide.core.data.geometry import item_orientation
from mass_ide.core.errors import MassError
from mass_ide.core.workspace import Workspace


def overlay(grey_png: bytes, mask: np.ndarray, *, opacity: float = 0.45) -> bytes:
    """A rendered slice with mask classes blended in colour, as PNG."""
    import io

    from PIL import Image

    grey = render.decode_png(grey_png).astype(np.float32)
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    table = np.array([class_colour(value) for value in range(int(mask.max(initial=0)) + 1)], dtype=np.float32)
    colours = table[mask]
    painted = mask > 0
    rgb[painted] = (1 - opacity) * rgb[painted] + opacity * colours[painted]
    buffer = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8), mode="RGB").save(buffer, format="PNG")
    return buffer.getvalue()


class Annotator(widgets.VBox):
    """Label a dataset item by item: class buttons, previous / next, progress, who labelled what."""

    def __init__(self, workspace: Workspace, dataset_id: int, *, user: str | None = None,
                 unlabelled_only: bool = False):
        self.workspace, self.user = workspace, user or audit.local_user(workspace.db)
        self.dataset = datasets.get_dataset(workspace, dataset_id)
        self.scheme = annotations.label_classes(workspace, self.dataset.project_id)
        self.items, _ = datasets.list_items(workspace, dataset_id, unlabelled_only=unlabelled_only, limit=-1,
                                            class_column=self.scheme.get("column"))
        self.position, self.shown_version = 0, 0
        self.title = widgets.HTML()
        self.progress = widgets.IntProgress(min=0, max=max(self.dataset.item_count, 1), description="Labelled")
        self.view = widgets.Image(format="png", layout=widgets.Layout(max_width="480px"))
        self.record = widgets.HTML()
        self.axis = widgets.ToggleButtons(options=list(annotations.AXES)[::-1], value="axial")
        self.slice = widgets.IntSlider(description="Slice", continuous_update=False)
        self.window = widgets.Dropdown(options=list(render.WINDOW_PRESETS), value="abdomen", description="Window")
        self.status = widgets.HTML()
        self.buttons = [widgets.Button(description=f"{n}: {c}") for n, c in enumerate(self.scheme["classes"], 1)
                        if self.scheme["kind"] == "label"]
        for button, label in zip(self.buttons, self.scheme["classes"], strict=False):
            button.on_click(lambda _, label=label: self.assign(label))
        previous, following = widgets.Button(description="◀ Previous"), widgets.Button(description="Next ▶")
        previous.on_click(lambda _: self.go(-1))
        following.on_click(lambda _: self.go(1))
        for control in (self.axis, self.slice, self.window):
            control.observe(lambda _: self.draw(), names="value")
        self.axis.observe(lambda _: self._fit_slider(), names="value")
        super().__init__([self.title, self.progress, widgets.HBox([previous, following]), self.record, self.view,
                          widgets.HBox([self.axis, self.window]), self.slice, widgets.HBox(self.buttons),
                          self.status])
        self.show(0)

    @property
    def item(self) -> datasets.Item | None:
        """The item on screen (None for an empty dataset)."""
        return self.items[self.position] if self.items else None

    def show(self, position: int) -> None:
        """Show the item at ``position`` (clamped to the dataset)."""
        self.position = min(max(position, 0), max(len(self.items) - 1, 0))
        volume = self.item is not None and self.item.kind == "volume"
        for control in (self.axis, self.slice):
            control.layout.display = None if volume else "none"
        self.window.layout.display = None if volume else "none"
        self._fit_slider()
        self.draw()

    def go(self, step: int) -> None:
        """Move to the previous (-1) or next (+1) item."""
        self.show(self.position + step)

    def _fit_slider(self) -> None:
        """Set the slice slider's range to the current axis, starting in the middle."""
        if self.item is not None and self.item.kind == "volume":
            shape, affine = item_orientation(self.item)
            count = orientation.slice_count(shape, affine, self.axis.value)
            self.slice.max, self.slice.value = count - 1, count // 2

    def draw(self) -> None:
        """Redraw the current item, its annotation and the progress."""
        labelled = datasets.count_labelled(self.workspace, self.dataset.id, class_column=self.scheme.get("column"))
        self.progress.value = labelled
        self.progress.description = f"{labelled}/{self.dataset.item_count}"
        if self.item is None:
            self.title.value = f"<b>{html.escape(self.dataset.name)}</b>: nothing to label"
            return
        item, annotation = self.item, annotations.get_annotation(self.workspace, self.item.id)
        self.shown_version = annotation.version
        self.title.value = (f"<b>{html.escape(self.dataset.name)}</b> — item {self.position + 1} of "
                            f"{len(self.items)}: <code>{html.escape(item.key)}</code>")
        self.record.value = self._record_html(item) if item.kind == "record" else ""
        self.view.layout.display = "none" if item.kind == "record" else None
        if item.kind != "record":
            self.view.value = self._picture(item, annotation)
        who = f" by {html.escape(annotation.updated_by)} at {annotation.updated_at}" if annotation.version else ""
        current = annotation.label or ("painted mask" if annotation.mask_file else "not labelled yet")
        self.status.value = f"{html.escape(current)}{who}"

    def _record_html(self, item: datasets.Item) -> str:
        """A record's values as a small table."""
        rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                       for k, v in item.meta.items())
        return f"<table>{rows}</table>"

    def _picture(self, item: datasets.Item, annotation: annotations.Annotation) -> bytes:
        """The image, or the volume slice with its mask overlaid."""
        axis, index = ("axial", 0) if item.kind == "image" else (self.axis.value, self.slice.value)
        window = self.window.value if item.kind == "volume" else None
        picture = render.render_slice(item, axis=axis, index=index, window=window)
        if annotation.mask_file is None:
            return picture
        mask = annotations.read_mask_slice(self.workspace, item.id, axis=axis, index=index)
        return overlay(picture, render.to_display(item, mask, axis=axis))

    def assign(self, label: str) -> None:
        """Save ``label`` for the current item, then move on; a conflict is shown, not overwritten."""
        if self.item is None:
            return
        try:
            annotations.set_label(self.workspace, self.item.id, label=label, expected_version=self.shown_version,
                                  user=self.user)
        except MassError as error:
            self.status.value = f"<span style='color: var(--jp-error-color1)'>{html.escape(str(error))}</span>"
            return
        if self.position < len(self.items) - 1:
            self.go(1)
        else:
            self.draw()
