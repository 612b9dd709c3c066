"""Run labelimgplusplus so that every XML is saved beside its own image, in sub-folders too.

``python -m tod_ros.dataset.annotate_app IMAGE_DIR CLASS_FILE`` (what ``tod label`` runs).

labelimgplusplus 3.5.0 walks IMAGE_DIR recursively but, when it opens a folder, uses that folder
as its save folder (``request_import_dir_images``: ``save_dir = self.default_save_dir or dir_path``)
and names the XML after the image's stem only: ``images/p/train/a.png`` would be saved as
``images/p/a.xml``. With no save folder its writer saves beside each image (``request_save_file``),
and its reader looks beside the image. So the folder scan is given no save folder here; nothing
else of the application is changed. Checked against the pinned 3.5.0 (tests/test_label.py); with
another version the application is run as it is, on IMAGE_DIR with IMAGE_DIR as save folder.

The scan also leaves out the files it could not open (:func:`tod_ros.dataset.annotate.refused_images`,
named by ``tod label`` before it starts the annotator): labelimgplusplus stops at the first one.
"""
import sys

PATCHED_VERSION = "3.5.0"


def _save_beside_images():
    """Make folder scans carry no save folder; returns True when patched (known version)."""
    from libs import __version__
    from libs.core.dataset import DatasetSnapshot

    if __version__ != PATCHED_VERSION:
        return False
    from tod_ros.dataset.annotate import refused_images

    scan = DatasetSnapshot.scan.__func__

    def scan_without_save_dir(cls, root_dir, save_dir=None, generation=0, *args, **kwargs):
        snapshot = scan(cls, root_dir, None, generation, *args, **kwargs)
        refused = {str(p.absolute()) for p, _ in refused_images(root_dir)}
        if snapshot is None or not refused:
            return snapshot
        kept = [p for p in snapshot.image_paths if p not in refused]
        return cls.from_images(kept, root_dir=root_dir, save_dir=None, generation=generation, sort=True)

    DatasetSnapshot.scan = classmethod(scan_without_save_dir)
    return True


def main(argv=None):
    """``IMAGE_DIR CLASS_FILE``: start the annotator (blocks until its window is closed)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) != 2:
        print("usage: python -m tod_ros.dataset.annotate_app IMAGE_DIR CLASS_FILE", file=sys.stderr)
        return 2
    image_dir, class_file = argv
    save_dir = "" if _save_beside_images() else image_dir
    import labelImgPlusPlus

    app, _win = labelImgPlusPlus.get_main_app(["labelimgplusplus", image_dir, class_file, save_dir])
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
