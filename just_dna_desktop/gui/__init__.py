"""The PySide6 window. It calls `core/`; nothing in `core/` imports from here."""
