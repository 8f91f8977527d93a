"""Shared set-up for the Dagster layer's tests: a data folder with the demo reference and samples."""

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from just_dna_desktop.pipelines import defs
from just_dna_desktop.pipelines.sensors import discover_user_vcf_sensor

REVISION = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"  # the demo cache's manifest revision


@dataclass
class Lab:
    """A data folder with the demo reference in its cache (as a downloaded revision) and samples."""

    settings: object

    def add_sample(self, user: str, sample: str, age_seconds: float = 120.0,
                   source: Path | None = None) -> Path:
        """Copy the demo VCF (or `source`) in as `{input}/{user}/{sample}.vcf`, `age_seconds` old."""
        from just_dna_desktop.core.reference.demo import DEMO_VCF

        path = self.settings.input_dir / user / f"{sample}.vcf"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source or DEMO_VCF, path)
        then = time.time() - age_seconds
        os.utime(path, (then, then))
        return path

    def history(self):
        from just_dna_desktop.core.workspace.history import History

        return History(self.settings.history_file)


def tick(instance, apply: bool = True) -> dg.SensorResult:
    """One sensor evaluation; its new partitions are added, as the daemon would."""
    with dg.build_sensor_context(instance=instance, definitions=defs,
                                 resources={"folders": defs.resources["folders"]}) as context:
        result = discover_user_vcf_sensor(context)
    if apply:
        for request in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    return result


def requested(result: dg.SensorResult) -> dict[str, dg.RunRequest]:
    return {request.partition_key: request for request in result.run_requests}
