"""The Gradio side: one module or package per tab, named like its engine package in `playground/`.

Each tab exposes `TEXT` (its English and Japanese strings) and `build()`; `common` holds what all share.
"""
