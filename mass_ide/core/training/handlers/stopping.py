"""Stopping a run when asked: at the next iteration, on every process of a distributed run at once."""

import torch
from ignite.engine import Engine, Events


class StopHandler:
    """Poll ``should_stop`` every iteration; when it says so (on any rank), terminate the run.

    Under DDP every rank polls and the flags are combined, so all ranks stop at the same iteration.
    """

    def __init__(self, should_stop, *, distributed: bool = False, device: torch.device | str = "cpu"):
        self.should_stop = should_stop
        self.distributed = distributed
        self.device = device
        self.stopped = False

    def attach(self, engine: Engine) -> None:
        engine.add_event_handler(Events.ITERATION_COMPLETED, self)

    def __call__(self, engine: Engine) -> None:
        flag = bool(self.should_stop())
        if self.distributed:
            flag_tensor = torch.tensor([int(flag)], device=self.device)
            torch.distributed.all_reduce(flag_tensor, op=torch.distributed.ReduceOp.MAX)
            flag = bool(flag_tensor.item())
        if flag:
            self.stopped = True
            engine.terminate()

    @property
    def status(self) -> str:
        """"cancelled" once a stop was asked for, else "completed"."""
        return "cancelled" if self.stopped else "completed"
