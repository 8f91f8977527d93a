"""The person's workspace and its runs: paths and options (`settings`), safe names (`names`), people
and samples in the input folder with their states (`samples`), the matching method kept for a
sample (`choices`), where a command may write (`outputs`), removing a sample or a person
(`removal`), the SQLite run history (`history`), which sample runs when (`scheduler`), the
supervised child process of one run (`runner`), the folder watcher (`watch`) and a failure said in
words (`failures`).

May import: every other package of `core`.
"""
