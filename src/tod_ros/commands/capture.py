"""tod capture, and ``rosrun tod_ros capture.py`` (ROS node name ``capture_tool``, anonymous):
save frames from the robot's ``get_image`` service as imageNNN.png.

Interactive (default): Enter saves a frame, ``q`` + Enter quits; a preview window is
shown only when a display exists. Headless: ``--count N --interval S``.
"""
import sys
import time
from pathlib import Path

from tod_ros.capture import CaptureConfig, save_frame
from tod_ros.commands._common import script_main
from tod_ros.errors import TodError
from tod_ros.imageops import has_display
from tod_ros.workspace import Project

NODE_NAME = "capture_tool"


def add_arguments(p):
    """Command-line options (defaults from CaptureConfig)."""
    d = CaptureConfig()
    p.add_argument("-p", "--project", default=d.project,
                   help="project: saves into images/<project>/ (default %(default)s)")
    p.add_argument("-o", "--out-dir", default=None, help="folder to save into (overrides --project)")
    p.add_argument("--workspace", default=None, help="workspace root (default: $TOD_WORKSPACE or .)")
    p.add_argument("-n", "--count", type=int, default=d.count, help="headless: save N frames then exit")
    p.add_argument("--interval", type=float, default=d.interval, help="headless: seconds between frames")
    p.add_argument("--prefix", default=d.prefix, help="file name prefix (default %(default)s)")
    p.add_argument("--service", default=d.service, help="GetImage service name (default %(default)s)")
    p.add_argument("--timeout", type=float, default=d.service_timeout,
                   help="seconds to wait for the service, and for each call (default %(default)s)")
    p.add_argument("--retries", type=int, default=d.retries, help="extra attempts after a failed call")
    p.add_argument("--no-preview", dest="preview", action="store_false", default=None, help="never open a window")


def config_from_args(args):
    """CaptureConfig from parsed options; out_dir resolved from the project layout when not given."""
    out_dir = args.out_dir or str(Project.at(args.project, args.workspace).images_dir)
    return CaptureConfig(out_dir=out_dir, project=args.project, prefix=args.prefix, service=args.service,
                         service_timeout=args.timeout, call_timeout=args.timeout, retries=args.retries,
                         count=args.count, interval=args.interval, preview=args.preview)


def _preview(bgr, enabled):
    if not enabled:
        return
    import cv2

    cv2.imshow("Poppy camera (tod_ros capture)", bgr)
    cv2.waitKey(1)


def run_headless(camera, cfg, out=sys.stdout):
    """Save ``cfg.count`` frames ``cfg.interval`` s apart; return the number saved."""
    saved = 0
    for i in range(cfg.count):
        try:
            path = save_frame(cfg.out_dir, camera.grab(), cfg.prefix, cfg.digits)
        except TodError as exc:
            print(f"frame {i + 1}/{cfg.count} not saved: {exc}", file=sys.stderr)
        else:
            saved += 1
            print(f"saved {path}", file=out, flush=True)
        if i + 1 < cfg.count:
            time.sleep(cfg.interval)
    return saved


def run_interactive(camera, cfg, stdin=sys.stdin, out=sys.stdout):
    """Enter saves a frame, ``q`` quits (works in a plain terminal); return the number saved."""
    preview = has_display() if cfg.preview is None else cfg.preview
    saved = 0
    print(f"Saving into {cfg.out_dir}. Press Enter to save a frame, q then Enter to quit.", file=out, flush=True)
    while True:
        line = stdin.readline()
        if not line or line.strip().lower() in ("q", "quit", "exit"):
            break
        try:
            bgr = camera.grab()
            path = save_frame(cfg.out_dir, bgr, cfg.prefix, cfg.digits)
        except TodError as exc:
            print(f"not saved: {exc}", file=sys.stderr, flush=True)
            continue
        saved += 1
        print(f"saved {path}", file=out, flush=True)
        _preview(bgr, preview)
    return saved


def run(args):
    """Capture with parsed options; returns the exit status (1 when a headless frame was not saved).
    A TodError (no master, no camera service) reaches the entry point, which prints it under its own
    name: ``tod: error: ...`` or ``capture.py: error: ...``."""
    import rosgraph

    from tod_ros.ros.robot_camera import RobotCamera
    from tod_ros.ros.rosinit import init_node

    cfg = config_from_args(args)
    if not rosgraph.is_master_online():
        raise TodError(f"no ROS master at {rosgraph.get_master_uri()}: start the robot "
                       "(or 'roslaunch tod_ros sim_robot.launch image_dir:=...') first")
    init_node(NODE_NAME, anonymous=True, disable_signals=False)
    camera = RobotCamera(cfg)
    Path(cfg.out_dir).mkdir(parents=True, exist_ok=True)
    saved = run_headless(camera, cfg) if cfg.count > 0 else run_interactive(camera, cfg)
    print(f"{saved} image(s) saved in {cfg.out_dir}")
    return 0 if cfg.count <= 0 or saved == cfg.count else 1


def main(argv=None):
    """Entry point of ``rosrun tod_ros capture.py``."""
    return script_main(sys.modules[__name__], "capture.py", argv)
