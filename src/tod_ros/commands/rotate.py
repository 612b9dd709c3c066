"""tod rotate: turn annotated photos (image and boxes) by a quarter turn, exactly."""


def add_arguments(parser):
    parser.add_argument("--images", required=True, help="folder of images with labelImg XML")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--angle", type=int, required=True, choices=(90, 180, 270),
                        help="clockwise turn in degrees")


def run(args):
    from tod_ros.dataset.rotate import rotate_folder

    n = rotate_folder(args.images, args.out, args.angle)
    print(f"wrote {n} images + XML turned by {args.angle} degrees into {args.out}")
    return 0
