"""Finding an exported model's folder and its label map (what :func:`tod_ros.detection.open_detector` opens)."""
from pathlib import Path

from tod_ros import filenames
from tod_ros.errors import TodError


def _stderr(message):
    import sys

    print(f"warning: {message}", file=sys.stderr, flush=True)


def compare_label_maps(given, own):
    """``(conflicts, warnings)``: how a label map given by the user disagrees with the model's own.

    Conflicts (the results would be wrong): a name both maps hold under different ids (e.g.
    swapped ids). Warnings: an id named differently (a renaming), ids of the model missing from
    the given map (those detections get no name) or unknown to the model (never detected).
    """
    conflicts, warnings = [], []
    for item in own.items:
        if item.name in given.names and given.id_of(item.name) != item.id:
            conflicts.append(f"'{item.name}' is id {given.id_of(item.name)} there but id {item.id} in the model")
        elif item.id not in given.ids:
            warnings.append(f"the model's id {item.id} ('{item.name}') is missing: its detections will be named "
                            f"class_{item.id} and count as false positives")
        elif given.name_of(item.id) != item.name and given.name_of(item.id) not in own.names:
            warnings.append(f"id {item.id} is '{given.name_of(item.id)}' there but '{item.name}' in the model: "
                            f"the model's '{item.name}' is scored as '{given.name_of(item.id)}'")
    extra = [i for i in given.ids if i not in own.ids]
    if extra:
        warnings.append(f"id(s) {', '.join(map(str, extra))} are unknown to the model: it never detects them")
    return conflicts, warnings


def check_label_map(given_path, own_path, warn=_stderr):
    """Refuse (TodError) a ``--label-map`` whose ids contradict the model's ``label_map.pbtxt``; warn on renamings.

    Nothing to check when the model folder has no label map of its own.
    """
    from tod_ros.dataset.labelmap import read_label_map

    own_path = Path(own_path)
    if not own_path.is_file() or Path(given_path).resolve() == own_path.resolve():
        return
    conflicts, warnings = compare_label_maps(read_label_map(given_path), read_label_map(own_path))
    if conflicts:
        raise TodError(f"--label-map {given_path} disagrees with the model's own {own_path}: "
                       + "; ".join(conflicts) + ". The model outputs the ids it was trained with: drop "
                       "--label-map (the model's is used) or give one with the same ids")
    for w in warnings:
        warn(f"--label-map {given_path} differs from the model's {own_path}: {w}")


def old_files_notice(model_dir):
    """What an export of an older version holds that is no longer used (its ``reader.tflite``), or ""."""
    if (Path(model_dir).expanduser() / filenames.OLD_READER).is_file():
        return (f"{Path(model_dir) / filenames.OLD_READER} is the second stage of an older tod_ros and is not "
                "used: the detector alone reads each cube (its labels may differ from the old two-stage ones); "
                "re-export the model with 'tod export' to drop the file")
    return ""


def resolve_model(model, label_map=None, project=None, warn=_stderr):
    """``(model_dir, label_map_path)`` of an export folder or of its ``saved_model/`` folder.

    The label map is ``label_map`` when given (checked against the model's own with
    :func:`check_label_map`; ``warn`` prints the warnings), else ``label_map.pbtxt`` in the
    export folder, else the project's ``training/<project>/label_map.pbtxt``.
    """
    if not model:
        raise TodError("no model: give --model DIR (the folder written by 'tod export', or its saved_model/)")
    path = Path(model).expanduser()
    if not path.is_dir():
        raise TodError(f"{path}: no such model folder (give the folder written by 'tod export', "
                       "or a SavedModel folder with saved_model.pb)")
    if (path / filenames.SAVED_MODEL_PB).is_file() and path.name == filenames.SAVED_MODEL_DIR:
        path = path.parent                        # <export>/saved_model -> <export>
    notice = old_files_notice(path)
    if notice:
        warn(notice)
    if label_map:
        lm = Path(label_map).expanduser()
        if not lm.is_file():
            raise TodError(f"{lm}: no such label map file")
        check_label_map(lm, path / filenames.LABEL_MAP, warn)
        return path, lm
    candidates = [path / filenames.LABEL_MAP]
    if project is not None:
        candidates.append(project.label_map_path)
    for c in candidates:
        if c.is_file():
            return path, c
    raise TodError(f"no label map for {path}: give --label-map FILE (looked for "
                   + ", ".join(str(c) for c in candidates) + ")")

