"""tod doctor: check the installation and say how to fix what is missing."""
from tod_ros.doctor import FAIL, run_checks


def add_arguments(parser):
    parser.add_argument("--full", action="store_true", help="also build a small Model Garden RetinaNet")


def run(args):
    checks = run_checks(full=args.full)
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"[{c.status:>4}] {c.name:<{width}}  {c.detail}")
        if c.fix:
            print(f"{'':>7} {'':<{width}}  fix: {c.fix}")
    failed = [c.name for c in checks if c.status == FAIL]
    print("all checks passed" if not failed else f"{len(failed)} check(s) failed: {', '.join(failed)}")
    return 1 if failed else 0
