"""`python -m pipeline` / `newsfacts`: run the configured job (Hydra).

Exit status: 0 when every input became a record; 1 when any input failed (its error is in errors.jsonl;
set fail_on_errors=false to exit 0 anyway); 2 for a configuration error, before any work is done, with one
line on stderr; 130 when interrupted (Ctrl-C; rerun the same command to resume).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

CONF_DIR = str(Path(__file__).resolve().parent.parent / "conf")
log = logging.getLogger("newsfacts")
# Hydra's own flags (--help, --cfg job, --info, -cp ...) are left to Hydra; -m only changes how we check.
_MULTIRUN_FLAGS = {"-m", "--multirun"}


def main() -> None:
    """Check the command line's config first, so a config error is one line and exit 2 (Hydra would print
    a multi-line message and exit 1, the status that means "a record failed"); then run through Hydra."""
    problem = config_problem(sys.argv[1:])
    if problem:
        print(f"newsfacts: config error: {problem}", file=sys.stderr)
        sys.exit(2)
    _hydra_main()


def config_problem(argv: list[str], conf_dir: str = CONF_DIR) -> str | None:
    """One line describing why these overrides do not compose into a config, or None when they do."""
    flags = [a for a in argv if a.startswith("-")]
    overrides = [a for a in argv if not a.startswith("-")]
    multirun = any(f in _MULTIRUN_FLAGS for f in flags)
    groups = {p.name for p in Path(conf_dir).iterdir() if p.is_dir()}
    for override in overrides:
        key, sep, value = override.lstrip("+~").partition("=")
        if sep and key in groups:
            # A sweep (-m model=a,b) names several options; each must exist.
            for option in (value.split(",") if multirun else [value]):
                if not (Path(conf_dir) / key / f"{option.strip()}.yaml").is_file():
                    available = sorted(p.stem for p in (Path(conf_dir) / key).glob("*.yaml"))
                    return f"unknown {key} {option.strip()!r}; available: {', '.join(available)}"
    if set(flags) - _MULTIRUN_FLAGS or multirun:
        return None  # Hydra's flags, or sweeps (not composable one by one here): Hydra reports those itself
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        with initialize_config_dir(config_dir=conf_dir, version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
            job = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
            OmegaConf.to_container(job, resolve=True)  # interpolation errors, too
    except (HydraException, OmegaConfBaseException) as exc:
        return _one_line(str(exc))
    return None


def _one_line(message: str) -> str:
    # Hydra's messages: a statement, a hint, then indented detail and the config search path.
    lines = [line.strip() for line in message.splitlines()
             if line.strip() and not line[:1].isspace() and not line.startswith("Config search path")]
    return " ".join(lines[:2]) or "invalid configuration"


@hydra.main(config_path=CONF_DIR, config_name="config", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> int:
    from pydantic import ValidationError

    from pipeline.backends.loading import ModelUnavailableError
    from pipeline.ingest import InputConfigError
    from pipeline.linguistics.parser import ParserUnavailableError
    from pipeline.prompts import PromptError
    from pipeline.resume import ResumeError
    from pipeline.runner import run_pipeline

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    config = OmegaConf.to_container(cfg, resolve=True)
    try:
        if (config.get("runner") or {}).get("kind", "local") == "ray":
            from pipeline.ray_runner import run_pipeline_ray as run
        else:
            run = run_pipeline
        result = run(config, run_dir)
    except (InputConfigError, ModelUnavailableError, ParserUnavailableError, PromptError, ResumeError, ValidationError,
            ValueError) as exc:
        message = " ".join(str(exc).split()) if not isinstance(exc, ValidationError) else _pydantic_line(exc)
        print(f"newsfacts: config error: {message}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"newsfacts: interrupted; what was finished is saved in {run_dir}; rerun with "
              f"hydra.run.dir={run_dir} to resume", file=sys.stderr)
        sys.exit(130)
    print(f"newsfacts: read {result.read}, written {result.written}, failed {result.failed} -> {run_dir}",
          file=sys.stderr)
    if result.failed and cfg.get("fail_on_errors", True):
        sys.exit(1)
    return 0


_SECTIONS = {"ModelSpec": "model", "RuntimeSpec": "runtime", "DecodingSpec": "decoding", "ExtractSpec": "extract",
             "CacheSpec": "cache"}


def _pydantic_line(exc) -> str:
    section = _SECTIONS.get(exc.title)
    return "; ".join(f"{'.'.join(map(str, ([section] if section else []) + list(e['loc'])))}: {e['msg']}"
                     for e in exc.errors())


if __name__ == "__main__":
    main()
