"""Tab "Sampling penalties". Modules: `tab` (widgets and handlers), `text` (English and Japanese)."""
from demos.penalties.tab import BUILT_KEYS, TEXT, build

__all__ = ["BUILT_KEYS", "TEXT", "build"]
