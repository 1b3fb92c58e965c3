"""The cosine learning-rate schedule (torch's CosineAnnealingLR under MONAI's LrScheduleHandler), fresh and resumed."""

import math

import torch
from ignite.engine import Engine, Events

from mass_ide.core.training.handlers.schedule import COSINE_FLOOR, attach_cosine_schedule

EPOCHS, START = 6, 0.01


def expected_rate(epoch: int) -> float:
    """The rate epoch ``epoch`` (1-based) trains at: a cosine from START (epoch 1) to START·floor (the last)."""
    progress = (epoch - 1) / (EPOCHS - 1)
    return START * (COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + math.cos(math.pi * progress)))


def training(*, resume: dict | None = None, stop_after: int | None = None):
    """An engine that does nothing per step but record each epoch's rate, with the schedule attached."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=START)
    engine, rates = Engine(lambda engine, batch: None), {}
    if resume is not None:  # as ResumeHandler does: the optimizer's state, then the epoch counter

        @engine.on(Events.STARTED)
        def load(engine):
            optimizer.load_state_dict(resume["optimizer"])
            engine.state.epoch = resume["epoch"]
            engine.state.iteration = resume["epoch"] * 2

    attach_cosine_schedule(engine, optimizer, epochs=EPOCHS)

    @engine.on(Events.EPOCH_STARTED)
    def record(engine):
        rates[engine.state.epoch] = optimizer.param_groups[0]["lr"]

    if stop_after is not None:
        engine.add_event_handler(Events.EPOCH_COMPLETED(once=stop_after), lambda engine: engine.terminate())
    engine.run([0, 1], max_epochs=EPOCHS)
    return rates, {"optimizer": optimizer.state_dict(), "epoch": engine.state.epoch}


def test_each_epoch_trains_at_its_rate_on_the_cosine_down_to_the_floor():
    rates, _ = training()
    assert list(rates) == list(range(1, EPOCHS + 1))
    for epoch, rate in rates.items():
        assert math.isclose(rate, expected_rate(epoch), rel_tol=1e-9), epoch
    assert math.isclose(rates[EPOCHS], START * COSINE_FLOOR, rel_tol=1e-9)


def test_a_resumed_run_continues_the_curve_an_uninterrupted_run_follows():
    first, saved = training(stop_after=2)
    assert list(first) == [1, 2] and saved["epoch"] == 2
    resumed, _ = training(resume=saved)
    assert list(resumed) == list(range(3, EPOCHS + 1))
    for epoch, rate in resumed.items():
        assert math.isclose(rate, expected_rate(epoch), rel_tol=1e-9), epoch
