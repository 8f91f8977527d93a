"""What a written result says: the paged, filtered, sorted table query (`query`), its columns and
their meaning (`columns`), the sample summary (`summary`), the self-contained HTML report
(`report`, drawing with `svg_charts`) and links out to public databases (`links`).

May import: `engine`, `readers`, `reference` and the basics.
"""
