"""Makes the generated module importable: bindings/scripts/test.sh generates it (with the library next
to it) into target/bindings/python, or DONGHAENG_PY_BINDINGS points elsewhere."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GENERATED = Path(os.environ.get("DONGHAENG_PY_BINDINGS", ROOT / "target" / "bindings" / "python"))
if not (GENERATED / "donghaeng_ffi.py").exists():
    raise RuntimeError(f"generated bindings not found in {GENERATED}: run bindings/scripts/generate.sh")
sys.path.insert(0, str(GENERATED))
