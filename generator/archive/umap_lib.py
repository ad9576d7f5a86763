"""umap-learn, imported without TensorFlow.

umap-learn's package import tries ``umap.parametric_umap``, which imports TensorFlow whenever it is installed
(the ``tf`` extra): 30-45 s on these machines, for a class the map never uses. Marking that one submodule as
absent makes umap-learn take its own "TensorFlow not installed" branch; everything else is the same package.
"""

from __future__ import annotations

import sys
import warnings
from types import ModuleType


def import_umap() -> ModuleType:
    """``umap.umap_`` (UMAP, fuzzy_simplicial_set ...); raises ImportError when umap-learn is missing."""
    if "umap" not in sys.modules:
        sys.modules.setdefault("umap.parametric_umap", None)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        import umap.umap_ as umap_module
    module: ModuleType = umap_module
    return module
