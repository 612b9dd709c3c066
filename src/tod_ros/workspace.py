"""The project workspace layout of the TOD tutorial.

::

    <root>/images/<project>/{train,test}/   images + labelImg XML
    <root>/images/<project>/{train,test}_labels.csv
    <root>/pre_trained/                    checkpoints to start from
    <root>/training/<project>/             train.record, test.record, label_map.pbtxt, models
    <root>/calibration/table.yaml          the table as the robot's camera sees it (tod calibrate)
"""
import os
from dataclasses import dataclass
from pathlib import Path

from tod_ros import filenames

SPLITS = ("train", "test")


def default_root():
    """Workspace root: $TOD_WORKSPACE if set, else the current directory."""
    return Path(os.environ.get("TOD_WORKSPACE", ".")).resolve()


def calibration_path(root=None):
    """The workspace's table calibration file (``root`` default: :func:`default_root`)."""
    return Path(root or default_root()) / filenames.CALIBRATION_DIR / filenames.TABLE_CALIBRATION


@dataclass(frozen=True)
class Project:
    """Paths of one project inside a workspace root."""

    name: str
    root: Path

    @classmethod
    def at(cls, name, root=None):
        """Project ``name`` under ``root`` (default: :func:`default_root`)."""
        if not name or "/" in name or name in (".", ".."):
            from tod_ros.errors import TodError
            raise TodError(f"invalid project name {name!r}: use a plain folder name such as 'faces_cubes'")
        return cls(name, Path(root).resolve() if root else default_root())

    @property
    def images_dir(self):
        return self.root / "images" / self.name

    def split_dir(self, split):
        return self.images_dir / split

    def csv_path(self, split):
        return self.images_dir / f"{split}_labels.csv"

    @property
    def pre_trained_dir(self):
        return self.root / "pre_trained"

    @property
    def training_dir(self):
        return self.root / "training" / self.name

    def record_path(self, split):
        return self.training_dir / f"{split}.record"

    @property
    def label_map_path(self):
        return self.training_dir / filenames.LABEL_MAP

    @property
    def model_dir(self):
        """Default folder of checkpoints of the project's model."""
        return self.training_dir / "model"

    @property
    def export_dir(self):
        """Default folder of the exported model (saved_model/, model.tflite, label_map.pbtxt)."""
        return self.training_dir / "exported"

    def link_pre_trained(self, name, target):
        """Make shipped checkpoint folder ``target`` visible as ``pre_trained/<name>`` (a symlink, no copy).

        Where symlinks are not possible, ``pre_trained/<name>.path`` holds the target's path.
        Returns the path made, or None when it already pointed there.
        """
        link = self.pre_trained_dir / name
        target = Path(target).resolve()
        if link.is_symlink() and link.resolve() == target:
            return None
        if link.exists() and not link.is_symlink():
            return None   # the user's own folder of that name: left alone
        try:
            if link.is_symlink():
                link.unlink()
            link.symlink_to(target, target_is_directory=True)
            return link
        except OSError:
            pointer = link.with_name(name + ".path")
            pointer.write_text(str(target) + "\n")
            return pointer

    def create(self):
        """Create the tutorial's tree; returns the folders created (existing ones are kept)."""
        made = []
        for d in (self.split_dir("train"), self.split_dir("test"), self.pre_trained_dir, self.training_dir):
            if not d.is_dir():
                d.mkdir(parents=True)
                made.append(d)
        return made
