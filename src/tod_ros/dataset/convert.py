"""labelImg XML -> CSV -> TFRecord + label map, validated before anything is written.

Project layout (the tutorial's)::

    images/<p>/{train,test}/*.xml + images   ->  images/<p>/{train,test}_labels.csv
                                             ->  training/<p>/{train,test}.record, label_map.pbtxt

All inputs are read and validated first; a :class:`ValidationError` lists every problem and
nothing is written. Outputs go to temp files renamed only once all of them are complete.

A project's test split is optional: with no labelImg XML in ``test/`` only train is converted,
and the test outputs of an earlier run are deleted (:attr:`ConvertSummary.removed`).
"""
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from tod_ros.dataset import csvio
from tod_ros.dataset.labelmap import LabelMap, label_map_for, read_label_map
from tod_ros.dataset.validate import validate_annotations
from tod_ros.dataset.voc import has_xml, list_xml, read_voc
from tod_ros.errors import TodError, ValidationError
from tod_ros.fileio import IMAGE_EXTENSIONS, atomic_path
from tod_ros.progress import stage
from tod_ros.filenames import LABEL_MAP
from tod_ros.workspace import SPLITS

__all__ = ["SplitSpec", "SplitSummary", "ConvertSummary", "convert_folder", "convert_project", "convert_splits",
           "project_specs", "folder_specs", "validate_annotations", "load_split", "has_input", "remove_outputs"]

OPTIONAL_SPLITS = ("test",)     # a project converts without them (train only)


@dataclass
class SplitSpec:
    """One dataset split: where its images+XML are and where its outputs go (None: not written).

    ``optional``: skipped when it has no input (see :func:`has_input`), its old outputs deleted.
    """

    name: str
    images_dir: Path
    csv_path: Optional[Path] = None
    record_path: Optional[Path] = None
    optional: bool = False


@dataclass
class SplitSummary:
    """What was written for one split."""

    name: str
    images: int = 0
    negatives: int = 0
    boxes: int = 0
    per_class: Dict[str, int] = field(default_factory=dict)
    csv_path: Optional[Path] = None
    record_paths: List[Path] = field(default_factory=list)


@dataclass
class ConvertSummary:
    """Result of a conversion: per-split summaries, the label map used, warnings, optional splits
    skipped for lack of input and the outputs of theirs an earlier run had left (now deleted)."""

    splits: Dict[str, SplitSummary]
    label_map: LabelMap
    label_map_path: Optional[Path] = None
    warnings: List[str] = field(default_factory=list)
    skipped: List[SplitSpec] = field(default_factory=list)
    removed: List[Path] = field(default_factory=list)

    @property
    def images(self):
        return sum(s.images for s in self.splits.values())

    @property
    def record_paths(self):
        return [p for s in self.splits.values() for p in s.record_paths]

    def lines(self):
        """Human-readable summary lines."""
        out = []
        for s in self.splits.values():
            classes = ", ".join(f"{k}: {v}" for k, v in sorted(s.per_class.items())) or "no box"
            out.append(f"{s.name}: {s.images} images ({s.negatives} without boxes), {s.boxes} boxes ({classes})")
        out.append("label map: " + ", ".join(f"{i}={n}" for i, n in zip(self.label_map.ids, self.label_map.names)))
        return out


# --------------------------------------------------------------------------- layouts


def project_specs(project, splits=SPLITS):
    """The tutorial's layout of ``project`` (a :class:`tod_ros.workspace.Project`); test/ is optional."""
    return [SplitSpec(s, project.split_dir(s), project.csv_path(s), project.record_path(s),
                      optional=s in OPTIONAL_SPLITS) for s in splits]


