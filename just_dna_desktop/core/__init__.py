"""The Qt-free engine, in packages named after what they hold. Imports flow one way, top to bottom
(tests/test_core_layers.py checks it; nothing in `core` imports PySide6, the GUI, the CLI or the
Dagster layer):

    workspace/   the person's folders, settings, names, run history, scheduling, the child
                 process that runs an annotation, the folder watcher
    results/     what a result says: the paged table query, its columns, the summary, the report
    engine/      annotation: the reference join by position, matching by rsID, run metrics
    readers/     genome files: VCF/gVCF, genotyping files (23andMe, AncestryDNA, ...), their build
    reference/   the Ensembl reference: Hub download, the local cache, prepared copies, the demo slice

`readers` and `reference` sit side by side and never import each other. Below every package, the
basics they all use: `errors` (the expected failures), `cancel` (cancel tokens), `housekeeping`
(temporary names and sweeping them), `publish` (replacing an output and recording its run),
`layout` (the names of the files in a sample's output folder), `hub` (files from a Hugging Face
dataset, fetched verified and resumable).
"""
