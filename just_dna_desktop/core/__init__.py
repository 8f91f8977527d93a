"""The Qt-free engine: paths, VCF reading, the reference cache, annotation, metrics.

Nothing in this package may import PySide6 (a test enforces it), so the GUI, the CLI and the
headless `watch` service share one engine.
"""
