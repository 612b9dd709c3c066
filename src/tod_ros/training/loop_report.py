"""What the training loop prints: one line per loop (step, loss, steps/s, ETA), the estimate of the
run from its first loops, each evaluation's AP figures (orbit actions of :mod:`tod_ros.training.trainer`)."""
import sys
import time


class Progress:
    """Orbit train action: one line per loop with step, loss, steps/s and ETA; keeps the loss history."""

    def __init__(self, global_step, total_steps, history, out=None):
        self.step, self.total = global_step, total_steps
        self.history = history
        self.out = out or sys.stdout
        self.last_step, self.last_time = int(global_step.numpy()), time.time()
        self.loops = []                     # (first step, last step, seconds) of each loop of this run

    def __call__(self, output):
        step, now = int(self.step.numpy()), time.time()
        rate = (step - self.last_step) / max(now - self.last_time, 1e-9)
        self.loops.append((self.last_step, step, now - self.last_time))
        self.last_step, self.last_time = step, now
        loss = float(output.get("total_loss", output.get("training_loss", float("nan"))))
        lr = float(output.get("learning_rate", float("nan")))
        eta = (self.total - step) / rate if rate > 0 else float("inf")
        self.history.append((step, loss, lr))
        print(f"step {step}/{self.total}  loss {loss:.4f}  lr {lr:.2e}  {rate:.2f} steps/s  "
              f"ETA {_fmt_seconds(eta)}", file=self.out, flush=True)
        if len(self.loops) == 2 and step < self.total:
            print(warmup_estimate(self.loops, self.total), file=self.out, flush=True)


def warmup_estimate(loops, total):
    """The line estimating the run from its first two loops: the first builds the graph (warm-up),
    the second gives this machine's speed; ``loops``: (first step, last step, seconds) each."""
    from tod_ros.progress import format_seconds

    (a, b, warm), (_, c, seconds) = loops[:2]
    rate = (c - b) / max(seconds, 1e-9)
    left = (total - c) / rate
    return (f"expected on this machine: {format_seconds(warm + seconds + left)} of training steps in all, "
            f"{format_seconds(left)} from now ({rate:.2f} steps/s measured over steps {b}-{c}; steps {a}-{b} "
            f"took {format_seconds(warm)} with the graph building), then the evaluation if any")


def _fmt_seconds(s):
    if s == float("inf"):
        return "?"
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class EvalReport:
    """Orbit eval action: print the COCO AP figures of each evaluation; count its seconds (the time
    since the last training loop ended, ``progress.last_time``)."""

    def __init__(self, global_step, out, progress=None):
        self.step, self.out, self.progress = global_step, out, progress
        self.seconds = 0.0

    def __call__(self, output):
        if self.progress is not None:
            self.seconds += time.time() - self.progress.last_time
        m = metrics_of(output)
        print(f"eval at step {int(self.step.numpy())}: AP {m.get('AP', float('nan')):.3f}  "
              f"AP50 {m.get('AP50', float('nan')):.3f}  AP75 {m.get('AP75', float('nan')):.3f}",
              file=self.out, flush=True)


def metrics_of(output):
    """The float values of an orbit output dict (others left out)."""
    out = {}
    for k, v in (output or {}).items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            continue
    return out


def announce_evaluations(trainer, out):
    """Say, before each evaluation of ``trainer`` (a Model Garden trainer) starts, that it starts:
    the COCO evaluation on the eval records takes a while and printed nothing before its figures."""
    begin = trainer.eval_begin

    def eval_begin():
        print(f"evaluating at step {int(trainer.global_step.numpy())} (COCO, on the eval records) ...",
              file=out, flush=True)
        return begin()

    trainer.eval_begin = eval_begin
