"""Jobs: the partitioned one the sensor starts, and the seed's ad-hoc `annotate_vcf_job`."""

from pathlib import Path

import dagster as dg

from ..core.workspace.samples import sample_name_of
from .annotation import AnnotationConfig, annotate
from .assets import user_annotated_vcf, user_findings, user_vcf_source
from .resources import JustDnaFolders

# One run per sample (partition): record its file, annotate it, then its findings. The sensor
# runs `user_findings` alone (an asset selection) when only the findings are out of date.
user_annotated_vcf_job = dg.define_asset_job(
    "user_annotated_vcf_job", selection=[user_vcf_source, user_annotated_vcf, user_findings],
    description="Annotate one user's sample (a user_vcf_files partition) and find what the "
                "installed annotation modules say about it; started by discover_user_vcf_sensor "
                "for new and stale samples, and for its findings alone when a module changed.")


@dg.op(out=dg.Out(io_manager_key="user_asset_io_manager"))
def annotate_user_vcf_op(context: dg.OpExecutionContext, config: AnnotationConfig,
                         folders: JustDnaFolders) -> dg.Output:
    """Annotate any VCF (`vcf_path`) into `{output}/{user_name}/{sample}/`, without a partition.
    A sample file of the input folder keeps its user and sample names; anything else is `adhoc`."""
    if not config.vcf_path:
        raise dg.Failure("annotate_user_vcf_op needs config vcf_path", allow_retries=False)
    vcf = Path(config.vcf_path).absolute()
    found = folders.workspace(folders.settings()).partition_of(vcf)
    user, sample = found or ("adhoc", sample_name_of(vcf.name))
    return annotate(context, folders, config, vcf=vcf, user=config.user_name or user,
                    sample=config.sample_name or sample)


@dg.job(description="Ad-hoc annotation of one VCF (config: vcf_path, user_name), as in the seed.")
def annotate_vcf_job():
    annotate_user_vcf_op()
