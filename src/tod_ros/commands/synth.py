"""tod synth: generate synthetic cube photos with labelImg XML (see docs/synthetic.md)."""


def add_arguments(parser):
    from tod_ros.dataset.synth import FORMATS, SynthConfig
    from tod_ros.dataset.synth_tables import TABLES

    d = SynthConfig()
    parser.add_argument("--out", help="output folder (created if missing); required unless --sheet")
    parser.add_argument("--count", type=int, help="number of images; required unless --sheet")
    parser.add_argument("--seed", type=int, default=0, help="random seed: same seed, same files (default 0)")
    parser.add_argument("--size", default=f"{d.width}x{d.height}", help="image size WIDTHxHEIGHT (default %(default)s)")
    parser.add_argument("--scale", type=float, default=d.scale,
                        help="resize the written images and boxes by this after drawing: 0.5 writes 320x240 "
                             "images at the model's input scale, 4x cheaper to decode in training "
                             "(default %(default)s)")
    parser.add_argument("--min-cubes", type=int, default=d.min_cubes,
                        help="fewest labelled cubes per image (default %(default)s)")
    parser.add_argument("--max-cubes", type=int, default=d.max_cubes,
                        help="most labelled cubes per image (default %(default)s)")
    parser.add_argument("--format", choices=FORMATS, default=d.image_format, help="image format (default %(default)s)")
    parser.add_argument("--split", type=float, default=d.split,
                        help="write into OUT/train and OUT/test, this fraction in test/ (e.g. 0.1; default: no split)")
    parser.add_argument("--sheet", metavar="PNG", default=None,
                        help="instead of a data set, write a contact sheet of synthetic samples next to real photos")
    parser.add_argument("--real", metavar="DIR", default=None,
                        help="annotated real photos for --sheet (default: $TOD_REAL_CUBES, else "
                             "../shared/data/real_cubes beside the package's source checkout)")
    parser.add_argument("--fonts", metavar="DIR", action="append", default=[],
                        help="also draw digits in the fonts of DIR (.ttf/.otf/.woff; repeatable), e.g. the "
                             "hand-writing fonts of tools/fetch_fonts.sh; default: the Debian ones only")
    parser.add_argument("--tables", default=",".join(d.tables),
                        help="table styles drawn per image, comma-separated, among "
                             f"{', '.join(TABLES)} (default %(default)s)")
    parser.add_argument("--backgrounds", metavar="DIR", default=d.backgrounds,
                        help="photos of your own tables (.png/.jpg): random crops of them become one more table "
                             "style ('photo'; --tables photo: only these)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    from tod_ros.dataset.synth import SynthConfig, generate, parse_size
    from tod_ros.errors import TodError

    width, height = parse_size(args.size)
    cfg = SynthConfig(width=width, height=height, min_cubes=args.min_cubes, max_cubes=args.max_cubes,
                      image_format=args.format, split=args.split, scale=args.scale, fonts=_fonts(args.fonts),
                      tables=_tables(args.tables, args.backgrounds), backgrounds=args.backgrounds or "")
    if args.sheet:
        from tod_ros.dataset.synth_sheet import write_contact_sheet

        from tod_ros.resources import real_cubes_dir

        path = write_contact_sheet(args.sheet, real_dir=args.real or real_cubes_dir(), seed=args.seed, config=cfg)
        print(f"wrote {path}")
        return 0
    if args.out is None or args.count is None:
        raise TodError("tod synth needs --out DIR and --count N (or --sheet PNG)")
    paths = generate(args.out, args.count, seed=args.seed, config=cfg, progress=not args.quiet)
    n_obj = sum(_count_objects(p) for p in paths)
    print(f"wrote {len(paths)} images + XML ({n_obj} boxes) under {args.out}")
    return 0


def _fonts(folders):
    """None (the installed fonts) without --fonts, else the installed fonts and those of the folders."""
    if not folders:
        return None
    from tod_ros.dataset.synth_glyphs import find_fonts, fonts_in

    return find_fonts() + tuple(f for folder in folders for f in fonts_in(folder))


def _tables(text, backgrounds):
    """The table styles of ``--tables`` ('photo' is added by --backgrounds, not a drawn style)."""
    from tod_ros.errors import TodError

    styles = tuple(t.strip() for t in text.split(",") if t.strip() and t.strip() != "photo")
    if "photo" in text.split(",") and not backgrounds:
        raise TodError("--tables photo needs --backgrounds DIR (photos of your tables)")
    return styles


def _count_objects(xml_path):
    return xml_path.read_text(encoding="utf-8").count("<object>")
