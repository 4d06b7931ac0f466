"""Tab "PagedAttention". Modules: `tab` (widgets and handlers), `text` (English and Japanese)."""
from demos.paged_attention.tab import BUILT_KEYS, CSS, SECTIONS, TEXT, build, engine_kv, linked_controls, warm_up

__all__ = ["BUILT_KEYS", "CSS", "SECTIONS", "TEXT", "build", "engine_kv", "linked_controls", "warm_up"]
