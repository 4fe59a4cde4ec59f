"""`python -m pipeline` / `newsfacts`: run the configured job (Hydra).

Exit status: 0 when every input became a record; 1 when any input failed (its error is in errors.jsonl;
set fail_on_errors=false to exit 0 anyway); 2 for a configuration error, before any work is done.
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


@hydra.main(config_path=CONF_DIR, config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> int:
    from pydantic import ValidationError

    from pipeline.backends.loading import ModelUnavailableError
    from pipeline.ingest import InputConfigError
    from pipeline.prompts import PromptError
    from pipeline.runner import run_pipeline

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    config = OmegaConf.to_container(cfg, resolve=True)
    try:
        result = run_pipeline(config, run_dir)
    except (InputConfigError, ModelUnavailableError, PromptError, ValidationError, ValueError) as exc:
        message = " ".join(str(exc).split()) if not isinstance(exc, ValidationError) else _pydantic_line(exc)
        print(f"newsfacts: config error: {message}", file=sys.stderr)
        sys.exit(2)
    print(f"newsfacts: read {result.read}, written {result.written}, failed {result.failed} -> {run_dir}",
          file=sys.stderr)
    if result.failed and cfg.get("fail_on_errors", True):
        sys.exit(1)
    return 0


def _pydantic_line(exc) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


if __name__ == "__main__":
    main()
