"""`loadlint server`: a language server (LSP over stdio, built on pygls) with loadlint's diagnostics,
quick fixes and model facts on hover.  Needs the `server` extra."""
