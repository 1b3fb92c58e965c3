"""What a run reports while it trains: metrics to the caller's callbacks, and human-readable log lines."""

import torch
from ignite.engine import Engine, Events

from mass_ide.core.training.api import RunCallbacks


class MetricsHandler:
    """Report train/loss every iteration, train/lr when it changes, and the epoch's figures after validation.

    The learning rate is reported at the first step of every epoch and whenever it
    changes, not repeated every step. On a GPU the losses stay tensors until
    ``LOSS_BATCH`` steps (or the epoch) are done and are then read in one transfer,
    so the loop does not wait for the device every step. After each epoch
    ``engine.state.metrics`` holds the epoch's mean ``train/loss`` and the
    evaluator's ``val/…`` figures, for the handlers attached after this one.
    """

    LOSS_BATCH = 32

    def __init__(self, callbacks: RunCallbacks, *, evaluator: Engine | None = None, device: torch.device | str = "cpu"):
        self.callbacks = callbacks
        self.evaluator = evaluator
        self.every = 1 if torch.device(device).type == "cpu" else self.LOSS_BATCH
        self.losses: list[float] = []
        self.pending: list[tuple[int, int, torch.Tensor, float | None]] = []
        self.lr: float | None = None

    def attach(self, engine: Engine) -> None:
        engine.add_event_handler(Events.EPOCH_STARTED, self.epoch_started)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.iteration_completed)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.epoch_completed)
        engine.add_event_handler(Events.TERMINATE, self.report_losses)

    def epoch_started(self, engine: Engine) -> None:
        self.losses = []
        self.lr = None

    def iteration_completed(self, engine: Engine) -> None:
        state = engine.state
        lr = float(engine.optimizer.param_groups[0]["lr"])
        changed = lr if lr != self.lr else None
        self.lr = lr
        self.pending.append((state.iteration, state.epoch, state.output["loss"].detach(), changed))
        if len(self.pending) >= self.every:
            self.report_losses()

    def report_losses(self, engine: Engine | None = None) -> None:
        """Read the pending losses (one transfer) and report them with the learning rates that changed."""
        if not self.pending:
            return
        losses = [loss for _, _, loss, _ in self.pending]
        values = [float(losses[0])] if len(losses) == 1 else torch.stack(losses).float().tolist()
        for (step, epoch, _, lr), loss in zip(self.pending, values):
            self.losses.append(loss)
            self.callbacks.on_metric("train/loss", loss, step=step, epoch=epoch)
            if lr is not None:
                self.callbacks.on_metric("train/lr", lr, step=step, epoch=epoch)
        self.pending = []

    def validation_metrics(self) -> dict:
        """The evaluator's last scalar ``val/…`` figures."""
        if self.evaluator is None:
            return {}
        return {name: float(value) for name, value in self.evaluator.state.metrics.items()
                if name.startswith("val/") and isinstance(value, int | float)}

    def epoch_completed(self, engine: Engine) -> None:
        self.report_losses()
        state = engine.state
        metrics = {"train/loss": sum(self.losses) / len(self.losses)} if self.losses else {}
        metrics.update(self.validation_metrics())
        state.metrics.update(metrics)
        for name, value in metrics.items():
            if name.startswith("val/"):
                self.callbacks.on_metric(name, value, step=state.iteration, epoch=state.epoch)
        self.callbacks.on_epoch(state.epoch, state.max_epochs, dict(metrics))


class LogHandler:
    """Human-readable progress lines: the start, each epoch's figures, the end."""

    def __init__(self, callbacks: RunCallbacks, *, intro: str = ""):
        self.callbacks = callbacks
        self.intro = intro

    def attach(self, engine: Engine) -> None:
        engine.add_event_handler(Events.STARTED, self.started)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.epoch_completed)
        engine.add_event_handler(Events.COMPLETED, self.completed)

    def started(self, engine: Engine) -> None:
        if self.intro:
            self.callbacks.on_log(self.intro)
        if engine.state.epoch:
            self.callbacks.on_log(f"resuming after epoch {engine.state.epoch} of {engine.state.max_epochs}")

    def epoch_completed(self, engine: Engine) -> None:
        figures = ", ".join(f"{name} {value:.4f}" for name, value in sorted(engine.state.metrics.items())
                            if isinstance(value, int | float))
        self.callbacks.on_log(f"epoch {engine.state.epoch}/{engine.state.max_epochs}: {figures}")

    def completed(self, engine: Engine) -> None:
        if not engine.should_terminate:
            self.callbacks.on_log(f"finished {engine.state.epoch} epochs")
