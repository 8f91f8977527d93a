"""Reading a person's genome files: VCF and gVCF (`vcf`), genotyping downloads from 23andMe,
AncestryDNA, MyHeritage, FTDNA, Living DNA and others (`genotypes`), and which genome build a file
is on (`build`). Every reader is bounded (`bounded`), reads UTF-16 and CR line ends as UTF-8 and LF
(`text`), and names the file and line of what it cannot read.

May import: the basics at the top of `core` only (never `reference`: files are read without it).
"""
