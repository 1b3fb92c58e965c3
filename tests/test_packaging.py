"""The installed package: server extension, prebuilt labextension and kernelspec are all registered."""

import re
import subprocess
import sys

ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def jupyter(*args: str) -> str:
    """Run a jupyter sub-command of this environment; its output without colours, one space between words."""
    result = subprocess.run([sys.executable, "-m", "jupyter", *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return " ".join(ANSI_COLOUR.sub("", result.stdout + result.stderr).split())


def test_server_extension_is_enabled_and_ok():
    listing = jupyter("server", "extension", "list")
    assert "mass_ide enabled" in listing
    assert "mass_ide 0.1.0 OK" in listing


def test_labextension_is_installed_prebuilt_enabled_and_ok():
    assert "mass-ide v0.1.0 enabled OK (python, mass_ide)" in jupyter("labextension", "list")


def test_kernelspec_is_installed():
    assert "Mass IDE (PyTorch + MONAI)" in jupyter("kernelspec", "list", "--json")
