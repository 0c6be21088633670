"""The command-line face of the library: thin typed commands, heavy imports inside them."""
