"""An ONNX Runtime session called like the PyTorch network it was exported from."""

from pathlib import Path


class OnnxNetwork:
    """An ONNX Runtime session that is called like the PyTorch network it was exported from."""

    def __init__(self, path: str | Path, *, device):
        import onnxruntime

        providers = ["CPUExecutionProvider"]
        if device.type == "cuda" and "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        import torch

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()  # the same thread budget as PyTorch
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads leave the CPU
        self.session = onnxruntime.InferenceSession(str(path), options, providers=providers)
        self.input_name = self.session.get_inputs()[0].name
        self.device = device

    def __call__(self, tensor):
        """Logits for a batch tensor, as a torch tensor on the predictor's device."""
        import torch

        array = tensor.detach().float().cpu().numpy()
        [output] = self.session.run(None, {self.input_name: array})
        return torch.from_numpy(output).to(self.device)

    def eval(self) -> "OnnxNetwork":
        return self