def folder_specs(images_dir, out_dir):
    """Specs for ``--images DIR --out DIR``: DIR's train/ and test/ when it has them, else DIR itself
    (outputs named after the folder: ``<out>/<name>_labels.csv``, ``<out>/<name>.record``)."""
    images_dir, out_dir = Path(images_dir), Path(out_dir)
    if not images_dir.is_dir():
        raise TodError(f"{images_dir}: no such folder")
    subs = [s for s in SPLITS if (images_dir / s).is_dir() and list_xml(images_dir / s)]
    if subs:
        return [SplitSpec(s, images_dir / s, out_dir / f"{s}_labels.csv", out_dir / f"{s}.record") for s in subs]
    name = images_dir.resolve().name
    return [SplitSpec(name, images_dir, out_dir / f"{name}_labels.csv", out_dir / f"{name}.record")]


def has_input(spec, from_csv=False):
    """True when ``spec`` has something to convert: its CSV (``from_csv``), else an XML file in its folder."""
    if from_csv:
        return spec.csv_path is not None and Path(spec.csv_path).is_file()
    return has_xml(spec.images_dir)


def split_optional(specs, from_csv=False):
    """``(specs to convert, optional specs without input)``; nothing skipped when nothing would remain."""
    skipped = [s for s in specs if s.optional and not has_input(s, from_csv)]
    kept = [s for s in specs if s not in skipped]
    return (kept, skipped) if kept else (list(specs), [])


def remove_outputs(spec, csv=True):
    """Delete the outputs an earlier conversion wrote for ``spec`` (its CSV when ``csv``, its record
    files of any sharding); returns the paths deleted."""
    paths = [Path(spec.csv_path)] if csv and spec.csv_path is not None else []
    if spec.record_path is not None:
        paths += [Path(spec.record_path)] + _shard_files(spec.record_path)
    removed = [p for p in paths if p.is_file()]
    for p in removed:
        p.unlink()
    return removed


# --------------------------------------------------------------------------- reading + validation


def load_split(spec, from_csv=False):
    """``(annotations, problems, warnings)`` read from the XML files (or the CSV) of ``spec``."""
    folder = Path(spec.images_dir)
    if not folder.is_dir():
        return [], [f"{folder}: no such folder"], []
    if from_csv:
        try:
            return csvio.read_csv(spec.csv_path, folder), [], []
        except TodError as exc:
            return [], [str(exc)], []
    files = list_xml(folder)
    anns, problems = [], []
    for f in files:
        try:
            anns.append(read_voc(f))
        except TodError as exc:
            problems.append(str(exc))
    annotated = {f.stem for f in files}
    loose = [p.name for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.stem not in annotated]
    warnings = [f"{folder}: {len(loose)} image(s) without XML ignored: {', '.join(sorted(loose)[:5])}"
                + (" ..." if len(loose) > 5 else "")] if loose else []
    warnings += [f"{p}: named .xml but not a file (a folder?): not an annotation, ignored"
                 for p in sorted(folder.iterdir()) if p.suffix.lower() == ".xml" and not p.is_file()]
    if not files:
        problems.append(f"{folder}: empty dataset: no labelImg XML file (annotate with labelImg, or run `tod split`)")
    return anns, problems, warnings


def _resolve_label_map(label_map):
    if label_map is None or isinstance(label_map, LabelMap):
        return label_map
    return read_label_map(label_map)


def unreviewed_files(loaded):
    """The XML files of ``loaded`` ({split: annotations}) that are pre-annotations nobody has reviewed yet."""
    from tod_ros.dataset.prelabel import is_unreviewed

    return [a.xml_path for anns in loaded.values() for a in anns if is_unreviewed(a)]


def unreviewed_problems(loaded):
    """One problem for all the pre-annotations (``tod prelabel``) nobody has saved or verified yet:
    a summary line, then the files, one a line (empty list when there is none)."""
    files = unreviewed_files(loaded)
    if not files:
        return []
    return [f"{len(files)} unreviewed pre-annotation(s) (written by tod prelabel, not yet saved or verified in "
            "`tod label`): review them, or pass --accept-prelabels to convert the model's boxes as they are:"
            + "".join(f"\n      {f}" for f in files)]


