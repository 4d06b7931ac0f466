"""Tab "Sampling penalties". Modules: `tab` (widgets and handlers), `text` (English and Japanese)."""
from demos.penalties.tab import TEXT, build

__all__ = ["TEXT", "build"]
