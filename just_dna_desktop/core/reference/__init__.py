"""The Ensembl variation reference and its local copies: where it comes from (`sources`), the Hub
download (`download`), the verified cache of chromosome files (`cache`), their column names
(`schema`), the decode-friendly prepared copies (`prepared`) and the bundled demo slice (`demo`).

May import: the basics at the top of `core` only.
"""
