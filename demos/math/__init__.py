"""Tab "Math". Modules: `tab` (widgets and handlers), `text` (English and Japanese)."""
from demos.math.tab import BUILT_KEYS, TEXT, build

__all__ = ["BUILT_KEYS", "TEXT", "build"]
