"""The names of the files in a sample's output folder, `{output}/{user}/{sample}/` (the earlier
pipeline's layout, kept so its tools read our results): one name for every package that writes,
finds or reads them."""

OUTPUT_FILE_NAME = "user_annotated_vcf.parquet"  # the annotated allele rows of one sample
FINDINGS_FILE_NAME = "findings.parquet"  # what the installed annotation modules say about it
