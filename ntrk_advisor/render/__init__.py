"""Turn a `Result` into what a reader sees: a rich screen, Markdown for MDT notes, JSON, or an HTML report."""
