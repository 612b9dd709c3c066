"""tod calibrate: where the table is for the robot's camera (a checkerboard picture, or 4+ points)."""
from tod_ros.geometry.table import CalibrationConfig

DEFAULTS = CalibrationConfig()


def add_arguments(parser):
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--image", help="picture of the checkerboard lying on the table, taken by the robot's camera")
    source.add_argument("--from-robot", action="store_true",
                        help="take that picture now from the robot's get_image service (ROS master running)")
    source.add_argument("--points", nargs="+", metavar="U,V=X,Y",
                        help="4 or more pixels of the camera's image and their table coordinates in metres, "
                             "e.g. 102,398=0,0 (no three on a line; needs --size)")
    parser.add_argument("--click", action="store_true",
                        help="with --image or --from-robot: click 4 or more points of known table position on the "
                             "picture (a window), then type their table coordinates, instead of a checkerboard")
    parser.add_argument("--size", default="640x480", help="image size for --points (default: %(default)s)")
    parser.add_argument("--out", help="calibration file (default: <$TOD_WORKSPACE or .>/calibration/table.yaml)")
    parser.add_argument("--board", default=f"{DEFAULTS.board_cols}x{DEFAULTS.board_rows}",
                        help="inner corners of the checkerboard, along x then y (default: %(default)s)")
    parser.add_argument("--square", type=float, default=DEFAULTS.square,
                        help="side of a checkerboard square in metres (default: %(default)s)")
    parser.add_argument("--hfov", type=float, default=DEFAULTS.hfov_deg,
                        help="horizontal field of view of the camera in degrees (default: %(default)s)")
    parser.add_argument("--cube-size", type=float, default=DEFAULTS.cube_size,
                        help="edge of a cube in metres: its top face lies this high (default: %(default)s)")
    parser.add_argument("--max-error", type=float, default=DEFAULTS.max_error_px,
                        help="refuse a calibration whose mean reprojection error is larger, px (default: %(default)s)")
    parser.add_argument("--draw", help="also write this PNG: the picture with the table's 5 cm grid drawn on it")


def _config(args):
    from tod_ros.dataset.synth import parse_size

    cols, rows = parse_size(args.board)
    return CalibrationConfig(hfov_deg=args.hfov, cube_size=args.cube_size, board_cols=cols, board_rows=rows,
                             square=args.square, max_error_px=args.max_error).validate()


def _points(args):
    from tod_ros.errors import TodError

    pixels, table = [], []
    for text in args.points:
        try:
            uv, xy = text.split("=")
            pixels.append([float(v) for v in uv.split(",")])
            table.append([float(v) for v in xy.split(",")])
        except ValueError:
            raise TodError(f"bad point {text!r}: write U,V=X,Y (pixel = table metres), e.g. 102,398=0,0") from None
    return pixels, table


def _picture(args):
    """``(bgr, where it comes from)`` for --image / --from-robot."""
    if args.image:
        from tod_ros.dataset.imagesize import read_image

        return read_image(args.image), args.image
    import rosgraph

    from tod_ros.capture import CameraConfig
    from tod_ros.errors import TodError
    from tod_ros.ros.robot_camera import RobotCamera
    from tod_ros.ros.rosinit import init_node

    if not rosgraph.is_master_online():
        raise TodError(f"no ROS master at {rosgraph.get_master_uri()}: start the robot first (its camera "
                       "in the scan pose), or give --image")
    init_node("tod_calibrate", anonymous=True, disable_signals=True)
    camera = RobotCamera(CameraConfig())
    return camera.grab(), camera.name


def run(args):
    from tod_ros.dataset.synth import parse_size
    from tod_ros.geometry import table
    from tod_ros.imageops import write_png
    from tod_ros.workspace import calibration_path

    cfg = _config(args)
    bgr = None
    if args.points:
        pixels, xy = _points(args)
        cal = table.from_points(pixels, xy, parse_size(args.size), cfg, source="--points")
    else:
        bgr, where = _picture(args)
        if args.click:
            from tod_ros.geometry.clicks import ask_table_points, click_points

            pixels = click_points(bgr)
            cal = table.from_points(pixels, ask_table_points(pixels), (bgr.shape[1], bgr.shape[0]), cfg,
                                    source=f"points clicked on {where}")
        else:
            cal = table.from_checkerboard(bgr, cfg, source=where)
    out = args.out or calibration_path()
    cal.save(out)
    x, y, z = cal.camera_centre()
    print(f"wrote {out}: camera at ({x:.3f}, {y:.3f}, {z:.3f}) m over the table, mean reprojection error "
          f"{cal.error_px:.2f} px")
    if args.draw:
        if bgr is None:
            import numpy as np

            bgr = np.zeros((cal.height, cal.width, 3), np.uint8)
        write_png(args.draw, table.draw(bgr, cal))
        print(f"wrote {args.draw}")
    return 0
