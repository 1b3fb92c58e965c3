"""The learning-rate schedule: torch's cosine annealing, stepped after each epoch by MONAI's ``LrScheduleHandler``."""

import torch
from ignite.engine import Engine, Events

COSINE_FLOOR = 0.01  # the last epoch trains at 1% of the starting rate


def attach_cosine_schedule(engine: Engine, optimizer: torch.optim.Optimizer, *, epochs: int,
                           floor: float = COSINE_FLOOR) -> torch.optim.lr_scheduler.CosineAnnealingLR:
    """Anneal the learning rate on a cosine from its starting value (epoch 1) to ``floor`` times it (the last epoch).

    Attach it after the ``ResumeHandler``: a resumed run's optimizer holds the rate its next epoch trains at, and
    the schedule continues from the epoch the run resumed at, so the curve is the one an uninterrupted run follows.
    """
    from monai.handlers import LrScheduleHandler

    start = float(optimizer.param_groups[0]["lr"])
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs - 1), eta_min=start * floor)

    def resume_at(engine: Engine) -> None:
        scheduler.last_epoch = engine.state.epoch

    engine.add_event_handler(Events.STARTED, resume_at)
    LrScheduleHandler(scheduler, print_lr=False, epoch_level=True).attach(engine)
    return scheduler
