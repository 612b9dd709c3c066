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

For reviewing pre-annotations (pinned version only, :func:`review_friendly`): the window fills the
screen; every image is fitted into the canvas's own viewport (3.5.0 fits it into the whole central
widget, side panel included, so a 640x480 photo came up cut off, at ~80 % or ~190 %); the class name
is drawn on every box; and ``Space`` on an already verified image keeps it verified (3.5.0 toggles,
so a second pass with Space un-verified reviewed files) and says so in the status bar.
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


ALREADY_VERIFIED = "already verified: Space keeps it verified (edit a box and save to change it)"


def _verify_only_once():
    """Make Verify (Space) leave an already verified image verified; the original toggles it."""
    from labelImgPlusPlus import MainWindow
    from libs.core.video_types import DocumentKind

    toggle = MainWindow.request_verify_image

    def verify(self, _value=False):
        if self.document_kind == DocumentKind.IMAGE and self.canvas.verified:
            self.status(ALREADY_VERIFIED)
            return None
        return toggle(self, _value)

    MainWindow.request_verify_image = verify


def _readable_labels():
    """Draw each box's class name white on a tag of the box's colour (3.5.0 draws it in the box's
    half-transparent colour, hard to read on a dark photo)."""
    from libs.core.shape import Shape
    from PyQt5.QtCore import QRectF, Qt
    from PyQt5.QtGui import QColor, QFont, QFontMetrics

    def draw_label(self, painter):
        left, top = self._get_top_left_corner()
        if left == sys.maxsize or top == sys.maxsize:
            return
        font = QFont()
        font.setPointSize(self.label_font_size)
        font.setBold(True)
        text = self.label or ""
        metrics = QFontMetrics(font)
        width, height = metrics.horizontalAdvance(text) + 8, metrics.height()
        tag = QRectF(left, top - height if top >= height else top, width, height)   # above, or inside at the top
        color = QColor(self.line_color)
        color.setAlpha(255)
        painter.setFont(font)
        painter.fillRect(tag, color)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(tag, int(Qt.AlignCenter), text)

    Shape._draw_label = draw_label


def _fit_in_viewport(win):
    """The fit-window scale of ``win``'s image: the canvas's scroll-area viewport, not the central widget."""
    from libs.widgets import view_scaling

    viewport = win.scroll_area.viewport()
    return view_scaling.fit_window_scale(viewport.width(), viewport.height(),
                                         win.canvas.pixmap.width(), win.canvas.pixmap.height())


def review_friendly(win):
    """Maximise ``win``, fit every image into the canvas, draw the class name on every box."""
    from PyQt5.QtWidgets import QApplication

    win.scalers[win.FIT_WINDOW] = lambda: _fit_in_viewport(win)
    win.zoom_mode = win.FIT_WINDOW
    win.actions.fitWindow.setChecked(True)
    win.display_label_option.setChecked(True)
    win.toggle_paint_labels_option()
    win.setGeometry(QApplication.desktop().availableGeometry(win))   # without a window manager too
    win.showMaximized()


def main(argv=None):
    """``IMAGE_DIR CLASS_FILE``: start the annotator (blocks until its window is closed)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) != 2:
        print("usage: python -m tod_ros.dataset.annotate_app IMAGE_DIR CLASS_FILE", file=sys.stderr)
        return 2
    image_dir, class_file = argv
    known = _save_beside_images()
    save_dir = "" if known else image_dir
    import labelImgPlusPlus

    if known:
        _verify_only_once()
        _readable_labels()
    app, win = labelImgPlusPlus.get_main_app(["labelimgplusplus", image_dir, class_file, save_dir])
    if known:
        review_friendly(win)
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