def accepted_warning(loaded, shown=10):
    """The warning counting the unreviewed pre-annotations ``--accept-prelabels`` let through, or None."""
    files = unreviewed_files(loaded)
    if not files:
        return None
    names = ", ".join(Path(f).name for f in files[:shown]) + (f", ... ({len(files) - shown} more)"
                                                               if len(files) > shown else "")
    return f"--accept-prelabels: {len(files)} unreviewed pre-annotation(s) converted as the model wrote them: {names}"


def prepare(specs, label_map=None, label_names=None, fix=False, from_csv=False, reuse=None,
            accept_prelabels=False):
    """Read and validate every split; returns ``(clean per split, label map, warnings)``.

    ``reuse``: a LabelMap used (as if given) when no ``label_map``/``label_names`` is and it
    covers every label found. Unreviewed pre-annotations are problems unless ``accept_prelabels``.

    Raises :class:`ValidationError` listing every problem (nothing has been written).
    """
    label_map = _resolve_label_map(label_map)
    loaded, problems, warnings, unreadable = {}, [], [], set()
    for spec in specs:
        anns, probs, warns = load_split(spec, from_csv=from_csv)
        loaded[spec.name] = anns
        if probs and not anns:
            unreadable.add(spec.name)
        problems += probs
        warnings += warns
    if not accept_prelabels:
        problems += unreviewed_problems(loaded)
    elif accepted_warning(loaded):
        warnings.append(accepted_warning(loaded))
    found = {o.name for anns in loaded.values() for a in anns for o in a.objects}
    if label_map is None and not label_names and reuse is not None and found <= set(reuse.names):
        label_map = reuse
    chosen = label_map_for(found, existing=label_map, names=label_names)
    clean, owner = {}, {}
    for spec in specs:
        anns = loaded[spec.name]
        if spec.name in unreadable:     # already reported: don't add "empty dataset"
            clean[spec.name] = []
            continue
        check_labels = chosen if (label_map is not None or label_names) else None
        ok, probs, warns = validate_annotations(anns, check_labels, fix=fix, source=str(spec.images_dir))
        problems += probs
        warnings += warns
        if anns and not ok and not probs:
            problems.append(f"{spec.images_dir}: no usable image left: "
                            f"--fix skipped all {len(anns)} (see the warnings)")
        for a in ok:
            other = owner.setdefault(Path(a.image_path).name, spec.name)
            if other != spec.name:
                problems.append(f"{a.xml_path or a.image_path}: duplicate image name {Path(a.image_path).name!r} "
                                f"in splits {other} and {spec.name}")
        clean[spec.name] = ok
    if problems:
        raise ValidationError(problems, header="dataset not converted, nothing written")
    return clean, chosen, warnings


# --------------------------------------------------------------------------- writing


def _summarize(name, anns):
    per_class = Counter(o.name for a in anns for o in a.objects)
    return SplitSummary(name, images=len(anns), negatives=sum(1 for a in anns if not a.objects),
                        boxes=sum(per_class.values()), per_class=dict(per_class))


def write_outputs(specs, clean, label_map, label_map_path=None, shards=1, write_csv=True):
    """Write CSVs, records and label map of validated data, all-or-nothing; returns the summaries."""
    from tod_ros.dataset.tfrecord import shard_paths, write_examples

    summaries = {}
    _remove_leftovers(specs, label_map_path, shards)
    with contextlib.ExitStack() as stack:
        for spec in specs:
            anns = clean[spec.name]
            summary = summaries[spec.name] = _summarize(spec.name, anns)
            if spec.csv_path is not None and write_csv:
                tmp = stack.enter_context(atomic_path(spec.csv_path))
                csvio.write_csv(tmp, anns)
                summary.csv_path = Path(spec.csv_path)
            if spec.record_path is not None:
                finals = shard_paths(spec.record_path, shards)
                tmps = [stack.enter_context(atomic_path(p)) for p in finals]
                write_examples(tmps, anns, label_map, desc=f"{spec.name}.record")
                summary.record_paths = finals
        if label_map_path is not None:
            from tod_ros.dataset.labelmap import write_label_map

            write_label_map(stack.enter_context(atomic_path(label_map_path)), label_map)
    return summaries


