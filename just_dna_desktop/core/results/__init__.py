"""What a written result says: the paged, filtered, sorted table query (`query`), its columns and
their meaning (`columns`), the sample summary (`summary`), the annotation modules' findings
arranged for a person (`sample_findings`) in fixed plain words (`plain_words`), the
self-contained HTML report (`report`, drawing with `svg_charts`) and links out to public databases
and studies (`links`).

May import: `modules`, `engine`, `readers`, `reference` and the basics.
"""
