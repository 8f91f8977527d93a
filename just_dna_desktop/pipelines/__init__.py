"""The seed's Dagster pipeline over the desktop's core (optional extra `pipelines`).

    dagster dev -m just_dna_desktop.pipelines          (or: just-dna-desktop pipelines)

Assets, sensor, jobs and IO managers keep the seed's names (PIPELINE.md); every file stays where
the desktop keeps it, and every run lands in the desktop's run history. Nothing in the desktop
app imports this package, so the app and its bundle never need Dagster.

(No `from __future__ import annotations` in this package: Dagster reads the config and resource
types from the annotations while the definitions load.)
"""

from .definitions import defs

__all__ = ["defs"]
