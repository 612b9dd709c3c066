"""Points clicked on the camera's picture for ``tod calibrate --click``, and their table coordinates.

:func:`click_points` shows the picture in a matplotlib window (left click adds a point, right click
or Backspace removes the last, Enter ends); :func:`ask_table_points` then asks the table coordinates
of each point in the terminal.
"""
from tod_ros.errors import TodError

MIN_POINTS = 4
TITLE = "click 4+ points of known table position (right click: undo), then Enter"


def click_points(bgr):
    """Pixels clicked in a window on ``bgr``; TodError without a display or with fewer than 4 points."""
    from tod_ros.imageops import has_display

    if not has_display():
        raise TodError("--click needs a display: give the points with --points U,V=X,Y instead")
    import matplotlib.pyplot as plt

    fig = plt.figure("tod calibrate")
    plt.imshow(bgr[:, :, ::-1])
    plt.title(TITLE)
    plt.axis("off")
    try:
        points = plt.ginput(n=-1, timeout=0, show_clicks=True)
    finally:
        plt.close(fig)
    if len(points) < MIN_POINTS:
        raise TodError(f"{len(points)} point(s) clicked, at least {MIN_POINTS} needed: nothing written")
    return [(float(x), float(y)) for x, y in points]


def ask_table_points(pixels, ask=input):
    """Table coordinates (m) of each pixel, asked one by one as "x,y" (asked again until it parses)."""
    table = []
    for i, (u, v) in enumerate(pixels, start=1):
        while True:
            try:
                text = ask(f"point {i} at pixel ({u:.0f}, {v:.0f}): table x,y in metres? ")
            except EOFError:
                raise TodError("no table coordinates given: nothing written") from None
            try:
                x, y = (float(t) for t in text.replace(" ", "").split(","))
            except ValueError:
                print(f"  {text!r} is not x,y (e.g. 0.05,0.1)")
                continue
            table.append((x, y))
            break
    return table
