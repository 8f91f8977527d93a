"""`defs`: everything `dagster dev -m just_dna_desktop.pipelines` loads."""

import dagster as dg

from .assets import (annotation_modules, ensembl_annotations, ensembl_hf_dataset,
                     user_annotated_vcf, user_findings, user_vcf_source)
from .jobs import annotate_vcf_job, user_annotated_vcf_job
from .resources import (AnnotationCacheIOManager, JustDnaFolders, SourceMetadataIOManager,
                        UserAssetIOManager)
from .sensors import discover_user_vcf_sensor

folders = JustDnaFolders()

defs = dg.Definitions(
    assets=[ensembl_hf_dataset, ensembl_annotations, user_vcf_source, user_annotated_vcf,
            annotation_modules, user_findings],
    jobs=[user_annotated_vcf_job, annotate_vcf_job],
    sensors=[discover_user_vcf_sensor],
    resources={
        "folders": folders,
        "annotation_cache_io_manager": AnnotationCacheIOManager(folders=folders),
        "user_asset_io_manager": UserAssetIOManager(folders=folders),
        "source_metadata_io_manager": SourceMetadataIOManager(folders=folders),
    },
)
