"""The annotated real photos of ../shared/data/real_cubes, shared by bench/quality and bench/robustness."""
import sys


def real_photos(real_dir, bench, at_least=1):
    """The annotated photos (image + labelImg XML) of ``real_dir``, sorted by name; ``bench`` exits
    with a message when the folder is missing or holds fewer than ``at_least``."""
    if not real_dir.is_dir():
        sys.exit(f"bench/{bench}: {real_dir} not found (the annotated real photos of ../shared/data/real_cubes)")
    photos = sorted(p for p in real_dir.iterdir() if p.suffix.lower() in (".jpg", ".png")
                    and p.with_suffix(".xml").exists())
    if len(photos) < at_least:
        sys.exit(f"bench/{bench}: {real_dir}: need at least {at_least} annotated photos")
    return photos


def link_photos(photos, folder):
    """Symlink photos and their XML into ``folder`` (the photos stay where they are); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in photos:
        for f in (p, p.with_suffix(".xml")):
            if not (folder / f.name).exists():
                (folder / f.name).symlink_to(f)
    return folder
