"""The training loop: Model Garden's ``base_trainer.Trainer`` driven by an ``orbit.Controller``.

Checkpoints every ``checkpoint_every`` steps (keep-last-K ``tf.train.CheckpointManager``; a
killed run resumes at the last checkpointed step), one progress line every ``log_every``
steps (step, loss, steps/s, ETA), TensorBoard events under ``<model_dir>/{train,eval}``,
COCO evaluation on the eval records, ``loss_curve.png`` and ``train_config.yaml`` in the
model folder.
"""
import contextlib
import io
import json
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Optional

from tod_ros.fileio import atomic_path, atomic_write
from tod_ros.progress import STAGES, lap

from tod_ros.filenames import EVAL_METRICS as METRICS_NAME, LABEL_MAP as LABEL_MAP_NAME, \
    LOSS_CURVE as CURVE_NAME, LOSS_HISTORY as HISTORY_NAME, TRAIN_CONFIG as CONFIG_NAME
from tod_ros.training import runs
from tod_ros.training.inputs import expand_records, read_labels, resolve_paths
from tod_ros.training.loop_report import EvalReport, Progress, announce_evaluations, metrics_of


@dataclass
class TrainResult:
    """What :func:`train` did."""

    model_dir: Path
    start_step: int
    final_step: int
    resumed_from: Optional[str] = None
    initialized_from: Optional[str] = None
    metrics: Dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    history: List[tuple] = field(default_factory=list)
    warning: Optional[str] = None


def end_loss(history, final_step, num_steps, share=0.1):
    """Mean logged loss over the last ``share`` of ``num_steps`` before ``final_step`` (None: no history)."""
    tail = [loss for step, loss, *_ in history if step >= final_step - share * num_steps]
    tail = tail or [loss for _, loss, *_ in history[-1:]]
    return sum(tail) / len(tail) if tail else None


def loss_warning(history, final_step, config):
    """The warning for a finished run whose loss ended above ``config.warn_loss_above``, else None."""
    limit = config.warn_loss_above
    loss = end_loss(history, final_step, config.num_steps)
    if not limit or final_step < config.num_steps or loss is None or loss <= limit:
        return None
    return (f"warning: the loss ended at {loss:.3f}, above {limit:g} where runs of this recipe end when "
            "they converge; check the model with 'tod eval' before using it, or train again "
            "(docs/training.md, 'A run that did not converge')")


def make_strategy(name):
    """The ``tf.distribute`` strategy named in the config ('' = one device: the GPU if any, else CPU)."""
    import tensorflow as tf
    from official.common import distribute_utils

    gpus = len(tf.config.list_physical_devices("GPU"))
    name = name or "one_device"
    return distribute_utils.get_distribution_strategy(
        distribution_strategy=name, num_gpus=min(gpus, 1) if name == "one_device" else gpus)


def _read_history(model_dir, upto_step):
    path = Path(model_dir) / HISTORY_NAME
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text().splitlines()[1:]:
        step, loss, lr = line.split(",")
        if int(step) <= upto_step:
            rows.append((int(step), float(loss), float(lr)))
    return rows


def _write_history(model_dir, history):
    with atomic_write(Path(model_dir) / HISTORY_NAME) as fh:
        fh.write("step,loss,learning_rate\n")
        fh.writelines(f"{s},{l:.6g},{r:.6g}\n" for s, l, r in history)


