"""Dynamic batching: requests that arrive together share one forward pass.

Requests wait in an asyncio queue. The batcher takes the first, everything already
queued, and whatever else arrives within ``max_wait_ms`` (up to ``max_inputs``), then
prepares, joins, forwards and finishes them in one call on a single worker thread so
the event loop stays free. A request with bad input fails alone; the others go on.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from mass_ide.core.errors import MassError


def run_together(predictor, requests: list[list]) -> list:
    """Results of several requests' inputs with one forward pass: a list per request, or its error."""
    from mass_ide.core.serving.predictor import Batch

    prepared, answers = [], []
    for inputs in requests:
        try:
            prepared.append(predictor.prepare(inputs))
            answers.append(None)
        except MassError as error:
            answers.append(error)
    if prepared:
        joined = prepared[0] if len(prepared) == 1 else Batch.join(prepared)
        results = iter(predictor.finish(joined, predictor.forward(joined)))
        for position, batch in zip([i for i, a in enumerate(answers) if a is None], prepared):
            answers[position] = [next(results) for _ in range(len(batch))]
    return answers


class DynamicBatcher:
    """Collects concurrent requests into batches for one predictor (``max_inputs=1`` turns batching off)."""

    def __init__(self, predictor, *, max_inputs: int = 32, max_wait_ms: float = 2.0):
        self.predictor = predictor
        self.max_inputs = max_inputs if predictor.batchable else 1
        self.max_wait = max_wait_ms / 1000
        self.queue: asyncio.Queue | None = None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mass-ide-forward")
        self.task: asyncio.Task | None = None
        self.batches = 0

    async def predict(self, inputs: list) -> list[dict]:
        """The results for one request's inputs, computed in a batch with whatever else is waiting."""
        if self.task is None:
            self.queue = asyncio.Queue()
            self.task = asyncio.get_running_loop().create_task(self._loop())
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((inputs, future))
        return await future

    async def _collect(self) -> list[tuple[list, asyncio.Future]]:
        """The next batch: the first waiting request, then more until full or the wait is over."""
        waiting = [await self.queue.get()]
        size = len(waiting[0][0])
        deadline = asyncio.get_running_loop().time() + self.max_wait
        while size < self.max_inputs:
            if self.queue.empty():
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    waiting.append(await asyncio.wait_for(self.queue.get(), remaining))
                except TimeoutError:
                    break
            else:
                waiting.append(self.queue.get_nowait())
            size += len(waiting[-1][0])
        return waiting

    async def _loop(self) -> None:
        """Serve batches until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            waiting = await self._collect()
            try:
                answers = await loop.run_in_executor(self.executor, run_together, self.predictor,
                                                     [inputs for inputs, _ in waiting])
            except Exception as error:  # noqa: BLE001 -- a failed forward pass answers every request of the batch
                answers = [error] * len(waiting)
            self.batches += 1
            for (_, future), answer in zip(waiting, answers):
                if future.done():
                    continue
                if isinstance(answer, BaseException):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)

    def close(self) -> None:
        """Stop the batch loop and its thread."""
        if self.task is not None:
            self.task.cancel()
        self.executor.shutdown(wait=False)
