"""Live training curves in a notebook: a plotly FigureWidget fed by the training engine's callbacks."""

import time

import ipywidgets as widgets
import plotly.graph_objects as go

REDRAW_SECONDS = 0.5
LEARNING_RATE = "train/lr"  # logged at each epoch's first step and when it changes: drawn as steps
PANELS = {"": ("step", "loss"), "2": ("epoch", "validation"), "3": ("step", "learning rate")}  # axis titles


def panel_axes() -> dict:
    """The layout's axes of the side-by-side panels: each x axis anchored to its y axis, with titles."""
    layout = {}
    for number, (x_title, y_title) in PANELS.items():
        layout[f"xaxis{number}"] = {"title": x_title, "anchor": f"y{number}"}
        layout[f"yaxis{number}"] = {"title": y_title, "anchor": f"x{number}"}
    return layout


class LiveCurves(widgets.VBox):
    """Loss per step, validation metrics per epoch and the learning rate side by side, drawn while a run trains.

    Pass it as ``watch=`` to :func:`mass_ide.core.runs.worker.train_in_process`.
    """

    def __init__(self, title: str = "Training"):
        self.figure = go.FigureWidget(layout={"title": title, "height": 360, **panel_axes(),
                                              "grid": {"rows": 1, "columns": len(PANELS), "pattern": "independent"}})
        self.series: dict[str, tuple[list, list]] = {}
        self.progress = widgets.IntProgress(min=0, max=1, description="Epoch 0")
        self.log_line = widgets.HTML()
        self.drawn_at = 0.0
        super().__init__([self.progress, self.figure, self.log_line])

    def on_metric(self, name: str, value: float, *, step: int, epoch: int) -> None:
        """Keep a point; redraw at most twice a second."""
        xs, ys = self.series.setdefault(name, ([], []))
        xs.append(step if name.startswith("train/") else epoch)
        ys.append(value)
        if time.monotonic() - self.drawn_at >= REDRAW_SECONDS:
            self.redraw()

    def on_epoch(self, epoch: int, epochs: int, metrics: dict) -> None:
        """Advance the progress bar and redraw."""
        self.progress.max, self.progress.value, self.progress.description = epochs, epoch, f"Epoch {epoch}/{epochs}"
        self.redraw()

    def on_log(self, line: str) -> None:
        """Show the latest log line."""
        self.log_line.value = f"<code>{line.splitlines()[-1] if line else ''}</code>"

    def redraw(self) -> None:
        """Push every series to the figure in one update."""
        with self.figure.batch_update():
            known = {trace.name: trace for trace in self.figure.data}
            for name, (xs, ys) in self.series.items():
                if name in known:
                    known[name].x, known[name].y = xs, ys
                    continue
                panel = "3" if name == LEARNING_RATE else "" if name.startswith("train/") else "2"
                self.figure.add_scatter(x=xs, y=ys, name=name, xaxis=f"x{panel}", yaxis=f"y{panel}",
                                        mode="lines" if name.startswith("train/") else "lines+markers",
                                        line_shape="hv" if name == LEARNING_RATE else "linear")
        self.drawn_at = time.monotonic()