def plot_loss_curve(history, path):
    """Loss against step as a PNG (matplotlib, Agg backend)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([h[0] for h in history], [h[1] for h in history], label="total loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)


class _HistoryAction:
    """Persist the loss history after every loop (so a killed run keeps its curve)."""

    def __init__(self, model_dir, history):
        self.model_dir, self.history = model_dir, history

    def __call__(self, _output):
        _write_history(self.model_dir, self.history)


def train(config, project=None, out=None, quiet_tf=True, start_message=None, fresh=False):
    """Train (or resume) the detector of ``config``; returns a :class:`TrainResult`.

    ``config`` is a :class:`~tod_ros.training.config.TrainConfig`; empty data paths come from
    ``project`` (a :class:`tod_ros.workspace.Project`). Progress lines go to ``out`` (stdout),
    ``start_message`` (where training starts from, :mod:`tod_ros.training.start`) first.
    A run already in ``model_dir`` is resumed when it trained on the same data; with other data
    or ``fresh`` it is moved to ``<model_dir>.previous`` first (:mod:`tod_ros.training.runs`).
    """
    config = resolve_paths(config, project).validate()
    if config.fine_tune_checkpoint.lower() in ("none", "scratch"):
        config = replace(config, fine_tune_checkpoint="")
    with runs.locked(config.model_dir):
        return _train(config, out or sys.stdout, quiet_tf, start_message, fresh)


def _train(config, out, quiet_tf, start_message, fresh):
    """:func:`train` once the model folder is locked."""
    from tod_ros.training.config import save_config
    from tod_ros.training.records import check_label_ids

    if start_message:
        print(start_message, file=out, flush=True)
    if config.fine_tune_checkpoint:
        from tod_ros.training.task import resolve_checkpoint
        resolve_checkpoint(config.fine_tune_checkpoint)  # fail before the model is built
    labels = read_labels(config.label_map)
    train_files = expand_records(config.train_records, "train_records")
    eval_files = expand_records(config.eval_records, "eval_records") if config.eval_records else []
    replay_files = expand_records(config.replay_records, "replay_records") if config.replay_records else []
    check_label_ids(train_files + eval_files + replay_files, labels, config.label_map)
    model_dir = Path(config.model_dir)
    inputs = _start_over_if_needed(config, model_dir, (train_files, replay_files), fresh, out)
    model_dir.mkdir(parents=True, exist_ok=True)
    save_config(config, model_dir / CONFIG_NAME, extra={"num_classes": f"{labels.max_id + 1} "
                                                          f"({labels.num_classes} labels + background)"})
    if Path(config.label_map).resolve() != (model_dir / LABEL_MAP_NAME).resolve():
        with atomic_path(model_dir / LABEL_MAP_NAME) as tmp:
            shutil.copyfile(config.label_map, tmp)
    runs.write_inputs(model_dir, inputs)
    if quiet_tf:
        from tod_ros.training.model import quiet_tf_logs

        quiet_tf_logs()
    return _run(config, labels, (train_files, eval_files, replay_files), model_dir, out, bool(start_message))


def _start_over_if_needed(config, model_dir, files, fresh, out):
    """The inputs of this run; the run in ``model_dir`` moved aside first when it trained on other data."""
    train_files, replay_files = files
    inputs = runs.inputs_of(train_files, replay_files, config.label_map, config.fine_tune_checkpoint)
    plan = runs.plan(model_dir, inputs, fresh)
    if plan.action == "restart":
        previous = runs.move_aside(model_dir, [*train_files, *replay_files, config.label_map])
        print(f"starting over: {plan.reason}; the previous run (step {plan.last_step}) is now in {previous}",
              file=out, flush=True)
    return inputs


def _build(config, labels, files, strategy):
    from official.core import base_trainer
    from official.modeling import performance

    from tod_ros.training.model import build_task, experiment_config

    train_files, eval_files, replay_files = files
    exp = experiment_config(config, labels.max_id, train_files, eval_files, replay_files)
    if config.use_bfloat16:
        performance.set_mixed_precision_policy("mixed_bfloat16")
    with strategy.scope():
        task = build_task(exp, config)
        model = task.build_model()
        optimizer = task.create_optimizer(exp.trainer.optimizer_config, exp.runtime)
        trainer = base_trainer.Trainer(exp, task, model=model, optimizer=optimizer, train=True,
                                       evaluate=bool(eval_files))
    return trainer


def _aligned_checkpoint_manager(tf):
    """A ``CheckpointManager`` class saving at the multiples of ``checkpoint_interval`` (and at the end).

    TF's manager counts the interval from its first save, and on a fresh run the first save
    came at the end of the first loop: ``checkpoint_every=5`` saved at steps 1, 6, 11. This one
    saves at the first loop end (every ``log_every`` steps) at or past each multiple.
    """
    class AlignedCheckpointManager(tf.train.CheckpointManager):
        def save(self, checkpoint_number=None, check_interval=True, options=None):
            every = self.checkpoint_interval
            if check_interval and every:
                step, last = int(self._step_counter.numpy()), self._last_checkpoint_step or 0
                if step // every <= int(last) // every:
                    return None
            return super().save(checkpoint_number, check_interval=False, options=options)

    return AlignedCheckpointManager


def _run(config, labels, files, model_dir, out, said_start=False):
    import orbit
    import tensorflow as tf

    tf.keras.utils.set_random_seed(config.seed)
    strategy = make_strategy(config.distribution_strategy)
    trainer = _build(config, labels, files, strategy)
    eval_files = files[1]
    manager = _aligned_checkpoint_manager(tf)(
        trainer.checkpoint, directory=str(model_dir), max_to_keep=config.keep_checkpoints,
        step_counter=trainer.global_step, checkpoint_interval=config.checkpoint_every,
        init_fn=trainer.initialize)
    history = []
    progress = Progress(trainer.global_step, config.num_steps, history, out)
    evaluation = EvalReport(trainer.global_step, out, progress)
    announce_evaluations(trainer, out)
    with contextlib.redirect_stdout(io.StringIO()):  # orbit prints its own lines; ours are on `out`
        controller = orbit.Controller(
            global_step=trainer.global_step, trainer=trainer, evaluator=trainer if eval_files else None,
            strategy=strategy, train_actions=[progress, _HistoryAction(model_dir, history)],
            eval_actions=[evaluation],
            steps_per_loop=config.log_every, checkpoint_manager=manager, summary_interval=config.log_every,
            summary_dir=str(model_dir / "train"), eval_summary_dir=str(model_dir / "eval"))
    start = int(trainer.global_step.numpy())
    history[:] = _read_history(model_dir, start)
    progress.last_step = start
    result = TrainResult(model_dir=model_dir, start_step=start, final_step=start,
                         resumed_from=manager.latest_checkpoint if start else None,
                         initialized_from=getattr(trainer.task, "restored_from", None))
    _announce(result, config, out, said_start)
    lap("TensorFlow, checks and model building")
    t0 = progress.last_time = time.time()
    try:
        output = _loop(controller, config, eval_files)
    except (tf.errors.InvalidArgumentError, tf.errors.DataLossError) as exc:
        from tod_ros.training.records import from_input_pipeline, input_error
        if not from_input_pipeline(exc):
            raise                     # not the records: a bug or an unsupported setting, keep the traceback
        raise input_error(exc, files[0] + files[2]) from None
    result.seconds = time.time() - t0 - evaluation.seconds
    STAGES.add("training steps", result.seconds)
    STAGES.add("evaluation", evaluation.seconds)
    result.final_step = int(trainer.global_step.numpy())
    result.metrics = metrics_of(output)
    result.history = list(history)
    result.warning = loss_warning(result.history, result.final_step, config)
    _finish(result, model_dir, out)
    lap("loss curve and metrics")
    return result


def _loop(controller, config, eval_files):
    with contextlib.redirect_stdout(io.StringIO()):  # orbit prints its own lines; ours are on `out`
        if eval_files:
            return controller.train_and_evaluate(train_steps=config.num_steps, eval_steps=-1,
                                                 eval_interval=config.eval_every or None)
        controller.train(steps=config.num_steps)
        return None


def _announce(result, config, out, said_start=False):
    if result.resumed_from:
        print(f"resumed from checkpoint {result.resumed_from} at step {result.start_step}", file=out, flush=True)
        if result.start_step >= config.num_steps:
            print(f"nothing to train: {result.model_dir} already holds step {result.start_step} of "
                  f"{config.num_steps}, trained on the same data; raise num_steps to train on, or --fresh "
                  f"to start over (the run then moves to {runs.previous_dir(result.model_dir)})",
                  file=out, flush=True)
    elif result.initialized_from:
        print(f"initialized from fine_tune_checkpoint {result.initialized_from} "
              f"({config.fine_tune_checkpoint_type})", file=out, flush=True)
    elif not config.fine_tune_checkpoint and not said_start:
        print("training from scratch", file=out, flush=True)
    print(f"training to step {config.num_steps} (batch {config.batch_size}, "
          f"{config.backbone} x{config.backbone_width}, "
          f"input {config.input_height}x{config.input_width}); checkpoints in {result.model_dir}; the expected "
          f"duration follows step {result.start_step + 2 * config.log_every}", file=out, flush=True)


def _finish(result, model_dir, out):
    if result.history:
        _write_history(model_dir, result.history)
        plot_loss_curve(result.history, model_dir / CURVE_NAME)
    if result.metrics:
        with atomic_write(model_dir / METRICS_NAME) as fh:
            json.dump({"step": result.final_step, **result.metrics}, fh, indent=2)
    print(f"done: step {result.final_step}, training steps {result.seconds:.0f} s; model in {model_dir}",
          file=out, flush=True)
    if result.warning:
        print(result.warning, file=out, flush=True)
