"""The text-to-image losses: the adversarial terms of both players, DF-GAN's matching-aware gradient penalty,
and best-of-pair reconstruction. Pure functions of logits and images; the trainer weighs them."""

import torch
import torch.nn.functional as F


def adversarial_d(real: torch.Tensor | None, fake: torch.Tensor | None, loss: str = "hinge",
                  label_smoothing: float = 0.1) -> torch.Tensor:
    """Discriminator loss for logits that should say real / fake (either may be None): hinge, or bce (seed
    001's, with smoothed real labels)."""
    total = 0.0
    if real is not None:
        total = total + (F.relu(1 - real).mean() if loss == "hinge" else
                         F.binary_cross_entropy_with_logits(real, torch.full_like(real, 1 - label_smoothing)))
    if fake is not None:
        total = total + (F.relu(1 + fake).mean() if loss == "hinge" else
                         F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
    return total


def adversarial_g(fake: torch.Tensor, loss: str = "hinge") -> torch.Tensor:
    if loss == "hinge":
        return -fake.mean()
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


def discriminator_gan_loss(rf_real, rf_fake, m_real, m_fake, m_wrong, loss: str = "hinge",
                           mismatch_weight: float = 0.5, label_smoothing: float = 0.1) -> torch.Tensor:
    """The discriminator's adversarial terms: real/fake, matching, and mismatch (a real image with another
    concept's caption). Its class head and penalty come on top."""
    terms = dict(loss=loss, label_smoothing=label_smoothing)
    return (adversarial_d(rf_real.float(), rf_fake.float(), **terms)
            + adversarial_d(m_real.float(), m_fake.float(), **terms)
            + mismatch_weight * adversarial_d(None, m_wrong.float(), **terms))


def generator_gan_loss(rf: torch.Tensor, m: torch.Tensor, loss: str = "hinge") -> torch.Tensor:
    """G's side of the same: its fakes should score real and matching."""
    return adversarial_g(rf.float(), loss) + adversarial_g(m.float(), loss)


def matching_gradient_penalty(discriminator, images, text, weight: float, power: float) -> torch.Tensor:
    """DF-GAN's MA-GP: a smooth matching score around real images with their own captions."""
    images = images.detach().requires_grad_(True)
    text = text.detach().requires_grad_(True)
    _, match, _, _ = discriminator(images, text)
    grad_images, grad_text = torch.autograd.grad(match.float().sum(), (images, text), create_graph=True)
    norm = torch.sqrt(grad_images.flatten(1).pow(2).sum(1) + grad_text.pow(2).sum(1) + 1e-12)
    return weight * norm.pow(power).mean()


def best_of_pair_l1(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Fakes (0, 1), (2, 3), ... share the caption of reals 0, 2, ...: the L1 distance of the nearer fake
    of each pair to its real image. Only the nearer one learns, so the pair's other noise keeps some freedom
    (the cheap form of conditional IMLE; imle.py is the real one)."""
    pairs = len(fake) // 2
    target = real[0 : 2 * pairs : 2]
    distance = torch.stack([(fake[k : 2 * pairs : 2] - target).abs().flatten(1).mean(1) for k in (0, 1)])
    return distance.min(0).values.mean()
