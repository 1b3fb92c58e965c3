"""Ignite handlers for everything a training run does besides training: each has ``attach(engine)``.

The loop (MONAI's ``SupervisedTrainer``) knows nothing about where metrics go,
where checkpoints live or how a run is stopped; these handlers do, and the
caller's :class:`~mass_ide.core.training.api.RunCallbacks` are only ever called
from here. The engine attaches them in this order: ``ResumeHandler`` (:mod:`.checkpoints`),
the learning-rate schedule (:mod:`.schedule`), MONAI's ``ValidationHandler``,
``StopHandler`` (:mod:`.stopping`), ``MetricsHandler`` (:mod:`.progress`),
``CheckpointHandler`` (:mod:`.checkpoints`), ``LogHandler`` (:mod:`.progress`).
"""