def _remove_leftovers(specs, label_map_path, shards):
    """Delete temp files that a killed earlier run left next to these outputs (never a live run's)."""
    from tod_ros.dataset.tfrecord import shard_paths
    from tod_ros.fileio import remove_stale_temps

    outputs = [p for s in specs for p in ([s.csv_path] if s.csv_path else [])
               + (shard_paths(s.record_path, shards) if s.record_path else [])]
    for path in outputs + ([label_map_path] if label_map_path else []):
        remove_stale_temps(path)


def _shard_files(record_path):
    """The sharded record files (``<name>-NNNNN-of-MMMMM``) beside ``record_path``, sorted."""
    base = Path(record_path)
    return sorted(base.parent.glob(base.name + "-*-of-*"))


def _stale_records(specs, shards):
    """Warnings for record files of another sharding left from an earlier run (training might read them)."""
    out = []
    for spec in specs:
        if spec.record_path is None:
            continue
        base = Path(spec.record_path)
        others = [p for p in _shard_files(base) if shards == 1 or not p.name.endswith(f"-of-{shards:05d}")]
        if shards > 1 and base.is_file():
            others.append(base)
        out += [f"{p}: left from an earlier conversion with other --shards; delete it" for p in sorted(others)]
    return out


def convert_splits(specs, label_map_path=None, label_map=None, label_names=None, fix=False, shards=1,
                   from_csv=False, reuse=None, accept_prelabels=False):
    """Validate then convert ``specs`` (list of :class:`SplitSpec`); returns a :class:`ConvertSummary`.

    ``label_map``: a LabelMap or a label_map.pbtxt path whose ids are kept; else ``label_names``
    (config order); else the labels found, sorted. ``from_csv`` reads each split's CSV instead of
    its XML files (images still found in ``images_dir``). ``accept_prelabels``: convert
    pre-annotations nobody reviewed (refused by default). Optional specs without input are
    skipped and their old outputs deleted, once the others are written.
    """
    if int(shards) < 1:
        raise TodError(f"--shards must be at least 1, not {shards}")
    specs, skipped = split_optional(specs, from_csv)
    with stage("reading and checking"):
        clean, chosen, warnings = prepare(specs, label_map, label_names, fix=fix, from_csv=from_csv, reuse=reuse,
                                          accept_prelabels=accept_prelabels)
    with stage("writing"):
        summaries = write_outputs(specs, clean, chosen, label_map_path, shards=shards, write_csv=not from_csv)
    warnings += _stale_records(specs, shards)
    removed = [p for s in skipped for p in remove_outputs(s, csv=not from_csv)]
    return ConvertSummary(summaries, chosen, Path(label_map_path) if label_map_path else None, warnings,
                          skipped, removed)


def convert_project(project, fix=False, shards=1, label_map=None, label_names=None, splits=SPLITS):
    """The seed's two steps for ``project``: XML -> ``{train,test}_labels.csv`` -> records + label map."""
    return convert_splits(project_specs(project, splits), project.label_map_path, label_map, label_names,
                          fix=fix, shards=shards)


def convert_folder(images_dir, record_path, label_map=None, csv_path=None, fix=False, shards=1,
                   label_map_path=None):
    """Convert one folder of images + XML into ``record_path`` (and ``csv_path`` if given).

    The label map is written to ``label_map_path`` (default: ``label_map.pbtxt`` next to the record).
    Without ``label_map``, an existing label map at that path is reused when it covers every label
    found (stable ids when train and test folders are converted one after the other).
    """
    record_path = Path(record_path)
    label_map_path = Path(label_map_path) if label_map_path else record_path.parent / LABEL_MAP
    spec = SplitSpec(record_path.name.split(".")[0] or "data", Path(images_dir), csv_path, record_path)
    reuse = read_label_map(label_map_path) if label_map is None and label_map_path.is_file() else None
    return convert_splits([spec], label_map_path, label_map, fix=fix, shards=shards, reuse=reuse)
