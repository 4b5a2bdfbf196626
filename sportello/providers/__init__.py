"""Channel providers: one package each."""
